"""充值中心: redeemed card serials. The unique serial is the single-use rule; the shop and the user
point at their tables (frozen stand-ins, as m0016 does)."""
from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model

from dropship.db import Migrator


def _existing(m: Migrator, table: str) -> type[Model]:
    """A frozen stand-in for a table an earlier step created, as a foreign-key target."""
    meta = type("Meta", (), {"database": m.database, "table_name": table})
    return type(f"{table}_key_m0019", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


def up(m: Migrator) -> None:
    m.create_table("redeemedcard", {
        "serial": CharField(max_length=32, unique=True),
        "shop": ForeignKeyField(_existing(m, "shop"), on_delete="CASCADE"),
        "days": IntegerField(),
        "points": IntegerField(default=0),
        "user": ForeignKeyField(_existing(m, "user"), null=True, on_delete="SET NULL"),
        "service_until": DateTimeField(),
        "at": DateTimeField(index=True),
    })
