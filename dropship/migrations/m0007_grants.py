"""Employee grants: which shops (授权店铺) and purchase accounts (授权采购号) an employee may see.

Every list, count and export query reads these through services.scope; the grant dialog comes
with 账号管理. The tables they point at are named here by their id alone (frozen: whatever those
tables gain later, a foreign key only needs the key).
"""
from peewee import AutoField, DateTimeField, ForeignKeyField, Model

from dropship.db import Migrator


def _existing(m: Migrator, table: str) -> type[Model]:
    """A frozen stand-in for a table an earlier step created, as a foreign-key target."""
    meta = type("Meta", (), {"database": m.database, "table_name": table})
    return type(f"{table}_key", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


def up(m: Migrator) -> None:
    user, shop, account = (_existing(m, t) for t in ("user", "shop", "purchaseaccount"))
    m.create_table("shopgrant", {
        "user": ForeignKeyField(user, on_delete="CASCADE"),
        "shop": ForeignKeyField(shop, on_delete="CASCADE"),
        "created_at": DateTimeField(),
    }, indexes=((("user", "shop"), True),))
    m.create_table("accountgrant", {
        "user": ForeignKeyField(user, on_delete="CASCADE"),
        "account": ForeignKeyField(account, on_delete="CASCADE"),
        "created_at": DateTimeField(),
    }, indexes=((("user", "account"), True),))
