"""Database wiring: one `DatabaseProxy`, SQLite pragmas, and the numbered-migrations runner.

Migrations live in `dropship/migrations/m0001_*.py …`, each with `up(m: Migrator)`. They are written
to be idempotent (create missing tables, add missing columns): a fresh database gets today's schema
from the first steps and the later ones find nothing to do, while an older database is brought
forward step by step. Applied names are recorded, so a second start changes nothing.
"""
from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime
from pathlib import Path

from peewee import CharField, DatabaseProxy, DateTimeField, Model, SqliteDatabase
from playhouse.db_url import connect
from playhouse.migrate import SchemaMigrator

db = DatabaseProxy()

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
        database = connect(url, pragmas=SQLITE_PRAGMAS, timeout=15)
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
    """What a migration step may do; every operation is a no-op when already done."""

    def __init__(self, database) -> None:
        self.database = database
        self.schema = SchemaMigrator.from_database(database)

    def create_tables(self, models: list[type[Model]]) -> None:
        self.database.create_tables(models, safe=True)

    def add_column(self, model: type[Model], field_name: str) -> None:
        table = model._meta.table_name
        existing = {c.name for c in self.database.get_columns(table)}
        field = model._meta.fields[field_name]
        if field.column_name not in existing:
            self.schema.add_column(table, field.column_name, field).run()

    def add_index(self, model: type[Model], columns: tuple[str, ...], unique: bool = False) -> None:
        table = model._meta.table_name
        name = f"{table}_{'_'.join(columns)}"
        existing = {i.name for i in self.database.get_indexes(table)}
        if name not in existing:
            self.schema.add_index(table, columns, unique).run()


def migration_names() -> list[str]:
    from dropship import migrations

    return sorted(m.name for m in pkgutil.iter_modules(migrations.__path__) if m.name.startswith("m"))


def optimize(database=None) -> None:
    """Refresh SQLite's planner statistics (cheap; analyses only what changed a lot).

    Without them the planner picks poor indexes for selective lookups (order number, phone) on
    100k+ orders. Run at start-up and periodically by the queue.
    """
    database = database or db.obj
    if isinstance(database, SqliteDatabase):
        database.execute_sql("PRAGMA optimize")


def run_migrations(database=None) -> list[str]:
    """Apply pending migrations in order; return the names applied now."""
    database = database or db.obj
    database.create_tables([SchemaMigration], safe=True)
    done = {row.name for row in SchemaMigration.select()}
    applied = []
    for name in migration_names():
        if name in done:
            continue
        module = importlib.import_module(f"dropship.migrations.{name}")
        with database.atomic():
            module.up(Migrator(database))
            SchemaMigration.create(name=name)
        applied.append(name)
    if applied and isinstance(database, SqliteDatabase):
        database.execute_sql("ANALYZE")  # new indexes need statistics before the planner trusts them
    return applied
