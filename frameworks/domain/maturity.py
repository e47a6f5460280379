"""Maturity self-assessment: how a standard's level moved between two assessments.

Levels are compared by their rank on the framework's scale (1 the least mature). A level
written outside the scale (003's "Embedded") has no rank, so its movement cannot be said until
someone adds it to the scale or maps it. Plain Python, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["UP", "DOWN", "SAME", "NEW", "UNKNOWN"]


@dataclass(frozen=True)
class Movement:
    direction: Direction
    words: str  # as the page and the board pack print it

    @property
    def arrow(self) -> str:
        return {"UP": "▲", "DOWN": "▼", "SAME": "–"}.get(self.direction, "")


def movement(
    *,
    previous_name: str | None,
    previous_rank: int | None,
    current_name: str | None,
    current_rank: int | None,
) -> Movement:
    """A standard's movement since the previous assessment. `*_name` is the level as judged
    (None: not judged then); `*_rank` its rank on the scale (None: outside the scale)."""
    if previous_name is None:
        return Movement("NEW", "First assessed")
    if current_name is None:
        return Movement("UNKNOWN", f"Not judged this time (was {previous_name})")
    if previous_rank is None or current_rank is None:
        outside = current_name if current_rank is None else previous_name
        return Movement(
            "UNKNOWN",
            f"Cannot compare: “{outside}” is not on the scale (was {previous_name})",
        )
    if current_rank > previous_rank:
        return Movement("UP", f"Up from {previous_name}")
    if current_rank < previous_rank:
        return Movement("DOWN", f"Down from {previous_name}")
    return Movement("SAME", f"No change ({previous_name})")
