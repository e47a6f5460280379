"""Benchmarks (`make bench`): not tests. Each figure is a ratio or a distribution from one run."""

import math


def percentile(values: list[float], q: float) -> float:
    """The `q`th percentile of `values` by nearest rank (the smallest sample with at least q% of
    the samples at or below it), rounded to 0.1; 0.0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q * len(ordered) / 100) - 1)], 1)
