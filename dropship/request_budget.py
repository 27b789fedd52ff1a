"""The request budget rule, shared by the driver's throttle (platforms) and its ledger in the database
(services): importable by every layer, it imports nothing of ours.

Per account there is a minimum spacing between two requests (any host), and per account and host a
budget of requests in any sliding minute. The real sites punish a burst per account and host (the
sandbox does the same); experienced automators keep ≥3 s between actions (PLATFORMS.md), i.e. at
most 20 a minute, so the default budget stays below that.
"""
from __future__ import annotations

import threading
from bisect import bisect_right
from collections import defaultdict
from typing import Protocol

WINDOW = 60.0  # seconds: the budget counts requests in any sliding minute
DEFAULT_PER_MINUTE = 12  # per account and host; real clients stay ≤ 20 (≥ 3 s apart)


def next_slot(now: float, last_any: float | None, recent: list[float], spacing: float, per_minute: int) -> float:
    """The earliest time (≥ now) the next request may go out.

    `last_any`: the account's latest request on any host; `recent`: its requests to this host, oldest
    first (older than a minute before now may be left out). Taking the N-th latest + 60 s keeps at
    most N requests in every sliding minute, whatever the spacing.
    """
    due = now if last_any is None else max(now, last_any + spacing)
    if per_minute > 0 and len(recent) >= per_minute:
        due = max(due, recent[-per_minute] + WINDOW)
    return due


class Ledger(Protocol):
    def claim(self, key: str, host: str, now: float, spacing: float, per_minute: int) -> float:
        """Record a request at `now` and return `now` when the rule allows it; else record nothing
        and return when it will be allowed."""


class MemoryLedger:
    """The rule held in this process only: for drivers used without the app (tests, benchmarks).
    The app passes the database ledger, which every worker process shares."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], list[float]] = defaultdict(list)
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def claim(self, key: str, host: str, now: float, spacing: float, per_minute: int) -> float:
        with self._lock:
            hits = self._hits[(key, host)]
            del hits[:bisect_right(hits, now - 2 * WINDOW)]
            due = next_slot(now, self._last.get(key), hits, spacing, per_minute)
            if due <= now:
                hits.append(now)
                self._last[key] = now
            return due
