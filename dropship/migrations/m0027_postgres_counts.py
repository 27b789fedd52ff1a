"""The kept tab counts and the 商品标题 search on PostgreSQL (issue 17 §2).

- `ordercount.ignored` becomes a boolean there, as `order.ignored` is: the counters' trigger
  function compares and copies one into the other (SQLite has no boolean type; nothing to do).
- pg_trgm's GIN index on the sub-orders' titles serves `title ILIKE '%…%'` (3+ characters) from the
  index instead of reading every sub-order. pg_trgm ships with PostgreSQL (postgresql-contrib, in
  Debian's postgresql package) and is a trusted extension since PostgreSQL 13, so the database's
  owner may create it; where it cannot be created the search stays a scan, as before.
"""
from peewee import DatabaseError, PostgresqlDatabase

from dropship.db import Migrator


def up(m: Migrator) -> None:
    if not isinstance(m.database, PostgresqlDatabase):
        return
    (kind,) = m.database.execute_sql("SELECT data_type FROM information_schema.columns"
                                     " WHERE table_name = 'ordercount' AND column_name = 'ignored'").fetchone()
    if kind != "boolean":
        m.execute('ALTER TABLE "ordercount" ALTER COLUMN "ignored" TYPE BOOLEAN USING "ignored" <> 0')
    try:
        with m.database.atomic():  # a savepoint: a refused extension must not abort the migration
            m.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    m.execute('CREATE INDEX IF NOT EXISTS "orderitem_title_trgm" ON "orderitem" USING gin ("title" gin_trgm_ops)')
