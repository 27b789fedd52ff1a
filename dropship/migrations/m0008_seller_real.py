"""Seller side as on the real sites: an unknown platform status is kept verbatim on the order."""
from peewee import CharField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.add_column("order", "status_code", CharField(max_length=40, default=""))
