"""A fetch refreshes the roll-ups of its page inside its write transaction: no statement of it may read a
history table whole (at 1M orders `id NOT IN (every active purchase line)` took 5 s a page)."""
from __future__ import annotations

import pytest

from dropship.db import db
from dropship.services.rollups import refresh_rollups
from tests.helpers import recorded_sql
from tests.orders_factory import buy, make_account, make_order, make_shop, orders_app, orders_db  # noqa: F401
from tests.unit.test_dashboard_plan import full_scans


@pytest.mark.usefixtures("orders_db")
def test_refreshing_an_orders_rollups_reads_no_history_table_whole():
    shop = make_shop()
    bought, waiting = make_order(shop, items=2), make_order(shop)
    buy(bought, account=make_account())
    with recorded_sql() as statements:
        refresh_rollups([bought.id, waiting.id])
    reads = [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith("SELECT")]
    assert reads
    for sql, params in reads:
        plan = [row[-1] for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()]
        assert full_scans(sql, plan) == [], (sql, plan)
        # a list subquery is built whole whatever the outer rows: every active purchase's lines
        assert not [line for line in plan if line.startswith("LIST SUBQUERY")], (sql, plan)
