"""账号管理's audit log: who did what, when (the username kept after the user is deleted)."""
from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, Model

from dropship.db import Migrator


def _user_table(m: Migrator) -> type[Model]:
    """A frozen stand-in for the user table, as the foreign key's target."""
    meta = type("Meta", (), {"database": m.database, "table_name": "user"})
    return type("user_key_m0018", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


def up(m: Migrator) -> None:
    m.create_table("auditentry", {
        "user": ForeignKeyField(_user_table(m), null=True, on_delete="SET NULL"),
        "username": CharField(max_length=40, default=""),
        "action": CharField(max_length=40, index=True),
        "target": CharField(max_length=200, default=""),
        "detail": CharField(max_length=500, default=""),
        "at": DateTimeField(index=True),
    })
