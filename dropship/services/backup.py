"""数据备份: a consistent copy of the database and the secret key in one zip, kept in `<data_dir>/backups`.

The secret key travels with the database: every shop password and token in it is encrypted with that
key, so a database copy without it cannot decrypt anything. SQLite is copied with its online backup API
(a consistent snapshot while workers write). Restoring replaces the database and key of a data dir
whose app is stopped, keeping what was there beside it.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dropship.services.settings import int_between, register

BACKUP_DIR = "backups"
DATABASE = "app.db"
KEY = "secret.key"
PREFIX = "备份-"
STAMP = "%Y%m%d-%H%M%S"

# Automatic backups run daily; older files beyond this many are deleted after each new one.
register("backup.keep", "自动备份保留份数", 7, int_between(1, 365))


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why, in Chinese."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made_at: datetime
    size: int

    @property
    def name(self) -> str:
        return self.path.name


def sqlite_path(database_url: str) -> Path:
    """The database file of a `sqlite:///…` URL; other databases are not backed up here yet."""
    if not database_url.startswith("sqlite:///"):
        raise BackupError("目前只能备份 SQLite 数据库；PostgreSQL 请使用 pg_dump 备份")
    return Path(database_url.removeprefix("sqlite:///"))


def create_backup(data_dir: Path, database_url: str, now: datetime | None = None) -> BackupFile:
    """Snapshot the database (consistent while others write) and the key into `backups/备份-<time>.zip`."""
    source = sqlite_path(database_url)
    key = data_dir / KEY
    if not source.is_file() or not key.is_file():
        raise BackupError("数据目录中没有数据库或密钥，无法备份")
    now = now or datetime.now()
    folder = data_dir / BACKUP_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / f"{PREFIX}{now.strftime(STAMP)}.zip"
    with tempfile.TemporaryDirectory(dir=folder) as work:
        copy = Path(work) / DATABASE
        live, snapshot = sqlite3.connect(source, timeout=30), sqlite3.connect(copy)
        try:
            live.backup(snapshot)
        finally:
            snapshot.close()
            live.close()
        partial = Path(work) / target.name
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(copy, DATABASE)
            archive.write(key, KEY)
        os.chmod(partial, 0o600)  # it holds the key to every secret
        os.replace(partial, target)  # never a half-written backup under the final name
    return _describe(target)


def _describe(path: Path) -> BackupFile:
    return BackupFile(path, datetime.strptime(path.stem.removeprefix(PREFIX), STAMP), path.stat().st_size)


def list_backups(data_dir: Path) -> list[BackupFile]:
    """The backups in the data dir, newest first."""
    folder = data_dir / BACKUP_DIR
    found = []
    for path in folder.glob(f"{PREFIX}*.zip") if folder.is_dir() else ():
        try:
            found.append(_describe(path))
        except ValueError:  # a file someone renamed: not one of ours to list or prune
            continue
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def prune_backups(data_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; return what was deleted."""
    doomed = [b.path for b in list_backups(data_dir)[keep:]]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def find_backup(data_dir: Path, name: str) -> BackupFile:
    """A backup chosen by file name (from the list, never a path)."""
    for backup in list_backups(data_dir):
        if backup.name == name:
            return backup
    raise BackupError(f"找不到备份 {name}")


def restore_backup(archive: Path, data_dir: Path, database_url: str) -> Path:
    """Put the backup's database where `database_url` points and its key into `data_dir` (their app
    stopped); the replaced files stay beside them as `*.before-restore-<time>`. Returns the database path."""
    targets = {DATABASE: sqlite_path(database_url), KEY: data_dir / KEY}
    try:
        with zipfile.ZipFile(archive) as backup:
            if {DATABASE, KEY} - set(backup.namelist()):
                raise BackupError(f"{archive.name} 不是完整的备份（缺少数据库或密钥）")
            stamp = datetime.now().strftime(STAMP)
            for name, target in targets.items():
                target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                if target.exists():
                    target.rename(target.with_name(f"{target.name}.before-restore-{stamp}"))
                for journal in (target.with_name(f"{target.name}-wal"), target.with_name(f"{target.name}-shm")):
                    journal.unlink(missing_ok=True)  # the old database's journal must not replay onto the new one
                with backup.open(name) as packed, target.open("wb") as out:
                    shutil.copyfileobj(packed, out)  # streamed: a year of orders does not fit in memory
                os.chmod(target, 0o600)
    except zipfile.BadZipFile as exc:
        raise BackupError(f"{archive.name} 不是有效的备份文件") from exc
    return targets[DATABASE]
