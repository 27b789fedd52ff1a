"""Hourly housekeeping: planner statistics, expired sessions, old export files."""
from __future__ import annotations

import time
from datetime import datetime

from huey import crontab

from dropship.db import optimize
from dropship.models import UserSession
from dropship.queue import huey
from dropship.tasks import settings

EXPORT_KEEP_SECONDS = 24 * 3600


@huey.periodic_task(crontab(minute="17"))
def hourly_maintenance() -> None:
    optimize()
    UserSession.delete().where(UserSession.expires_at < datetime.now()).execute()
    for path in (settings().data_dir / "exports").glob("orders-*"):
        if time.time() - path.stat().st_mtime > EXPORT_KEEP_SECONDS:
            path.unlink(missing_ok=True)
