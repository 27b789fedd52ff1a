"""Kept tab counts of 订单管理 (issue 17): maintained by triggers, see services.orders.counters."""
from __future__ import annotations

from peewee import BooleanField, CharField, CompositeKey, IntegerField

from dropship.models import BaseModel


class OrderCount(BaseModel):
    """How many orders of one shop, created on one day, share one 显示 and one set of tabs.

    `tabs` is a bit set over `services.orders.counters.KEPT_TABS`; a row is a bucket, and an
    order sits in exactly one. No foreign key to the shop: the order's own RESTRICT keeps a shop
    with orders alive, and a bucket emptied by deletes just reads 0.
    """

    ignored = BooleanField()
    shop_id = IntegerField()
    day = CharField(max_length=10)  # 成交日 as stored text, YYYY-MM-DD
    tabs = IntegerField()
    n = IntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("ignored", "shop_id", "day", "tabs")
        table_name = "ordercount"
        without_rowid = True


class OrderTotal(BaseModel):
    """OrderCount without the day: every order of one shop sharing one 显示 and one set of tabs.

    A window without 成交时间 (清空) read every day's buckets, so its counts grew with the history
    (1M orders over 100 days: 31k bucket rows, 16 ms; a year would be 3.6×). Kept by the same
    triggers, in the same statements.
    """

    ignored = BooleanField()
    shop_id = IntegerField()
    tabs = IntegerField()
    n = IntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("ignored", "shop_id", "tabs")
        table_name = "ordertotal"
        without_rowid = True
