"""Clients clicking through 订单管理 while worker processes write what a fetch writes (issue 17).

Shared by the lean load test in `make test` (tests/web/test_load.py) and the full one in
tests/benchmarks/test_orders_bench.py: the same clicks and the same writers, different sizes.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FETCH_SCRIPT = """
import json, sys, time
from datetime import datetime, timedelta
from pathlib import Path
from tests.helpers import make_app
from dropship.db import db
from dropship.models import Shop
from dropship.platforms.base import RemoteItem, RemoteOrder
from dropship.services.fetching import upsert_remote_orders

app = make_app(Path(sys.argv[1]))
worker, until = int(sys.argv[2]), time.time() + float(sys.argv[3])
batches = errors = locked = 0
now = datetime.now()
while time.time() < until:  # what a fetch writes: a page of 20 orders, new ones then status changes
    page = [RemoteOrder(tid=f"9{worker}{batches:06d}{n:02d}", status="paid" if batches % 2 == 0 else "shipped",
                        status_text="", buyer_nick="tb", paid_amount=2590, created_at=now - timedelta(minutes=n),
                        items=[RemoteItem(oid=f"9{worker}{batches:06d}{n:02d}0", title="保温杯", quantity=1,
                                          paid_amount=2590, status="paid")])
            for n in range(20)]
    try:
        with db.connection_context():
            shop = Shop.get_by_id(1 + worker)
            upsert_remote_orders(shop, page)
            upsert_remote_orders(shop, [RemoteOrder(**{**vars(o), "status": "shipped"}) for o in page])
    except Exception as exc:
        errors += 1
        locked += "database is locked" in str(exc)
    batches += 1
    time.sleep(0.2)
print(json.dumps({"batches": batches, "errors": errors, "locked": locked}))
"""


@dataclass
class LoadResult:
    samples: list[float] = field(default_factory=list)  # ms per click
    cpu: list[float] = field(default_factory=list)  # CPU ms of the clicking thread per click (in-process clients: the request's)
    statuses: list[int] = field(default_factory=list)
    locked: int = 0  # responses that mention "database is locked"
    fetched: list[dict] = field(default_factory=list)  # per worker: batches, errors, locked

    @property
    def server_errors(self) -> int:
        return sum(s >= 500 for s in self.statuses)

    def clean(self) -> bool:
        return (self.server_errors == 0 and self.locked == 0
                and all(f["locked"] == 0 and f["errors"] == 0 for f in self.fetched))


def run_load(data_dir: Path, get: list[Callable[[str], tuple[int, bytes]]], urls: list[str], seconds: int,
             workers: int = 2) -> LoadResult:
    """Each `get` (one per client) clicks once a second through `urls` for `seconds` while `workers`
    processes write orders into the database of `data_dir` (shops 1..workers must exist)."""
    procs = [subprocess.Popen([sys.executable, "-c", FETCH_SCRIPT, str(data_dir), str(w), str(seconds + 3)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True) for w in range(workers)]
    time.sleep(2)  # the workers are writing before the clients start
    result, lock = LoadResult(), threading.Lock()

    def clicks(n: int, client: Callable[[str], tuple[int, bytes]]) -> None:
        # Ten people do not click in the same millisecond: started together, the threads would stay in
        # lockstep (each sleeps 1 s minus its own wait) and every second become one burst of ten requests,
        # whose last waits for the other nine. Each client clicks at its own (seeded, random) phase instead.
        time.sleep(random.Random(n).random())
        for i in range(seconds):
            started, cpu = time.perf_counter(), time.thread_time()
            status, body = client(urls[(n + i) % len(urls)])
            elapsed = time.perf_counter() - started
            with lock:
                result.samples.append(elapsed * 1000)
                result.cpu.append((time.thread_time() - cpu) * 1000)
                result.statuses.append(status)
                result.locked += b"database is locked" in body
            time.sleep(max(0.0, 1 - elapsed))

    threads = [threading.Thread(target=clicks, args=(n, c)) for n, c in enumerate(get)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.fetched = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    return result
