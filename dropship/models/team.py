"""账号管理: the audit log of who did what."""
from __future__ import annotations

from datetime import datetime

from peewee import CharField, DateTimeField, ForeignKeyField

from dropship.models import BaseModel, User

__all__ = ["AuditEntry"]


class AuditEntry(BaseModel):
    """One thing a person did (新增员工账号, 删除, 权限管理, …), written by services.audit.record."""

    user = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="SET NULL")
    username = CharField(max_length=40, default="")  # kept when the user is deleted later
    action = CharField(max_length=40, index=True)
    target = CharField(max_length=200, default="")
    detail = CharField(max_length=500, default="")
    at = DateTimeField(default=datetime.now, index=True)
