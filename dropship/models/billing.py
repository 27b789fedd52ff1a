"""充值中心: each redeemed card key's serial, once (the unique index is what makes a key single-use)."""
from __future__ import annotations

from datetime import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from dropship.models import BaseModel, Shop, User

__all__ = ["RedeemedCard"]


class RedeemedCard(BaseModel):
    """A card key spent on a shop: its serial (unique), what it gave, who used it and when."""

    serial = CharField(max_length=32, unique=True)
    shop = ForeignKeyField(Shop, backref="redeemed_cards", on_delete="CASCADE")
    days = IntegerField()
    points = IntegerField(default=0)
    user = ForeignKeyField(User, null=True, backref="redeemed_cards", on_delete="SET NULL")
    service_until = DateTimeField()  # the shop's 截止日期 after this card
    at = DateTimeField(default=datetime.now, index=True)
