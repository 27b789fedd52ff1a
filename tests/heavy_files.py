"""The order test files run in: the longest first.

`make test` runs `pytest -n 2 --dist loadfile`: each file goes whole to one worker, handed out in
collection order (pyproject's `--no-loadscope-reorder`; xdist's default order, most tests first, put
these one- and two-test files last, and the run ended with one worker still busy on one of them while
the other had nothing left). Started first, their minutes overlap the many short files instead.
"""
from __future__ import annotations

from collections.abc import Iterable

# Seconds per file (setup + call + teardown of its tests, `--durations=0` summed per file) measured on the
# shared 2-core machine; only their order matters. A file missing here keeps its collection place after these.
HEAVY_FILES: dict[str, float] = {
    "tests/e2e/test_purchase_flow.py": 300,
    "tests/drivers/test_fetch_crash.py": 150,
    "tests/e2e/test_demo.py": 120,
    "tests/drivers/test_purchase_crash.py": 130,
    "tests/drivers/test_aftersales_crash.py": 107,
    "tests/e2e/test_several_pcs.py": 95,
}


def heavy_first(paths: Iterable[str], heavy: dict[str, float] = HEAVY_FILES) -> list[int]:
    """Positions of `paths` (one per test, its file) in run order: the known-heavy files longest first, then
    the rest as collected. The sort is stable, so a file's tests keep their order (and stay together)."""
    paths = list(paths)
    return sorted(range(len(paths)), key=lambda n: -heavy.get(paths[n], 0))
