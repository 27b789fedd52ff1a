"""利润统计 at 1,000,000 orders: the daily figures summed per shop, month and 采购平台 (月报表 / 年报表 read
them), backfilled from the daily table; the daily rows by day alone (数据大屏 reads today of every shop); and
数据大屏's hourly trend answered from an index (two days of orders, without reading their rows)."""
from peewee import AutoField, CharField, DateField, ForeignKeyField, IntegerField, Model, SqliteDatabase

from dropship.db import Migrator

SUMMED = ("orders", "sales", "refunds", "purchase", "purchased_orders", "purchased_net", "shipped_orders",
          "finished_orders")


def _backfill(month: str) -> str:
    return (f"INSERT INTO monthlyfigure (shop_id, month, platform, {', '.join(SUMMED)}) "
            f"SELECT shop_id, {month}, platform, {', '.join(f'SUM({c})' for c in SUMMED)} "
            f"FROM dailyfigure GROUP BY shop_id, {month}, platform")


BACKFILL = _backfill("strftime('%Y-%m-01', day)")  # SQLite's spelling of a day's month


def up(m: Migrator) -> None:
    created = "monthlyfigure" not in m.database.get_tables()
    meta = type("Meta", (), {"database": m.database, "table_name": "shop"})
    shop = type("shop_key_m0023", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})
    m.create_table("monthlyfigure", {
        "shop": ForeignKeyField(shop, on_delete="CASCADE"),
        "month": DateField(),
        "platform": CharField(max_length=12, default=""),
        **{name: IntegerField(default=0) for name in SUMMED},
    }, indexes=((("shop", "month", "platform"), True),))
    m.add_index("dailyfigure", ("day",), False)
    m.add_index("order", ("created_at", "status", "paid_at", "paid_amount", "shop_id"), False)
    if created:
        pg = not isinstance(m.database, SqliteDatabase)
        m.execute(_backfill("CAST(date_trunc('month', day) AS date)") if pg else BACKFILL)
