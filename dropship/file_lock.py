"""Non-blocking OS file locks (flock / msvcrt): held by a process, dropped by the OS when it dies.

Neutral (imports nothing of ours): the queue's worker leases and the per-account purchase lock
both use it, so coordination between processes of one PC has one implementation.
"""
from __future__ import annotations

import os


def try_file_lock(fd: int) -> bool:
    """A non-blocking exclusive lock on an open file; the OS drops it when its process dies."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def unlock_file(fd: int) -> None:
    if os.name == "nt":  # Windows wants a region unlocked before its file is closed
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)
