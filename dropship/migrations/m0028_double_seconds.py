"""Wall-clock seconds (time.time()) in full on PostgreSQL: the request budget's RequestSlot.at and the
验证中心 channel's ParkedView.deadline / closed_at / seen_at were made as FloatField, which PostgreSQL
stores as `real` (4 bytes: today's time.time() rounds to steps of 128 s). A request slot rounded up
to a minute ahead made every next request of that account wait up to a minute, and a parked page's
seen_at could look silent (expired) while its worker was alive. SQLite's REAL has 8 bytes already.
"""
from dropship.db import Migrator, shared_database

SECONDS = {"requestslot": ("at",), "parkedview": ("deadline", "closed_at", "seen_at")}


def up(m: Migrator) -> None:
    if not shared_database(m.database):
        return
    for table, columns in SECONDS.items():
        for column in columns:
            m.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE double precision')
