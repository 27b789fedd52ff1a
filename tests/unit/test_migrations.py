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
