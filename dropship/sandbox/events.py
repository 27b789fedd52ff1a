"""The simulation's agenda. Domain modules put future happenings here; ``simulation`` runs them."""
from __future__ import annotations

from datetime import datetime

from .models import Event


def schedule(kind: str, at: datetime, **payload: object) -> Event:
    return Event.create(kind=kind, due_at=at.replace(microsecond=0), payload=payload)
