"""订单管理: the memo template's own text on each order, and indexes for the order search and tabs.

Measured on 100,000 orders (tests/benchmarks/test_orders_bench.py): the list covering index turns
the nine tab counts into one index-only scan and keeps the newest-first page off the table; the
others serve one search field each.
"""
from peewee import TextField

from dropship.db import Migrator

# every column a tab predicate or a cheap filter reads, behind the default order (ignored, created_at)
LIST_COLUMNS = ("ignored", "created_at", "status", "pending_items", "refund_state", "abnormal", "ship_deadline",
                "seller_flag", "shop_id")


def up(m: Migrator) -> None:
    m.add_column("order", "memo_auto", TextField(default=""))
    m.add_index("order", LIST_COLUMNS)
    m.add_index("order", ("ignored", "status", "ship_deadline"))  # 即将发货超时, sorted by deadline
    m.add_index("order", ("tid",))  # 订单编号 across shops (the unique index starts with shop_id)
    m.add_index("order", ("receiver_phone",))  # masked 收货人手机号 (the decrypted one has its key index)
    m.add_index("order", ("receiver_name",))
    m.add_index("orderitem", ("order_id", "title"))  # 商品标题 scans this instead of the wide table
