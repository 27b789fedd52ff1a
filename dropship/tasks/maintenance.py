"""Hourly housekeeping: planner statistics, expired sessions."""
from __future__ import annotations

from datetime import datetime

from huey import crontab

from dropship.db import optimize
from dropship.models import UserSession
from dropship.queue import huey


@huey.periodic_task(crontab(minute="17"))
def hourly_maintenance() -> None:
    optimize()
    UserSession.delete().where(UserSession.expires_at < datetime.now()).execute()
