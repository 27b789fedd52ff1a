"""Simulation time and randomness.

Sim times are naive datetimes in China Standard Time (UTC+8, no DST, so a fixed offset needs no
tz database). Nothing in the simulation reads the wall clock or the global ``random``: every
random choice comes from a stream derived from the world seed and a stable name, so the same
seed, start time and steps give the same world.
"""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from weakref import WeakKeyDictionary

from .models import World, current_database

CST = timezone(timedelta(hours=8), "CST")


def world() -> World:
    return World.get()


def now() -> datetime:
    return world().now


def set_now(moment: datetime) -> None:
    World.update(now=moment).execute()


_seeds: WeakKeyDictionary = WeakKeyDictionary()  # database -> its world's seed, which never changes


def rng(*parts: object) -> random.Random:
    """A random stream named by ``parts`` (e.g. ``rng("event", 42)``), seeded from the world seed."""
    db = current_database()
    if db not in _seeds:
        _seeds[db] = world().seed
    return random.Random(":".join(map(str, (_seeds[db], *parts))))


def to_cst_naive(moment: datetime) -> datetime:
    """Aware datetimes are converted to China time; naive ones are taken as China time already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(CST).replace(tzinfo=None)
    return moment


def default_start() -> datetime:
    return datetime.now(CST).replace(tzinfo=None, second=0, microsecond=0)


def epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=CST).timestamp() * 1000)


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(CST).replace(tzinfo=None)


def fmt(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""
