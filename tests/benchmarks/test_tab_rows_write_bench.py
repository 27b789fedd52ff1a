"""What keeping 商品标题's tab rows (ordertabrow, issue 17) costs a fetch: the service path that saves
fetched orders, 2,400 orders of 2 sub-orders in pages of 30, inserted then refreshed with a new
status, with the three ordertabrow triggers installed against the same with them dropped.

CPU time of this thread (the triggers run inside its SQLite calls), so the lead's browser tests on
the same machine do not inflate either side; rounds alternate and each is rolled back; the medians are reported.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import datetime, timedelta

from dropship.db import db
from dropship.models import Shop
from dropship.platforms.base import RemoteItem, RemoteOrder
from dropship.services.fetching import upsert_remote_orders
from dropship.services.orders import title_counts
from tests.helpers import make_app

ORDERS, PAGE, ROUNDS = 2400, 30, 3
NOW = datetime.now().replace(microsecond=0)


def _remotes() -> list[RemoteOrder]:
    return [RemoteOrder(tid=f"32566510{n:011d}", status="paid", status_text="买家已付款", buyer_nick=f"tb{n}",
                        paid_amount=2590, created_at=NOW - timedelta(minutes=n),
                        items=[RemoteItem(oid=f"{n}{i}", title=f"保温杯 款式{n % 100}", quantity=1, paid_amount=1295,
                                          status="paid") for i in range(2)])
           for n in range(ORDERS)]


def _fetch_twice(shop: Shop, remotes: list[RemoteOrder]) -> tuple[float, float]:
    """CPU ms per order to save the pages as new orders, then to refresh them as shipped."""
    shipped = [replace(r, status="shipped", items=[replace(i, status="shipped") for i in r.items]) for r in remotes]
    figures = []
    for batch in (remotes, shipped):
        started = time.thread_time()
        for start in range(0, len(batch), PAGE):
            upsert_remote_orders(shop, batch[start:start + PAGE], now=NOW)
        figures.append((time.thread_time() - started) * 1000 / len(batch))
    return figures[0], figures[1]


def test_tab_rows_triggers_cost_a_fetch_little(tmp_path, report):
    make_app(tmp_path / "data")
    remotes = _remotes()
    samples: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    with db.connection_context():
        assert title_counts.available()
        for _ in range(ROUNDS):
            for kept in (True, False):
                with db.atomic() as round_:
                    if not kept:
                        for name in title_counts.triggers():
                            db.execute_sql(f'DROP TRIGGER "{name}"')
                    shop = Shop.create(platform="taobao", login="bench", password="", nick="bench", login_state="ok")
                    samples[kept].append(_fetch_twice(shop, remotes))
                    round_.rollback()
        assert title_counts.available()  # the rollbacks brought the dropped triggers back
    for i, what in enumerate(("new orders", "refreshed orders")):
        report(f"fetch saves {what}: ms/order with ordertabrow triggers vs without",
               statistics.median(s[i] for s in samples[True]), statistics.median(s[i] for s in samples[False]))
