"""Database wiring: one `DatabaseProxy`, SQLite pragmas, and the numbered-migrations runner.

Migrations live in `dropship/migrations/m0001_*.py …`, each with `up(m: Migrator)`. Each describes
its tables with its own frozen field objects (never today's models), so an old database is brought
forward step by step exactly as a fresh one is built; every step is a no-op when already done.
Applied names are recorded, so a second start changes nothing. tests/unit/test_migrations.py
upgrades a database from every level and checks the models and the migrations agree.
"""
from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime
from pathlib import Path

from peewee import (
    CharField,
    DatabaseProxy,
    DateTimeField,
    Field,
    Model,
    Node,
    PostgresqlDatabase,
    SqliteDatabase,
    fn,
)
from playhouse.db_url import connect
from playhouse.migrate import SchemaMigrator

db = DatabaseProxy()
MIGRATION_LOCK = 0x6D696772  # an arbitrary advisory-lock number of our own ("migr")

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -32 * 1024,  # 32 MB page cache: tab counts scan big indexes
    "temp_store": "memory",
}


def init_db(url: str):
    """Connect the proxy to `url` (sqlite:///path or postgresql://…) and return the database."""
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # BEGIN IMMEDIATE: a transaction that reads and then writes (an upsert) would otherwise fail
        # at once with "database is locked" when another connection (a worker process, the job
        # heartbeat) wrote in between, as the busy timeout does not cover that case in WAL mode.
        database = connect(url, pragmas=SQLITE_PRAGMAS, timeout=15, lock_type="IMMEDIATE")
    else:
        database = connect(url)
    db.initialize(database)
    return database


class SchemaMigration(Model):
    name = CharField(primary_key=True)
    applied_at = DateTimeField(default=datetime.now)

    class Meta:
        database = db
        table_name = "schema_migration"


class Migrator:
    """What a migration step may do; every operation is a no-op when already done.

    A migration describes its tables with its own field objects (frozen at the time it was
    written), never with today's models: a later rename in models.py must not change what an old
    step creates, or upgrading an old database would silently go wrong.
    """

    def __init__(self, database) -> None:
        self.database = database
        self.schema = SchemaMigrator.from_database(database)

    def create_table(self, table: str, fields: dict[str, Field],
                     indexes: tuple[tuple[tuple[str, ...], bool], ...] = ()) -> type[Model]:
        """Create `table` with exactly these fields (an `id` primary key unless one is given).

        Returns a frozen model of the table, for foreign keys of later tables in the same step.
        """
        meta = type("Meta", (), {"database": self.database, "table_name": table, "indexes": indexes})
        model = type(table, (Model,), {**fields, "Meta": meta, "__module__": __name__})
        self.database.create_tables([model], safe=True)
        return model

    def add_column(self, table: str, column: str, field: Field) -> None:
        existing = {c.name for c in self.database.get_columns(table)}
        if column not in existing:
            self.schema.add_column(table, column, field).run()

    def add_index(self, table: str, columns: tuple[str, ...], unique: bool = False) -> None:
        name = f"{table}_{'_'.join(columns)}"
        existing = {i.name for i in self.database.get_indexes(table)}
        if name not in existing:
            self.schema.add_index(table, columns, unique).run()

    def execute(self, sql: str, params: tuple = ()) -> None:
        self.database.execute_sql(sql, params)


def migration_names() -> list[str]:
    from dropship import migrations

    return sorted(m.name for m in pkgutil.iter_modules(migrations.__path__) if m.name.startswith("m"))


def shared_database(database=None) -> bool:
    """Whether worker processes on other PCs may use this database too (PostgreSQL). SQLite is one
    PC's file: its workers coordinate through that PC's OS locks and memory, as they always did."""
    return isinstance(database or db.obj, PostgresqlDatabase)


def transaction_lock(key: str) -> None:
    """Wait for `key`, then hold it until the current transaction ends: transactions of other worker
    processes and PCs taking the same key run after it, and their reads see what it wrote. PostgreSQL
    lets two transactions read side by side and then delete and insert the same rows; SQLite needs
    nothing, its writers go one at a time from their first read (BEGIN IMMEDIATE)."""
    if shared_database():
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))


def _cut(field: Field, length: int, pattern: str, database=None) -> Node:
    """The first `length` characters of a timestamp's text, YYYY-MM-DD HH:MM:SS, in this database's SQL.

    SQLite stores timestamps as that very text, so a substring is the cheap cut whose index covers
    the grouping (test_dashboard_plan); PostgreSQL stores a timestamp, which substr refuses.
    """
    if shared_database(database):
        return fn.to_char(field, pattern).coerce(False)
    return fn.substr(field, 1, length).coerce(False)


def day_of(field: Field, database=None) -> Node:
    """A timestamp's day as text, YYYY-MM-DD."""
    return _cut(field, 10, "YYYY-MM-DD", database)


def hour_of(field: Field, database=None) -> Node:
    """A timestamp's hour as text, YYYY-MM-DD HH."""
    return _cut(field, 13, "YYYY-MM-DD HH24", database)


def optimize(database=None) -> None:
    """Refresh SQLite's planner statistics (cheap; analyses only what changed a lot).

    Without them the planner picks poor indexes for selective lookups (order number, phone) on
    100k+ orders. Run at start-up and periodically by the queue.
    """
    database = database or db.obj
    if isinstance(database, SqliteDatabase):
        database.execute_sql("PRAGMA optimize")


def run_migrations(database=None, upto: str | None = None) -> list[str]:
    """Apply pending migrations in order (up to and including `upto`); return the names applied now."""
    database = database or db.obj
    if shared_database(database):
        # Several PCs start together: one of them migrates, the others wait and then find nothing to do.
        database.execute_sql("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            return _migrate(database, upto)
        finally:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
    return _migrate(database, upto)


def _migrate(database, upto: str | None) -> list[str]:
    database.create_tables([SchemaMigration], safe=True)
    done = {row.name for row in SchemaMigration.select()}
    applied = []
    pending = [n for n in migration_names() if n not in done and (upto is None or n <= upto)]
    sqlite = isinstance(database, SqliteDatabase)
    if pending and sqlite:
        # SQLite changes some columns by copying the table and dropping the old one; with foreign
        # keys on, that DROP would cascade and delete every child row (all sub-orders of every
        # order). The pragma only takes effect outside a transaction.
        database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        for name in pending:
            module = importlib.import_module(f"dropship.migrations.{name}")
            with database.atomic():
                module.up(Migrator(database))
                if sqlite and database.execute_sql("PRAGMA foreign_key_check").fetchone():
                    raise RuntimeError(f"migration {name} broke a foreign key")
                SchemaMigration.create(name=name)
            applied.append(name)
    finally:
        if pending and sqlite:
            database.execute_sql("PRAGMA foreign_keys = ON")
    if applied and isinstance(database, SqliteDatabase):
        database.execute_sql("ANALYZE")  # new indexes need statistics before the planner trusts them
    return applied
