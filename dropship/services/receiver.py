"""收货人: storing decrypted or hand-typed receivers (encrypted, searchable by keyed hash), and checks.

A decrypted address is scarce (daily quotas), so it is stored once and never fetched again; it is
personal data, so it is stored only encrypted, with keyed hashes for exact-match search.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, fields

from dropship.errors import FieldError
from dropship.models import Order
from dropship.platforms.base import Receiver
from dropship.secrets import search_key

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Privacy numbers from the decrypt API look like 188xxxx1111-123 (virtual number + extension).
PRIVACY_RE = re.compile(r"^1[3-9]\d{9}-\d{1,6}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
LIMITS = {"name": 30, "phone": 20, "province": 20, "city": 20, "district": 20, "town": 30, "address": 120}
LABELS = {"name": "收货人姓名", "phone": "手机号", "province": "省", "city": "市", "district": "区",
          "town": "街道", "address": "详细地址"}


def needs_decrypt(order: Order) -> bool:
    return order.address_state == "masked"


def real_receiver(order: Order) -> Receiver | None:
    """The decrypted (or typed) receiver, or None while only the masked one is known."""
    if not order.receiver_real:
        return None
    return Receiver(**json.loads(order.receiver_real))


RECEIVER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Receiver))


def receiver_form(order: Order) -> dict[str, str]:
    """修改地址信息's starting values: the real receiver when known, else empty fields."""
    return asdict(real_receiver(order) or Receiver())


def masked_receiver(order: Order) -> Receiver:
    """The receiver as the platform's order list shows it (masked): what anyone may see of it."""
    return Receiver(name=order.receiver_name, phone=order.receiver_phone, province=order.receiver_region,
                    address=order.receiver_address)


def store_receiver(order: Order, receiver: Receiver, state: str = "decrypted") -> None:
    """Keep a full receiver on the order: encrypted JSON plus keyed hashes of name and phone."""
    Order.update(receiver_real=json.dumps(asdict(receiver), ensure_ascii=False), address_state=state,
                 receiver_name_key=search_key(receiver.name), receiver_phone_key=search_key(receiver.phone)
                 ).where(Order.id == order.id).execute()


def validate_manual(form: dict[str, str]) -> Receiver:
    """修改地址信息: every field checked, with the message for the field that is wrong."""
    values = {name: (form.get(name) or "").strip() for name in LIMITS}
    for name in ("name", "phone", "province", "city", "address"):
        if not values[name]:
            raise FieldError(name, f"请填写{LABELS[name]}")
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            raise FieldError(name, f"{LABELS[name]}最多 {limit} 个字")
    phone = values["phone"].replace(" ", "")
    if not (MOBILE_RE.match(phone) or PRIVACY_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise FieldError("phone", "请输入正确的手机号（11 位）或 隐私号-分机号 / 固定电话")
    if "*" in "".join(values.values()):
        raise FieldError("address", "地址仍是脱敏内容（含 *），请填写真实收货信息")
    values["phone"] = phone
    return Receiver(**values)
