"""数据备份 on PostgreSQL: pg_dump into the zip beside the key, pg_restore --clean back (on a throwaway
server this test starts; skipped, saying why, only where the PostgreSQL server programs are missing)."""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg2
import pytest
from cryptography.fernet import Fernet

from dropship.config import load_settings
from dropship.restore import make_backup, restore_offline
from dropship.secrets import load_key

BIN = next((Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), Path("/usr/local/bin"))


def _as_server_user() -> list[str]:
    """initdb refuses root: run the server programs as nobody then."""
    return ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []


@pytest.fixture(scope="module")
def postgres():
    if not (BIN / "initdb").exists() or not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip(f"PostgreSQL server programs (initdb, pg_ctl in {BIN}) or pg_dump/pg_restore are not installed")
    root = Path(tempfile.mkdtemp(prefix="dropship-pg-"))  # not under pytest's root-only folder: the server user must reach it
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(root, nobody.pw_uid, nobody.pw_gid)
        os.chmod(root, 0o755)
    run = _as_server_user()
    subprocess.run([*run, str(BIN / "initdb"), "-D", str(root / "data"), "-A", "trust", "-U", "desk"],
                   check=True, capture_output=True)
    subprocess.run([*run, str(BIN / "pg_ctl"), "-D", str(root / "data"), "-w", "-l", str(root / "log"),
                    "-o", f"-k {root} -c listen_addresses=''", "start"], check=True, capture_output=True)
    yield f"postgresql://desk@/postgres?host={root}"
    subprocess.run([*run, str(BIN / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


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
