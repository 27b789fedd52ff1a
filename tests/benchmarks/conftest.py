"""Benchmarks print each figure beside its baseline as a ratio; `make bench` runs them."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest

_rows: list[str] = []


def timed(fn: Callable[[], object], repeat: int = 30,
          clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """Milliseconds per call over `repeat` calls (after one warm-up call); `time.thread_time` as the clock
    gives the CPU the call itself spent, which other processes on a loaded machine do not inflate."""
    fn()
    samples = []
    for _ in range(repeat):
        start = clock()
        fn()
        samples.append((clock() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


@pytest.fixture
def report():
    def _report(name: str, value: float, baseline: float, unit: str = "ms", target: float | None = None) -> float:
        ratio = value / baseline if baseline else float("inf")
        verdict = "" if target is None else ("  ✓" if ratio <= target else f"  ✗ (target ≤ {target}×)")
        _rows.append(f"{name:<48} {value:10.2f} {unit} / baseline {baseline:10.2f} {unit} = {ratio:6.2f}×{verdict}")
        return ratio

    return _report


def pytest_sessionfinish(session, exitstatus):
    if _rows:
        print("\n\nBenchmarks (figure / baseline = ratio)\n" + "\n".join(_rows))
