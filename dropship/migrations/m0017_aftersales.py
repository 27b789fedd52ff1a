"""店铺售后 (issue 14): the shops' disputes with our marks and the supplier side, and the 自动售后日志."""
from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model

from dropship.db import Migrator


def _existing(m: Migrator, table: str) -> type[Model]:
    """A frozen stand-in for a table an earlier step created, as a foreign-key target."""
    meta = type("Meta", (), {"database": m.database, "table_name": table})
    return type(f"{table}_key_m0017", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


def up(m: Migrator) -> None:
    shop = _existing(m, "shop")
    dispute = m.create_table("dispute", {
        "shop": ForeignKeyField(shop, on_delete="CASCADE"),
        "order": ForeignKeyField(_existing(m, "order"), null=True, on_delete="SET NULL"),
        "dispute_id": CharField(max_length=32),
        "tid": CharField(max_length=32, index=True),
        "oid": CharField(max_length=32, default=""),
        "kind": CharField(max_length=16),
        "status": CharField(max_length=24),
        "status_text": CharField(max_length=60, default=""),
        "amount": IntegerField(default=0),
        "reason": CharField(max_length=200, default=""),
        "title": CharField(max_length=200, default=""),
        "buyer_nick": CharField(max_length=64, default=""),
        "after_sale": BooleanField(default=False),
        "return_courier": CharField(max_length=20, default=""),
        "return_tracking_number": CharField(max_length=40, default=""),
        "detail_url": CharField(max_length=300, default=""),
        "created_at": DateTimeField(index=True),
        "updated_at": DateTimeField(),
        "fetched_at": DateTimeField(),
        "viewed_at": DateTimeField(null=True),
        "memo": CharField(max_length=200, default=""),
        "removed": BooleanField(default=False, index=True),
        "supplier_refund_id": CharField(max_length=40, default=""),
        "supplier_refund_kind": CharField(max_length=16, default=""),
        "supplier_refund_status": CharField(max_length=24, default=""),
        "supplier_refund_text": CharField(max_length=60, default=""),
        "supplier_return_address": CharField(max_length=300, default=""),
        "supplier_return_number": CharField(max_length=40, default=""),
        "supplier_checked_at": DateTimeField(null=True),
    }, indexes=((("shop", "dispute_id"), True), (("removed", "kind", "status"), False)))
    m.create_table("aftersalelog", {
        "shop": ForeignKeyField(shop, on_delete="CASCADE"),
        "dispute": ForeignKeyField(dispute, null=True, on_delete="SET NULL"),
        "tid": CharField(max_length=32, default=""),
        "rule": IntegerField(),
        "action": CharField(max_length=16),
        "amount": IntegerField(default=0),
        "ok": BooleanField(),
        "reason": CharField(max_length=300, default=""),
        "at": DateTimeField(index=True),
    }, indexes=((("shop", "action", "ok", "at"), False),))
