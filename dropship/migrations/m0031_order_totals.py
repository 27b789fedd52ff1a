"""订单管理's counts without 成交时间 at any history (issue 17 §1): the kept counts summed over the days.

Filled, like the day buckets, by the counters' repair path at start-up: the triggers' text changes
with it, so start-up reinstalls them and recounts (services.orders.counters.ensure_counters).
"""
from peewee import SqliteDatabase

from dropship.db import Migrator


def up(m: Migrator) -> None:
    sqlite = isinstance(m.database, SqliteDatabase)
    # as ordercount: the key covers every read, and `ignored` is a boolean where there is one (m0027)
    m.execute('CREATE TABLE IF NOT EXISTS "ordertotal" ("ignored" ' + ("INTEGER" if sqlite else "BOOLEAN")
              + ' NOT NULL, "shop_id" INTEGER NOT NULL, "tabs" INTEGER NOT NULL, "n" INTEGER NOT NULL DEFAULT 0,'
              ' PRIMARY KEY ("ignored", "shop_id", "tabs"))' + (" WITHOUT ROWID" if sqlite else ""))
