"""数据大屏's poll reads index ranges, kept counters and the figure tables: no query walks the whole history.

Every statement one `dashboard_data` call runs is checked with EXPLAIN QUERY PLAN: a history table
(orders, their lines, purchases, shipments, the figure tables) may be searched by an index, or walked
along an index only by a statement that stops at a LIMIT (the live feed); never scanned whole. The
roll-ups a fetch refreshes inside its write transaction are held to the same rule.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dropship.db import db
from dropship.models import Shipment, ShopGrant, User
from dropship.services.dashboard import dashboard_data
from dropship.services.rollups import refresh_rollups
from dropship.services.scope import Scope
from tests.helpers import recorded_sql
from tests.orders_factory import NOW, buy, make_order, make_shop, orders_app, orders_db, refund, ship  # noqa: F401

HISTORY = {"order", "orderitem", "purchase", "purchaseitem", "shipment", "dailyfigure", "monthlyfigure"}
FLAGS = {"ignored"}  # keys nearly every order shares: a search by them alone reads everything


def _statements(scope: Scope) -> list[tuple[str, tuple]]:
    with recorded_sql() as statements:
        dashboard_data(scope, now=NOW + timedelta(hours=6))
    return statements


def full_scans(sql: str, plan: list[str]) -> list[str]:
    """The plan lines that read a history table whole: a table scan, an index walk or a search keyed by
    `ignored` alone (nearly every order has the same value) — unless an ORDER BY … LIMIT stops it early."""
    tables = {alias or table: table for table, alias in
              re.findall(r'(?:FROM|JOIN)\s+"(\w+)"(?:\s+AS\s+"(\w+)")?', sql)}
    stops_early = re.search(r"ORDER BY .* LIMIT", sql) is not None
    bad = []
    for line in plan:
        read = re.match(r"(SCAN|SEARCH) (\w+)", line)
        if not read or tables.get(read.group(2), read.group(2)) not in HISTORY:
            continue
        keys = set(re.findall(r"(\w+)[=<>]", line.partition(" (")[2]))
        whole = read.group(1) == "SCAN" or keys <= FLAGS
        if whole and (" USING " not in line or not stops_early):
            bad.append(line)
    return bad


def test_a_scan_is_told_from_a_search():
    sql = 'SELECT 1 FROM "order" AS "t1" WHERE x'
    assert full_scans(sql, ["SCAN t1"]) == ["SCAN t1"]
    assert full_scans(sql, ["SCAN t1 USING INDEX order_created_at"]) == ["SCAN t1 USING INDEX order_created_at"]
    assert full_scans(sql + " LIMIT 12", ["SCAN t1 USING INDEX order_created_at"]) == ["SCAN t1 USING INDEX order_created_at"]
    assert full_scans(sql + " ORDER BY created_at DESC LIMIT 12", ["SCAN t1 USING INDEX order_created_at"]) == []
    assert full_scans(sql, ["SEARCH t1 USING COVERING INDEX order_ignored_status (ignored=?)"]) != []
    assert full_scans(sql, ["SEARCH t1 USING COVERING INDEX order_ignored_status (ignored=? AND status=?)"]) == []
    assert full_scans(sql, ["SEARCH t1 USING INDEX order_shop_id_created_at (shop_id=? AND created_at>?)"]) == []
    assert full_scans(sql, ["SEARCH t1 USING INTEGER PRIMARY KEY (rowid=?)"]) == []
    assert full_scans('SELECT 1 FROM "shop" AS "t2"', ["SCAN t2"]) == []


@pytest.mark.usefixtures("orders_db")
@pytest.mark.parametrize("employee", [False, True], ids=["主账号", "员工"])
def test_every_query_of_a_poll_uses_an_index(employee):
    shops = [make_shop("店A"), make_shop("店B")]
    for n in range(12):
        order = make_order(shops[n % 2], created_at=NOW - timedelta(days=n % 3, hours=n), status="shipped")
        buy(order, amount=800, platform=("pdd", "taobao")[n % 2], state="paid", purchased_at=NOW)
        ship(order)
        if n % 4 == 0:
            refund(order, 0)
    Shipment.update(finished_at=NOW).execute()
    scope = Scope.everything()
    if employee:
        staff = User.create(username="13912345678:09", password_hash="x", role="employee", permissions=["dashboard"])
        ShopGrant.create(user=staff, shop=shops[0])
        scope = Scope.of(staff)
    statements = _statements(scope)
    assert any('"order"' in sql for sql, _ in statements)
    problems = {}
    for sql, params in statements:
        if sql.lstrip().upper().startswith("SELECT"):
            plan = [row[-1] for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()]
            if full_scans(sql, plan):
                problems[sql] = plan
    assert problems == {}, "\n".join(f"{sql}\n  {plan}" for sql, plan in problems.items())


@pytest.mark.usefixtures("orders_db")
def test_refreshing_an_orders_rollups_reads_no_history_table_whole():
    """At 1M orders `id NOT IN (every active purchase line)` took 5 s a fetch page."""
    shop = make_shop()
    bought, waiting = make_order(shop, items=2), make_order(shop)
    buy(bought)
    with recorded_sql() as statements:
        refresh_rollups([bought.id, waiting.id])
    reads = [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith("SELECT")]
    assert reads
    for sql, params in reads:
        plan = [row[-1] for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()]
        assert full_scans(sql, plan) == [], (sql, plan)
        # a list subquery is built whole whatever the outer rows: here every active purchase's lines
        assert not [line for line in plan if line.startswith("LIST SUBQUERY")], (sql, plan)
