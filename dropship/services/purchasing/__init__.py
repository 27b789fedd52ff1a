"""订单采购: buying an order's items from a supplier, safely (never twice, the right address, guards).

One job per module: `links` (下单链接), `sku_map` (规格对应), `states` (the purchase state machine and
the 拍单状态 / 采购平台 labels), `guards` (refusals before paying), `matching` (finding the order we
created by diffing, and what to do after a crash), `records` (creating purchases, scoped queries),
`manual` (添加采购订单信息 / 重新下单 / 取消下单), `locks` (one purchase per account at a time).
"""
