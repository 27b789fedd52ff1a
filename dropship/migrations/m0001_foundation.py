"""Users, sessions, login failures, jobs, settings (the schema as it was at the foundation)."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    user = m.create_table("user", {
        "username": CharField(max_length=40, unique=True),
        "password_hash": CharField(max_length=200),
        "role": CharField(max_length=10),
        "owner": ForeignKeyField("self", null=True, on_delete="CASCADE"),
        "permissions": TextField(),
        "created_at": DateTimeField(),
        "last_login_at": DateTimeField(null=True),
        "password_changed_at": DateTimeField(),
    })
    m.create_table("usersession", {
        "token_hash": CharField(max_length=64, unique=True),
        "user": ForeignKeyField(user, on_delete="CASCADE"),
        "remember": BooleanField(),
        "created_at": DateTimeField(),
        "expires_at": DateTimeField(index=True),
        "last_seen_at": DateTimeField(),
        "ip": CharField(max_length=64),
        "user_agent": CharField(max_length=300),
    })
    m.create_table("loginfailure", {
        "key": CharField(max_length=120, index=True),
        "at": DateTimeField(index=True),
    })
    m.create_table("job", {
        "kind": CharField(max_length=40, index=True),
        "title": CharField(max_length=200),
        "target": CharField(max_length=80, index=True),
        "state": CharField(max_length=12, index=True),
        "done": IntegerField(),
        "total": IntegerField(),
        "message": TextField(),
        "error": TextField(),
        "args": TextField(),
        "task_id": CharField(max_length=64),
        "user": ForeignKeyField(user, null=True, on_delete="SET NULL"),
        "created_at": DateTimeField(index=True),
        "started_at": DateTimeField(null=True),
        "finished_at": DateTimeField(null=True),
    })
    m.create_table("appsetting", {
        "key": CharField(max_length=80, primary_key=True),
        "value": TextField(null=True),
        "updated_at": DateTimeField(),
    })
