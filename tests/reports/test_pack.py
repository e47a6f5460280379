"""The agenda pack: parts in order, each on a right-hand page after a page intentionally left
blank where needed, "Page X of Y" on every page, a bookmark per part; and uploaded papers
refused, with a message naming the file, when they cannot go in a pack."""

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader, PdfWriter

from frameworks.reports.pack import (
    BLANK_PAGE_TEXT,
    MB,
    AssembledPack,
    PackPart,
    PartPlacement,
    PlannedPart,
    assemble_pack,
    check_paper,
    paper_page_count,
    plan_pack,
)
from frameworks.reports.render import PDF_VARIANT, PRINT_CSS, _font_timestamp, html_document

BOARD = "Transformation Advisory Board"
A4 = (595.28, 841.89)  # points


def render(title: str, pages: list[str], *, landscape: bool = False, css: str = "") -> bytes:
    """A small tagged PDF as the reports are rendered: one page per item of `pages`."""
    size = "A4 landscape" if landscape else "A4"
    style = css or (
        f"@page {{ size: {size}; margin: 22mm 18mm 20mm 18mm; }}"
        ' html { font-family: "Liberation Sans"; font-size: 10.5pt; }'
        " section + section { break-before: page; }"
    )
    body = "".join(f"<section>{page}</section>" for page in pages)
    html = (
        f'<html lang="en-GB"><head><title>{title}</title><style>{style}</style></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    )
    document = html_document(html).render(pdf_variant=PDF_VARIANT)
    with _font_timestamp(0):
        return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=b"test")


@pytest.fixture(scope="module")
def minutes() -> bytes:
    return render(
        "Minutes of the Previous Meeting",
        [f"<p>The {BOARD} met on 9 December 2020. The minutes were agreed as a true record.</p>"],
    )


@pytest.fixture(scope="module")
def report() -> bytes:
    """Three pages, the first linking to the third as a board report links to its appendix."""
    return render(
        "Tower Hamlets Improvement Plan – Q3 2019-20 update",
        [
            '<p>Two milestones are overdue: see <a href="#m3">appendix row 3</a>.</p>',
            "<p>Themes: Leadership, Governance and Culture; Partnerships.</p>",
            '<p id="m3">3. Develop and promote the Councillor Call for Action.</p>',
        ],
    )


@pytest.fixture(scope="module")
def appendix() -> bytes:
    return render(
        "Appendix 1: Milestones by theme",
        ["<p>Leadership, Governance and Culture.</p>", "<p>Partnerships.</p>"],
        landscape=True,
    )


@pytest.fixture(scope="module")
def parts(minutes, report, appendix) -> list[PackPart]:
    return [
        PackPart("3. Minutes of the Previous Meeting", minutes),
        PackPart("4. Tower Hamlets Improvement Plan – Q3 2019-20 update", report),
        PackPart("4a. Appendix 1: Milestones by theme", appendix),
        PackPart("5. Minutes of the Previous Meeting (Part 2)", minutes, start_on_odd=False),
    ]


@pytest.fixture(scope="module")
def pack(parts) -> tuple[AssembledPack, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    built = assemble_pack(
        parts=parts,
        title=f"{BOARD}, 9 December 2020: agenda pack",
        progress=lambda done, total: calls.append((done, total)),
    )
    return built, calls


def texts(content: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return reader, [" ".join(page.extract_text().split()) for page in reader.pages]


def page_number_positions(page) -> dict[str, tuple[float, float]]:
    """Where each "Page …" line starts on `page`, in the page's coordinates (points). pypdf
    gives the text of a form XObject (the pack's page number) in the form's own coordinates,
    so those are carried through the transformation in force where the page draws the form."""
    found, drawn = {}, {"form": None}

    def before(operator, operands, cm, tm):
        if operator == b"Do":
            drawn["form"] = cm if str(operands[0]).startswith("/PackPageNumber") else None

    def text(text, cm, tm, font, size):
        if text.strip().startswith("Page "):
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if form := drawn["form"]:
                x, y = x * form[0] + y * form[2] + form[4], x * form[1] + y * form[3] + form[5]
            found[text.strip()] = (round(x, 1), round(y, 1))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return found


def test_plan_places_odd_starts_after_a_blank_page():
    plan, total = plan_pack(
        page_counts=[1, 3, 2, 4, 1, 2], start_on_odd=[True, True, True, False, True, True]
    )
    assert plan == [
        PlannedPart(1, 1, False),
        PlannedPart(3, 5, True),  # page 1 ends the first part: page 2 is blank
        PlannedPart(7, 8, True),
        PlannedPart(9, 12, False),  # may start on a left-hand page
        PlannedPart(13, 13, False),  # 12 was even: no blank page needed
        PlannedPart(15, 16, True),
    ]
    assert total == 16
    assert plan_pack(page_counts=[], start_on_odd=[]) == ([], 0)


def test_plan_refuses_a_part_without_pages_and_mismatched_lists():
    with pytest.raises(ValueError, match="at least one page"):
        plan_pack(page_counts=[2, 0], start_on_odd=[True, True])
    with pytest.raises(ValueError):
        plan_pack(page_counts=[2, 3], start_on_odd=[True])


def test_pack_pages_blank_pages_and_page_numbers(pack, parts):
    built, calls = pack
    reader, pages = texts(built.content)
    assert built.pages == len(pages) == 9
    assert built.placements == [
        PartPlacement("3. Minutes of the Previous Meeting", 1, 1, False),
        PartPlacement("4. Tower Hamlets Improvement Plan – Q3 2019-20 update", 3, 5, True),
        PartPlacement("4a. Appendix 1: Milestones by theme", 7, 8, True),
        PartPlacement("5. Minutes of the Previous Meeting (Part 2)", 9, 9, False),
    ]
    plan, total = plan_pack(
        page_counts=[paper_page_count(part.pdf) for part in parts],
        start_on_odd=[part.start_on_odd for part in parts],
    )
    assert [(p.first_page, p.last_page, p.blank_before) for p in built.placements] == plan
    assert total == built.pages
    for number, text in enumerate(pages, start=1):
        assert re.findall(r"Page \d+ of \d+", text) == [f"Page {number} of 9"], text
    assert pages[1] == pages[5].replace("Page 6", "Page 2") == f"{BLANK_PAGE_TEXT} Page 2 of 9"
    for number in (1, 3, 7):
        assert BLANK_PAGE_TEXT not in pages[number - 1]
        assert number % 2 == 1
    assert "The Transformation Advisory Board met on 9 December 2020" in pages[0]
    assert "Two milestones are overdue" in pages[2]
    assert "Partnerships." in pages[7]
    assert calls == [(n, 9) for n in range(1, 10)]


def test_pack_bookmarks_title_and_language(pack):
    reader, _ = texts(pack[0].content)
    outline = [(i.title, reader.get_destination_page_number(i) + 1) for i in reader.outline]
    assert outline == [
        ("3. Minutes of the Previous Meeting", 1),
        ("4. Tower Hamlets Improvement Plan – Q3 2019-20 update", 3),
        ("4a. Appendix 1: Milestones by theme", 7),
        ("5. Minutes of the Previous Meeting (Part 2)", 9),
    ]
    assert reader.metadata.title == f"{BOARD}, 9 December 2020: agenda pack"
    assert reader.root_object["/Lang"] == "en-GB"
    assert reader.root_object["/ViewerPreferences"] == {"/DisplayDocTitle": True}
    assert reader.root_object["/PageMode"] == "/UseOutlines"


def test_landscape_pages_keep_their_size_and_are_numbered_at_their_own_bottom_right(pack):
    reader, _ = texts(pack[0].content)
    sizes = [(round(p.mediabox.width, 2), round(p.mediabox.height, 2)) for p in reader.pages]
    assert sizes == [A4] * 6 + [A4[::-1]] * 2 + [A4]
    (x3, y3), (x7, y7) = (
        page_number_positions(reader.pages[3 - 1])["Page 3 of 9"],
        page_number_positions(reader.pages[7 - 1])["Page 7 of 9"],
    )
    # The same width of text, right-aligned the same distance from the right edge.
    assert (round(x7 - x3, 1), y7) == (round(A4[1] - A4[0], 1), y3)


def test_the_page_number_is_where_the_report_footer_prints_it():
    """A report that keeps its own footer: the pack's "Page 1 of 1" is printed exactly over it
    (on a white box, so only one shows on paper)."""
    own_footer = render("Minutes of the Previous Meeting", ["<p>Agreed.</p>"], css=PRINT_CSS)
    built = assemble_pack(parts=[PackPart("1. Minutes", own_footer)], title=BOARD)
    reader = PdfReader(io.BytesIO(own_footer))
    report_footer = page_number_positions(reader.pages[0])["Page 1 of 1"]
    pack_page = PdfReader(io.BytesIO(built.content)).pages[0]
    assert page_number_positions(pack_page)["Page 1 of 1"] == report_footer
    x, y = report_footer
    assert 8 < y / 72 * 25.4 < 12  # the baseline, in the middle of the 20 mm bottom margin


def test_a_paper_turned_sideways_is_numbered_the_right_way_up(report, appendix):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(report)))
    writer.pages[0].rotate(90)  # a portrait page shown landscape, as scanned papers often are
    sideways = io.BytesIO()
    writer.write(sideways)
    built = assemble_pack(
        parts=[PackPart("Sideways", sideways.getvalue()), PackPart("Landscape", appendix)],
        title=BOARD,
    )
    reader = PdfReader(io.BytesIO(built.content))
    x, y = page_number_positions(reader.pages[0])["Page 1 of 6"]
    shown = (y, round(A4[0] - x, 1))  # where that is on the page as shown: turned 90° clockwise
    assert shown == page_number_positions(reader.pages[4])["Page 5 of 6"]


def test_links_inside_a_part_open_that_part(parts):
    """Every board report names its appendix rows alike ("m3"): a link in the second copy opens
    the second copy's page, not the first's."""
    twice = [parts[1], PackPart("5. The same report again", parts[1].pdf)]
    built = assemble_pack(parts=twice, title=BOARD)
    reader = PdfReader(io.BytesIO(built.content))
    page_numbers = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages, 1)}
    targets = []
    for first in (1, 5):
        (link,) = [a.get_object() for a in reader.pages[first - 1]["/Annots"]]
        destination = link.get("/Dest") or link["/A"]["/D"]
        targets.append(page_numbers[destination[0].idnum])
    assert targets == [3, 7]


def test_the_same_parts_give_the_same_bytes(parts, pack):
    again = assemble_pack(parts=parts, title=f"{BOARD}, 9 December 2020: agenda pack")
    assert again.content == pack[0].content
    other = assemble_pack(parts=parts, title=f"{BOARD}, 9 December 2020: agenda pack (revised)")
    assert (
        PdfReader(io.BytesIO(other.content)).trailer["/ID"]
        != PdfReader(io.BytesIO(again.content)).trailer["/ID"]
    )


def test_the_parts_structure_trees_are_not_kept(pack, report):
    """What is lost: pypdf's merge copies pages, not the catalog's /StructTreeRoot nor the pages'
    /StructParents. The marked content stays in the pages, and the pack does not claim to be
    tagged (no /MarkInfo)."""
    part = PdfReader(io.BytesIO(report))
    assert "/StructTreeRoot" in part.root_object and "/StructParents" in part.pages[0]
    reader = PdfReader(io.BytesIO(pack[0].content))
    assert "/StructTreeRoot" not in reader.root_object
    assert not any("/StructParents" in page for page in reader.pages)
    assert "/MarkInfo" not in reader.root_object
    assert b"/MCID" in reader.pages[2].get_contents().get_data()


# Uploaded papers ---------------------------------------------------------------------------
SAVE_AS_PDF = "Save it as a PDF (in Word: File > Save As, then choose PDF) and upload the PDF."


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document>{BOARD}</w:document>")
    return out.getvalue()


def encrypted(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt("democratic-services")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def no_pages() -> bytes:
    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def test_check_paper_accepts_a_pdf_and_counts_its_pages(report):
    assert check_paper(content=report, name="Improvement Plan Q3.pdf") == 3
    assert check_paper(content=b"\r\n " + report, name="Improvement Plan Q3.pdf") == 3


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda pdf: docx(),
            f"“Minutes.pdf” is not a PDF: it looks like a Word document (.docx). {SAVE_AS_PDF}",
        ),
        (
            lambda pdf: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
            "“Minutes.pdf” is not a PDF: it looks like a Word document in the older format "
            f"(.doc). {SAVE_AS_PDF}",
        ),
        (
            lambda pdf: b"\x89PNG\r\n\x1a\n" + bytes(64),
            f"“Minutes.pdf” is not a PDF: it looks like a PNG image. {SAVE_AS_PDF}",
        ),
        (
            lambda pdf: f"Minutes of the Previous Meeting\n{BOARD}, 9 December 2020\n".encode(),
            f"“Minutes.pdf” is not a PDF: it looks like plain text. {SAVE_AS_PDF}",
        ),
        (
            lambda pdf: b"",
            f"“Minutes.pdf” is not a PDF: it looks like an empty file. {SAVE_AS_PDF}",
        ),
        (
            encrypted,
            "“Minutes.pdf” is password-protected. Save a copy without a password or "
            "restrictions and upload that.",
        ),
        (
            lambda pdf: pdf[: len(pdf) // 2],
            "“Minutes.pdf” is damaged or incomplete and cannot be read. Open it, save it as a "
            "PDF again and upload the new copy.",
        ),
        (lambda pdf: no_pages(), "“Minutes.pdf” has no pages."),
        (
            lambda pdf: pdf + b"\n" * (3 * MB // 2 - len(pdf)),
            "“Minutes.pdf” is 1.5 MB; the limit is 1 MB. Save it again with smaller pictures, "
            "or split it into smaller papers, and upload it again.",
        ),
        (
            lambda pdf: pdf + b"\n" * (MB + 1 - len(pdf)),  # just over: not "1 MB; the limit…"
            "“Minutes.pdf” is 1.1 MB; the limit is 1 MB. Save it again with smaller pictures, "
            "or split it into smaller papers, and upload it again.",
        ),
    ],
    ids=[
        "docx",
        "doc",
        "image",
        "text",
        "empty-file",
        "encrypted",
        "truncated",
        "no-pages",
        "too-large",
        "just-too-large",
    ],  # fmt: skip
)
def test_check_paper_refuses(report, make, message):
    with pytest.raises(ValidationError) as refused:
        check_paper(content=make(report), name="Minutes.pdf", max_bytes=MB)
    assert refused.value.messages == [message]


def test_check_paper_refuses_too_many_pages(report):
    with pytest.raises(ValidationError) as refused:
        check_paper(content=report, name="Improvement Plan Q3.pdf", max_pages=2)
    assert refused.value.messages == [
        "“Improvement Plan Q3.pdf” has 3 pages; the limit is 2. Split it into smaller papers "
        "and upload them separately."
    ]
    assert refused.value.code == "too_many_pages"
