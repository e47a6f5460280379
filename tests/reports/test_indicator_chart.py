"""An indicator's trend chart: drawn on the server, readable without colour, summarised for
screen readers, with gaps where a round has no approved value."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from frameworks.reports.charts import indicator_trend_svg

SVG = "{http://www.w3.org/2000/svg}"


def _svg(**kwargs) -> ET.Element:
    defaults = {"title": "Children's social care vacancy gap", "unit": "%", "direction": "LOWER"}
    return ET.fromstring(indicator_trend_svg(**(defaults | kwargs)))


def _texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def test_each_value_is_labelled_with_its_figure_and_the_target_is_a_labelled_dashed_line():
    svg = _svg(
        points=[
            ("Q2 2019-20", Decimal("26"), Decimal("20")),
            ("Q3 2019-20", Decimal("19.55"), Decimal("20")),
        ]
    )
    texts = _texts(svg)
    assert "26%" in texts and "19.55%" in texts
    assert "Target" in texts
    assert "Lower is better" in texts
    dashed = [p for p in svg.iter(f"{SVG}polyline") if p.get("stroke-dasharray")]
    assert len(dashed) == 1
    assert svg.get("role") == "img"
    label = svg.get("aria-label")
    assert label == (
        "Children's social care vacancy gap. Q2 2019-20: 26%; Q3 2019-20: 19.55%; "
        "target for Q3 2019-20: 20%. Lower is better."
    )
    assert svg.find(f"{SVG}title").text == label


def test_a_round_without_an_approved_value_is_a_gap_saying_no_data():
    svg = _svg(
        points=[
            ("Q1 2019-20", Decimal("30"), None),
            ("Q2 2019-20", None, None),
            ("Q3 2019-20", Decimal("19.55"), None),
            ("Q4 2019-20", Decimal("18"), None),
        ]
    )
    assert _texts(svg).count("No data") == 1
    lines = [p for p in svg.iter(f"{SVG}polyline") if not p.get("stroke-dasharray")]
    # Q1 stands alone (a point, no line); Q3 to Q4 is one line: nothing joins across the gap.
    assert len(lines) == 1
    assert len(lines[0].get("points").split()) == 2
    assert len(list(svg.iter(f"{SVG}circle"))) == 3
    assert "Target" not in _texts(svg)


def test_no_values_yet_is_said_and_nothing_is_plotted():
    svg = _svg(points=[("Q3 2019-20", None, None)], direction="HIGHER", unit="users")
    assert "No approved values yet" in svg.get("aria-label")
    assert "Higher is better" in svg.get("aria-label")
    assert not list(svg.iter(f"{SVG}circle"))


def test_text_is_escaped_and_figures_keep_their_unit():
    svg = indicator_trend_svg(
        title='Registered users <script>alert("x")</script>',
        unit="users",
        direction="HIGHER",
        points=[("Q3 <2019-20>", Decimal("20393"), None)],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "20,393 users" in _texts(ET.fromstring(svg))


def test_many_rounds_keep_the_last_label_and_a_single_target_is_a_short_dash():
    labels = [f"Q{q} {y}-{(y + 1) % 100:02d}" for y in range(2018, 2022) for q in (1, 2, 3, 4)]
    points = [(label, Decimal(index), None) for index, label in enumerate(labels)]
    points[-1] = (labels[-1], Decimal(15), Decimal(12))
    svg = _svg(points=points, width=520, height=220)
    texts = _texts(svg)
    assert labels[-1] in texts
    assert labels[1] not in texts  # thinned: they would run into each other
    assert svg.get("width") == "520" and svg.get("height") == "220"
    assert "Target" in texts
