"""Pure functions that turn legacy action-plan cells into clean values.

Used by `fixtures/build_demo.py` (seed text files) and by spreadsheet importers. Nothing here
touches the database or imports Django: the vocabularies below are plain-string copies of the
`TextChoices` in `frameworks.models` (a test keeps them equal).

Rules, in brief (the docstring of each function has the detail):

* `clean_text` – HTML cell → plain text that is safe to store: tags stripped, entities unescaped,
  paragraph breaks kept as a blank line, links written out as their URL.
* `parse_deadline` – the raw text is always kept; a date is stored only when the deadline *is* a
  date (kind DATE). Month-precision dates are the last day of the month ("Apr-20" = "by April").
* `parse_status` – officers' status words → a RAG value, or "" when the text is not a status.
* `parse_percent` – "78%", "0.78", 0.78, "78" → 78.
* `split_leads` – a Lead cell → [(post title, LEAD|SUPPORTING), …].
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urlsplit

__all__ = [
    "DatePrecision",
    "DeadlineKind",
    "ParsedDeadline",
    "PostRole",
    "Rag",
    "clean_text",
    "is_bare_status",
    "one_line",
    "parse_deadline",
    "parse_percent",
    "parse_status",
    "split_leads",
]


# Vocabularies (mirrors of frameworks.models TextChoices values) ------------------------------
class Rag:
    """Values of `frameworks.models.RAG`."""

    COMPLETED: Final = "COMPLETED"
    IN_PROGRESS: Final = "IN_PROGRESS"
    OVERDUE: Final = "OVERDUE"
    ONGOING: Final = "ONGOING"
    NOT_STARTED: Final = "NOT_STARTED"
    CANCELLED: Final = "CANCELLED"


class DeadlineKind:
    """Values of `frameworks.models.DeadlineKind`."""

    DATE: Final = "DATE"
    ONGOING: Final = "ONGOING"
    TBC: Final = "TBC"
    IMMEDIATE: Final = "IMMEDIATE"
    CONDITIONAL: Final = "CONDITIONAL"
    NOT_SET: Final = "NOT_SET"


class DatePrecision:
    """Values of `frameworks.models.DatePrecision` ("" means no date)."""

    DAY: Final = "DAY"
    MONTH: Final = "MONTH"
    NONE: Final = ""


class PostRole:
    """Values of `frameworks.models.PostRole`."""

    LEAD: Final = "LEAD"
    SUPPORTING: Final = "SUPPORTING"


# clean_text ----------------------------------------------------------------------------------
# Private-use characters mark breaks while the HTML is walked; real input never keeps them
# because `_sanitise` removes the private-use block first.
_PARA: Final = "\ue000"
_LINE: Final = "\ue001"
_BLOCK_TAGS: Final = frozenset(
    {
        "p", "div", "ul", "ol", "table", "tr", "blockquote", "section", "article", "header",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "dl",
    }
)  # fmt: skip
_LINE_TAGS: Final = frozenset({"li", "dt", "dd"})
_SKIP_TAGS: Final = frozenset({"script", "style", "template", "head", "title"})
_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ue000-\uf8ff]")
_NEEDS_PARSING: Final = re.compile(r"[<&\n\r•\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ue000-\uf8ff]")
_LINK_SCHEMES: Final = frozenset({"http", "https", "mailto"})
_C0_AND_SPACE: Final = "".join(map(chr, range(0x21)))


def _sanitise(text: str) -> str:
    """Drop control and private-use characters and normalise line endings."""
    return _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _safe_href(raw: str | None) -> str | None:
    """The href if it is an absolute http(s) or mailto link, else None (the link is dropped)."""
    if not raw:
        return None
    # As browsers do (WHATWG URL parsing): strip leading/trailing controls and spaces, drop tabs
    # and newlines anywhere ("java\tscript:" is javascript:), and encode inner spaces.
    href = re.sub(r"[\t\n\r]", "", raw.strip(_C0_AND_SPACE))
    href = re.sub(r"[\x00-\x1f\x7f]", "", href).replace(" ", "%20")
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _LINK_SCHEMES:
        return None
    if scheme in {"http", "https"} and not parts.netloc:
        return None
    if scheme == "mailto" and not parts.path:
        return None
    return href


def _comparable_url(value: str) -> str:
    value = value.strip().casefold()
    value = re.sub(r"^(?:https?://|mailto:)", "", value)
    value = re.sub(r"^www\.", "", value)
    return value.rstrip("/")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._list_depth = 0
        self._anchors: list[tuple[str | None, int]] = []

    # Helpers ------------------------------------------------------------------------------
    def _glue(self) -> None:
        """Remove whitespace before a superscript so "5 <sup>th</sup>" reads "5th"."""
        for index in range(len(self.parts) - 1, -1, -1):
            part = self.parts[index]
            if part in (_PARA, _LINE):
                return
            stripped = part.rstrip()
            self.parts[index] = stripped
            if stripped:
                return

    def _close_anchor(self) -> None:
        href, start = self._anchors.pop()
        if href is None:
            return
        inner = [part for part in self.parts[start:] if part not in (_PARA, _LINE)]
        anchor_text = " ".join("".join(inner).split())
        shown = href[len("mailto:") :] if href.lower().startswith("mailto:") else href
        if not anchor_text or _comparable_url(anchor_text) == _comparable_url(href):
            self.parts[start:] = [shown]
        else:
            self.parts.append(f" ({shown})")

    # HTMLParser hooks -----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "br" or tag in _BLOCK_TAGS:
            self.parts.append(_PARA)
            if tag in {"ul", "ol", "dl"}:
                self._list_depth += 1
        elif tag in _LINE_TAGS:
            self.parts.extend([_LINE, "• " if tag == "li" else ""])
        elif tag in {"sup", "sub"}:
            self._glue()
        elif tag == "a":
            self._anchors.append((_safe_href(dict(attrs).get("href")), len(self.parts)))
        elif tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(_PARA)
            if tag in {"ul", "ol", "dl"}:
                self._list_depth = max(0, self._list_depth - 1)
        elif tag in _LINE_TAGS:
            self.parts.append(_LINE)
        elif tag == "a" and self._anchors:
            self._close_anchor()
        elif tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if "\n" in data and not data.strip() and self._list_depth:
            # Source formatting between list items, not a paragraph break.
            self.parts.append(" ")
            return
        pieces = re.split(r"\n+", data)
        for index, piece in enumerate(pieces):
            if index:
                self.parts.append(_PARA)
            self.parts.append(piece)

    def close(self) -> None:
        super().close()
        while self._anchors:
            self._close_anchor()


def clean_text(value: object) -> str:
    """Turn a cell that may contain HTML into plain text that is safe to store.

    * every tag is removed and entities are unescaped (`&amp;` → `&`); `<script>`/`<style>`
      content is dropped, as are control and private-use characters;
    * `<p>`, `<br>`, block tags and newlines already in the text become paragraph breaks
      (a blank line, "\\n\\n"); `<li>` items become lines starting "• ";
    * other runs of whitespace collapse to one space;
    * superscripts attach to the word before: "5 <sup>th</sup>" → "5th";
    * an http(s) or mailto anchor is kept as a link: written as its URL when the anchor text is
      the URL (ignoring the scheme and "www."), else as "text (URL)"; any other href
      (`javascript:`, relative, `data:` …) is dropped and only the anchor text kept.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # Word's Symbol-font bullets survive some PDF/Word exports as private-use characters.
    if not _NEEDS_PARSING.search(text):
        # The common case (plain text on one line): no markup, entities, breaks or bullets.
        return " ".join(text.split())
    text = _sanitise(text.replace("\uf0b7", "•").replace("\uf0a7", "•"))
    if not text.strip():
        return ""
    if "<" not in text and not _ENTITY.search(text):
        # No markup and no entities (most multi-line cells): the parser would only turn line
        # breaks into paragraph breaks, so do just that.
        return _paragraphs(_PARA.join(re.split(r"\n+", text)))
    # Escaped angle brackets (&lt;new action&gt;) are text the author meant to show: park them
    # so that only real markup is stripped, then give them back as plain characters.
    text = _ESCAPED_LT.sub(_LT_MARK, _ESCAPED_GT.sub(_GT_MARK, text))
    # Stripping can assemble new markup from the pieces ("<<b>script>" → "<script>"), so strip
    # until nothing changes (three passes are plenty for real cells; the cap bounds the work).
    for _ in range(3):
        stripped = _strip_markup(text)
        if stripped == text or not _MARKUP_LEFT.search(stripped):
            text = stripped
            break
        text = stripped
    else:
        text = _MARKUP_LEFT.sub("", text)
    return _paragraphs(text).replace(_LT_MARK, "<").replace(_GT_MARK, ">")


_ENTITY: Final = re.compile(r"&[#a-zA-Z]")
_LT_MARK: Final = "\ue0f1"
_GT_MARK: Final = "\ue0f2"
_ESCAPED_LT: Final = re.compile(r"&(?:lt|#0*60|#x0*3c);", re.IGNORECASE)
_ESCAPED_GT: Final = re.compile(r"&(?:gt|#0*62|#x0*3e);", re.IGNORECASE)
_MARKUP_LEFT: Final = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>?")


def _strip_markup(text: str) -> str:
    """One pass of the HTML parser; an unterminated tag at the end is dropped, as browsers do."""
    text = re.sub(r"<[a-zA-Z/!?][^<>]*$", "", text)
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _paragraphs(joined: str) -> str:
    out: list[str] = []
    pending: str | None = None
    for token in re.split(f"([{_PARA}{_LINE}])", joined):
        if token == _PARA:
            pending = _PARA
        elif token == _LINE:
            pending = pending or _LINE
        else:
            segment = " ".join(token.split())
            if not segment or segment == "•":
                continue
            if out:
                out.append("\n\n" if pending == _PARA else "\n" if pending == _LINE else " ")
            out.append(segment)
            pending = None
    return "".join(out)


def one_line(value: object) -> str:
    """`clean_text`, then every run of whitespace (line breaks too) as one space."""
    return " ".join(clean_text(value).split())


# parse_deadline ------------------------------------------------------------------------------
_MONTHS: Final = {calendar.month_abbr[number].lower(): number for number in range(1, 13)}
_MONTH_RE: Final = r"(?P<{}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"  # noqa: E501
_YEAR_RE: Final = r"(?P<{}>\d{{4}}|\d{{2}})"
_ORDINAL: Final = r"(?:st|nd|rd|th)?"

# Each pattern: (compiled regex, precision). Order matters: the longest forms first.
_DATE_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # 2021-03-31
    (re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"), DatePrecision.DAY),
    # 31/03/2021, 31-03-21, 31.03.2021 (UK: day first)
    (
        re.compile(r"(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-]" + _YEAR_RE.format("year")),
        DatePrecision.DAY,
    ),
    # 01-Jul-19, 1 July 2019, 5th September 2019, 5 Sept, 2019
    (
        re.compile(
            r"(?P<day>\d{1,2})\s*" + _ORDINAL + r"[\s/-]*(?:of\s+)?" + _MONTH_RE.format("mname")
            + r"\.?,?[\s/-]*" + _YEAR_RE.format("year")
        ),
        DatePrecision.DAY,
    ),
    # July 1, 2019 / July 1st 2019
    (
        re.compile(
            _MONTH_RE.format("mname") + r"\.?\s+(?P<day>\d{1,2})" + _ORDINAL + r",?\s+"
            + r"(?P<year>\d{4})"
        ),
        DatePrecision.DAY,
    ),
    # Apr-20, September 2019, Sept. 2019, 03/2021
    (
        re.compile(_MONTH_RE.format("mname") + r"\.?[\s/-]*" + _YEAR_RE.format("year")),
        DatePrecision.MONTH,
    ),
    (re.compile(r"(?P<month>\d{1,2})/(?P<year>\d{4})"), DatePrecision.MONTH),
)  # fmt: skip
# Without a year (needs default_year): "13 May", "May".
_DAY_MONTH_RE: Final = re.compile(
    r"(?P<day>\d{1,2})\s*" + _ORDINAL + r"[\s-]*(?:of\s+)?" + _MONTH_RE.format("mname")
)
_MONTH_ONLY_RE: Final = re.compile(_MONTH_RE.format("mname"))

_TBC_RE: Final = re.compile(
    r"\b(?:tbc|tba|tbd|to be (?:confirmed|agreed|determined|decided|arranged|set))\b"
)
_ONGOING_RE: Final = re.compile(r"\bon[\s-]?going\b|\bcontinuous(?:ly)?\b")
_IMMEDIATE_RE: Final = re.compile(
    r"^(?:imminent(?:ly)?|immediate(?:ly)?|with immediate effect|asap"
    r"|as soon as possible|straight away)\b"
)
_CONDITIONAL_RE: Final = re.compile(
    r"^(?:when|whenever|once|if|as and when|subject to|dependent (?:on|upon)|depending (?:on|upon)"
    r"|depends (?:on|upon)|contingent (?:on|upon)|linked to|tied to|in line with|pending"
    r"|following|after|upon|on completion of)\b"
)
_LEADING_SEPARATOR_RE: Final = re.compile(r"\s*(?:[-–—:;,(]|\s)")


# Short cells repeat down a sheet (a plan has a few dozen leads, deadline words and status words),
# and reading them is a pure function of the cell: each distinct value is read once per process.
_REPEATED_CELLS: Final = 4096


@dataclass(frozen=True)
class ParsedDeadline:
    """A deadline as written (`text`) and as understood (`date`, `precision`, `kind`)."""

    text: str
    date: dt.date | None
    precision: str
    kind: str

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready form: the date as ISO 8601 or None."""
        return {
            "text": self.text,
            "date": self.date.isoformat() if self.date else None,
            "precision": self.precision,
            "kind": self.kind,
        }


def _year(raw: str) -> int:
    year = int(raw)
    return 2000 + year if len(raw) == 2 else year


def _date_from_match(
    match: re.Match[str], precision: str, *, default_year: int | None
) -> tuple[dt.date | None, str]:
    """(date, precision) for a pattern match; (None, "") when the parts are not a real date."""
    groups = match.groupdict()
    name = groups.get("mname")
    month = _MONTHS[name[:3].lower()] if name else int(groups["month"])
    year = _year(groups["year"]) if groups.get("year") else default_year
    if year is None or not 1 <= month <= 12 or not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None, DatePrecision.NONE
    if precision == DatePrecision.MONTH:
        return dt.date(year, month, calendar.monthrange(year, month)[1]), DatePrecision.MONTH
    try:
        return dt.date(year, month, int(groups["day"])), DatePrecision.DAY
    except ValueError:
        return None, DatePrecision.NONE


def _full_date(low: str, *, default_year: int | None) -> tuple[bool, dt.date | None, str] | None:
    """Match the whole text as one date; (is_date, date, precision) or None."""
    candidate = low.rstrip(" .,;")
    for pattern, precision in _DATE_PATTERNS:
        match = pattern.fullmatch(candidate)
        if match:
            date, prec = _date_from_match(match, precision, default_year=default_year)
            if date:
                return True, date, prec
    if match := _DAY_MONTH_RE.fullmatch(candidate):
        if default_year is None:
            return True, None, DatePrecision.NONE
        date, prec = _date_from_match(match, DatePrecision.DAY, default_year=default_year)
        return True, date, prec
    if match := _MONTH_ONLY_RE.fullmatch(candidate):
        if default_year is None:
            return True, None, DatePrecision.NONE
        date, prec = _date_from_match(match, DatePrecision.MONTH, default_year=default_year)
        return True, date, prec
    return None


def _leading_date(low: str, *, default_year: int | None) -> tuple[dt.date | None, str] | None:
    """A date at the very start of the text, followed by more words.

    Returns (None, "") for a leading date without a year when there is no `default_year`.
    """
    for pattern, precision in _DATE_PATTERNS:
        match = pattern.match(low)
        if match and _LEADING_SEPARATOR_RE.match(low, match.end()):
            date, prec = _date_from_match(match, precision, default_year=default_year)
            if date:
                return date, prec
    # Without a year: "13 May Walkabout Programme", or a bare month only when clearly
    # separated ("June - Days of Action commence") so that "May be delayed" is not a date.
    match = _DAY_MONTH_RE.match(low)
    precision = DatePrecision.DAY
    if not (match and _LEADING_SEPARATOR_RE.match(low, match.end())):
        match = _MONTH_ONLY_RE.match(low)
        precision = DatePrecision.MONTH
        if not (match and re.match(r"\s*[-–—:,]", low[match.end() :])):
            return None
    if default_year is None:
        return None, DatePrecision.NONE
    return _date_from_match(match, precision, default_year=default_year)


def _last_explicit_date(low: str) -> tuple[dt.date, str] | None:
    """The last date in the text that names its year (day or month precision)."""
    found: list[tuple[int, dt.date, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, precision in _DATE_PATTERNS:
        for match in pattern.finditer(low):
            span = match.span()
            if any(start < span[1] and span[0] < end for start, end in taken):
                continue
            # Do not read a number that is part of a longer number as a date part.
            before = low[span[0] - 1] if span[0] else " "
            after = low[span[1]] if span[1] < len(low) else " "
            if before.isalnum() or after.isalnum():
                continue
            # An impossible date ("31/02/2021") still claims its span, so that a shorter
            # pattern ("02/2021") does not read part of it.
            taken.append(span)
            date, prec = _date_from_match(match, precision, default_year=None)
            if date:
                found.append((span[0], date, prec))
    if not found:
        return None
    _, date, prec = max(found, key=lambda item: item[0])
    return date, prec


@functools.lru_cache(maxsize=_REPEATED_CELLS)
def parse_deadline(
    value: str | dt.date | dt.datetime | None, *, default_year: int | None = None
) -> ParsedDeadline:
    """Read a deadline cell. Never raises: text that is not understood is kept as text.

    The raw `text` is always kept (markup stripped, whitespace collapsed). Rules, first match wins:

    1. blank → NOT_SET.
    2. a true Excel date (`date`/`datetime`) → DATE, DAY precision, text "31/03/2021".
    3. the whole text is a date → DATE: "01-Jul-19", "31/03/2021" (UK day-first), "1 July 2019"
       are DAY; "Apr-20", "Jun-21", "September 2019" are MONTH and their date is the LAST day of
       the month (a month deadline means "by the end of April"). Two-digit years are 20xx.
       A month with no year ("May") uses `default_year`; without one the date stays None
       (kind DATE, precision "").
    4. "TBC", "To be confirmed", "TBC as part of work planning in October 2020" → TBC.
    5. "Ongoing", "Ongoing throughout 2019", "April 2019 and ongoing" → ONGOING.
    6. "Imminent", "Immediately" → IMMEDIATE.
    7. text starting with a condition ("When …", "Subject to …", "Dependent on …",
       "Linked to …", "Once …", "Pending …") → CONDITIONAL.
    8. a date at the start followed by more words → DATE with that date
       ("June 2020 in conjunction with OSC work programming" → June 2020, MONTH).
    9. otherwise the LAST date in the text that names its year → DATE ("Survey to be held in
       February and move over to the hub completed by April 2020." → April 2020, MONTH: the
       later date is when the milestone is due).
    10. anything else → CONDITIONAL (free text describing when; no date).

    Only kind DATE carries a date. ONGOING, TBC, IMMEDIATE and CONDITIONAL deadlines keep the
    date None even when the text names one ("April 2019 and ongoing"), so that such milestones
    are never reported as past their deadline; the text still shows the month.
    """
    if value is None:
        return ParsedDeadline("", None, DatePrecision.NONE, DeadlineKind.NOT_SET)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return ParsedDeadline(
            value.strftime("%d/%m/%Y"), value, DatePrecision.DAY, DeadlineKind.DATE
        )
    text = one_line(value)
    if not text:
        return ParsedDeadline("", None, DatePrecision.NONE, DeadlineKind.NOT_SET)
    low = text.lower()

    def kind_only(kind: str) -> ParsedDeadline:
        return ParsedDeadline(text, None, DatePrecision.NONE, kind)

    if (whole := _full_date(low, default_year=default_year)) is not None:
        _, date, precision = whole
        return ParsedDeadline(text, date, precision, DeadlineKind.DATE)
    if _TBC_RE.search(low):
        return kind_only(DeadlineKind.TBC)
    if _ONGOING_RE.search(low):
        return kind_only(DeadlineKind.ONGOING)
    if _IMMEDIATE_RE.search(low):
        return kind_only(DeadlineKind.IMMEDIATE)
    if _CONDITIONAL_RE.search(low):
        return kind_only(DeadlineKind.CONDITIONAL)
    if (leading := _leading_date(low, default_year=default_year)) is not None:
        return ParsedDeadline(text, leading[0], leading[1], DeadlineKind.DATE)
    if (last := _last_explicit_date(low)) is not None:
        return ParsedDeadline(text, last[0], last[1], DeadlineKind.DATE)
    return kind_only(DeadlineKind.CONDITIONAL)


# parse_status --------------------------------------------------------------------------------
# (pattern matched at the start of the text, RAG). Order matters: "on track but ongoing" is
# ONGOING, "on track" alone is IN_PROGRESS.
_STATUS_RULES: Final[tuple[tuple[str, str], ...]] = (
    (r"completed?|green|done|achieved", Rag.COMPLETED),
    (r"cancell?ed|withdrawn", Rag.CANCELLED),
    (r"overdue|red|neglected|late|behind schedule", Rag.OVERDUE),
    (r"on[\s-]?going|on track but on[\s-]?going", Rag.ONGOING),
    (r"in[\s-]?progress|amber|check progress|on track|started", Rag.IN_PROGRESS),
    (r"not(?: yet)?[\s-]?started|unassigned|assigned", Rag.NOT_STARTED),
)
_STATUS_START: Final = tuple(
    (re.compile(rf"(?:{pattern})\b"), rag) for pattern, rag in _STATUS_RULES
)
_STATUS_WHOLE: Final = tuple((re.compile(rf"(?:{pattern})"), rag) for pattern, rag in _STATUS_RULES)


def _status_key(text: str) -> str:
    return text.lower().replace("_", " ").strip(" \t\n.,;:!-–—*()[]")


@functools.lru_cache(maxsize=_REPEATED_CELLS)
def parse_status(value: str | None) -> tuple[str, str]:
    """(RAG value, cleaned raw text) for a status cell; RAG is "" when blank or not understood.

    The first words decide, so officers' additions are allowed: "Completed - Ongoing",
    "Completed (ongoing)" and "Completed. Reminders will …" are COMPLETED; "Ongoing - need to
    continue …" and "On track but ongoing" are ONGOING. The 004 performance-system words map
    as: Neglected → OVERDUE, Unassigned/Assigned → NOT_STARTED, Check Progress → IN_PROGRESS;
    Red/Amber/Green → OVERDUE/IN_PROGRESS/COMPLETED. RAG values themselves ("IN_PROGRESS") are
    accepted.
    """
    raw = one_line(value)
    key = _status_key(raw)
    if not key:
        return "", raw
    for pattern, rag in _STATUS_START:
        if pattern.match(key):
            return rag, raw
    return "", raw


def is_bare_status(value: str | None) -> bool:
    """True when the whole cell is just a status word ("Completed.", "In progress").

    Used to spot status words typed into the wrong column (a New Deadline cell reading
    "Completed.").
    """
    key = _status_key(one_line(value))
    return bool(key) and any(pattern.fullmatch(key) for pattern, _ in _STATUS_WHOLE)


# parse_percent -------------------------------------------------------------------------------
_PERCENT_ATTRIBUTE: Final = re.compile(
    r"""\bvalue\s*=\s*["']?\s*(?P<number>\d+(?:\.\d+)?)\s*%""", re.IGNORECASE
)


def parse_percent(value: object) -> int | None:
    """A percentage as a whole number 0–100, or None when blank.

    "78%", "<b>78%</b>", '<input value="78%"/>', "78", 78 and 78.0 are 78. A decimal number
    between 0 and 1 without a % sign ("0.78", 0.78, and 1.0) is a fraction, as Excel stores a
    %-formatted cell, so 0.78 is 78 and 1.0 is 100; whole numbers (1, "1") are percentages.
    Halves round up.
    Raises ValueError, in plain English, for text that is not a number or a value outside 0–100.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a percentage.")
    if isinstance(value, int):
        number = Decimal(value)
        fraction = False
    else:
        if isinstance(value, str) and "<" in value:
            # Performance-system exports: <input value="78%"/> keeps the figure in an attribute.
            attribute = _PERCENT_ATTRIBUTE.search(value)
            if attribute and not one_line(value):
                value = attribute["number"] + "%"
        text = one_line(value) if not isinstance(value, float) else repr(value)
        if not text:
            return None
        has_sign = text.endswith("%")
        digits = text.rstrip("%").strip().replace(",", "")
        try:
            number = Decimal(digits)
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a percentage.") from None
        if not number.is_finite():
            raise ValueError(f"{text!r} is not a percentage.")
        fraction = not has_sign and "." in digits and Decimal(0) <= number <= Decimal(1)
    if fraction:
        number *= 100
    if not Decimal(-1) < number < Decimal(101):
        raise ValueError(f"A percentage must be between 0 and 100; {value!r} is not.")
    result = int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if not 0 <= result <= 100 or number < 0:
        raise ValueError(f"A percentage must be between 0 and 100; {value!r} is not.")
    return result


# split_leads ---------------------------------------------------------------------------------
# Words that begin a post title; " and " splits two posts only when one of these follows it.
_POST_START: Final = (
    r"(?:the\s+)?(?:Head\s+of|(?:Interim\s+|Acting\s+|Deputy\s+)?(?:Divisional|Corporate"
    r"|Executive|Assistant|Service)\s+Directors?|Directors?\s+of|Chief\s+Executive|Chief\s+Officer"
    r"|Chair\s+of|Cabinet\s+Member|Service\s+Manager|Interim\s+Divisional)\b"
)
_AND_SPLIT_RE: Final = re.compile(rf"\s+and\s+(?={_POST_START}|the\s)", re.IGNORECASE)
_SUPPORT_PAREN_RE: Final = re.compile(
    r"\(\s*(?:with\s+support\s+from|supported\s+by|in\s+conjunction\s+with|with)\s+([^)]*)\)",
    re.IGNORECASE,
)
_SUPPORT_SPLIT_RE: Final = re.compile(
    r"\s+(?:with\s+support\s+from|with\s+the\s+support\s+of|supported\s+by"
    r"|in\s+conjunction\s+with|working\s+with|with)\s+",
    re.IGNORECASE,
)
_LEAD_SPLIT_RE: Final = re.compile(r"\s*[/;]\s*")


def _tidy_post(value: str) -> str:
    value = " ".join(value.split())
    value = value.strip(" .,;:/-–—")
    value = re.sub(r"^(?:and|the)\s+", "", value, flags=re.IGNORECASE)
    return value.strip(" .,;:/-–—")


POST_TITLE_MAX: Final = 255  # the Post.title column


def split_leads(value: str | None) -> list[tuple[str, str]]:
    """See `_split_leads`; a fresh list each time, so callers may change it."""
    return list(_split_leads(value))


@functools.lru_cache(maxsize=_REPEATED_CELLS)
def _split_leads(value: str | None) -> tuple[tuple[str, str], ...]:
    """Split a Lead cell into [(post title, role), …]; the first post is LEAD.

    * Posts after "with support from", "with", "in conjunction with", "supported by" or inside
      "(with …)" are SUPPORTING.
    * Posts joined by "/" or ";" are LEAD (joint leads).
    * " and " splits only before the start of another post title ("Head of …", "Divisional
      Director …", "Corporate Director …", "Chief Executive", "Chair of …", or "the …"):
      "Head of Democratic Services and Head of Information Governance" is two posts, while
      "Divisional Director Youth and Commissioning" is one.
    * Whitespace is collapsed, trailing punctuation and a leading "the" dropped, and line-wrap
      hyphens repaired ("Co- ordinator" → "Co-ordinator"). A post named twice is kept once.
    """
    text = one_line(value)
    text = re.sub(r"(?<=\w)- (?=[a-z])", "-", text)
    if not text:
        return []

    supporting: list[str] = []

    def take_paren(match: re.Match[str]) -> str:
        supporting.append(match.group(1))
        return " "

    text = _SUPPORT_PAREN_RE.sub(take_paren, text)
    chunks = _SUPPORT_SPLIT_RE.split(text)
    lead_part, supporting = chunks[0], chunks[1:] + supporting

    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for part, role in [(lead_part, PostRole.LEAD)] + [(s, PostRole.SUPPORTING) for s in supporting]:
        for piece in _LEAD_SPLIT_RE.split(part):
            for post in _AND_SPLIT_RE.split(piece):
                title = _tidy_post(post)[:POST_TITLE_MAX]
                if title and title.casefold() not in seen:
                    seen.add(title.casefold())
                    result.append((title, role))
    if result and result[0][1] != PostRole.LEAD:
        result[0] = (result[0][0], PostRole.LEAD)
    return tuple(result)


# Round labels --------------------------------------------------------------------------------
_QUARTER_RE: Final = re.compile(r"^q(?P<q>[1-4])\s+(?P<y1>\d{4})\s*[-/–]\s*(?P<y2>\d{2}|\d{4})$")


def quarter_dates(label: str) -> tuple[dt.date, dt.date] | None:
    """Start and end of a financial-year quarter label such as "Q3 2019-20" (April to March).

    Q1 is April to June, Q2 July to September, Q3 October to December and Q4 January to March
    of the second year. Anything else (or a year pair that does not follow on) is None.
    """
    match = _QUARTER_RE.match(" ".join(label.lower().split()))
    if not match:
        return None
    first = int(match["y1"])
    second = int(match["y2"])
    if second < 100:
        second += first // 100 * 100
    if second != first + 1:
        return None
    quarter = int(match["q"])
    year = first if quarter < 4 else second
    start_month = {1: 4, 2: 7, 3: 10, 4: 1}[quarter]
    start = dt.date(year, start_month, 1)
    end_month = start_month + 2
    end = dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
    return start, end
