"""数据备份 on PostgreSQL: pg_dump into the zip beside the key, pg_restore --clean back (on a throwaway
server this test starts; skipped, saying why, only where the PostgreSQL server programs are missing)."""
from __future__ import annotations

import psycopg2
import pytest
from cryptography.fernet import Fernet

from dropship.config import load_settings
from dropship.restore import make_backup, restore_offline
from dropship.secrets import load_key
from tests import shared_services


@pytest.fixture(scope="module")
def postgres():
    shared_services.require(redis=False, tools=("pg_dump", "pg_restore"))
    with shared_services.postgres() as url:
        yield url


def _rows(url: str) -> list[tuple]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT tid, paid FROM orders ORDER BY tid")
        return cursor.fetchall()


def _execute(url: str, sql: str) -> None:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql)


def test_a_postgresql_backup_is_a_dump_with_the_key_and_restores_over_later_changes(postgres, tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", env={}, database_url=postgres)
    key = load_key(settings.data_dir / "secret.key")
    _execute(postgres, "CREATE TABLE orders (tid text PRIMARY KEY, paid integer); INSERT INTO orders VALUES ('T1', 1990)")
    backup = make_backup(settings)
    _execute(postgres, "INSERT INTO orders VALUES ('T2', 500); UPDATE orders SET paid = 0 WHERE tid = 'T1'")
    later_key = Fernet.generate_key()
    (settings.data_dir / "secret.key").write_bytes(later_key)

    safety = restore_offline(backup.path, settings)
    assert _rows(postgres) == [("T1", 1990)]
    assert (settings.data_dir / "secret.key").read_bytes() == key
    restore_offline(safety.path, settings)  # the state before the restore, kept by it
    assert _rows(postgres) == [("T1", 0), ("T2", 500)]
    assert (settings.data_dir / "secret.key").read_bytes() == later_key
