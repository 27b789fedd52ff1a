"""One purchase per account at a time, across worker processes: an OS file lock per account.

`data/locks/account-<id>.lock`, held for the whole purchase (like the queue's worker leases in
`data/workers/`). The OS drops it when the holding process dies, so a crashed worker never leaves
an account locked; a second process that finds it held gets TryLater and the job goes back to the
queue instead of holding a worker while it waits. (Workers on other PCs share the database, not
this folder: they must not buy with the same account — the 采购 dialog picks one account per job.)
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dropship.errors import TryLater
from dropship.file_lock import try_file_lock, unlock_file

RETRY_SECONDS = 15.0


def lock_path(data_dir: Path, account_id: int) -> Path:
    return Path(data_dir) / "locks" / f"account-{int(account_id)}.lock"


@contextmanager
def account_lock(data_dir: Path, account_id: int) -> Iterator[None]:
    """Hold the account's purchase lock for the block; TryLater at once when another process holds it."""
    path = lock_path(data_dir, account_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not try_file_lock(fd):
            raise TryLater("这个采购账号正在下另一单，稍后自动继续", delay=RETRY_SECONDS)
        try:
            yield
        finally:
            unlock_file(fd)
    finally:
        os.close(fd)
