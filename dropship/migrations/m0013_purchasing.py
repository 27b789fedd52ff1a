"""订单采购: the purchase state machine's columns, 下单链接 memory, SKU mapping, and the two
"never twice" indexes: one active purchase per sub-order, one active purchase per supplier order."""
from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from dropship.db import Migrator

ONE_ACTIVE_PER_ITEM = "purchaseitem_one_active_per_item"
ONE_ACTIVE_PER_SUPPLIER_ORDER = "purchase_one_active_per_supplier_order"


def _existing(m: Migrator, table: str) -> type[Model]:
    """A frozen stand-in for a table an earlier step created, as a foreign-key target."""
    meta = type("Meta", (), {"database": m.database, "table_name": table})
    return type(f"{table}_key_m0013", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


def up(m: Migrator) -> None:
    m.add_column("purchase", "state", CharField(max_length=12, default="preparing", index=True))
    m.add_column("purchase", "reason", CharField(max_length=300, default=""))
    m.add_column("purchase", "item_id", CharField(max_length=32, default=""))
    m.add_column("purchase", "sku_id", CharField(max_length=40, default=""))
    m.add_column("purchase", "quantity", IntegerField(default=0))
    m.add_column("purchase", "orders_before", TextField(null=True))
    m.add_column("purchase", "submitted_at", DateTimeField(null=True))
    m.add_column("purchase", "purchased_at", DateTimeField(null=True, index=True))
    m.add_column("purchase", "step_at", DateTimeField(null=True))
    m.add_column("purchase", "attempts", IntegerField(default=0))
    # Rows from before this step were recorded as bought (nothing could buy yet): 已录入 / 已支付.
    m.execute("UPDATE purchase SET state = CASE WHEN manual THEN 'recorded' ELSE 'paid' END, "
              "purchased_at = created_at WHERE state = 'preparing'")
    m.add_column("purchaseitem", "active", BooleanField(default=True))
    m.execute("UPDATE purchaseitem SET active = (SELECT p.active FROM purchase p WHERE p.id = purchaseitem.purchase_id)")
    # No code before this step created purchases (only tests), so no sub-order has two active ones.
    m.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{ONE_ACTIVE_PER_ITEM}" ON "purchaseitem" (item_id) WHERE active')
    m.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{ONE_ACTIVE_PER_SUPPLIER_ORDER}" ON "purchase" '
              "(platform, platform_order_id) WHERE active AND platform_order_id <> ''")
    m.create_table("supplierlink", {
        "outer_id": CharField(max_length=80),
        "platform": CharField(max_length=12),
        "item_id": CharField(max_length=32),
        "url": CharField(max_length=300),
        "note": CharField(max_length=100, default=""),
        "created_by": ForeignKeyField(_existing(m, "user"), null=True, on_delete="SET NULL"),
        "created_at": DateTimeField(),
    }, indexes=((("outer_id", "platform", "item_id"), True),))
    m.create_table("skumapping", {
        "outer_id": CharField(max_length=80),
        "shop_sku": CharField(max_length=200),
        "platform": CharField(max_length=12),
        "item_id": CharField(max_length=32),
        "sku_id": CharField(max_length=40),
        "sku_text": CharField(max_length=200, default=""),
        "multiplier": IntegerField(default=1),
        "updated_at": DateTimeField(),
    }, indexes=((("outer_id", "shop_sku", "platform", "item_id"), True),))
