"""订单管理 at 1,000,000 orders (issue 17 §1), two reads that still grew with history:

- 商品标题 searches only the 成交时间 window's hits: the trigram documents are re-keyed by 成交时间 and
  order id (services.orders.titles.ID_SPAN). The table is emptied here and its old triggers dropped;
  start-up (titles.ensure_title_index) installs the new ones and refills it, as m0024 left it;
- 旗帜 counts its tabs from an index that holds every column the tab predicates read, instead of
  looking up each flagged order of the window in the table.
"""
from peewee import SqliteDatabase

from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.add_index("order", ("ignored", "seller_flag", "created_at", "status", "pending_items", "refund_state",
                          "abnormal", "ship_deadline", "shop_id"), False)
    m.execute('DROP INDEX IF EXISTS "order_ignored_seller_flag_created_at"')  # a prefix of the new one
    if not isinstance(m.database, SqliteDatabase):
        return
    for kind in ("insert", "delete", "update"):
        m.execute(f'DROP TRIGGER IF EXISTS "ordertitle_{kind}"')
    if m.database.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'ordertitle'").fetchone():
        m.execute("DELETE FROM ordertitle")
