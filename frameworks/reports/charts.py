"""Charts drawn on the server as SVG (WeasyPrint runs no JavaScript).

Every bar carries its number and its status word is in the legend and the axis, so nothing relies
on colour alone. All text is escaped.
"""

from __future__ import annotations

from html import escape

from frameworks.domain.status import NO_RETURN, NO_STATUS
from frameworks.reports.data import RAG_LABEL, RAG_ORDER

FILL = {
    "COMPLETED": "#00703c",
    "IN_PROGRESS": "#ffdd00",
    "ONGOING": "#1d70b8",
    "OVERDUE": "#d4351c",
    "NOT_STARTED": "#505a5f",
    "CANCELLED": "#b1b4b6",
    NO_STATUS: "#dddddd",
    NO_RETURN: "#ffffff",
}
INK = {"IN_PROGRESS": "#0b0c0c", "CANCELLED": "#0b0c0c", NO_STATUS: "#0b0c0c", NO_RETURN: "#0b0c0c"}
# An attribute, not a style: pages carry these charts inline under a CSP without inline styles.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"


def _text(x: float, y: float, text: str, *, size: int = 14, anchor: str = "start",
          fill: str = "#0b0c0c", weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}" font-family="{FONT}">{escape(text)}</text>'
    )


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}"><title>{escape(title)}'
        f"</title>{''.join(body)}</svg>"
    )


def overall(counts: dict[str, int], *, title: str) -> str:
    """Figure 1: one bar per status, with its number."""
    keys = [k for k in RAG_ORDER if counts.get(k)] or [NO_RETURN]
    largest = max(counts.get(k, 0) for k in keys) or 1
    label_width, bar_width, row = 120, 420, 30
    height = row * len(keys) + 10
    body = []
    for index, key in enumerate(keys):
        y = 5 + index * row
        value = counts.get(key, 0)
        width = max(bar_width * value / largest, 2)
        body.append(_text(label_width - 8, y + 18, RAG_LABEL[key], anchor="end"))
        body.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{width:.1f}" height="{row - 8}" '
            f'fill="{FILL[key]}" stroke="#0b0c0c" stroke-width="1"/>'
        )
        body.append(_text(label_width + width + 6, y + 18, str(value), weight="bold"))
    return _svg(label_width + bar_width + 50, height, title, body)


def _legend(keys: list[str]) -> list[str]:
    body, x = [], 0.0
    for key in keys:  # swatch, then the word
        body.append(
            f'<rect x="{x:.1f}" y="5" width="14" height="14" fill="{FILL[key]}" '
            'stroke="#0b0c0c" stroke-width="1"/>'
        )
        body.append(_text(x + 19, 17, RAG_LABEL[key], size=13))
        x += 19 + 8 * len(RAG_LABEL[key]) + 16
    return body


def _stacked(rows: list[tuple[str, dict]], *, title: str, label_width: int, bar_width: int,
             totals: bool) -> str:  # fmt: skip
    """Horizontal stacked bars, one per (label, counts), each part labelled with its number."""
    keys = [k for k in RAG_ORDER if any(counts.get(k) for _, counts in rows)] or [NO_RETURN]
    largest = max((sum(counts.values()) for _, counts in rows), default=1) or 1
    row, legend_height = 30, 30
    body = _legend(keys)
    for index, (label, counts) in enumerate(rows):
        y = legend_height + index * row
        short = label if len(label) <= 36 else label[:35] + "…"
        body.append(_text(label_width - 8, y + 19, short, size=13, anchor="end"))
        left = float(label_width)
        for key in keys:
            value = counts.get(key, 0)
            if not value:
                continue
            width = bar_width * value / largest
            body.append(
                f'<rect x="{left:.1f}" y="{y + 2}" width="{width:.1f}" height="{row - 6}" '
                f'fill="{FILL[key]}" stroke="#0b0c0c" stroke-width="1"/>'
            )
            if width >= 18:
                body.append(
                    _text(
                        left + width / 2,
                        y + 19,
                        str(value),
                        size=13,
                        anchor="middle",
                        fill=INK.get(key, "#ffffff"),
                        weight="bold",
                    )  # fmt: skip
                )
            left += width
        if totals:
            body.append(_text(left + 6, y + 19, str(sum(counts.values())), size=13))
    height = legend_height + row * len(rows) + 10
    return _svg(label_width + bar_width + 40, height, title, body)


def by_theme(themes: list[dict], *, title: str) -> str:
    """Figure 2: a stacked bar per theme (or recommendation), with each part's number."""
    rows = [
        (f"{t['code']} {t['name']}".strip() if t.get("code") else t["name"], t["counts"])
        for t in themes
    ]
    return _stacked(rows, title=title, label_width=270, bar_width=380, totals=True)


def trend(rounds: list[dict], *, title: str) -> str:
    """Stacked bars per round (oldest first), each part labelled with its number."""
    rows = [(r["label"], r["counts"]) for r in rounds]
    return _stacked(rows, title=title, label_width=120, bar_width=420, totals=False)
