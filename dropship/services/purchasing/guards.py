"""Guards before paying (采购保护): pure checks that return refusals with Chinese reasons.

Run on what the checkout page *read back* (total, receiver), never on what we meant to type. Any
refusal stops the purchase before payment; the order goes to 异常订单 with the reasons
(`records.stop`). Settings: 采购设置 (`purchase_settings.load_guards`).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from dropship.platforms.base import Receiver
from dropship.services.money import profit, yuan
from dropship.services.purchase_settings import GuardSettings

# what region pickers write when a level does not apply (直辖市 / street 「暂不选择」)
REGION_PLACEHOLDERS = ("市辖区", "暂不选择")
MISMATCH = "收货信息不一致（采购中提示收货地址与买家收货信息不一致）"


@dataclass(frozen=True)
class Refusal:
    code: str  # loss | max_price | daily_cap | address | receiver
    reason: str


@dataclass(frozen=True)
class GuardFacts:
    paid: int  # 实收金额 of the sub-orders this purchase covers, fen
    quote: int  # 采购金额 the checkout page shows, fen
    spent_today: int  # what this account committed today before this purchase, fen
    address_decrypted: bool
    expected: Receiver | None  # services.receiver.supplier_receiver(buyer, settings, platform)
    readback: Receiver | None  # what the checkout page (or the order detail) shows


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _full_address(receiver: Receiver, with_town: bool = True) -> str:
    parts: list[str] = []
    for part in (receiver.province, receiver.city, receiver.district, receiver.town if with_town else ""):
        part = _plain(part)
        if part and part not in REGION_PLACEHOLDERS and (not parts or parts[-1] != part):  # 北京市 北京市
            parts.append(part)
    return "".join(parts) + _plain(receiver.address)


def _phone_matches(expected: str, shown: str) -> bool:
    """Pages often mask the middle of the phone (138****1234): a * stands for any one digit."""
    expected, shown = _plain(expected), _plain(shown)
    return len(expected) == len(shown) and all(s in (e, "*") for e, s in zip(expected, shown, strict=True))


def receiver_differences(expected: Receiver, shown: Receiver) -> list[str]:
    """Which of 收货人 / 手机号 / 收货地址 differ (empty: the same receiver)."""
    different = []
    if _plain(expected.name) != _plain(shown.name):
        different.append("收货人")
    if not _phone_matches(expected.phone, shown.phone):
        different.append("手机号")
    town_skipped = not _plain(shown.town) or _plain(shown.town) in REGION_PLACEHOLDERS
    if _full_address(shown) not in {_full_address(expected), _full_address(expected, with_town=not town_skipped)}:
        different.append("收货地址")
    return different


def check(facts: GuardFacts, settings: GuardSettings) -> list[Refusal]:
    """Every guard that refuses this purchase (empty: it may be paid)."""
    refusals = []
    margin = profit(facts.paid, facts.quote)
    if margin < settings.profit_floor:
        refusals.append(Refusal("loss", f"亏钱：实收金额 {yuan(facts.paid)} − 采购金额 {yuan(facts.quote)} = "
                                        f"{yuan(margin)}，低于最低利润 {yuan(settings.profit_floor)}"))
    if settings.max_price and facts.quote > settings.max_price:
        refusals.append(Refusal("max_price", f"超过最高采购价：采购金额 {yuan(facts.quote)} 高于 "
                                             f"{yuan(settings.max_price)}"))
    if settings.daily_cap and facts.spent_today + facts.quote > settings.daily_cap:
        refusals.append(Refusal("daily_cap", f"超过账号每日采购额：今日已采购 {yuan(facts.spent_today)}，加上本单 "
                                             f"{yuan(facts.quote)} 超过 {yuan(settings.daily_cap)}"))
    if not facts.address_decrypted:
        refusals.append(Refusal("address", "地址未解密：请先解密收货地址，或在订单上修改地址信息"))
    elif facts.expected is None or facts.readback is None:
        refusals.append(Refusal("receiver", f"{MISMATCH}：未能读取下单页的收货信息"))
    else:
        different = receiver_differences(facts.expected, facts.readback)
        if different:
            refusals.append(Refusal("receiver", f"{MISMATCH}：{'、'.join(different)}不同"))
    return refusals


def may_pay(refusals: list[Refusal], settings: GuardSettings) -> bool:
    """Pay automatically only when 自动支付 is on and no guard refused; otherwise stop at 待付款."""
    return settings.auto_pay and not refusals


def abnormal_mark(refusals: list[Refusal]) -> tuple[str, str]:
    """(Order.abnormal code, 标记 note) for a refused order: 亏钱 when it would lose money."""
    code = "loss" if any(r.code == "loss" for r in refusals) else "refused"
    return code, "；".join(r.reason for r in refusals)[:300]
