"""The request budget's ledger in the database (DESIGN.md: coordination that must hold across
processes lives in shared storage). The rule itself is `dropship.request_budget.next_slot`."""
from __future__ import annotations

from dropship.db import db, transaction_lock
from dropship.models import RequestSlot
from dropship.request_budget import WINDOW, next_slot


class DatabaseLedger:
    """`request_budget.Ledger` over the RequestSlot table."""

    def claim(self, key: str, host: str, now: float, spacing: float, per_minute: int) -> float:
        with db.atomic():
            transaction_lock(key)  # this key's claims wait for each other (PostgreSQL) until commit
            # A write first: on SQLite it takes the write lock, so two processes deciding at the
            # same moment decide one after the other (a read-then-write could both pass).
            RequestSlot.delete().where(RequestSlot.account == key, RequestSlot.at < now - 2 * WINDOW).execute()
            last = (RequestSlot.select(RequestSlot.at).where(RequestSlot.account == key)
                    .order_by(RequestSlot.at.desc()).limit(1).scalar())
            recent = [at for (at,) in RequestSlot.select(RequestSlot.at).where(
                RequestSlot.account == key, RequestSlot.host == host, RequestSlot.at > now - WINDOW)
                .order_by(RequestSlot.at).tuples()]
            due = next_slot(now, last, recent, spacing, per_minute)
            if due <= now:
                RequestSlot.create(account=key, host=host, at=now)
            return due
