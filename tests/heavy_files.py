"""The order test files run in: the longest first.

`make test` runs `pytest -n 2 --dist loadfile`: each file goes whole to one worker, handed out in
collection order (tests/conftest.py turns off xdist's default order, most tests first, which put
these one- and two-test files last, where the run could end waiting on one of them, the other worker idle).
Started first, their minutes overlap the many short files instead.
"""
from __future__ import annotations

from collections.abc import Iterable

# Seconds per file (setup + call + teardown of its tests, `--durations=0` summed per file), from one run of
# tests/drivers and tests/e2e on the shared 2-core machine at load average 12-17 (so about twice a quiet
# CI's); test_wheel.py is the CI's 47 s doubled to match, test_fetch_crash.py scaled to its 300 orders.
# Only their order matters. A file missing here keeps its collection place after these.
HEAVY_FILES: dict[str, float] = {
    "tests/e2e/test_purchase_flow.py": 379,
    "tests/drivers/test_purchase_crash.py": 332,
    "tests/drivers/test_shop_tasks.py": 287,
    "tests/e2e/test_demo.py": 232,
    "tests/drivers/test_buyer_accounts.py": 223,
    "tests/drivers/test_aftersales_crash.py": 180,
    "tests/drivers/test_taobao_seller.py": 155,
    "tests/e2e/test_shops_ui.py": 152,
    "tests/drivers/test_shipping_tasks.py": 139,
    "tests/drivers/test_fetch_crash.py": 102,
    "tests/e2e/test_several_pcs.py": 133,
    "tests/drivers/test_purchase_cancel.py": 127,
    "tests/drivers/test_aftersales_rules_sandbox.py": 96,
    "tests/packaging/test_wheel.py": 94,
    "tests/e2e/test_orders_ui.py": 94,
    "tests/drivers/test_purchase_sync.py": 83,
    "tests/drivers/test_shipping_manual.py": 82,
    "tests/drivers/test_aftersales_flow.py": 74,
    "tests/drivers/test_taobao_purchase.py": 71,
    "tests/drivers/test_pdd_purchase.py": 66,
    "tests/drivers/test_1688_purchase.py": 58,
    "tests/e2e/test_assisted_purchase_ui.py": 58,
}


def heavy_first(paths: Iterable[str], heavy: dict[str, float] = HEAVY_FILES) -> list[int]:
    """Positions of `paths` (one per test, its file) in run order: the known-heavy files longest first, then
    the rest as collected. The sort is stable, so a file's tests keep their order (and stay together)."""
    paths = list(paths)
    return sorted(range(len(paths)), key=lambda n: -heavy.get(paths[n], 0))
