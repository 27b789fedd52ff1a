import pytest

from dropship.db import init_db, migration_names, run_migrations


def _schema(database):
    rows = database.execute_sql("select type, name, sql from sqlite_master where name not like 'sqlite_%' order by name")
    return rows.fetchall()


def test_migrations_apply_once_and_second_start_changes_nothing(tmp_path):
    database = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    applied = run_migrations(database)
    assert applied == migration_names() and applied[0].startswith("m0001")
    before = _schema(database)
    assert run_migrations(database) == []
    assert _schema(database) == before
    database.close()


def test_sqlite_pragmas_are_set(tmp_path):
    database = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    assert database.execute_sql("pragma journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("pragma foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("pragma busy_timeout").fetchone()[0] >= 5000
    database.close()


def test_hourly_maintenance_drops_expired_sessions(app):
    from datetime import datetime, timedelta

    from dropship.db import db
    from dropship.models import User, UserSession
    from dropship.tasks.maintenance import hourly_maintenance

    with db.connection_context():
        user = User.create(username="13900000000", password_hash="x")
        UserSession.create(token_hash="a" * 64, user=user, expires_at=datetime.now() - timedelta(hours=1))
        UserSession.create(token_hash="b" * 64, user=user, expires_at=datetime.now() + timedelta(hours=1))
        hourly_maintenance.call_local()
        assert [s.token_hash[0] for s in UserSession.select()] == ["b"]


# -- upgrades from every historical level ----------------------------------------------------------

SAMPLE_BY_TYPE = {"INTEGER": 1, "BOOLEAN": 1, "REAL": 1.5, "DATETIME": "2026-01-02 03:04:05",
                  "DATE": "2026-01-02", "TEXT": "{}"}


# A copy of some order columns kept by triggers (services.orders.title_counts), refilled at start-up.
DERIVED = {"ordertabrow"}


def _tables(database) -> list[str]:
    """Tables that hold rows of their own: a full-text index (a virtual table and its shadow tables) and
    a trigger-kept copy are derived from other tables, as an index is."""
    virtual = [name for (name,) in database.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")]
    return [t for t in database.get_tables() if t != "schema_migration" and not t.startswith("sqlite_")
            and t not in DERIVED and not any(t == v or t.startswith(v + "_") for v in virtual)]


def _sample(column) -> object:
    kind = column.data_type.upper().split("(")[0]
    return SAMPLE_BY_TYPE.get(kind, "s")  # VARCHAR and anything else: a short string


def _seed_every_table(database) -> dict[str, dict[str, object]]:
    """One row in each table, every column set; foreign keys point at id 1 (checked off while seeding)."""
    rows = {}
    database.execute_sql("PRAGMA foreign_keys = OFF")
    for table in _tables(database):
        row = {c.name: _sample(c) for c in database.get_columns(table)}
        names = ", ".join(f'"{n}"' for n in row)
        database.execute_sql(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(row))})',
                             tuple(row.values()))
        rows[table] = row
    database.execute_sql("PRAGMA foreign_keys = ON")
    return rows


@pytest.mark.parametrize("level", migration_names()[:-1])
def test_a_database_at_each_level_upgrades_to_head_without_loss(tmp_path, level):
    database = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    run_migrations(database, upto=level)
    seeded = _seed_every_table(database)
    applied = run_migrations(database)
    assert applied == [n for n in migration_names() if n > level]
    for table, row in seeded.items():
        names = ", ".join(f'"{n}"' for n in row)
        stored = database.execute_sql(f'SELECT {names} FROM "{table}"').fetchall()
        assert [tuple(str(v) for v in r) for r in stored] == [tuple(str(v) for v in row.values())], table
    database.close()


def test_migrations_build_exactly_what_the_models_describe(tmp_path):
    """Models and migrations must agree: a field added to a model needs a migration step."""
    from dropship import models

    database = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    run_migrations(database)
    described = [m for m in vars(models).values()
                 if isinstance(m, type) and issubclass(m, models.BaseModel) and m is not models.BaseModel]
    assert {m._meta.table_name for m in described} == set(_tables(database))
    for model in described:
        table = model._meta.table_name
        columns = {c.name for c in database.get_columns(table)}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, table
        indexes = {tuple(i.columns) for i in database.get_indexes(table)}
        for fields, _unique in model._meta.indexes:
            wanted = tuple(model._meta.fields[f].column_name for f in fields)
            assert wanted in indexes, (table, wanted)
    database.close()
