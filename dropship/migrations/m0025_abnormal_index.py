"""订单管理 at 1,000,000 orders (issue 17 §1), two reads that grew with history:

- 异常订单 reads `abnormal > ''` from an index that also holds what the list filters and sorts by,
  instead of every order of the window;
- the kept counts of a 成交时间 window read that window's buckets by day: the bucket table's key starts
  with the shop, so without this a 15-day window read every day's buckets (100 days × 50 shops at 1M).
"""
from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.add_index("order", ("ignored", "abnormal", "created_at", "shop_id"), False)
    m.add_index("ordercount", ("ignored", "day", "tabs", "shop_id", "n"), False)
