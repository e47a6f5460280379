"""Property-based (hypothesis) fuzzing of the two ways untrusted text gets in: the legacy importer
and the officer's update form. Whatever is thrown at them: never a 500 (or any exception other
than the importer's `ImportFileError`), never a partial write, never markup stored or rendered.

Every example runs inside its own savepoint that is rolled back afterwards, so examples are
independent of each other (hypothesis runs them all inside one pytest-django test transaction)
and database counts are compared with the state at the start of that example.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.utils import validate_file_name
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from frameworks.importers.readers import ImportFileError
from frameworks.models import (
    RAG,
    Framework,
    ImportBatch,
    Milestone,
    MilestonePost,
    Post,
    Return,
    ReturnState,
    Round,
    RoundState,
    Theme,
)
from frameworks.services.imports import legacy_import
from tests.factories import (
    ApprovedReturnFactory,
    MilestoneFactory,
    PolicyUserFactory,
    PostFactory,
    ReturnFactory,
    RoundFactory,
    UserFactory,
)
from tests.workbooks import CCFA, HUB, TRACKER_HEADER, VAWG, tracker

pytestmark = [
    pytest.mark.django_db,
    # openpyxl warns about fuzzed numbers in date-formatted cells (and reads them as errors).
    pytest.mark.filterwarnings("ignore::UserWarning:openpyxl.*"),
]

FUZZ = settings(
    max_examples=50,
    deadline=None,
    # No "explain" phase: on a failure it re-runs the example hundreds of times (over a minute).
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    database=None,  # write nothing outside the test run (no .hypothesis/ directory)
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Every table the importer may write, plus their audit-history tables when they exist.
IMPORT_MODELS = (
    Framework,
    Theme,
    Milestone,
    Post,
    MilestonePost,
    Return,
    Round,
    ImportBatch,
)

ROUNDS = {"round_label": "Q2 2020-21", "previous_round_label": "Q1 2020-21"}
FRAMEWORK = "Fuzzed Support Framework"

# Markers of live markup in a page or in stored text.
TAG_RE = re.compile(r"<[a-zA-Z/][^>]*>")
SCRIPT_RE = re.compile(r"<script", re.IGNORECASE)
JS_URL_RE = re.compile(r"javascript:", re.IGNORECASE)

PAYLOADS = (
    '<script>alert("xss")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
    "</textarea><script>alert(2)</script>",
)
# What must never reach a page unescaped (stored text may hold these as plain text).
RAW_MARKERS = (
    "<script>alert",
    "<img src=x",
    "<svg onload",
    'href="javascript:',
    "</textarea><script",
)


def _history_models() -> list[type]:
    models = []
    for model in IMPORT_MODELS:
        history = getattr(model, "history", None)
        historical = getattr(history, "model", None)
        if historical is not None and historical is not model:
            models.append(historical)
    return models


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in (*IMPORT_MODELS, *_history_models())
    }


def without_batches(counts: dict[str, int]) -> dict[str, int]:
    """Counts but the ImportBatch log, which records every applied import (a re-import too)."""
    return {label: n for label, n in counts.items() if "importbatch" not in label.lower()}


@contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: its writes are undone when it ends, whatever happens."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Cell strategies -----------------------------------------------------------------------------
MARKUP = (
    "<b>",
    "</b>",
    "<i>x</i>",
    '<a href="javascript:alert(1)">',
    "</a>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href=" JaVaScRiPt:alert(1)">x</a>',
    "<script>alert(1)</script>",
    "<script>",
    "</script>",
    "<style>p{color:red}</style>",
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    "<ul><li>one</li><li>two</li></ul>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<!-- note -->",
    '<a href="https://example.org/hub">the hub</a>',
    '<a href="mailto:members@example.org">email</a>',
    "5 <sup>th</sup>",
    "<table><tr><td>a</td><td>b</td></tr></table>",
    '<input value="78%"/>',
    "<",
    ">",
    "</",
    "<b",
    "script>",
    '"',
)
ENTITIES = (
    "&amp;",
    "&nbsp;",
    "&#8211;",
    "&quot;",
    "&#x27;",
    "&bogus;",
    "&",
    "&#0;",
    "&#xD800;",
    "&#99999999;",
    "&lt;",
    "&gt;",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
)
WORDS = (
    "Completed",
    "In progress",
    "Overdue",
    "Ongoing",
    "Not started",
    "TBC",
    "Mar-20",
    "31/03/2021",
    "31/02/2021",
    "September 2019",
    "When funding is agreed",
    "Q2 2020-21",
    "Divisional Director SPP",
    "Head of Democratic Services and Head of Information Governance",
    " with support from ",
    "/",
    ";",
    "78%",
    "0.78",
    "-5%",
    "R1.2",
    "\n",
    "\r\n",
    "\t",
    " ",
    "• ",
    "=SUM(A1:A2)",
)
# Any code point but lone surrogates (not encodable as UTF-8): controls, NUL, private use, emoji.
ANY_CHAR = st.characters(exclude_categories=("Cs",))

text_cells = st.lists(
    st.one_of(
        st.sampled_from(MARKUP),
        st.sampled_from(ENTITIES),
        st.sampled_from(WORDS),
        st.text(ANY_CHAR, max_size=12),
    ),
    max_size=8,
).map("".join)
# Very long cells (up to Excel's 32,767 characters): costly, so at most one per row.
long_cells = st.builds(
    lambda unit, length: (unit * length)[:length],
    st.sampled_from(["x", "Long update. ", "é€😀 ", "<b>bold</b> ", "&amp; "]),
    st.integers(300, 32_000),
)
other_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and ±inf included
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1)),  # noqa: DTZ001 (naive, as Excel)
)
any_cell = st.one_of(text_cells, text_cells, other_cells)

HEADER = [*TRACKER_HEADER, "Code", "% complete"]
BASELINES = (
    [*CCFA, "", "40%"],
    [*HUB, "", ""],
    [*VAWG, "", "", "", "", ""],
)


COLUMNS = ("theme", "title", "lead", "deadline", "previous_return", "previous_rag")
COLUMNS += ("new_deadline", "progress", "rag", "code", "percent")


def hub(**cells: object) -> list[object]:
    """The HUB row with some cells replaced, by column key."""
    row = list(BASELINES[1])
    for key, value in cells.items():
        row[COLUMNS.index(key)] = value
    return row


# Minimal reproducers of the bugs these properties found. Each is an explicit example of the
# tests below, so they fail (deterministically) until the bug is fixed; only then does
# hypothesis go on to generate new examples.
KNOWN_IMPORT_BUGS = {
    # decimal.InvalidOperation escapes parse_percent (Decimal.quantize overflows at 28 digits).
    "huge percent": [hub(percent=1e28)],
    # KeyError in _Importer.milestones: posts are created as title[:255] but looked up in full.
    "lead over 255 characters": [hub(lead="H" * 256)],
    # Stored as name[:200], matched in full on re-import: the same file is refused the 2nd time.
    "theme over 200 characters": [hub(theme="T" * 201)],
    # Two spellings of one post: re-import creates "Head of Housing" again (UNIQUE failed).
    "lead in two cases": [
        hub(lead="Head of Housing"),
        hub(lead="head of housing", title="Promote the Members Hub externally"),
    ],
    # Themes equal after _norm: re-import renames one onto the other (UNIQUE failed).
    "themes differing in punctuation": [
        hub(theme="Housing!"),
        hub(theme="Housing?", title="Promote the Members Hub externally"),
    ],
    # clean_text strips one layer of tags and so builds new ones from the pieces.
    "markup rebuilt by stripping": [
        hub(
            theme="<<b>script>alert(1)<</b>/script>",
            title='<<i>a href="javascript:alert(1)">click</a>',
        )
    ],
}


def known_bugs(**fixed):
    """Apply every KNOWN_IMPORT_BUGS reproducer as an @example, with the other arguments."""

    def decorate(test):
        for rows in KNOWN_IMPORT_BUGS.values():
            test = example(rows=rows, **fixed)(test)
        return test

    return decorate


@st.composite
def tracker_rows(draw) -> list[list[object]]:
    """1–4 data rows of plausible values (so that imports can succeed) with up to three fuzzed
    cells each, and now and then one very long cell."""
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = list(draw(st.sampled_from(BASELINES)))
        for column in draw(st.sets(st.integers(0, len(row) - 1), max_size=3)):
            row[column] = draw(any_cell)
        if draw(st.integers(0, 5)) == 0:
            row[draw(st.integers(0, len(row) - 1))] = draw(long_cells)
        rows.append(row)
    return rows


def _xlsx_value(value: object) -> object:
    if isinstance(value, str):
        # Not storable in an xlsx at all (XML 1.0), so no real workbook holds them.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            value = "'" + value  # openpyxl would write a formula
    return value


def build_xlsx(rows: list[list[object]], *, date_formats: bool) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Ward Councillor Support Framework tracker"])
    sheet.append([])
    sheet.append(HEADER)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    if date_formats:  # numbers typed into date-formatted cells
        for column in ("D", "G"):
            for cell in sheet[column]:
                cell.number_format = "dd/mm/yyyy"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_csv(rows: list[list[object]], *, delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def spells_markup(rows: list[list[object]]) -> bool:
    """Whether a cell writes "<" or ">" as an entity (`&lt;b&gt;`): the importer unescapes
    entities on purpose ("Fish &amp; chips &lt;3" is stored as "Fish & chips <3"), so such text
    is stored literally and only output escaping keeps it inert."""
    for row in rows:
        for value in row:
            if isinstance(value, str) and "&" in value:
                plain = html.unescape(value)
                if plain.count("<") > value.count("<") or plain.count(">") > value.count(">"):
                    return True
    return False


def stored_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every text the importer stores."""
    for model, fields in (
        (Theme, ("name", "code")),
        (
            Milestone,
            (
                "title",
                "code",
                "existing_activity",
                "risk",
                "deadline_text",
                "revised_deadline_text",
            ),
        ),
        (Post, ("title",)),
        (Return, ("narrative", "rag_text", "new_deadline_text")),
        (Round, ("label",)),
        (Framework, ("name",)),
    ):
        for row in model._default_manager.values_list("pk", *fields):
            for name, value in zip(fields, row[1:], strict=True):
                yield f"{model.__name__}#{row[0]}.{name}", value or ""
    for pk, groups in Milestone.objects.values_list("pk", "monitoring_groups"):
        for value in groups or []:
            yield f"Milestone#{pk}.monitoring_groups", value


def run_import(data: bytes, file_name: str):
    return legacy_import(
        data=data, file_name=file_name, framework_name=FRAMEWORK, dry_run=False, **ROUNDS
    )


def check_import(data: bytes, file_name: str, rows: list[list[object]]) -> None:
    """The importer's properties for one file, inside one rolled-back example."""
    with rolled_back():
        before = table_counts()
        try:
            report = run_import(data, file_name)
        except ImportFileError as exc:
            event(f"refused: {exc.code}")
            assert exc.code in ImportFileError.CODES and exc.message.strip()
            assert table_counts() == before, "a refused file wrote to the database"
            return
        if report.errors:
            event("report with errors")
            assert table_counts() == before, f"partial write despite errors: {report.errors}"
            return
        event("imported")

        if not spells_markup(rows):
            for where, text in stored_texts():
                assert not SCRIPT_RE.search(text), f"{where} stores a script tag: {text[:200]!r}"
                assert not JS_URL_RE.search(text), f"{where} stores javascript: {text[:200]!r}"
                assert not TAG_RE.search(text), f"{where} stores markup: {text[:200]!r}"

        after_first = without_batches(table_counts())
        again = run_import(data, file_name)
        assert not again.errors, f"re-importing the same bytes is refused: {again.errors}"
        assert not again.changed, f"re-importing the same bytes changes data: {again.summary}"
        assert without_batches(table_counts()) == after_first


# 1. Importer, cell level ---------------------------------------------------------------------
@FUZZ
@given(rows=tracker_rows(), date_formats=st.booleans())
@known_bugs(date_formats=False)
def test_importer_survives_random_cells_in_a_workbook(rows, date_formats):
    check_import(build_xlsx(rows, date_formats=date_formats), "tracker.xlsx", rows)


@FUZZ
@given(
    rows=tracker_rows(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
@known_bugs(delimiter=",", encoding="utf-8")
def test_importer_survives_random_cells_in_a_csv(rows, delimiter, encoding):
    check_import(build_csv(rows, delimiter=delimiter, encoding=encoding), "tracker.csv", rows)


# 2. Importer, file level ---------------------------------------------------------------------
MAGICS = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"%PDF-1.7\n",
    bytes.fromhex("D0CF11E0A1B11AE1"),
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x89PNG\r\n\x1a\n",
    b"<html><table>",
    b"<?xml version='1.0'?>",
    b"{\\rtf1",
    b"sep=;\n",
)


@cache
def valid_workbook() -> bytes:
    return tracker(CCFA, HUB)


@st.composite
def corrupted_workbooks(draw) -> bytes:
    data = bytearray(valid_workbook())
    for _ in range(draw(st.integers(1, 12))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


random_files = st.one_of(
    st.binary(max_size=4096),
    st.builds(lambda magic, rest: magic + rest, st.sampled_from(MAGICS), st.binary(max_size=4096)),
    corrupted_workbooks(),
)


@FUZZ
@given(data=random_files, file_name=st.sampled_from(["plan.xlsx", "plan.csv", "plan", "p.xls"]))
def test_importer_refuses_random_bytes_cleanly(data, file_name):
    with rolled_back():
        before = table_counts()
        try:
            report = run_import(data, file_name)
        except ImportFileError as exc:
            event(f"refused: {exc.code}")
            assert exc.code in ImportFileError.CODES
            assert exc.message.strip()
            assert table_counts() == before, "a refused file wrote to the database"
        else:
            if report.errors:
                assert table_counts() == before, "partial write despite errors"


# 3. The update form over HTTP ----------------------------------------------------------------
WHITESPACE = st.sampled_from(["", " ", "\n", "\r\n  ", "\t", "\u3000", "\x1f", "\u2028"])
narratives = st.one_of(
    st.text(ANY_CHAR, max_size=300),
    st.lists(
        st.one_of(st.sampled_from(PAYLOADS), st.sampled_from(WORDS), st.text(ANY_CHAR, max_size=8)),
        max_size=6,
    ).map("".join),
    st.builds(
        lambda unit, length: (unit * length)[:length],
        st.sampled_from(["a", "Long update. ", "é😀 ", PAYLOADS[0]]),
        st.integers(19_990, 30_000),
    ),
)
form_fields = {
    "narrative": st.builds(lambda a, text, b: a + text + b, WHITESPACE, narratives, WHITESPACE),
    "rag": st.one_of(
        st.sampled_from(["", *RAG.values]),
        st.sampled_from(["green", "completed", " COMPLETED", "COMPLETED\x00", PAYLOADS[0]]),
        st.text(ANY_CHAR, max_size=20),
    ),
    "new_deadline": st.one_of(
        st.sampled_from(
            [
                "",
                "March 2021",
                "31/03/2021",
                "31/12/2099",
                "December 9999",
                "31/12/9999",
                "1/1/0001",
                "00/00/0000",
                "31/02/2021",
                "Apr-20",
                "TBC",
                "Ongoing",
                "When funding is agreed",
                "x" * 256,
                PAYLOADS[2],
            ]
        ),
        st.text(ANY_CHAR, max_size=300),
    ),
    "percent_complete": st.one_of(
        st.integers(-1000, 1000).map(str),
        st.integers().map(str),
        st.sampled_from(["", " 75 ", "50.0", "1e3", "٣", "NaN", "inf", "-0", "0x10", "9" * 5000]),
        st.text(ANY_CHAR, max_size=20),
    ),
    "version": st.one_of(
        st.just("CURRENT"), st.just(""), st.integers().map(str), st.text(ANY_CHAR, max_size=10)
    ),
    "action": st.one_of(
        st.sampled_from(["save", "submit", "", "SUBMIT", "approve"]),
        st.text(ANY_CHAR, max_size=10),
    ),
}


def make_return():
    """An officer's return whose page also shows stored text that looks like markup."""
    post = PostFactory(title="Divisional Director SPP")
    officer = UserFactory(username="sam")
    post.holders.add(officer)
    milestone = MilestoneFactory(
        lead=post,
        title=f"Develop and promote the Councillor Call for Action {PAYLOADS[0]}",
        existing_activity=f"Imported text {PAYLOADS[1]}",
    )
    previous_round = RoundFactory(
        framework=milestone.framework,
        label="Q2 2020-21",
        start_date=dt.date(2020, 7, 1),
        end_date=dt.date(2020, 9, 30),
        state=RoundState.CLOSED,
    )
    previous = ApprovedReturnFactory(
        milestone=milestone, round=previous_round, narrative=f"Last round {PAYLOADS[3]}"
    )
    round = RoundFactory(framework=milestone.framework, label="Q3 2020-21")
    return_ = ReturnFactory(milestone=milestone, round=round, previous=previous)
    return officer, return_


def starting_states(officer, reviewer) -> dict[str, tuple[str, dict]]:
    """(state, column values) of a return as the services leave it; a user deleted later leaves
    the link empty (on_delete=SET_NULL)."""
    now = timezone.now()
    saved = {"narrative": "The CCfA has been drafted.", "saved_by": officer, "saved_at": now}
    submitted = {**saved, "rag": RAG.IN_PROGRESS, "submitted_by": officer, "submitted_at": now}
    returned = {
        **submitted,
        "reviewed_by": reviewer,
        "reviewed_at": now,
        "review_comment": f"Add the next step {PAYLOADS[4]}",
    }
    return {
        "never saved": (ReturnState.NOT_STARTED, {}),
        "draft": (ReturnState.DRAFT, {**saved, "version": 2}),
        "draft, saver deleted": (ReturnState.DRAFT, {**saved, "saved_by": None, "version": 2}),
        "submitted": (ReturnState.SUBMITTED, {**submitted, "version": 3}),
        "returned": (ReturnState.RETURNED, {**returned, "version": 4}),
        "returned, reviewer deleted": (
            ReturnState.RETURNED,
            {**returned, "reviewed_by": None, "version": 4},
        ),
        "approved": (ReturnState.APPROVED, {**returned, "rag": RAG.COMPLETED, "version": 4}),
    }


def return_row(return_) -> dict:
    return Return.objects.filter(pk=return_.pk).values().get()


def assert_no_raw_payload(page: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in page, f"unescaped {marker!r} in the page"


def test_return_form_never_fails_or_half_saves(client):
    officer, return_ = make_return()
    states = starting_states(officer, PolicyUserFactory(username="priya"))
    client.force_login(officer)
    url = reverse("frameworks:return-edit", args=[return_.pk])
    history = getattr(getattr(Return, "history", None), "model", None)

    @FUZZ
    @given(
        fields=st.fixed_dictionaries({}, optional=form_fields),
        start=st.sampled_from(list(states)),  # simplest first: a return never saved
        round_open=st.integers(0, 4).map(lambda n: n < 4),  # mostly open: the form is processed
    )
    # A stale (or tampered) version on a return nobody has saved: the conflict page renders
    # `conflict.saved_by.username` as a filter argument and raises VariableDoesNotExist (500).
    @example(fields={"version": "0", "action": "save"}, start="never saved", round_open=True)
    # Same in the "Returned by" banner once the reviewer's account is deleted (SET_NULL).
    @example(fields={}, start="returned, reviewer deleted", round_open=True)
    def check(fields, start, round_open):
        state, values = states[start]
        with rolled_back():
            Return.objects.filter(pk=return_.pk).update(state=state, **values)
            Round.objects.filter(pk=return_.round_id).update(
                state=RoundState.OPEN if round_open else RoundState.CLOSED
            )
            before = return_row(return_)
            history_before = history.objects.count() if history else 0
            data = dict(fields)
            if data.get("version") == "CURRENT":
                data["version"] = str(before["version"])

            response = client.post(url, data)

            event(f"{start}: {response.status_code}")
            assert response.status_code in (200, 302, 403, 404), response.status_code
            after = return_row(return_)
            if response.status_code == 302:
                assert after["narrative"] == data.get("narrative", "").strip()
                assert after["rag"] == data.get("rag", "")
                assert after["version"] == before["version"] + 1
                if data.get("action") == "submit":
                    assert after["state"] == ReturnState.SUBMITTED
                elif state in (ReturnState.NOT_STARTED, ReturnState.SUBMITTED):
                    assert after["state"] == ReturnState.DRAFT
                else:
                    assert after["state"] == state
            else:
                assert after == before, "an error response changed the stored return"
                if history:
                    assert history.objects.count() == history_before
                if response.status_code == 200:
                    page = response.content.decode()
                    assert "govuk-error-summary" in page, "200 without an error shown"
                    assert_no_raw_payload(page)
            page = client.get(url)
            assert page.status_code == 200
            assert_no_raw_payload(page.content.decode())

    check()


# 4. The upload view --------------------------------------------------------------------------
NAME_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters='"\\/\r\n\x00')


def _sendable(name: str) -> bool:
    """Whether the test client can send a file under this name (it refuses "", "." and "..")."""
    try:
        validate_file_name(name)
    except SuspiciousFileOperation:
        return False
    return bool(name)


upload_files = st.one_of(
    random_files,
    st.builds(
        lambda rows, date_formats: build_xlsx(rows, date_formats=date_formats),
        tracker_rows(),
        st.booleans(),
    ),
)


def test_upload_view_never_fails(client):
    client.force_login(PolicyUserFactory(username="priya"))
    url = reverse("frameworks:import-create")

    @FUZZ
    @given(
        content=upload_files,
        name=st.builds(
            lambda stem, suffix: stem + suffix,
            st.text(NAME_CHARS, max_size=80),
            st.sampled_from([".xlsx", ".csv", ".xls", ".pdf", "", ".XLSX", ".tar.gz"]),
        ).filter(_sendable),
        framework=st.one_of(st.just(FRAMEWORK), st.text(ANY_CHAR, max_size=220)),
        round=st.sampled_from(["Q2 2020-21", "", "Q9 2020-21", PAYLOADS[0]]),
        layout=st.sampled_from(["auto", "tracker", "framework", "actions", "bogus"]),
    )
    # The preview page shows imported titles: stored markup must come out escaped.
    @example(
        content=build_xlsx(KNOWN_IMPORT_BUGS["markup rebuilt by stripping"], date_formats=False),
        name="<script>alert(1)</script>.xlsx",
        framework=FRAMEWORK,
        round="Q2 2020-21",
        layout="auto",
    )
    # The preview (a dry run) crashes on the same importer bugs: a 500 instead of the form.
    @example(
        content=build_xlsx(KNOWN_IMPORT_BUGS["lead over 255 characters"], date_formats=False),
        name="tracker.xlsx",
        framework=FRAMEWORK,
        round="Q2 2020-21",
        layout="auto",
    )
    @example(
        content=build_xlsx(KNOWN_IMPORT_BUGS["huge percent"], date_formats=False),
        name="tracker.xlsx",
        framework=FRAMEWORK,
        round="Q2 2020-21",
        layout="auto",
    )
    def check(content, name, framework, round, layout):
        with rolled_back():
            before = table_counts()
            response = client.post(
                url,
                {
                    "file": SimpleUploadedFile(name, content),
                    "framework": "new",
                    "framework_name": framework,
                    "layout": layout,
                    "round": round,
                    "previous_round": "Q1 2020-21",
                    "sheet": "",
                },
            )
            event(f"upload: {response.status_code}")
            assert response.status_code in (200, 302), response.status_code
            after = table_counts()
            if response.status_code == 200:  # refused: the form again, with the reason
                # Only the upload is kept (one ImportBatch), so a correction needs no new upload.
                assert without_batches(after) == without_batches(before), "a refusal wrote data"
                assert after[ImportBatch._meta.label] - before[ImportBatch._meta.label] <= 1
                assert_no_raw_payload(response.content.decode())
                return
            # Read, previewed (a dry run): only the ImportBatch is kept, PREVIEWED, or REFUSED
            # with the problems listed on its page.
            batch = ImportBatch.objects.latest("pk")
            assert response.url == batch.get_absolute_url()
            assert without_batches(after) == without_batches(before), "the preview wrote data"
            assert after[ImportBatch._meta.label] == before[ImportBatch._meta.label] + 1
            detail = client.get(response.url)
            assert detail.status_code == 200
            assert_no_raw_payload(detail.content.decode())

    check()
