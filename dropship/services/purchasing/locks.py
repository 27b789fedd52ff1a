"""One holder at a time across worker processes: an account's browser profile (one Chromium per
profile) and its purchases (one purchase per account) are each held under a key.

Two homes for the same rule, picked by `queue.worker_lease`:
- one PC (SQLite: every worker shares this data dir): an OS file lock `data/locks/<key>.lock`. The
  OS drops it the moment its process dies, so a crashed worker never leaves an account locked.
- several PCs (a shared PostgreSQL): a lease row. The holder is `<worker id>#<token>`; its worker's
  heartbeat keeps the row fresh (queue.heartbeat). A holder whose worker is dead (`is_dead`: its pid
  gone on this PC, or no heartbeat for a short while from another PC) is taken over.
Whoever finds the key held gets TryLater: the job goes back to the queue instead of holding a worker
while it waits.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from dropship.errors import TryLater
from dropship.file_lock import try_file_lock, unlock_file
from dropship.models import WorkerLease

RETRY_SECONDS = 15.0
BUSY_PURCHASE = "这个采购账号正在下另一单，稍后自动继续"


@contextmanager
def file_lease(path: Path, busy: str = BUSY_PURCHASE, delay: float = RETRY_SECONDS) -> Iterator[None]:
    """Hold the OS lock on `path` for the block; TryLater(`busy`) at once when another holder has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not try_file_lock(fd):
            raise TryLater(busy, delay=delay)
        try:
            yield
        finally:
            unlock_file(fd)
    finally:
        os.close(fd)


def take_lease(key: str, worker: str, is_dead: Callable[[str, datetime], bool]) -> str | None:
    """The holder token when `key` is now ours, None while a live worker holds it."""
    holder, now = f"{worker}#{secrets.token_hex(4)}", datetime.now()
    WorkerLease.insert(key=key, holder=holder, heartbeat_at=now).on_conflict_ignore().execute()
    row = WorkerLease.get_or_none(WorkerLease.key == key)
    if row is None or row.holder == holder:
        return holder if row is not None else None
    if not is_dead(row.holder.split("#", 1)[0], row.heartbeat_at):
        return None
    # Only if nobody took it over meanwhile (two workers finding the same dead holder).
    taken = WorkerLease.update(holder=holder, heartbeat_at=now).where(
        WorkerLease.key == key, WorkerLease.holder == row.holder).execute()
    return holder if taken else None


def held_elsewhere(key: str, worker: str, is_dead: Callable[[str, datetime], bool]) -> bool:
    """Whether a live worker other than `worker` holds `key` now."""
    row = WorkerLease.get_or_none(WorkerLease.key == key)
    if row is None:
        return False
    holder = row.holder.split("#", 1)[0]
    return holder != worker and not is_dead(holder, row.heartbeat_at)


def release_lease(key: str, holder: str) -> None:
    WorkerLease.delete().where(WorkerLease.key == key, WorkerLease.holder == holder).execute()


def refresh_leases(worker: str) -> int:
    """Mark every lease `worker` holds as alive (its heartbeat)."""
    return WorkerLease.update(heartbeat_at=datetime.now()).where(
        WorkerLease.holder.startswith(f"{worker}#")).execute()


@contextmanager
def lease(key: str, worker: str, is_dead: Callable[[str, datetime], bool], busy: str = BUSY_PURCHASE,
          delay: float = RETRY_SECONDS) -> Iterator[None]:
    """Hold `key`'s lease row for the block; TryLater(`busy`) at once when a live worker holds it."""
    holder = take_lease(key, worker, is_dead)
    if holder is None:
        raise TryLater(busy, delay=delay)
    try:
        yield
    finally:
        release_lease(key, holder)


# A worker refused a key leaves a want (a row of its own beside the lease) that a holder keeping the
# key only out of convenience (an idle kept browser) looks for, and lets go of the key when it sees one.
WANT_PREFIX = "want:"
WANT_FRESH = timedelta(seconds=30)  # a want older than this was given up (its job went back to the queue)


def want(key: str, worker: str) -> None:
    now = datetime.now()
    WorkerLease.insert(key=WANT_PREFIX + key, holder=worker, heartbeat_at=now).on_conflict(
        conflict_target=[WorkerLease.key], update={WorkerLease.holder: worker, WorkerLease.heartbeat_at: now}).execute()


def got(key: str) -> None:
    WorkerLease.delete().where(WorkerLease.key == WANT_PREFIX + key).execute()


def wanted(keys: Iterable[str]) -> set[str]:
    """Those of `keys` another worker asked for lately."""
    names = [WANT_PREFIX + key for key in keys]
    if not names:
        return set()
    rows = WorkerLease.select(WorkerLease.key).where(WorkerLease.key.in_(names),
                                                    WorkerLease.heartbeat_at > datetime.now() - WANT_FRESH)
    return {row.key.removeprefix(WANT_PREFIX) for row in rows}


def purchase_key(account_id: int) -> str:
    """The key of one purchase account's buying (one order at a time per account)."""
    return f"purchase-account-{int(account_id)}"
