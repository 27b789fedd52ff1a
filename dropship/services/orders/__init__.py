"""订单管理, one module per job; import from the module that owns a name.

- `labels`  — status / refund / mark / flag / purchase codes and their Chinese labels, open statuses
- `tabs`    — the nine tabs as SQL predicates over roll-up columns, and their shared context
- `search`  — the search form: parsing with Chinese errors, `OrderFilter`, sorting
- `queries` — tab counts, the page of ids, rows by id (every one takes the user's `Scope`)
- `cards`   — the order card view-model, built in a bounded number of queries
- `actions` — 忽略 / 标记 and 同步状态 / 批量同步 selections

Money (yuan, 利润, 利润率) is `services.money`; the courier table is `dropship.couriers`.
"""
