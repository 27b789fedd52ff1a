"""Server time of a full signed-in page against the bare framework (the /healthz route)."""
import statistics
import time

from dropship.db import db
from tests.benchmarks.conftest import p95, timed
from tests.orders_factory import buy, make_account, make_order, make_shop, ship


def test_page_render_overhead(signed_in, report):
    bare = timed(lambda: signed_in.get("/healthz"), repeat=50)
    for path in ("/orders", "/shops", "/settings/browser"):
        page = timed(lambda p=path: signed_in.get(p), repeat=50)
        report(f"GET {path} p50", statistics.median(page), statistics.median(bare))
        report(f"GET {path} p95", p95(page), p95(bare))


def test_orders_page_cpu_with_ten_cards(signed_in, report):
    """The Python of one 订单管理 page of ten full cards (statement building, rows, Jinja), as CPU time
    so that a loaded machine does not inflate it, beside /healthz; and how many statements it runs."""
    with db.connection_context(), db.atomic():
        shop, account = make_shop(), make_account()
        for n in range(30):
            order = make_order(shop, items=1 + n % 3)
            if n % 2:
                buy(order, account=account)
            if n % 5 == 0:
                ship(order)
    database, statements = db.obj, []
    execute = database.execute_sql
    database.execute_sql = lambda sql, *args, **kw: statements.append(sql) or execute(sql, *args, **kw)
    try:
        signed_in.get("/orders")
    finally:
        database.execute_sql = execute
    bare = timed(lambda: signed_in.get("/healthz"), repeat=100, clock=time.thread_time)
    page = timed(lambda: signed_in.get("/orders"), repeat=100, clock=time.thread_time)
    report("GET /orders (10 cards) CPU mean", statistics.mean(page), statistics.mean(bare))
    report("GET /orders (10 cards) CPU p95", p95(page), p95(bare))
    report("GET /orders (10 cards) statements", len(statements), 1, unit="")
