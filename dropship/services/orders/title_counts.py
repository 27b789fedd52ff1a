"""商品标题's tab counts at 1,000,000 orders: the columns the tabs read, per order, in the title index's order.

A title search counted its nine tabs by checking each hit against its row in "order": a common word
has ~21k hits in the last 15 days at 1M, each a lookup somewhere in a 1.8 GB table (order ids are
random relative to 成交时间), 70–120 ms. `ordertabrow` (m0030) holds per order only the columns
the tab predicates, 显示, 店铺 and the scope read, under its title document's rowid (成交时间 and id,
`titles.row_key`): the count walks the index's hits and reads their rows in the same order from a
narrow table. The predicates keep their one home in `tabs`: they are rendered over this table's row
(`counters.over_row`), which is why its columns carry the order's names.

Triggers on "order" keep it in the statement that changes an order; like the kept counts they are
installed at start-up (`ensure_tab_rows`), which also refills the table when it does not add up to
the orders. SQLite only: PostgreSQL, and a database without the trigram table, count over the orders.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import replace
from datetime import datetime

from peewee import JOIN, SQL, Case, Table, fn

from dropship.db import db, shared_database
from dropship.models import Order
from dropship.services.orders import counters, titles
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TABS, TabContext
from dropship.services.scope import Scope

TABLE = "ordertabrow"
TRIGGER_PREFIX = "ordertabrow_"


@functools.cache
def columns() -> tuple[str, ...]:
    """The order columns a title search's counts read: 显示, 店铺 (and scope), every tab predicate."""
    any_moment = TabContext(datetime.min, 0)  # which columns are read does not depend on the clock
    read = [Order.ignored, Order.shop, *(tab.predicate(any_moment) for tab in TABS)]
    text = " ".join(counters.over_row(expression, "NEW")[0] for expression in read)
    return tuple(f.column_name for f in Order._meta.sorted_fields if f'NEW."{f.column_name}"' in text)


@functools.cache
def triggers() -> dict[str, str]:
    """The triggers keeping one row per order, named by a hash of what they do."""
    names = ", ".join(f'"{c}"' for c in columns())

    def put(row: str) -> str:
        values = ", ".join(f'{row}."{c}"' for c in columns())
        return f'INSERT INTO "{TABLE}" ("key", {names}) VALUES ({titles.row_key(row)}, {values});'

    forget = f'DELETE FROM "{TABLE}" WHERE "key" = {titles.row_key("OLD")};'
    changed = " OR ".join([f"{titles.row_key('OLD')} IS NOT {titles.row_key('NEW')}",
                           *(f'OLD."{c}" IS NOT NEW."{c}"' for c in columns())])
    bodies = {"insert": f'AFTER INSERT ON "order" BEGIN {put("NEW")} END',
              "delete": f'AFTER DELETE ON "order" BEGIN {forget} END',
              "update": f'AFTER UPDATE OF "created_at", "id", {names} ON "order" WHEN {changed}'
                        f' BEGIN {forget} {put("NEW")} END'}
    tag = hashlib.sha1("".join(bodies.values()).encode()).hexdigest()[:10]
    return {f"{TRIGGER_PREFIX}{kind}_{tag}": body for kind, body in bodies.items()}


def table_columns() -> set[str]:
    """The columns the table has (a predicate reading another one needs a migration first)."""
    return {name for (_, name, *_rest) in db.execute_sql(f'PRAGMA table_info("{TABLE}")')}


def _installed() -> set[str]:
    rows = db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'order'"
                          " AND name LIKE ?", (TRIGGER_PREFIX + "%",))
    return {name for (name,) in rows}


def available() -> bool:
    """Whether the rows are kept here: SQLite with the title index, the current triggers installed."""
    return not shared_database() and titles.indexed() and set(triggers()) <= _installed()


def answers(search: OrderFilter) -> bool:
    """Whether the rows can count this title search: nothing else narrows it but 显示, 店铺 and 成交时间."""
    return bool(search.title) and counters.answers(replace(search, title="")) and available()


def drift() -> bool:
    """Whether the rows do not add up: not one per order (never where none are kept)."""
    if shared_database() or not titles.indexed():
        return False
    (rows,) = db.execute_sql(f'SELECT COUNT(*) FROM "{TABLE}"').fetchone()
    return rows != Order.select().count()


def rebuild() -> None:
    """The repair path: every order's row again, in one transaction (in key order: appended, not
    inserted all over the table)."""
    names, values = (", ".join(f'{row}"{c}"' for c in columns()) for row in ("", "o."))
    with db.atomic():
        db.execute_sql(f'DELETE FROM "{TABLE}"')
        db.execute_sql(f'INSERT INTO "{TABLE}" ("key", {names}) SELECT {titles.row_key("o")}, {values}'
                       ' FROM "order" o ORDER BY 1')


def ensure_tab_rows() -> bool:
    """At start-up: install the current triggers and refill the rows when the triggers were missing
    or changed, or the rows do not add up to the orders. True when it refilled.

    A tab predicate that comes to read a column this table lacks needs a migration adding it; until
    then the triggers stay off and title searches count over the orders (a unit test says so first).
    """
    if shared_database() or not titles.indexed() or not set(columns()) <= table_columns():
        return False
    wanted, present = triggers(), _installed()
    if set(wanted) == present and not drift():
        return False
    with db.atomic():
        for name in present:
            db.execute_sql(f'DROP TRIGGER "{name}"')
        for name, body in wanted.items():
            db.execute_sql(f'CREATE TRIGGER "{name}" {body}')
        rebuild()
    return True


def counted(search: OrderFilter, window: counters.Window, ctx: TabContext, scope: Scope) -> dict[str, int]:
    """Every tab over the title search's hits in the window's whole seconds (`answers` holds).

    The hits drive the query: each one's row is read by its key, the next one's near it. CROSS JOIN
    keeps them outside: left to choose, SQLite walked every row of the window instead and probed the
    index per row (a 1–2 character search at 100k: 35 ms against 15).
    """
    documents, rows = Table(titles.TABLE, ("rowid", "titles")), Table(TABLE, ("key",)).alias("r")

    def over_rows(expression) -> SQL:
        return SQL(*counters.over_row(expression, '"r"'))

    narrowing = replace(search, title="", created_from=None, created_to=None).conditions(scope)
    query = (documents.select(fn.COUNT(SQL("*")),
                              *(fn.SUM(Case(None, [(over_rows(tab.predicate(ctx)), 1)], 0)) for tab in TABS[1:]))
             .join(rows, JOIN.CROSS, on=rows.key == documents.rowid)
             .where(*titles.matching(documents, search.title, window.first, window.last),
                    *(over_rows(condition) for condition in narrowing)))
    row = db.execute(query).fetchone()
    return {tab.code: int(value or 0) for tab, value in zip(TABS, row, strict=True)}
