"""The seller memo's size limit, counted the way the shop backend counts it.

The 淘宝 / 天猫 / 淘特 backend is GBK-era: it measures a 卖家备注 in GB18030 bytes (1 for an ASCII
character, 2 for a 汉字, 4 for rare characters and emoji) and refuses more than 1000. The 备注 form,
the memo service and the seller driver all measure with `memo_bytes`, so none of them refuses what
another lets through (the service once counted UTF-8, 3 bytes a 汉字, and refused at ~334 汉字
where the platform takes 500). Neutral, like couriers.py: services and drivers may both import it.
"""
from __future__ import annotations

MEMO_LIMIT_BYTES = 1000
MEMO_SIZE_RULE = "一个汉字占 2 字节"  # how the form and the refusal explain the count


def memo_bytes(text: str) -> int:
    """The memo's size as the shop backend counts it (GB18030 bytes)."""
    return len(text.encode("gb18030"))


def memo_fits(text: str) -> bool:
    return memo_bytes(text) <= MEMO_LIMIT_BYTES
