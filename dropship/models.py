"""Peewee models. Money is integer fen; platform ids are strings; secrets use `EncryptedField`."""
from __future__ import annotations

import json
from datetime import datetime

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from dropship.db import db


class JSONField(TextField):
    """JSON in a TEXT column: portable between SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db


class User(BaseModel):
    """A login: the main account (手机号) or an employee (`主账号:01`)."""

    username = CharField(unique=True, max_length=40)
    password_hash = CharField(max_length=200)
    role = CharField(max_length=10, default="main")  # main | employee
    owner = ForeignKeyField("self", null=True, backref="employees", on_delete="CASCADE")
    permissions = JSONField(default=list)  # employee grants: permission codes
    created_at = DateTimeField(default=datetime.now)
    last_login_at = DateTimeField(null=True)
    password_changed_at = DateTimeField(default=datetime.now)

    @property
    def is_main(self) -> bool:
        return self.role == "main"


class UserSession(BaseModel):
    """Server-side session: revocable, survives restarts; the cookie carries only a random token."""

    token_hash = CharField(unique=True, max_length=64)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    remember = BooleanField(default=False)
    created_at = DateTimeField(default=datetime.now)
    expires_at = DateTimeField(index=True)
    last_seen_at = DateTimeField(default=datetime.now)
    ip = CharField(max_length=64, default="")
    user_agent = CharField(max_length=300, default="")


class LoginFailure(BaseModel):
    """One failed login; counted per IP and per account for rate limiting."""

    key = CharField(max_length=120, index=True)
    at = DateTimeField(default=datetime.now, index=True)


class Job(BaseModel):
    """Long work with progress, shown in the 任务 panel and updated from Huey signals."""

    kind = CharField(max_length=40, index=True)
    title = CharField(max_length=200)
    target = CharField(max_length=80, default="", index=True)
    state = CharField(max_length=12, default="queued", index=True)  # queued running done failed
    done = IntegerField(default=0)
    total = IntegerField(default=0)
    message = TextField(default="")
    error = TextField(default="")
    args = JSONField(default=dict)
    task_id = CharField(max_length=64, default="")
    user = ForeignKeyField(User, null=True, backref="jobs", on_delete="SET NULL")
    created_at = DateTimeField(default=datetime.now, index=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)

    ACTIVE = ("queued", "running")

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE


class AppSetting(BaseModel):
    """Settings edited in the 设置 page (JSON value per key); startup config lives in config.toml."""

    key = CharField(primary_key=True, max_length=80)
    value = JSONField(null=True)
    updated_at = DateTimeField(default=datetime.now)


FOUNDATION_MODELS: list[type[BaseModel]] = [User, UserSession, LoginFailure, Job, AppSetting]
