"""Render a board-report snapshot as HTML, as a tagged A4 PDF (WeasyPrint), or as .xlsx."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import mimetypes
import os
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from frameworks import exports
from frameworks.domain.status import NO_RETURN
from frameworks.domain.vocabulary import IndicatorStatus
from frameworks.models import DeadlineKind
from frameworks.reports import charts
from frameworks.reports.data import RAG_LABEL, RAG_ORDER, status_label

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"  # the app's own static files
PRINT_CSS_PATH = STATIC_DIR / "report" / "print.css"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF, which the council must publish
PRINT_CSS = PRINT_CSS_PATH.read_text(encoding="utf-8")
# An indicator's trend chart is a little lower than the chart's own default, so that two
# indicators (each with its reason, chart and figures) fit on a page.
INDICATOR_CHART_HEIGHT = 190


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def context(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What the report templates need: the snapshot plus its charts and ordered counts."""
    keys = [k for k in RAG_ORDER if snapshot["counts"].get(k) or (
        snapshot["previous_counts"] or {}).get(k)]  # fmt: skip
    count_rows = [
        {
            "key": key,
            "label": RAG_LABEL[key],
            "now": snapshot["counts"].get(key, 0),
            "before": (snapshot["previous_counts"] or {}).get(key),
            "change": (snapshot["change"] or {}).get(key),
        }
        for key in keys
    ]
    themes, exceptions, movements, outcomes = _cross_referenced(snapshot)
    return {
        "s": snapshot,
        "themes": themes,
        "exceptions": exceptions,
        "movements": movements,
        "outcome_themes": outcomes,
        "indicators": _indicators(snapshot),
        "indicator_sentence": indicator_sentence(snapshot["indicators"], snapshot["period"])
        if snapshot.get("indicators")
        else "",
        "maturity_outside_scale": any(
            row["outside_scale"] for row in (snapshot.get("maturity") or {}).get("rows", [])
        ),
        "sections": _section_numbers(snapshot),
        "count_rows": count_rows,
        # The appendix's update row spans every column after the row number.
        "appendix_span": 4
        + bool(snapshot.get("has_codes"))
        + bool(snapshot.get("previous_period"))
        + bool(snapshot.get("has_percent")),
        "rag_label": RAG_LABEL,
        "theme_keys": [k for k in RAG_ORDER if any(t["counts"].get(k) for t in snapshot["themes"])],
        "figure1": mark_safe(
            charts.overall(snapshot["counts"], title=f"Overall progress, {snapshot['period']}")
        ),
        "figure2": mark_safe(
            charts.by_theme(snapshot["themes"], title=f"Milestones by theme, {snapshot['period']}")
        ),
    }


def _section_numbers(snapshot: dict[str, Any]) -> dict[str, int]:
    """The body's numbered sections after "3. Movements": the measures sections the snapshot
    has (none in a snapshot of schema 2 or a plan without them), then the statutory ones."""
    names = [key for key in ("outcomes", "indicators", "maturity") if snapshot.get(key)]
    names += ["equalities", "finance", "legal"]
    numbers = {name: number for number, name in enumerate(names, start=4)}
    # Tables 1 and 2 are the counts; the indicators' and the maturity table follow.
    numbers["indicators_table"] = 3
    numbers["maturity_table"] = 3 + bool(snapshot.get("indicators"))
    return numbers


def indicator_sentence(indicators: list[dict[str, Any]], period: str) -> str:
    """ "Of the 3 indicators, 1 is on target, 1 is off target and 1 has no data in Q3 2019-20." """
    counts = Counter(indicator["status"] for indicator in indicators)
    total = len(indicators)
    parts = []
    for status in IndicatorStatus:
        n = counts.get(status.value, 0)
        if not n:
            continue
        if status == IndicatorStatus.NO_DATA:
            parts.append(f"{n} {'has' if n == 1 else 'have'} no data")
        elif status == IndicatorStatus.NO_TARGET:
            parts.append(f"{n} {'has' if n == 1 else 'have'} no target set")
        else:
            parts.append(f"{n} {'is' if n == 1 else 'are'} {status.label.lower()}")
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    noun = "indicator" if total == 1 else "indicators"
    return f"Of the {total} {noun}, {listed} in {period}."


def _indicators(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Each indicator of the snapshot with its trend chart, drawn now from the stored points
    (the figures are numbered after Figures 1 and 2)."""
    drawn = []
    for figure, indicator in enumerate(snapshot.get("indicators") or [], start=3):
        name = (
            f"Indicator {indicator['number']}: {indicator['name']}"
            if indicator["number"]
            else indicator["name"]
        )
        points = [
            (point["round"], _decimal(point["value"]), _decimal(point["target"]))
            for point in indicator["points"]
        ]
        chart = charts.indicator_trend_svg(
            title=f"{name}, by round to {snapshot['period']}",
            unit=indicator["unit"],
            direction=indicator["direction"],
            points=points,
            height=INDICATOR_CHART_HEIGHT,
        )
        drawn.append({**indicator, "heading": name, "figure": figure, "chart": mark_safe(chart)})
    return drawn


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _cross_referenced(snapshot: dict[str, Any]) -> tuple[list, dict, list, list]:
    """The appendix rows numbered 1, 2, … and the exceptions, movements and outcomes' commitments
    giving the number of the row they are about: each update is printed once, in the appendix.

    A number rather than a page (CSS target-counter) because the page is known only after the
    appendix is laid out, and WeasyPrint would then lay out the report's body twice. Only the
    rows an exception links to carry an anchor: each anchor costs WeasyPrint a destination."""
    numbers: dict[tuple, int] = {}
    themes, number = [], 0
    for theme in snapshot["themes"]:
        rows = []
        for row in theme["milestones"]:
            number += 1
            numbers.setdefault((row["theme"], row["code"], row["title"]), number)
            rows.append(
                {
                    **row,
                    "number": number,
                    "status": _status_cell(row["rag"], row["rag_text"]),
                    "previous_status": _status_cell(row["previous_rag"], row["previous_rag_text"]),
                }
            )
        themes.append({**theme, "milestones": rows})

    def referring(items: list[dict]) -> list[dict]:
        return [
            {**item, "number": numbers.get((item["theme"], item["code"], item["title"]))}
            for item in items
        ]

    exceptions = {key: referring(items) for key, items in snapshot["exceptions"].items()}
    outcomes = [
        {
            **theme,
            "outcomes": [
                {**outcome, "commitments": referring(outcome["commitments"])}
                for outcome in theme["outcomes"]
            ],
        }
        for theme in snapshot.get("outcomes") or []
    ]
    linked = {item["number"] for items in exceptions.values() for item in items} | {
        item["number"]
        for theme in outcomes
        for outcome in theme["outcomes"]
        for item in outcome["commitments"]
    }
    for theme in themes:
        for row in theme["milestones"]:
            row["anchor"] = row["number"] in linked
    return themes, exceptions, _movements(referring(snapshot["movements"])), outcomes


def _status_cell(key: str, raw: str) -> dict[str, str]:
    """A status in the appendix: the word (as `report_tag` words it) in a cell tinted for the
    status, as in the council's trackers, rather than a tinted box in a cell."""
    key, word = status_label(key, raw)
    return {"key": key, "word": word}


def _movements(items: list[dict]) -> list[dict]:
    """Changes of status as one row per change (from, to) with the appendix rows it covers: the
    appendix already shows each milestone's status at both rounds."""
    by_change: dict[tuple[str, str], list[int]] = {}
    for item in items:
        by_change.setdefault((item["from"], item["to"]), []).append(item["number"])
    order = {key: index for index, key in enumerate(RAG_ORDER)}
    return [
        {
            "from": before,
            "to": after,
            "count": len(numbers),
            "numbers": sorted(filter(None, numbers)),
        }
        for (before, after), numbers in sorted(
            by_change.items(), key=lambda kv: (order.get(kv[0][1], 99), order.get(kv[0][0], 99))
        )
    ]


def render_html(snapshot: dict[str, Any], *, preview_of=None, extra_css: str = "") -> str:
    """The standalone report HTML: what WeasyPrint lays out (CSS inline), or, for the preview
    page, the same document linking the stylesheet (no inline style for the CSP). `extra_css`
    follows the print CSS (an agenda pack turns the report's own page numbers off)."""
    css = PRINT_CSS + extra_css
    extra = {"preview_of": preview_of} if preview_of else {"css": mark_safe(css)}
    return render_to_string("reports/board_report.html", {**context(snapshot), **extra})


def render_pdf(snapshot: dict[str, Any], *, extra_css: str = "") -> RenderedPdf:
    """A tagged PDF (PDF/UA-1) with title and language set. The same snapshot always gives the
    same bytes."""
    html = render_html(snapshot, extra_css=extra_css)
    document = html_document(html).render(pdf_variant=PDF_VARIANT)
    with _font_timestamp(_source_date_epoch(snapshot)):
        content = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=_identifier(snapshot))
    return RenderedPdf(content=content, pages=len(document.pages))


def html_document(html: str):
    """WeasyPrint's document for report HTML: relative URLs resolve under the app's static
    directory, and every URL goes through `url_fetcher` (static files only)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(STATIC_DIR), url_fetcher=url_fetcher())


# The report loads nothing: its CSS is inline and its charts are inline SVG. WeasyPrint's own
# fetcher would still fetch any URL the HTML or CSS named (http, https, ftp, file, data), so the
# report's fetcher refuses everything but a file under the app's static directory: defence in
# depth should a URL ever reach the HTML (escaped text cannot become markup today). WeasyPrint
# catches a fetcher's exception, logs a warning and leaves the resource out.
class RefusedURL(ValueError):
    """A URL the report may not load."""


def static_path(url: str) -> Path:
    """The file under STATIC_DIR that a file: URL names, else RefusedURL. The path is resolved
    (symbolic links followed, `..` and %2e%2e removed) before it is checked, so neither a `..`
    nor a link inside static/ leads out of it."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"the report loads only its own static files, not {url[:200]!r}")
    root = STATIC_DIR.resolve()
    try:
        path = Path(url2pathname(parts.path)).resolve(strict=True)
    except (OSError, ValueError, RuntimeError) as error:  # missing, NUL byte, symlink loop
        raise RefusedURL(f"no such static file: {url[:200]!r}") from error
    if not path.is_relative_to(root) or not path.is_file():
        raise RefusedURL(f"not a file under the app's static directory: {url[:200]!r}")
    return path


def url_fetcher():
    """A WeasyPrint URL fetcher that serves static files (`static_path`) and refuses the rest.

    WeasyPrint 70 takes an instance of its `URLFetcher` (it reads the instance's settings when
    a fetch fails), hence a subclass whose `fetch` never opens a URL itself."""
    return _static_fetcher_class()(allowed_protocols=("file",), allow_redirects=False)


@functools.cache
def _static_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticFetcher


# When HarfBuzz-Subset is missing, WeasyPrint subsets the embedded fonts with fontTools, whose
# TTFont.save() stamps each subset's `head.modified` with the current time: the same snapshot
# rendered a second later gave different bytes. fontTools takes that time from SOURCE_DATE_EPOCH
# when it is set (the reproducible-builds convention), so the PDF is written with it set to the
# snapshot's own time. os.environ belongs to the whole process, hence the lock.
_SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
_font_timestamp_lock = threading.RLock()  # re-entrant: a pack renders reports inside its own


def _source_date_epoch(snapshot: dict[str, Any]) -> int:
    """The snapshot's generation time as a Unix time (0 for a snapshot without one)."""
    generated = snapshot.get("generated_at")
    return int(dt.datetime.fromisoformat(generated).timestamp()) if generated else 0


@contextmanager
def _font_timestamp(epoch: int):
    with _font_timestamp_lock:
        before = os.environ.get(_SOURCE_DATE_EPOCH)
        os.environ[_SOURCE_DATE_EPOCH] = str(epoch)
        try:
            yield
        finally:
            if before is None:
                del os.environ[_SOURCE_DATE_EPOCH]
            else:
                os.environ[_SOURCE_DATE_EPOCH] = before


def _identifier(snapshot: dict[str, Any]) -> bytes:
    import json

    digest = hashlib.md5(  # an identifier, not security: stable for the same snapshot
        json.dumps(snapshot, sort_keys=True).encode(), usedforsecurity=False
    )
    return digest.hexdigest().encode()


def render_xlsx(snapshot: dict[str, Any]) -> bytes:
    """The report's appendix as a workbook in the tracker layout (it imports back), laid out for
    democratic services to send on: one sheet with a Theme column, headings frozen and filtered,
    status cells tinted as in the PDF with their words kept, printed landscape on A4 to the page
    width (see `exports.tracker_xlsx_rows` for why each)."""
    rows, statuses = [], []
    for theme in snapshot["themes"]:
        for row in theme["milestones"]:
            rows.append(
                [
                    theme["name"],
                    row["code"],
                    row["title"],
                    exports.lead_cell(
                        [
                            {
                                "post": lead.removesuffix(" (supporting)"),
                                "role": "SUPPORTING" if lead.endswith(" (supporting)") else "LEAD",
                            }
                            for lead in row["leads"]
                        ]
                    ),
                    _deadline_cell(row["deadline"]),
                    row.get("previous_narrative", ""),
                    _status_word(row["previous_rag"], row["previous_rag_text"]),
                    row["new_deadline"],
                    row["narrative"],
                    _status_word(row["rag"], row["rag_text"]) if not row["carried_from"] else "",
                    row["percent"],
                ]
            )
            statuses.append(
                (
                    status_label(row["previous_rag"], row["previous_rag_text"])[0],
                    status_label(row["rag"], row["rag_text"])[0],
                )
            )
    title = f"{snapshot['framework']} – {snapshot['period']} – {snapshot['board']}"
    return exports.tracker_xlsx_rows(title, rows, statuses=statuses)


def _deadline_cell(shown: str) -> str:
    """A deadline as the tracker holds it: the report prints a blank one as "Not set", which
    would import back as that text; the tracker leaves it blank (imported: not set)."""
    return "" if shown == DeadlineKind.NOT_SET.label else shown


def _status_word(rag: str, raw: str) -> str:
    if raw:
        return raw
    if not rag or rag == NO_RETURN:
        return ""
    return RAG_LABEL[rag]
