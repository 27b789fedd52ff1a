"""Server time of a full signed-in page against the bare framework (the /healthz route)."""
import statistics

from tests.benchmarks.conftest import p95, timed


def test_page_render_overhead(signed_in, report):
    bare = timed(lambda: signed_in.get("/healthz"), repeat=50)
    for path in ("/orders", "/shops", "/settings/browser"):
        page = timed(lambda p=path: signed_in.get(p), repeat=50)
        report(f"GET {path} p50", statistics.median(page), statistics.median(bare))
        report(f"GET {path} p95", p95(page), p95(bare))
