"""自动采购 per shop: the switch, its 取消缓冲 (minutes after 付款时间 before an order is bought), and when
the switch was turned on (only orders fetched from then on are bought automatically)."""
from peewee import BooleanField, DateTimeField, IntegerField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.add_column("shop", "auto_purchase", BooleanField(default=False))
    m.add_column("shop", "auto_purchase_buffer", IntegerField(default=10))
    m.add_column("shop", "auto_purchase_since", DateTimeField(null=True))
