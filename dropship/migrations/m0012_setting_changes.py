"""设置 修改记录: every settings change (who, when, key, old → new; secrets only as 「已修改」)."""
from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, Model, TextField

from dropship.db import Migrator


def _existing(m: Migrator, table: str) -> type[Model]:
    """A frozen stand-in for a table an earlier step created, as a foreign-key target."""
    meta = type("Meta", (), {"database": m.database, "table_name": table})
    return type(f"{table}_key_m0012", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


def up(m: Migrator) -> None:
    m.create_table("settingchange", {
        "user": ForeignKeyField(_existing(m, "user"), null=True, on_delete="SET NULL"),
        "username": CharField(max_length=40, default=""),
        "key": CharField(max_length=80, index=True),
        "label": CharField(max_length=60, default=""),
        "old": TextField(default=""),
        "new": TextField(default=""),
        "at": DateTimeField(index=True),
    })
