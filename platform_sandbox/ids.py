"""Platform-looking identifiers. Each comes from a named random stream plus a sequence number,
so ids are unique, deterministic and shaped like the real ones (19-digit trade ids, …)."""
from __future__ import annotations

import hashlib
from datetime import date

from .clock import rng
from .models import current_database


def next_seq(name: str) -> int:
    cursor = current_database().execute_sql(
        "INSERT INTO counter (name, value) VALUES (?, 1) "
        "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value", (name,))
    return cursor.fetchone()[0]


def _digits(name: str, width: int, prefix: str) -> str:
    """``prefix`` + random digits + a 5-digit sequence, ``width`` digits in all."""
    seq = next_seq(name)
    random_width = width - len(prefix) - 5
    body = rng("id", name, seq).randrange(10**random_width)
    return f"{prefix}{body:0{random_width}d}{seq % 100000:05d}"


def trade_id() -> str:
    return _digits("tid", 19, "3")


def sub_order_id() -> str:
    return _digits("oid", 19, "3")


def user_id() -> str:
    return _digits("uid", 13, "22")


def item_id() -> str:
    return _digits("item", 12, "6")


def sku_id() -> str:
    return _digits("sku", 13, "5")


def dispute_id() -> str:
    return _digits("dispute", 18, "2")


def logistics_order_id() -> str:
    return "LP00" + _digits("lp", 14, "7")


def token(name: str, length: int = 32) -> str:
    """Opaque hex token (session ids, challenge tokens)."""
    seq = next_seq("token")
    return f"{rng('token', name, seq).getrandbits(length * 4):0{length}x}"


def pdd_order_sn(day: date) -> str:
    """拼多多 order_sn: ``yymmdd-`` + 15 digits."""
    return f"{day:%y%m%d}-{_digits('pdd-order', 15, '')}"


def pdd_group_order_id() -> str:
    return _digits("pdd-group", 13, "")


def spec_id(sku_id: str) -> str:
    """1688 specId: 32 hex digits, stable for a SKU."""
    return hashlib.md5(f"spec:{sku_id}".encode()).hexdigest()
