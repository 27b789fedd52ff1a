"""Courier companies with their Taobao codes and tracking-number rules.

Patterns follow PLATFORMS.md; 百世 (HTKY), 宅急送, 天天 and 百通 have none there, so theirs are
sandbox assumptions. Generators make numbers that pass the sandbox's own check.

百通 (code ``BTKD``, an assumption) follows the manual: its one example number is 26227801564, and
the shop backend refuses 百通 parcels (the manual's 百通一键替换 exists because of it), so it is
not on 淘宝/天猫/淘特's consign list while 1688 and 拼多多 suppliers ship with it.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Courier:
    code: str
    name: str
    pattern: str
    template: str  # "#" = a random digit, "[xyz]" = one of x/y/z
    on_taobao: bool = True  # offered on the 淘宝/天猫/淘特 consign pages

    def accepts(self, number: str) -> bool:
        return re.fullmatch(self.pattern, number, flags=re.IGNORECASE) is not None

    def make_number(self, rnd: random.Random) -> str:
        out = []
        for part in re.findall(r"\[[^\]]+\]|.", self.template):
            if part == "#":
                out.append(str(rnd.randrange(10)))
            elif part.startswith("["):
                out.append(rnd.choice(part[1:-1]))
            else:
                out.append(part)
        return "".join(out)


COURIERS: tuple[Courier, ...] = (
    Courier("ZTO", "中通快递", r"7[3-68]\d{12}", "7[3568]############"),
    Courier("YTO", "圆通速递", r"YT\d{13}", "YT#############"),
    Courier("STO", "申通快递", r"(77|43)\d{12,15}", "77#############"),
    Courier("YUNDA", "韵达快递", r"[34]\d{14}|5\d{12}", "[34]##############"),
    Courier("JTSD", "极兔速递", r"JT\d{13}", "JT#############"),
    Courier("SF", "顺丰速运", r"SF[a-z0-9]\d{12}", "SF#############"),
    Courier("EMS", "EMS", r"[981]\d{12}|P[a-z]\d{11}", "9############"),
    Courier("POSTB", "邮政快递包裹", r"[981]\d{12}|P[a-z]\d{11}", "9############"),
    Courier("HTKY", "百世快递", r"[ABDE]?\d{12,13}", "A############"),
    Courier("ZJS", "宅急送", r"\d{10}|ZJS\d{12}", "##########"),
    Courier("TTKDEX", "天天快递", r"\d{12}", "############"),
    Courier("BTKD", "百通快递", r"2\d{10}", "2##########", on_taobao=False),
)

BY_CODE: dict[str, Courier] = {c.code: c for c in COURIERS}
TAOBAO_COURIERS: tuple[Courier, ...] = tuple(c for c in COURIERS if c.on_taobao)

# Couriers suppliers and returning buyers use in the simulation (the common cheap ones).
EVERYDAY = ("ZTO", "YTO", "STO", "YUNDA", "JTSD", "POSTB", "SF", "HTKY")


# What suppliers ship purchases with (the manual's PDD 发货物流 list plus 顺丰 and 百通).
SUPPLIER_COURIERS = ("ZTO", "ZTO", "YTO", "YTO", "STO", "YUNDA", "YUNDA", "POSTB", "JTSD", "SF", "BTKD")


def random_number(rnd: random.Random, codes: tuple[str, ...] = EVERYDAY) -> tuple[str, str]:
    courier = BY_CODE[rnd.choice(codes)]
    return courier.code, courier.make_number(rnd)
