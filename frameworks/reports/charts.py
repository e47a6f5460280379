"""Charts drawn on the server as SVG (WeasyPrint runs no JavaScript).

Every bar carries its number and its status word is in the legend and the axis, so nothing relies
on colour alone. All text is escaped.
"""

from __future__ import annotations

import math
from decimal import Decimal
from html import escape

from frameworks.domain.indicators import format_number
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


# An indicator's trend ---------------------------------------------------------------------------
VALUE_INK = "#1d70b8"
MUTED_INK = "#505a5f"
GRID = "#b1b4b6"


def _nice_step(span: float) -> float:
    """A round step for about four gridlines over `span` (1, 2, 2.5 or 5 times a power of 10)."""
    raw = span / 4 or 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def _tick(value: float) -> Decimal:
    return Decimal(repr(round(value, 10)))


def _trend_summary(
    title: str, unit: str, direction: str, points: list[tuple[str, Decimal | None, Decimal | None]]
) -> str:
    """The chart in a sentence, for its aria-label and title: first and last values, the latest
    target and which way is better."""
    reported = [(label, value) for label, value, _ in points if value is not None]
    better = "Lower is better" if direction == "LOWER" else "Higher is better"
    if not reported:
        facts = ["No approved values yet"]
    elif len(reported) == 1:
        facts = [f"{reported[0][0]}: {format_number(reported[0][1], unit)}"]
    else:
        (first_label, first), (last_label, last) = reported[0], reported[-1]
        facts = [
            f"{first_label}: {format_number(first, unit)}",
            f"{last_label}: {format_number(last, unit)}",
        ]
    targets = [(label, target) for label, _, target in points if target is not None]
    if targets:
        facts.append(f"target for {targets[-1][0]}: {format_number(targets[-1][1], unit)}")
    return f"{title}. {'; '.join(facts)}. {better}."


def indicator_trend_svg(*, title: str, unit: str, direction: str,
                        points: list[tuple[str, Decimal | None, Decimal | None]],
                        width: int = 520, height: int = 220) -> str:  # fmt: skip
    """An indicator's values across rounds (oldest first) as a line, each point labelled with
    its figure, the target as a dashed line labelled "Target", and a gap with "No data" where a
    round has no approved value. `points`: (round label, approved value or None, target or
    None). `direction`: "HIGHER" or "LOWER" (which is better), written on the chart."""
    left, right, top, bottom = 70, 58, 34, 30
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    count = max(len(points), 1)
    step_x = (x1 - x0) / count
    xs = [x0 + (index + 0.5) * step_x for index in range(len(points))]
    figures = [float(n) for _, v, t in points for n in (v, t) if n is not None]
    better = "Lower is better" if direction == "LOWER" else "Higher is better"
    # A unit written in words is said once, above the axis, rather than on every tick.
    symbol = unit.strip() in {"%", "£", "$", "€"}
    tick_unit = unit if symbol else ""
    if unit.strip() and not symbol:
        better = f"{unit.strip()[:1].upper()}{unit.strip()[1:30]}; {better[:1].lower()}{better[1:]}"
    body = [_text(x0, 14, better, size=12, fill=MUTED_INK)]
    low = min([0.0, *figures]) if figures else 0.0
    high = max(figures) if figures else 1.0
    if high == low:
        high = low + (abs(low) or 1.0)
    step = _nice_step(high - low)
    axis_low = math.floor(low / step) * step
    axis_high = math.ceil(high / step) * step
    if (axis_high - high) < step / 4:  # room above the highest point for its figure
        axis_high += step

    def y(value: float) -> float:
        return y1 - (value - axis_low) / (axis_high - axis_low) * (y1 - y0)

    tick = axis_low
    while tick <= axis_high + step / 1000:
        ty = y(tick)
        body.append(
            f'<line x1="{x0}" y1="{ty:.1f}" x2="{x1}" y2="{ty:.1f}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        body.append(
            _text(x0 - 6, ty + 4, format_number(_tick(tick), tick_unit), size=11, anchor="end")
        )
        tick += step
    body.append(
        f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#0b0c0c" stroke-width="1"/>'
    )
    # Round labels, thinned when they would run into each other (the last always shown).
    every = max(1, math.ceil(78 / step_x))
    for index, (label, _, _) in enumerate(points):
        if index % every == 0 or index == len(points) - 1:
            short = label if len(label) <= 14 else label[:13] + "…"
            body.append(_text(xs[index], y1 + 18, short, size=11, anchor="middle"))
    # The target: dashed, joining consecutive rounds that have one; labelled once, at its end.
    runs: list[list[tuple[float, float]]] = []
    for index, (_, _, target) in enumerate(points):
        if target is None:
            continue
        if runs and runs[-1][-1][0] == xs[index - 1] and points[index - 1][2] is not None:
            runs[-1].append((xs[index], y(float(target))))
        else:
            runs.append([(xs[index], y(float(target)))])
    for index, run in enumerate(runs):
        if len(run) == 1:  # one round alone: a short dash across its point
            (x, ty) = run[0]
            runs[index] = run = [(x - step_x / 3, ty), (x + step_x / 3, ty)]
        path = " ".join(f"{x:.1f},{ty:.1f}" for x, ty in run)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="#0b0c0c" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
    if runs:
        end_x, end_y = runs[-1][-1]
        body.append(_text(end_x + 6, end_y + 4, "Target", size=12, weight="bold"))
    # The values: a line through consecutive rounds that have one, each point with its figure.
    line: list[str] = []
    for index, (_, value, _) in enumerate(points):
        if value is None:
            if len(line) > 1:
                body.append(_value_line(line))
            line = []
            continue
        line.append(f"{xs[index]:.1f},{y(float(value)):.1f}")
    if len(line) > 1:
        body.append(_value_line(line))
    for index, (_, value, target) in enumerate(points):
        if value is None:
            body.append(_text(xs[index], y1 - 6, "No data", size=11, anchor="middle",
                              fill=MUTED_INK))  # fmt: skip
            continue
        vy = y(float(value))
        body.append(
            f'<circle cx="{xs[index]:.1f}" cy="{vy:.1f}" r="5" fill="{VALUE_INK}" '
            'stroke="#ffffff" stroke-width="1.5"/>'
        )
        # The figure goes above its point, unless the target line runs just above it there
        # (19.55% against 20%): then below, so the two never overprint.
        label_y = vy - 9
        if target is not None and 0 <= vy - y(float(target)) < 18 and vy + 20 < y1 - 4:
            label_y = vy + 20
        body.append(_text(xs[index], label_y, format_number(value, unit), size=12,
                          anchor="middle", weight="bold"))  # fmt: skip
    return _svg(width, height, _trend_summary(title, unit, direction, points), body)


def _value_line(points: list[str]) -> str:
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{VALUE_INK}" stroke-width="3"/>'
    )
