"""商品标题's tab counts at 1,000,000 orders (issue 17 §1): per order, the columns the tabs read, under
its title document's key (services.orders.title_counts). A title search counted its tabs by looking
up each hit's row in "order" (70–120 ms for a common word at 1M); these rows lie in the hits' own
order, in a narrow table.

SQLite only, beside the trigram table. The triggers that keep it and its first fill are installed
at start-up (title_counts.ensure_tab_rows), as for the kept counts and the title index.
"""
from peewee import SqliteDatabase

from dropship.db import Migrator


def up(m: Migrator) -> None:
    if not isinstance(m.database, SqliteDatabase):
        return
    if not m.database.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'ordertitle'").fetchone():
        return  # no trigram index here: a title search counts over the orders
    # The order's own column names and types: the tab predicates are rendered over a row of this
    # table. No constraints: a copy must never refuse a write the order table took.
    m.execute('CREATE TABLE IF NOT EXISTS "ordertabrow" ("key" INTEGER PRIMARY KEY, "ignored" INTEGER,'
              ' "shop_id" INTEGER, "status" VARCHAR(16), "pending_items" INTEGER, "refund_state" VARCHAR(10),'
              ' "abnormal" VARCHAR(16), "ship_deadline" DATETIME)')
