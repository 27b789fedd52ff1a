"""异常订单 at 1,000,000 orders (issue 17 §1): the tab reads `abnormal > ''` from an index that also holds
what the list filters and sorts by, instead of every order of the window."""
from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.add_index("order", ("ignored", "abnormal", "created_at", "shop_id"), False)
