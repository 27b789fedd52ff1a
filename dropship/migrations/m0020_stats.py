"""利润统计: the daily figures per shop and 采购平台, backfilled from the orders already stored, and an
index that lets one (shop, day) bucket be re-read without scanning every shop's orders of that day."""
from peewee import AutoField, CharField, DateField, ForeignKeyField, IntegerField, Model

from dropship.db import Migrator


def _shop_table(m: Migrator) -> type[Model]:
    """A frozen stand-in for the shop table, as the foreign key's target."""
    meta = type("Meta", (), {"database": m.database, "table_name": "shop"})
    return type("shop_key_m0020", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


# The figure definitions of services.profit as they stood at this step (a migration is frozen: a later
# change of definition ships its own step that rebuilds the table).
BACKFILL = """
INSERT INTO dailyfigure (shop_id, day, platform, orders, sales, refunds, purchase, purchased_orders, purchased_net,
                         shipped_orders, finished_orders)
SELECT shop_id, day, platform, COUNT(*), SUM(paid), SUM(refund), SUM(purchase_amount),
       SUM(CASE WHEN platform <> '' THEN 1 ELSE 0 END), SUM(CASE WHEN platform <> '' THEN paid - refund ELSE 0 END),
       SUM(CASE WHEN status IN ('shipped', 'finished') THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'finished' THEN 1 ELSE 0 END)
FROM (SELECT shop_id, day, paid, status, purchase_amount, platform,
             CASE WHEN refund0 > paid THEN paid ELSE refund0 END AS refund FROM
     (SELECT o.shop_id, date(o.created_at) AS day, o.paid_amount AS paid, o.status, o.purchase_amount,
             COALESCE((SELECT p.platform FROM purchase p WHERE p.order_id = o.id AND p.active
                       ORDER BY p.id LIMIT 1), '') AS platform,
             CASE WHEN o.refund_state = 'refunded' THEN o.paid_amount
                  ELSE COALESCE((SELECT SUM(i.paid_amount) FROM orderitem i
                                 WHERE i.order_id = o.id AND i.refund_status = 'refunded'), 0) END AS refund0
      FROM "order" o WHERE o.status <> 'unpaid' AND NOT (o.status = 'closed' AND o.paid_at IS NULL)) lines) orders
GROUP BY shop_id, day, platform
"""


def up(m: Migrator) -> None:
    created = "dailyfigure" not in m.database.get_tables()
    m.create_table("dailyfigure", {
        "shop": ForeignKeyField(_shop_table(m), on_delete="CASCADE"),
        "day": DateField(),
        "platform": CharField(max_length=12, default=""),
        "orders": IntegerField(default=0),
        "sales": IntegerField(default=0),
        "refunds": IntegerField(default=0),
        "purchase": IntegerField(default=0),
        "purchased_orders": IntegerField(default=0),
        "purchased_net": IntegerField(default=0),
        "shipped_orders": IntegerField(default=0),
        "finished_orders": IntegerField(default=0),
    }, indexes=((("shop", "day", "platform"), True),))
    m.add_index("order", ("shop_id", "created_at"), False)
    if created:
        m.execute(BACKFILL)
