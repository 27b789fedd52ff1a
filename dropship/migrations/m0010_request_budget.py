"""Rate: the request budget's ledger shared by every process, and a growing risk cool-down per shop."""
from peewee import CharField, DateTimeField, FloatField, IntegerField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.create_table("requestslot", {
        "account": CharField(max_length=64),
        "host": CharField(max_length=64),
        "at": FloatField(),
    }, indexes=((("account", "host", "at"), False), (("account", "at"), False)))
    m.add_column("shop", "risk_strikes", IntegerField(default=0))
    m.add_column("shop", "last_risk_at", DateTimeField(null=True))
