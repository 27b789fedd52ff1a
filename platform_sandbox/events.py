"""The simulation's agenda. Domain modules put future happenings here and register what runs
them (``handles``); ``simulation`` runs whatever is due."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from .models import Event

Handler = Callable[[Event, random.Random], str | None]
HANDLERS: dict[str, Handler] = {}


def schedule(kind: str, at: datetime, **payload: object) -> Event:
    return Event.create(kind=kind, due_at=at.replace(microsecond=0), payload=payload)


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler of an event kind: ``handler(event, rnd)`` returns a summary line or None."""
    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func
    return register
