"""订单管理 at 1,000,000 orders (issue 17 §1): the kept tab counts, and indexes for the live ones.

The counters' triggers are not frozen here: they are compiled from today's tab predicates and
installed at start-up (services.orders.counters.ensure_counters), which also fills the new table.
"""
from peewee import SqliteDatabase

from dropship.db import Migrator


def up(m: Migrator) -> None:
    # the primary key covers every query (the counts read n beside it): no rowid table in SQLite
    tail = " WITHOUT ROWID" if isinstance(m.database, SqliteDatabase) else ""
    m.execute('CREATE TABLE IF NOT EXISTS "ordercount" ("ignored" INTEGER NOT NULL, "shop_id" INTEGER NOT NULL,'
              ' "day" VARCHAR(10) NOT NULL, "tabs" INTEGER NOT NULL, "n" INTEGER NOT NULL DEFAULT 0,'
              ' PRIMARY KEY ("ignored", "shop_id", "day", "tabs"))' + tail)
    # 即将发货超时 is counted live: open orders by deadline, the other conditions read from the index
    m.add_index("order", ("ignored", "status", "ship_deadline", "shop_id", "created_at"), False)
    # 旗帜 narrows a window to a few percent of its orders
    m.add_index("order", ("ignored", "seller_flag", "created_at"), False)
