"""自动售后: the seven rules of the manual's 自动售后设置 as one pure engine, and their settings.

`actions(dispute, order, purchase, settings, now)` says what is due for one case, reading only its
arguments: the task calls it once to see what is due, re-reads the case at the shop and at the
上家, and calls it again on the fresh state before acting (so a case the buyer cancelled in the
meantime, or a refund the supplier already paid, changes the answer). Every action the engine
proposes is one the state it was given does not show as done, which makes each idempotent: once
done, the re-read state no longer proposes it.

The rules (manual: 自动售后设置), by the case's kind and our purchase of its sub-order:
  1 仅退款成功，已采购 → 到上家申请退款 (at once)
  2 仅退款，未采购 → N 分钟后同意买家退款
  3 仅退款，已采购，上家未发货 → N 分钟后到上家申请仅退款 (+ 同意买家退款 once the 上家 refunded)
  4 仅退款，已采购，上家已发货 → the same with its own N and switch
  5 退货退款 → N 分钟后到上家申请退货退款 (then a person fills the 上家's return address in the shop)
  6 退货退款，买家已寄回 → 到上家填写退货单号
  7 退货退款，上家退款成功 → 同意买家退款
Delays count from the case's 申请时间. A case closed before its delay ran out proposes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dropship.errors import FieldError
from dropship.services.money import parse_yuan, yuan
from dropship.services.settings import get_setting, int_between, register
from dropship.services.settings_log import describe, save_settings

MAX_MINUTES = 10080  # a week: the platforms close an unanswered 仅退款 well before that

RULES: dict[int, str] = {
    1: "仅退款成功，已采购。自动到上家申请退款",
    2: "仅退款，未采购。{minutes} 分钟后，自动同意买家退款",
    3: "仅退款，已采购，上家未发货。{minutes} 分钟后，自动到上家申请仅退款",
    4: "仅退款，已采购，上家已发货。{minutes} 分钟后，自动到上家申请仅退款",
    5: "退货退款。{minutes} 分钟后，自动到上家申请退货退款 (之后需到店铺后台手动填写上家退货地址)",
    6: "退货退款买家发货后，自动到上家填写退货单号",
    7: "退货退款上家退款成功，自动同意买家退款",
}
TIMED_RULES = (2, 3, 4, 5)  # the rules with 分钟
AGREE_RULES = (3, 4)  # the rules with their own 自动同意买家退款 tick
SELLER_ONLY_RULES = (2,)  # act at the shop only: every purchase platform (and none) is covered
ACTIONS: dict[str, str] = {"agree": "同意买家退款", "supplier_refund": "到上家申请仅退款",
                           "supplier_return": "到上家申请退货退款", "fill_return": "到上家填写退货单号"}
# Purchase platforms whose driver implements BuyerDriver.apply_refund / refunds / fill_return: the
# ones rules 1 and 3–7 can automate (tests/unit/test_aftersales_engine.py keeps this list honest).
SUPPLIER_REFUND_PLATFORMS: tuple[str, ...] = ("taobao", "tmall", "taote", "alibaba1688", "pdd")

OPEN = frozenset({"pending", "wait_buyer_return", "wait_seller_receive"})  # still the seller's to answer
HANDLED = frozenset({"success", "closed", "refused"})  # 未标色: nothing left to do
_BOUGHT_STATES = frozenset({"paid", "recorded"})  # a supplier order exists and is paid
_SHIPPED_STATUSES = frozenset({"shipped", "received"})  # 待收货 / 已签收 at the 上家


@dataclass(frozen=True)
class Action:
    rule: int
    kind: str  # ACTIONS
    amount: int = 0  # fen: what an agree gives back (counted against the daily cap)


@dataclass(frozen=True)
class RuleSettings:
    """自动售后设置: a switch per rule, minutes for rules 2–5, 自动同意 for 3 and 4, and our daily cap."""

    on: frozenset[int] = frozenset()
    minutes: tuple[tuple[int, int], ...] = ()  # (rule, minutes) for TIMED_RULES
    agree: frozenset[int] = frozenset()  # of AGREE_RULES
    daily_cap: int = 0  # fen of automatic 同意退款 per shop and day; 0 = 不限

    def delay(self, rule: int) -> timedelta:
        return timedelta(minutes=dict(self.minutes).get(rule, 0))


def supplier_side(purchase: Any, dispute: Any) -> str:
    """Our purchase of the case's sub-order, as the rules see it:
    none (未采购) · buying (a purchase still on its way: wait) · bought (未发货) · shipped (已发货) ·
    refunded (the 上家 already gave the money back) · manual (typed in by hand: nothing to automate)."""
    if purchase is None or purchase.state in ("cancelled", "refused"):
        return "none"
    if purchase.state == "refunded" or dispute.supplier_refund_status == "success":
        return "refunded"
    if purchase.state not in _BOUGHT_STATES:
        return "buying"
    if purchase.manual or purchase.account_id is None:
        return "manual"
    return "shipped" if purchase.status in _SHIPPED_STATUSES or purchase.tracking_number else "bought"


def _shipped_before_refund(purchase: Any) -> bool:
    return bool(purchase.tracking_number) or purchase.status in _SHIPPED_STATUSES


def actions(dispute: Any, order: Any, purchase: Any, settings: RuleSettings, now: datetime) -> list[Action]:
    """What is due now for `dispute` (a Dispute row or anything with its fields); [] when nothing is.

    `order` None means the shop order is not fetched yet: without it we cannot know whether it
    was bought, so nothing is done. `purchase` is the latest purchase covering the sub-order.
    """
    if dispute.removed or order is None or dispute.kind == "complaint":
        return []
    side = supplier_side(purchase, dispute)
    applied = bool(dispute.supplier_refund_id)
    waited = lambda rule: now >= dispute.created_at + settings.delay(rule)  # noqa: E731
    on = settings.on
    if dispute.kind == "refund_only":
        if dispute.status == "success":
            if 1 in on and side in ("bought", "shipped") and not applied:
                return [Action(1, "supplier_refund")]
            return []
        if dispute.status != "pending":
            return []
        if side == "none":
            return [Action(2, "agree", dispute.amount)] if 2 in on and waited(2) else []
        if side == "refunded":
            rule = 4 if purchase is not None and _shipped_before_refund(purchase) else 3
            return [Action(rule, "agree", dispute.amount)] if rule in on and rule in settings.agree else []
        if side in ("bought", "shipped"):
            rule = 3 if side == "bought" else 4
            return [Action(rule, "supplier_refund")] if rule in on and not applied and waited(rule) else []
        return []
    # 退货退款
    if dispute.status not in OPEN:
        return []
    if side == "refunded":
        return [Action(7, "agree", dispute.amount)] if 7 in on and dispute.status == "wait_seller_receive" else []
    if side not in ("bought", "shipped"):
        return []
    if not applied:
        return [Action(5, "supplier_return")] if 5 in on and waited(5) else []
    if (6 in on and dispute.return_tracking_number and dispute.supplier_refund_kind == "return_refund"
            and dispute.supplier_refund_status == "wait_buyer_return" and not dispute.supplier_return_number):
        return [Action(6, "fill_return")]
    return []


def action_done(dispute: Any, kind: str) -> bool:
    """Whether the re-read case shows action `kind` done: how a run killed between its 自动售后日志
    intent row and the remote answer is settled without asking the site to do it again."""
    if kind == "agree":
        return dispute.status == "success"
    if kind == "fill_return":
        return bool(dispute.supplier_return_number)
    return bool(dispute.supplier_refund_id)  # supplier_refund / supplier_return: our application exists


def waits_on_supplier(dispute: Any, settings: RuleSettings) -> bool:
    """Whether a rule waits for the 上家's answer to our application on this open case (3/4 自动同意,
    6 and 7): then the case is re-read at the 上家 now and then, as nothing at the shop will change."""
    if dispute.removed or dispute.status not in OPEN or not dispute.supplier_refund_id:
        return False
    if dispute.supplier_refund_status in HANDLED:
        return False
    if dispute.kind == "refund_only":
        return bool(settings.on & settings.agree & set(AGREE_RULES))
    return dispute.kind == "return_refund" and bool(settings.on & {6, 7})


def cap_allows(agreed_today: int, amount: int, cap: int) -> bool:
    """Whether one more automatic 同意退款 of `amount` fen stays within the shop's daily cap (0 = 不限)."""
    return cap == 0 or agreed_today + amount <= cap


def todo(dispute: Any) -> str:
    """What a person must do on the case (shown on its row); '' when nothing."""
    if (dispute.kind == "return_refund" and dispute.status == "pending"
            and dispute.supplier_refund_kind == "return_refund"
            and dispute.supplier_refund_status in ("wait_buyer_return", "pending")):
        where = f"：{dispute.supplier_return_address}" if dispute.supplier_return_address else ""
        return f"待办：到店铺后台填写上家退货地址并同意退货{where}"
    return ""


def colour(dispute: Any) -> str:
    """红 red = not looked at since it last changed, 黄 yellow = looked at, '' = handled."""
    if dispute.status in HANDLED:
        return ""
    return "yellow" if dispute.viewed_at else "red"


# -- 自动售后设置 ---------------------------------------------------------------------------------------

def _switch(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "on", "yes"}


def _cap(value: Any) -> int:
    """The cap is typed in yuan (500 / 500.00); code may store fen as an int."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    try:
        return parse_yuan(str(value))
    except FieldError as exc:  # the registry reports it beside the setting's own field
        raise ValueError(str(exc)) from exc


def on_key(rule: int) -> str:
    return f"aftersale.rule{rule}"


def minutes_key(rule: int) -> str:
    return f"aftersale.rule{rule}.minutes"


def agree_key(rule: int) -> str:
    return f"aftersale.rule{rule}.agree"


CAP_KEY = "aftersale.daily_cap"
DEFAULT_CAP = 50000  # 500 元: beyond the manual, a bad rule or a bad day cannot give a shop's money away unseen

for _rule, _text in RULES.items():
    register(on_key(_rule), f"自动售后 {_rule}", False, _switch)
    if _rule in TIMED_RULES:
        register(minutes_key(_rule), f"自动售后 {_rule} 分钟", 30, int_between(0, MAX_MINUTES))
    if _rule in AGREE_RULES:
        register(agree_key(_rule), f"自动售后 {_rule} 自动同意买家退款", False, _switch)
register(CAP_KEY, "每个店铺每日自动同意退款金额（0 = 不限）", DEFAULT_CAP, _cap)
describe(CAP_KEY, lambda fen: f"{yuan(fen)} 元")

SETTING_KEYS: tuple[str, ...] = tuple(
    key for rule in RULES
    for key in (on_key(rule), *([minutes_key(rule)] if rule in TIMED_RULES else []),
                *([agree_key(rule)] if rule in AGREE_RULES else []))) + (CAP_KEY,)


def load_rules() -> RuleSettings:
    return RuleSettings(on=frozenset(r for r in RULES if get_setting(on_key(r))),
                        minutes=tuple((r, int(get_setting(minutes_key(r)))) for r in TIMED_RULES),
                        agree=frozenset(r for r in AGREE_RULES if get_setting(agree_key(r))),
                        daily_cap=int(get_setting(CAP_KEY)))


def save_rules(form: dict[str, Any], user: Any) -> dict[str, str]:
    """Save the whole dialog or nothing (unticked switches are absent from a form: off); errors by key."""
    values: dict[str, Any] = {}
    for key in SETTING_KEYS:
        if key == CAP_KEY or key.endswith(".minutes"):
            values[key] = form.get(key, "")
        else:
            values[key] = _switch(form.get(key, False))
    return save_settings(values, user)


def rule_text(rule: int, settings: RuleSettings) -> str:
    return RULES[rule].format(minutes=dict(settings.minutes).get(rule, 0))


def automated_platforms(rule: int) -> tuple[str, ...] | None:
    """The purchase platforms whose cases `rule` automates; None = every one (it acts at the shop only)."""
    return None if rule in SELLER_ONLY_RULES else SUPPLIER_REFUND_PLATFORMS
