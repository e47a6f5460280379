"""Benchmarks (`make bench`, `python -m bench`): development tooling, not part of the product and
not tests. Each figure is a ratio or a distribution from one run.

`run.py` orchestrates (`python -m bench --help`); the suites are `pages.py`, `imports.py` (with
`import_export_baseline.py`), `reports.py` and `load.py`, which drives `locustfile.py` against
two gunicorns behind nginx. `data.py` removes the data the suites made; the builders they share
with the tests are in `tests/builders.py`.
"""

import math


def percentile(values: list[float], q: float) -> float:
    """The `q`th percentile of `values` by nearest rank (the smallest sample with at least q% of
    the samples at or below it), rounded to 0.1; 0.0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q * len(ordered) / 100) - 1)], 1)
