"""数据备份: a consistent copy of the database and the secret key in one zip, kept in `<data_dir>/backups`.

The secret key travels with the database: every shop password and token in it is encrypted with that
key, so a database copy without it cannot decrypt anything. SQLite is copied with its online backup API
(a consistent snapshot while workers write); PostgreSQL with `pg_dump` in its custom format, run by the
caller (services start no processes) from the command line built here. A restore checks the whole file
first (a zip of ours, the key inside, the key decrypting the backup's secrets), so a refused file
changes nothing; then the files are written beside their targets, flushed and renamed over them.
"""
from __future__ import annotations

import inspect
import os
import re
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PureWindowsPath
from typing import BinaryIO

from cryptography.fernet import Fernet, InvalidToken
from peewee import Model

from dropship.errors import UserError
from dropship.secrets import EncryptedField
from dropship.services.settings import int_between, register

BACKUP_DIR = "backups"
DATABASE = "app.db"
DUMP = "app.dump"  # PostgreSQL: pg_dump's custom format
KEY = "secret.key"
PREFIX = "备份-"
STAMP = "%Y%m%d-%H%M%S"
# An uploaded backup may not be larger (the request body): a year of a busy user's orders fits well
# within it; a larger file is almost surely not one of ours. runtime.py lets waitress accept this much.
MAX_UPLOAD = 4 * 1024 ** 3
# Backups, uploads and restores unpack into work folders beside their targets (room on the same disk, not
# RAM). A crash leaves them behind, up to a 4 GB upload each; older than this, none is still in use.
WORK_PREFIX = "work-"
STALE_WORK = timedelta(hours=12)

# Automatic backups run daily; older files beyond this many are deleted after each new one.
register("backup.keep", "自动备份保留份数", 7, int_between(1, 365))


class BackupError(UserError):
    """A backup or restore could not be made; the message says why, in Chinese."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made_at: datetime
    size: int

    @property
    def name(self) -> str:
        return self.path.name


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgresql://", "postgres://"))


def sqlite_path(database_url: str) -> Path:
    """The database file of a `sqlite:///…` URL."""
    if not database_url.startswith("sqlite:///"):
        raise BackupError("数据库地址不是 SQLite 文件")
    return Path(database_url.removeprefix("sqlite:///"))


def pg_dump_command(database_url: str, out: Path) -> list[str]:
    """The dump of a whole PostgreSQL database into one file (custom format: pg_restore can clean first)."""
    return ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}", f"--dbname={database_url}"]


def pg_restore_command(database_url: str, dump: Path) -> list[str]:
    """Replace the database's objects with the dump's, all or nothing (one transaction)."""
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
            "--exit-on-error", f"--dbname={database_url}", str(dump)]


Dumper = Callable[[Path], None]  # writes a PostgreSQL dump to the path it is given


def create_backup(data_dir: Path, database_url: str, now: datetime | None = None,
                  dump: Dumper | None = None) -> BackupFile:
    """Snapshot the database (consistent while others write) and the key into `backups/备份-<time>.zip`.
    `dump` writes the PostgreSQL dump (see pg_dump_command); SQLite is copied here."""
    key = data_dir / KEY
    postgres = is_postgres(database_url)
    if postgres and dump is None:
        raise BackupError("PostgreSQL 数据库需要 pg_dump 才能备份")
    if not key.is_file() or not (postgres or sqlite_path(database_url).is_file()):
        raise BackupError("数据目录中没有数据库或密钥，无法备份")
    folder = data_dir / BACKUP_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    target = _free_name(folder, now or datetime.now())
    with work_folder(folder, "backup") as work:
        copy = Path(work) / (DUMP if postgres else DATABASE)
        if postgres:
            dump(copy)
        else:
            _sqlite_snapshot(sqlite_path(database_url), copy)
        partial = Path(work) / target.name
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(copy, copy.name)
            archive.write(key, KEY)
        os.chmod(partial, 0o600)  # it holds the key to every secret
        os.replace(partial, target)  # never a half-written backup under the final name
    return _describe(target)


def work_folder(parent: Path, kind: str) -> tempfile.TemporaryDirectory:
    """A work folder in `parent`, removed when the `with` ends, or by sweep_work_folders after a crash."""
    return tempfile.TemporaryDirectory(dir=parent, prefix=f"{WORK_PREFIX}{kind}-")


def sweep_work_folders(data_dir: Path) -> list[Path]:
    """Delete the work folders a crash left behind, of any process on this PC: only those untouched for
    STALE_WORK, so a running upload or restore in another process keeps its own."""
    cutoff = (datetime.now() - STALE_WORK).timestamp()
    swept = []
    for parent in (data_dir, data_dir / BACKUP_DIR):
        for path in parent.glob(f"{WORK_PREFIX}*") if parent.is_dir() else ():
            if path.is_dir() and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
                swept.append(path)
    return swept


def _free_name(folder: Path, when: datetime) -> Path:
    """Names are times to the second; a second backup within one (the safety copy a restore takes
    right after 立即备份) takes the next free second rather than overwriting the first."""
    while (target := folder / f"{PREFIX}{when.strftime(STAMP)}.zip").exists():
        when += timedelta(seconds=1)
    return target


def _sqlite_snapshot(source: Path, copy: Path) -> None:
    live, snapshot = sqlite3.connect(source, timeout=30), sqlite3.connect(copy)
    try:
        live.backup(snapshot)
    finally:
        snapshot.close()
        live.close()


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


def _encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every EncryptedField in the models: what a backup's key must decrypt."""
    from dropship import models

    found = set()
    for model in vars(models).values():
        if inspect.isclass(model) and issubclass(model, Model) and model is not Model:
            found.update((model._meta.table_name, f.column_name) for f in model._meta.sorted_fields
                         if isinstance(f, EncryptedField))
    return sorted(found)


def _check_key_decrypts(database: Path, cipher: Fernet, name: str) -> None:
    """One stored secret per encrypted column must decrypt with the backup's key (an older schema
    without a column has nothing there to check)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        for table, column in _encrypted_columns():
            try:
                row = connection.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> \'\' LIMIT 1').fetchone()
            except sqlite3.OperationalError:  # no such table/column in this (older) schema
                continue
            if row is not None:
                try:
                    cipher.decrypt(row[0].encode("ascii"))
                except (InvalidToken, UnicodeEncodeError, AttributeError) as exc:
                    raise BackupError(f"{name} 中的密钥无法解密其中的数据（密钥与数据库不是同一套），未恢复") from exc
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{name} 中的数据库已损坏或不是本软件的数据库，未恢复") from exc
    finally:
        connection.close()


def check_backup(archive: Path, database_url: str, work: Path, name: str = "") -> dict[str, Path]:
    """Unpack and check a backup before anything is replaced: a zip of ours for this kind of database,
    with the key, a key that decrypts the backup's secrets (SQLite; a PostgreSQL dump is only checked by
    pg_restore itself). Returns the unpacked files by member name, inside `work`. Messages call the
    file `name` (the name the user knows it by), the archive's own name by default."""
    name = name or archive.name
    wanted = DUMP if is_postgres(database_url) else DATABASE
    try:
        with zipfile.ZipFile(archive) as backup:
            members = set(backup.namelist())
            if KEY not in members:
                raise BackupError(f"{name} 中没有密钥（secret.key）：没有密钥的备份无法解密任何内容，未恢复")
            if wanted not in members:
                other = "PostgreSQL" if DUMP in members else "SQLite" if DATABASE in members else ""
                raise BackupError(f"{name} 是 {other} 数据库的备份，与当前数据库不同，未恢复" if other
                                  else f"{name} 不是完整的备份（缺少数据库），未恢复")
            unpacked = {}
            for member in (wanted, KEY):
                unpacked[member] = work / member
                with backup.open(member) as packed, unpacked[member].open("wb") as out:
                    shutil.copyfileobj(packed, out)  # streamed: a year of orders does not fit in memory
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise BackupError(f"{name} 不是有效的备份文件，未恢复") from exc
    try:
        cipher = Fernet(unpacked[KEY].read_bytes().strip())
    except ValueError as exc:
        raise BackupError(f"{name} 中的密钥已损坏，未恢复") from exc
    if wanted == DATABASE:
        _check_key_decrypts(unpacked[DATABASE], cipher, name)
    return unpacked


def _made_at(filename: str, archive: Path) -> datetime:
    """When an uploaded backup was made: the time in its name (a browser may have added " (1)"), else
    the time its key was written into the zip (a file someone renamed)."""
    if found := re.search(r"\d{8}-\d{6}", filename):
        try:
            return datetime.strptime(found.group(), STAMP)
        except ValueError:
            pass
    with zipfile.ZipFile(archive) as backup:
        return datetime(*backup.getinfo(KEY).date_time)


def add_backup(source: BinaryIO, filename: str, data_dir: Path, database_url: str) -> BackupFile:
    """上传备份: a backup file from another PC (or downloaded before a disk failed) into the backups folder,
    to be restored from the list. It is written to a work folder and checked whole by check_backup (the
    restore's own check); only a file that passes is linked in, under a free name, so a refused or
    broken upload leaves nothing behind and never replaces a backup already there."""
    shown = PureWindowsPath(filename).name  # browsers on Windows may send the whole path
    if not shown.lower().endswith(".zip"):
        raise BackupError(f"{shown or '所选文件'} 不是备份文件：只能上传本软件生成的 .zip 备份文件")
    with work_folder(data_dir, "upload") as work:
        partial = Path(work) / "upload.zip"
        try:
            with partial.open("wb") as out:
                shutil.copyfileobj(source, out)  # streamed: a backup can be larger than memory
        except OSError as exc:
            raise BackupError(f"{shown} 没有完整上传（{exc.strerror or exc}），未保存，请重试") from exc
        check_backup(partial, database_url, Path(work), name=shown)
        os.chmod(partial, 0o600)  # it holds the key to every secret
        when = _made_at(shown, partial)
        folder = data_dir / BACKUP_DIR
        folder.mkdir(mode=0o700, exist_ok=True)
        while True:
            target = _free_name(folder, when)
            try:
                os.link(partial, target)  # fails rather than overwrite one that appeared meanwhile
                break
            except FileExistsError:
                continue
        _fsync_dir(folder)
    return _describe(target)


def _fsync_dir(folder: Path) -> None:
    if os.name == "posix":  # Windows cannot open a directory; its renames are journaled by NTFS
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def swap_in(unpacked: dict[str, Path], data_dir: Path, database_url: str) -> None:
    """Put the checked files in place: each copied beside its target, flushed to disk, then renamed over
    it, so a crash leaves the old file or the new one, never half of one. The database (SQLite) goes
    first and its journal is dropped: the old database's WAL must not replay onto the new file. With
    PostgreSQL only the key is a file here (the caller ran pg_restore)."""
    targets = {KEY: data_dir / KEY}
    if DATABASE in unpacked:
        targets = {DATABASE: sqlite_path(database_url), **targets}
    for member, target in targets.items():
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        beside = target.with_name(f"{target.name}.restoring")
        with unpacked[member].open("rb") as source, beside.open("wb") as out:
            shutil.copyfileobj(source, out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(beside, 0o600)
        if member == DATABASE:
            for journal in (f"{target.name}-wal", f"{target.name}-shm"):
                target.with_name(journal).unlink(missing_ok=True)
        os.replace(beside, target)
        _fsync_dir(target.parent)

