"""Couriers: names, Taobao company codes and tracking-number patterns (PLATFORMS.md).

Domain data, not a driver: services (the order cards, the memo template, the export) and drivers
(consign) both read it, so it sits beside errors.py, importing nothing of ours. Patterns only warn;
the platform's own check on consign is final.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Courier:
    code: str
    name: str
    pattern: re.Pattern[str] | None


COURIERS: tuple[Courier, ...] = (
    Courier("ZTO", "中通快递", re.compile(r"^7[3-68]\d{12}$")),
    Courier("YTO", "圆通速递", re.compile(r"^YT\d{13}$")),
    Courier("STO", "申通快递", re.compile(r"^(77|43)\d{12,15}$")),
    Courier("YUNDA", "韵达快递", re.compile(r"^[34]\d{14}$|^5\d{12}$")),
    Courier("JTSD", "极兔速递", re.compile(r"^JT\d{13}$")),
    Courier("SF", "顺丰速运", re.compile(r"^SF[a-z0-9]\d{12}$", re.IGNORECASE)),
    Courier("POSTB", "邮政快递包裹", re.compile(r"^[981]\d{12}$|^P[a-z]\d{11}$", re.IGNORECASE)),
    Courier("EMS", "EMS", re.compile(r"^[981]\d{12}$|^[A-Z]{2}\d{9}[A-Z]{2}$")),
    Courier("HTKY", "百世快递", None),
)
BY_CODE: dict[str, Courier] = {c.code: c for c in COURIERS}
BY_NAME: dict[str, Courier] = {c.name: c for c in COURIERS}
# Couriers suppliers (拼多多 / 1688) ship with that the 淘宝/天猫/淘特 consign list does not offer: a
# parcel of theirs ships by 双物流 or by hand (the manual's 百通一键替换; code and pattern after its
# example number 26227801564, an assumption). Not in BY_CODE, which is the shop backend's list.
OFF_LIST: tuple[Courier, ...] = (Courier("BTKD", "百通快递", re.compile(r"^2\d{10}$")),)
_ANY_CODE: dict[str, Courier] = {c.code: c for c in COURIERS + OFF_LIST}


def looks_valid(code: str, tracking_number: str) -> bool:
    """Whether the number fits the courier's known pattern (unknown patterns pass)."""
    courier = BY_CODE.get(code)
    if courier is None:
        return False
    return courier.pattern is None or bool(courier.pattern.match(tracking_number.strip()))


def courier_name(code: str) -> str:
    """The courier's Chinese name for a code; an unknown code is shown as stored."""
    return _ANY_CODE[code].name if code in _ANY_CODE else code


def code_for(text: str) -> str:
    """A supplier's courier as its order page writes it (中通快递, 圆通快递, 极兔快递, YTO, 百通快递 …) → its
    company code ('' when unknown); whether the shop backend takes it is `code in BY_CODE`. Supplier
    pages name the same company in several ways, so the name's first two characters (the brand) decide."""
    text = text.strip()
    if text.upper() in _ANY_CODE:
        return text.upper()
    brand = text[:2]
    found = [c for c in _ANY_CODE.values() if c.name == text or (len(brand) == 2 and c.name.startswith(brand))]
    return found[0].code if len(found) == 1 else ""
