"""店铺售后: the shop's disputes as last read, and the 自动售后日志 (services.disputes, services.aftersales)."""
from __future__ import annotations

from datetime import datetime

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from dropship.models import BaseModel, Order, Shop

__all__ = ["Dispute", "AftersaleLog", "AFTERSALE_MODELS"]


class Dispute(BaseModel):
    """One 售后 case of a shop (RemoteDispute as last read) plus our own marks and the supplier side.

    `viewed_at` is the colour's memory (红 until someone looks at it); a status change clears it, so
    news is red again. The `supplier_*` columns are our refund application at the 上家 for this case,
    as `BuyerDriver.refunds` last showed it: what rules 3–7 wait on.
    """

    shop = ForeignKeyField(Shop, backref="disputes", on_delete="CASCADE")
    order = ForeignKeyField(Order, null=True, backref="disputes", on_delete="SET NULL")
    dispute_id = CharField(max_length=32)
    tid = CharField(max_length=32, index=True)
    oid = CharField(max_length=32, default="")
    kind = CharField(max_length=16)  # platforms.base.DISPUTE_KINDS
    status = CharField(max_length=24)  # platforms.base.DISPUTE_STATUSES (unknown codes verbatim)
    status_text = CharField(max_length=60, default="")
    amount = IntegerField(default=0)  # fen
    reason = CharField(max_length=200, default="")
    title = CharField(max_length=200, default="")
    buyer_nick = CharField(max_length=64, default="")
    after_sale = BooleanField(default=False)
    return_courier = CharField(max_length=20, default="")
    return_tracking_number = CharField(max_length=40, default="")
    detail_url = CharField(max_length=300, default="")
    created_at = DateTimeField(index=True)  # 申请时间 (the platform's)
    updated_at = DateTimeField()
    fetched_at = DateTimeField(default=datetime.now)
    viewed_at = DateTimeField(null=True)
    memo = CharField(max_length=200, default="")  # 备注 (ours, never sent to the platform)
    removed = BooleanField(default=False, index=True)  # 移除: hidden from the list, rules skip it
    supplier_refund_id = CharField(max_length=40, default="")
    supplier_refund_kind = CharField(max_length=16, default="")
    supplier_refund_status = CharField(max_length=24, default="")
    supplier_refund_text = CharField(max_length=60, default="")
    supplier_return_address = CharField(max_length=300, default="")
    supplier_return_number = CharField(max_length=40, default="")  # what rule 6 filled in at the 上家
    supplier_checked_at = DateTimeField(null=True)  # last re-read at the 上家 (paces the wait for its answer)

    class Meta:
        indexes = ((("shop", "dispute_id"), True), (("removed", "kind", "status"), False))


class AftersaleLog(BaseModel):
    """One automatic action (自动售后日志): which rule, on which case, 成功 or 失败 with the reason."""

    shop = ForeignKeyField(Shop, backref="aftersale_logs", on_delete="CASCADE")
    dispute = ForeignKeyField(Dispute, null=True, backref="logs", on_delete="SET NULL")
    tid = CharField(max_length=32, default="")
    rule = IntegerField()  # 1..7, services.aftersales.RULES
    action = CharField(max_length=16)  # services.aftersales.ACTIONS
    amount = IntegerField(default=0)  # fen (an agree counts against the shop's daily cap)
    ok = BooleanField()
    reason = CharField(max_length=300, default="")
    at = DateTimeField(default=datetime.now, index=True)

    class Meta:
        indexes = ((("shop", "action", "ok", "at"), False),)


AFTERSALE_MODELS: list[type[BaseModel]] = [Dispute, AftersaleLog]
