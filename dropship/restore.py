"""恢复备份: with the app running (设置 › 数据备份 › 恢复) or stopped (`--restore FILE`), and the
PostgreSQL half of 数据备份 (pg_dump / pg_restore are processes, which services do not start).

A restore from the page runs in a thread of the web process: the file is checked first (a refused
file changes nothing), then the app pauses — every request but the progress poll answers 503, the
worker stops taking jobs and running ones finish or hand back (their browsers close) — a safety backup
of the current state is taken, the files are swapped, the database is reopened and migrated (an older
backup has an older schema), and the worker resumes. Progress lives in memory, not in a Job row: the
database holding that row is the one being replaced.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from dropship.config import Settings
from dropship.errors import user_message
from dropship.services.backup import (
    DUMP,
    KEY,
    WORK_PREFIX,
    BackupError,
    BackupFile,
    check_backup,
    create_backup,
    is_postgres,
    pg_dump_command,
    pg_restore_command,
    sqlite_path,
    swap_in,
    work_folder,
)

log = logging.getLogger("dropship.restore")

STEPS = ("检查备份文件", "暂停任务并关闭浏览器", "备份当前数据", "替换数据库和密钥", "升级数据库结构", "恢复任务队列")


class WorkerControl(Protocol):
    """What the runtime lends a restore: stop taking jobs (browsers closed), and start again."""

    def pause_worker(self) -> None: ...

    def resume_worker(self) -> None: ...


@dataclass(frozen=True)
class Progress:
    state: str = "idle"  # idle | running | done | failed
    step: int = 0  # index into STEPS
    name: str = ""  # the backup being restored
    safety: str = ""  # the backup of the state before, taken by this restore
    error: str = ""
    finished_at: datetime | None = None
    ticket: str = ""  # see started_by

    @property
    def percent(self) -> int:
        return 100 if self.state == "done" else int(self.step * 100 / len(STEPS))


_progress = Progress()
_lock = threading.Lock()
_control: WorkerControl | None = None


def attach(control: WorkerControl | None) -> None:
    """The runtime of this process (None: no worker here to pause, as in tests)."""
    global _control
    _control = control


def progress() -> Progress:
    return _progress


def restoring() -> bool:
    return _progress.state == "running"


def started_by(ticket: str) -> bool:
    """Whether `ticket` (kept in the browser that asked) is the one start_restore gave for this restore.
    A restore usually replaces the logins too (another PC's backup has other ones): that browser still
    learns how it ended, without a session."""
    return bool(ticket and _progress.ticket) and hmac.compare_digest(ticket, _progress.ticket)


def _set(**changes) -> None:
    global _progress
    _progress = replace(_progress, **changes)


# -- PostgreSQL ------------------------------------------------------------------------------------

def run_tool(command: list[str]) -> None:
    """Run pg_dump / pg_restore; its own message (the last lines) when it fails."""
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"找不到 {command[0]}：请安装 PostgreSQL 客户端工具并加入 PATH") from exc
    except subprocess.CalledProcessError as exc:
        detail = " ".join((exc.stderr or "").strip().splitlines()[-3:])
        raise BackupError(f"{command[0]} 失败：{detail}") from exc


def make_backup(settings: Settings, now: datetime | None = None) -> BackupFile:
    """立即备份, the daily backup and a restore's safety backup: SQLite copied, PostgreSQL dumped."""
    def dump(out: Path) -> None:
        run_tool(pg_dump_command(settings.db_url, out))

    return create_backup(settings.data_dir, settings.db_url, now, dump=dump if is_postgres(settings.db_url) else None)


def _put_in_place(unpacked: dict[str, Path], settings: Settings) -> None:
    if is_postgres(settings.db_url):
        run_tool(pg_restore_command(settings.db_url, unpacked[DUMP]))  # one transaction: all or nothing
    swap_in(unpacked, settings.data_dir, settings.db_url)


def _has_data(settings: Settings) -> bool:
    return (settings.data_dir / KEY).is_file() and (is_postgres(settings.db_url)
                                                    or sqlite_path(settings.db_url).is_file())


def restore_offline(archive: Path, settings: Settings) -> BackupFile | None:
    """`--restore FILE` with the app stopped: check, safety backup of what is there (None for an empty
    data dir), put the backup in place. The next start migrates it."""
    with work_folder(_work_root(settings), "restore") as work:
        unpacked = check_backup(archive, settings.db_url, Path(work))
        safety = make_backup(settings) if _has_data(settings) else None
        _put_in_place(unpacked, settings)
    return safety


def _work_root(settings: Settings) -> Path:
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return settings.data_dir  # beside the database: the unpacked copy needs room, not RAM


# -- restore while the app runs --------------------------------------------------------------------

def start_restore(archive: Path, settings: Settings) -> str:
    """Check the file now (BackupError: refused, nothing changed), then restore it in a thread; returns
    the ticket for started_by."""
    with _lock:
        if restoring():
            raise BackupError("正在恢复另一个备份，请等它完成")
        work = Path(tempfile.mkdtemp(dir=_work_root(settings), prefix=f"{WORK_PREFIX}restore-"))
        try:
            unpacked = check_backup(archive, settings.db_url, work)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        ticket = secrets.token_urlsafe(16)
        _set(state="running", step=1, name=archive.name, safety="", error="", finished_at=None, ticket=ticket)
    threading.Thread(target=_restore, args=(unpacked, work, settings), name="restore", daemon=True).start()
    return ticket


def _reopen(settings: Settings) -> None:
    """Connect to the new database, migrate it, load its key; the queue forgets messages for jobs of the
    replaced database, and jobs the backup caught running start again (nothing runs them now)."""
    from dropship import init_backend
    from dropship.db import db
    from dropship.models import Job
    from dropship.queue import huey

    init_backend(settings)
    if not huey.immediate:
        huey.storage.flush_queue()
        huey.storage.flush_schedule()
    with db.connection_context():
        Job.update(state="queued", claimed_by="", message="从备份恢复后重新执行").where(Job.state == "running").execute()


def _close_db() -> None:
    from dropship.db import db

    if not db.is_closed():
        db.close()


def _restore(unpacked: dict[str, Path], work: Path, settings: Settings) -> None:
    paused = swapped = False
    try:
        if _control is not None:
            _control.pause_worker()
        paused = True
        _set(step=2)
        safety = make_backup(settings)
        _set(step=3, safety=safety.name)
        _close_db()
        swapped = True
        _put_in_place(unpacked, settings)
        _set(step=4)
        try:
            _reopen(settings)
        except Exception as exc:
            log.exception("restored database could not be opened; putting the safety backup back")
            with work_folder(work, "safety") as back:
                _put_in_place(check_backup(safety.path, settings.db_url, Path(back)), settings)
            _reopen(settings)
            raise BackupError(f"备份无法打开或升级（{user_message(exc)}），已回到恢复前的数据") from exc
        _set(step=5)
        if _control is not None:
            _control.resume_worker()
        paused = False
        _set(state="done", step=len(STEPS), finished_at=datetime.now())
    except Exception as exc:
        if not swapped:
            log.warning("restore refused: %s", exc)
        else:
            log.exception("restore failed")
        _set(state="failed", error=user_message(exc), finished_at=datetime.now())
        if paused and _control is not None:
            _control.resume_worker()
    finally:
        shutil.rmtree(work, ignore_errors=True)
