"""The audit log: who did what to what. Any feature calls `record` when a person changes something
others must be able to trace later (账号管理 does for every employee change)."""
from __future__ import annotations

from peewee import ModelSelect

from dropship.models import AuditEntry, User

ACTION_MAX = 40
TARGET_MAX = 200
DETAIL_MAX = 500


def record(user: User | None, action: str, target: str = "", detail: str = "") -> AuditEntry:
    """Write one entry; `user` None is the system. The username is copied so the entry still says who
    after that account is deleted."""
    return AuditEntry.create(user=user, username=user.username if user else "系统", action=action[:ACTION_MAX],
                             target=target[:TARGET_MAX], detail=detail[:DETAIL_MAX])


def entries() -> ModelSelect:
    """Newest first, for a paginated list."""
    return AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
