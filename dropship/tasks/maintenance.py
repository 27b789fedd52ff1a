"""Housekeeping: planner statistics and expired sessions hourly; export files every few minutes."""
from __future__ import annotations

from datetime import datetime

from huey import crontab

from dropship.db import optimize
from dropship.models import UserSession
from dropship.queue import huey
from dropship.services.order_export import sweep_exports
from dropship.services.orders import counters
from dropship.tasks import settings


@huey.periodic_task(crontab(minute="17"))
def hourly_maintenance() -> None:
    optimize()
    UserSession.delete().where(UserSession.expires_at < datetime.now()).execute()


# Exports hold decrypted receivers: they go `exports.keep_minutes` after they were written (the download
# refuses an older file in the meantime, so the deadline holds between two sweeps).
@huey.periodic_task(crontab(minute="*/5"))
def sweep_old_exports() -> None:
    sweep_exports(settings().data_dir)


# The kept tab counts are kept by triggers; a night check against the orders repairs whatever a
# hand edit with triggers off (or a bug) left behind, at an hour no one is fetching.
@huey.periodic_task(crontab(hour="4", minute="23"))
def repair_order_counts() -> bool:
    """Recount the kept tab counts when any bucket differs from the orders; True when it did."""
    if counters.available() and counters.drift():
        counters.recount()
        return True
    return False
