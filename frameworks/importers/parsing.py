"""Pure functions that turn legacy action-plan cells into clean values: what only the importers
need. The rules the rest of the tracker shares live in the domain, and are re-exported here for
the scripts that read seeds with this module (`fixtures/build_demo.py`, `fixtures/build_legacy.py`):

* `clean_text`, `one_line` – `frameworks.domain.text`;
* `parse_deadline` (a `Deadline`) – `frameworks.domain.deadlines`;
* `parse_status`, `is_bare_status` – `frameworks.domain.status`;
* the vocabularies (`RAG`, `DeadlineKind`, `DatePrecision`, `PostRole`) –
  `frameworks.domain.vocabulary`, from which `frameworks.models` builds its `TextChoices`.

Here:

* `parse_percent` – "78%", "0.78", 0.78, "78" → 78.
* `split_leads` – a Lead cell → [(post title, LEAD|SUPPORTING), …].
* `list_text` – a cell written as a bulleted list ("<ul> ● Improve … by: <ul> – sharing …;
  – providing …") → plain text ("Improve … by: sharing …; providing …").
* `pledge_heading` – "Pledge 2: Be open and connected" → ("2", "Be open and connected").
* `quarter_dates` – "Q3 2019-20" → the quarter's first and last days.

Nothing here touches the database or imports Django (the fixtures' scripts run without Django
settings; tests/domain checks it): it may import the standard library and the Django-free domain
modules only, never `frameworks.models`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from frameworks.domain.deadlines import Deadline, parse_deadline
from frameworks.domain.status import is_bare_status, parse_status
from frameworks.domain.text import REPEATED_CELLS, clean_text, one_line
from frameworks.domain.vocabulary import RAG, DatePrecision, DeadlineKind, PostRole

__all__ = [
    "RAG",
    "DatePrecision",
    "Deadline",
    "DeadlineKind",
    "PostRole",
    "clean_text",
    "is_bare_status",
    "list_text",
    "one_line",
    "parse_deadline",
    "parse_percent",
    "parse_status",
    "pledge_heading",
    "quarter_dates",
    "split_leads",
]


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


@functools.lru_cache(maxsize=REPEATED_CELLS)
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
        return ()

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


# list_text -----------------------------------------------------------------------------------
_BULLETS: Final = "●•○◦▪■□➢►✓✔·*"
_DASHES: Final = "–—-"
# An item's marker at the start of a line: a bullet, or a dash followed by a space.
_MARKER_RE: Final = re.compile(rf"^(?:(?P<bullet>[{_BULLETS}])\s*|(?P<dash>[{_DASHES}])\s+)")
# A bullet inside a line starts an item of its own ("… services. ● Use …").
_INLINE_BULLET_RE: Final = re.compile(rf"\s+(?=[{_BULLETS.replace('*', '')}]\s)")
# A dash after ":", ";" or "," (and "; and –") marks a sub-item within the sentence.
_INLINE_DASH_RE: Final = re.compile(rf"([:;,](?:\s+(?:and|or))?)\s+[{_DASHES}]\s+")


def list_text(value: object) -> str:
    """A cell written as a bulleted list, as plain text that reads as the paper does.

    The markup goes (`clean_text`: tags, entities), then the list markers: a cell holding one
    item ("● Introduce a 'co-production framework' …") is that item's text; sub-items (a
    different marker, such as "– ", or the lines after one ending in ":") join the sentence
    they complete, so "● Improve our 'Ask the Mayor' events by: <ul> – sharing …; – providing
    …; and – using …" reads "Improve our 'Ask the Mayor' events by: sharing …; providing …;
    and using …" (a sub-item without punctuation of its own is joined after "; "). Several
    items at the first level stay one a line, each "• " (as `clean_text` writes `<li>`).
    A dash inside a sentence ("Established – good") is kept: only one after ":", ";" or ","
    marks an item.
    """
    text = clean_text(value)
    if not text:
        return ""
    lines: list[str] = []
    for line in text.split("\n"):
        lines.extend(_INLINE_BULLET_RE.split(line.strip()))
    items: list[str] = []
    first: str | None = None  # the first level's marker
    for raw in lines:
        line = _INLINE_DASH_RE.sub(r"\1 ", raw.strip())
        marker = _MARKER_RE.match(line)
        body = (line[marker.end() :] if marker else line).strip()
        if not body:
            continue
        kind = (marker["bullet"] or marker["dash"]) if marker else None
        if not items:
            first = kind
            items.append(body)
        elif kind is not None and kind == first and not items[-1].endswith(":"):
            items.append(body)
        else:
            joint = "; " if kind and not items[-1].endswith((":", ";", ",", ".")) else " "
            items[-1] = f"{items[-1]}{joint}{body}"
    if len(items) == 1:
        return items[0]
    return "\n".join(f"• {item}" for item in items)


# pledge_heading ------------------------------------------------------------------------------
_PLEDGE_HEADING_RE: Final = re.compile(
    r"^(?:pledge|priority|theme)\s*(?P<code>\d+[a-z]?)?\s*[:.–—-]\s*(?P<name>\S.*)$",
    re.IGNORECASE,
)


def pledge_heading(value: object) -> tuple[str, str] | None:
    """A pledge's heading row, as (its number, its name): "Pledge 2: Be open and connected" →
    ("2", "Be open and connected"); "Priority 3 – Keep it simple" → ("3", "Keep it simple");
    "Pledge: Enable" → ("", "Enable"). None for anything else (a commitment)."""
    match = _PLEDGE_HEADING_RE.match(one_line(value))
    if match is None:
        return None
    return match["code"] or "", match["name"].strip()
