"""A board meeting's agenda pack, assembled from PDF parts already rendered (reports, minutes,
uploaded papers): a part may start on a right-hand (odd) page, after a page "intentionally left
blank"; every page says "Page X of Y" for the whole pack; each part has a bookmark. The same parts
and title always give the same bytes. Also checks an uploaded paper before it is stored.

May import: pypdf, WeasyPrint, frameworks.reports.render. Imported by the agenda pack service.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

from django.core.exceptions import ValidationError
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

from frameworks.reports.render import PDF_VARIANT, _font_timestamp, html_document

MB = 1024 * 1024
BLANK_PAGE_TEXT = "This page is intentionally left blank"
# The report footer's type and place (static/report/print.css): right-aligned 18 mm from the
# right edge, in the middle of the 20 mm bottom margin; on a white box (1.5 mm wider each side,
# 7 mm high) so that it stays legible on a paper that prints something in that corner.
_STAMP_CSS = """html { font-family: "Liberation Sans", Arial, sans-serif; line-height: 1.35; }
div + div { break-before: page; }
@page { margin: 0 16.5mm 20mm 0;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8.5pt;
                  background: white; padding: 0 1.5mm; margin: 6.5mm 0; } }
"""
_BLANK_HTML = f"""<html lang="en-GB"><head><title>Blank page</title><style>
@page {{ size: A4 portrait; margin: 0; }}
body {{ margin: 0; font-family: "Liberation Sans", Arial, sans-serif; font-size: 12pt; }}
div {{ height: 297mm; display: flex; align-items: center; justify-content: center; }}
</style></head><body><div><p>{BLANK_PAGE_TEXT}</p></div></body></html>"""


@dataclass(frozen=True)
class PackPart:
    title: str  # its bookmark, e.g. "3. Minutes of the Previous Meeting"
    pdf: bytes
    start_on_odd: bool = True  # starts on a right-hand page when printed double-sided


class PlannedPart(NamedTuple):
    first_page: int  # 1-based, in the pack
    last_page: int
    blank_before: bool  # a page "intentionally left blank" comes before it


@dataclass(frozen=True)
class PartPlacement:
    title: str
    first_page: int
    last_page: int
    blank_before: bool


@dataclass(frozen=True)
class AssembledPack:
    content: bytes
    pages: int
    placements: list[PartPlacement]


def plan_pack(*, page_counts: list[int], start_on_odd: list[bool]) -> tuple[list[PlannedPart], int]:
    """Where each part will start and end, where blank pages go, and the pack's page count,
    without building anything: the agenda can say "(PAGES 9 - 44)" before the pack is built."""
    plan, last = [], 0
    for count, odd in zip(page_counts, start_on_odd, strict=True):
        if count < 1:
            raise ValueError("Every part of a pack needs at least one page.")
        blank = odd and last % 2 == 1
        first = last + 1 + blank
        last = first + count - 1
        plan.append(PlannedPart(first, last, blank))
    return plan, last


def assemble_pack(
    *,
    parts: list[PackPart],
    title: str,
    source_date_epoch: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> AssembledPack:
    """The pack as one PDF: the parts in order, blank pages where `plan_pack` puts them, "Page X
    of Y" on every page, a bookmark per part, the title and language set. `progress(done,
    total)` is called as each page is added; writing the file follows the last call."""
    readers = [PdfReader(io.BytesIO(part.pdf)) for part in parts]
    plan, total = plan_pack(
        page_counts=[len(reader.pages) for reader in readers],
        start_on_odd=[part.start_on_odd for part in parts],
    )
    blank = PdfReader(io.BytesIO(_blank_page_pdf())).pages[0]
    pages = [  # the pack's pages: the stamps are rendered for all of them first, in one go
        page
        for reader, at in zip(readers, plan, strict=True)
        for page in [blank] * at.blank_before + list(reader.pages)
    ]
    stamps = PdfReader(io.BytesIO(_stamps_pdf(pages, epoch=source_date_epoch))).pages

    writer = PdfWriter()
    save = writer._add_object(_stream(b"q\n"))
    for part, reader, placed in zip(parts, readers, plan, strict=True):
        if placed.blank_before:
            writer.add_page(blank)
        writer.append(reader, outline_item=part.title, import_outline=False)
        _own_links(reader, writer.pages[placed.first_page - 1 : placed.last_page])
        for number in range(placed.first_page - placed.blank_before, placed.last_page + 1):
            _stamp(writer, writer.pages[number - 1], stamps[number - 1], save)
            if progress:
                progress(number, total)
    _describe(writer, title, readers)
    identity = hashlib.md5(f"{title}\n{source_date_epoch}".encode(), usedforsecurity=False)
    for part in parts:
        identity.update(hashlib.sha256(part.pdf).digest() + bytes([part.start_on_odd]))
    writer._ID = ArrayObject([ByteStringObject(identity.digest())] * 2)  # no random /ID
    out = io.BytesIO()
    writer.write(out)
    placements = [PartPlacement(part.title, *at) for part, at in zip(parts, plan, strict=True)]
    return AssembledPack(content=out.getvalue(), pages=total, placements=placements)


def _describe(writer: PdfWriter, title: str, readers: list[PdfReader]) -> None:
    """Title, language and bookmarks shown on opening. pypdf does not copy the parts' structure
    trees, so the pack is not tagged and does not say it is (no /MarkInfo): each board report,
    published on its own, is the accessible version (see the tests)."""
    writer.add_metadata({"/Title": title})
    root = writer.root_object
    root[NameObject("/Lang")] = TextStringObject("en-GB")
    root[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)}
    )
    writer.page_mode = "/UseOutlines"
    if "/Names" in root:  # the parts' named destinations, which `_own_links` made unused
        cast(DictionaryObject, root["/Names"]).pop("/Dests", None)


def _own_links(reader: PdfReader, pages: Sequence[PageObject]) -> None:
    """Point a part's links to its named destinations at its own pages. Parts' names clash
    (every board report has an "m3"), and pypdf's merge keeps the first part's: a link in the
    second report would open the first."""
    dests = reader.named_destinations
    for page in pages:
        for annotation in page.get("/Annots", []):
            link = annotation.get_object()
            action = link.get("/A", DictionaryObject())
            key, holder = ("/Dest", link) if "/Dest" in link else ("/D", action)
            if holder is action and action.get("/S") != "/GoTo":
                continue  # a web link, or a destination in another file
            dest = dests.get(str(holder.get(key)))
            number = reader.get_destination_page_number(dest) if dest else None
            if dest and number is not None and 0 <= number < len(pages):
                target = [pages[number].indirect_reference, *dest.dest_array[1:]]
                holder[NameObject(key)] = ArrayObject(target)


def paper_page_count(pdf: bytes) -> int:
    """How many pages a PDF has (one that `check_paper` accepted)."""
    return len(PdfReader(io.BytesIO(pdf)).pages)


def check_paper(
    *, content: bytes, name: str, max_bytes: int = 20 * MB, max_pages: int = 300
) -> int:
    """An uploaded paper's page count, or ValidationError saying, with the file's name, why it
    cannot go in a pack: too large, not a PDF, damaged, password-protected, empty or too long."""
    if len(content) > max_bytes:
        size = math.ceil(len(content) * 10 / MB) / 10  # rounded up, so never shown as the limit
        raise ValidationError(
            f"“{name}” is {size:g} MB; the limit is {max_bytes / MB:g} MB. Save it again with "
            "smaller pictures, or split it into smaller papers, and upload it again.",
            code="too_large",
        )
    if not content.lstrip().startswith(b"%PDF-"):
        what = _looks_like(content)
        raise ValidationError(
            f"“{name}” is not a PDF{f': it looks like {what}' if what else ''}. Save it as a PDF "
            "(in Word: File > Save As, then choose PDF) and upload the PDF.",
            code="not_pdf",
        )
    try:
        reader = PdfReader(io.BytesIO(content))
        encrypted = reader.is_encrypted
        if not encrypted:
            pages = len(reader.pages)
            for page in reader.pages[:max_pages]:
                page.get_contents()  # reads (and decompresses) what the page draws
    except Exception as error:  # pypdf raises many kinds of error for a damaged file
        raise ValidationError(
            f"“{name}” is damaged or incomplete and cannot be read. Open it, save it as a PDF "
            "again and upload the new copy.",
            code="damaged",
        ) from error
    if encrypted:
        raise ValidationError(
            f"“{name}” is password-protected. Save a copy without a password or restrictions "
            "and upload that.",
            code="encrypted",
        )
    if not pages:
        raise ValidationError(f"“{name}” has no pages.", code="empty")
    if pages > max_pages:
        raise ValidationError(
            f"“{name}” has {pages} pages; the limit is {max_pages}. Split it into smaller papers "
            "and upload them separately.",
            code="too_many_pages",
        )
    return pages


_SIGNATURES = {
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "a Word document in the older format (.doc)",
    b"{\\rtf": "a Rich Text (RTF) document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
}
_ZIPPED = {
    "word/document.xml": "a Word document (.docx)",
    "xl/workbook.xml": "an Excel workbook (.xlsx)",
    "ppt/presentation.xml": "a PowerPoint presentation (.pptx)",
}


def _looks_like(content: bytes) -> str:
    """What a file that is not a PDF looks like, if that is obvious ("" if not)."""
    if content.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except zipfile.BadZipFile:
            names = set()
        return next((what for part, what in _ZIPPED.items() if part in names), "a zip archive")
    what = next((what for start, what in _SIGNATURES.items() if content.startswith(start)), "")
    text = content[:4096].decode("utf-8", "replace")
    if what or not text.strip():
        return what or "an empty file"
    if text.lstrip().lower().startswith(("<!doctype html", "<html")):
        return "a web page (HTML)"
    if sum(not (c.isprintable() or c.isspace()) for c in text) <= len(text) // 100:
        return "plain text"
    return ""


def _placement(page: PageObject) -> tuple[tuple[float, float], list[float]]:
    """The size of `page` as shown (its crop box, turned by /Rotate) and the matrix that draws a
    stamp of that size on it the right way up."""
    box = page.get("/CropBox", page.mediabox)  # not page.cropbox, which adds a /CropBox
    x0, x1 = sorted((float(box[0]), float(box[2])))
    y0, y1 = sorted((float(box[1]), float(box[3])))
    width, height = x1 - x0, y1 - y0
    return {
        0: ((width, height), [1, 0, 0, 1, x0, y0]),
        90: ((height, width), [0, 1, -1, 0, x1, y0]),
        180: ((width, height), [-1, 0, 0, -1, x1, y1]),
        270: ((height, width), [0, -1, 1, 0, x0, y1]),
    }[round(page.rotation / 90) % 4 * 90]


def _stamps_pdf(pages: list[PageObject], *, epoch: int) -> bytes:
    """Every page's "Page X of Y" from one WeasyPrint render: a page per pack page, each the size
    of its pack page (a named page per size), numbered by WeasyPrint's page counters."""
    names: dict[tuple[str, str], str] = {}
    divs = "".join(
        f'<div class="{names.setdefault((f"{w:.3f}pt", f"{h:.3f}pt"), f"s{len(names)}")}"></div>'
        for w, h in (_placement(page)[0] for page in pages)
    )
    css = _STAMP_CSS + "".join(
        f"@page {n} {{ size: {w} {h}; }} .{n} {{ page: {n}; }}\n" for (w, h), n in names.items()
    )
    document = html_document(
        f'<html lang="en-GB"><head><style>{css}</style></head><body>{divs}</body></html>'
    ).render()
    with _font_timestamp(epoch):
        return document.write_pdf(pdf_identifier=b"agenda-pack-page-numbers")


def _stamp(writer: PdfWriter, page: PageObject, stamp: PageObject, save: IndirectObject) -> None:
    """Draw `stamp` over `page` as a form XObject: a few operators added after the page's own
    contents, which are neither parsed nor rewritten (pypdf's merge_page does both, 8 times
    slower). Those contents are wrapped in q … Q, so a transformation they leave set does not
    move the stamp. The stamp is marked as a pagination artifact, not content."""
    form = cast(StreamObject, stamp["/Contents"].get_object()).clone(writer)
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = stamp.mediabox
    form[NameObject("/Resources")] = stamp["/Resources"].clone(writer)
    # New dictionaries: a page's resources may be shared with other pages (the blank page's are).
    resources = DictionaryObject(page.get("/Resources", DictionaryObject()))
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()))
    name = "/PackPageNumber"
    while name in xobjects:
        name += "_"
    xobjects[NameObject(name)] = form.indirect_reference
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    matrix = " ".join(f"{v:.3f}".rstrip("0").rstrip(".") for v in _placement(page)[1])
    drawing = _stream(
        f"Q\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
        f"q {matrix} cm {name} Do Q\nEMC\n".encode()
    )
    contents = page.get("/Contents")
    if isinstance(contents, ArrayObject):
        own = list(contents)
    else:
        own = [] if contents is None else [page.raw_get("/Contents")]
    page[NameObject("/Contents")] = ArrayObject([save, *own, writer._add_object(drawing)])


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


@functools.cache
def _blank_page_pdf() -> bytes:
    """The A4 page saying "This page is intentionally left blank", rendered once."""
    document = html_document(_BLANK_HTML).render(pdf_variant=PDF_VARIANT)
    with _font_timestamp(0):
        return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=b"agenda-pack-blank")
