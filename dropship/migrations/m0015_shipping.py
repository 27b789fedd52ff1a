"""Automatic shipping (issue 13): a 双物流 shipment keeps the supplier's parcel it replaces, a consign
counts its tries (transient failures are retried with a growing delay), and when it ended (今日发货)."""
from peewee import CharField, DateTimeField, IntegerField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.add_column("shipment", "original_courier", CharField(max_length=20, default=""))
    m.add_column("shipment", "original_tracking_number", CharField(max_length=40, default=""))
    m.add_column("shipment", "attempts", IntegerField(default=0))
    m.add_column("shipment", "finished_at", DateTimeField(null=True, index=True))
