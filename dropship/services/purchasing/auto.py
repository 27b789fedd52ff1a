"""自动采购 (beyond the manual): which newly fetched paid orders of a shop are bought now, and by whom.

A shop with the switch on (saved by 开始获取, like 自动发货) and 正在获取 buys its orders that were fetched after the
switch went on, once 付款时间 + 取消缓冲 has passed, so an order the buyer cancels within the buffer
costs nothing (the next fetch sees it closed and it is never bought). Everything else about buying
is the manual 去下单's: the same `records.begin` and the same `purchase_batch` job with its guards.

`decide` and `assign` are pure (facts and the clock in, a verdict out); `plan` loads the facts.
An order is due when all of this holds, else it says why (`Plan.waiting`, counted on the shop's row):

- paid, in 待采购 with no active purchase and no purchase job queued or running for it;
- not 异常订单, not ignored, no refund open or done;
- 付款时间 (or when we first fetched it, if the platform gave none) + 取消缓冲 ≤ now;
- every sub-order still to buy has a 下单链接 and a 规格对应 for its 商家编码 + 商品属性
  (the newest link that has one, as 批量采购 picks);
- the receiver is usable: the address is decrypted (or typed), or 固定收货信息 is on;
- an enabled, online purchase account buys on each link's platform. All accounts are the main
  account's (employees only get grants to some), so system work may use any usable one; the
  orders are spread over them, the least used today first.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

from peewee import ModelSelect, fn

from dropship.errors import FieldError
from dropship.models import Job, Order, OrderItem, Purchase, PurchaseAccount, Shop
from dropship.services.accounts import usable
from dropship.services.billing import in_service_ids
from dropship.services.purchase_settings import load_receiver_settings
from dropship.services.purchasing.labels import PURCHASE_PLATFORMS
from dropship.services.purchasing.links import links_for
from dropship.services.purchasing.manual import ACCOUNT_BUYS
from dropship.services.purchasing.sku_map import ready_link
from dropship.services.rollups import still_to_buy
from dropship.services.scope import Scope

DEFAULT_BUFFER = 10  # minutes
MAX_BUFFER = 1440  # one day
BUFFER_FIELD = "auto_purchase_buffer"
PURCHASE_JOBS = ("purchase", "purchase_batch")  # job kinds that buy (their args name the purchases)

# why an order is not bought (yet): shown as counts beside the shop's switch
BUFFERING = "取消缓冲中"
NO_LINK = "未设置下单链接"
NO_MAPPING = "规格未对应"
NOT_DECRYPTED = "地址未解密"
ABNORMAL = "异常订单"
IGNORED = "已忽略"
REFUND = "有退款"
BUSY = "采购任务进行中"
NO_ACCOUNT = "没有可用的{}采购账号"
_MINUTES = re.compile(r"^[0-9]{1,4}$")


def parse_buffer(text: str | int | None) -> int:
    """取消缓冲（分钟） as typed: a whole number 0–1440; FieldError(BUFFER_FIELD) otherwise."""
    value = str(text if text is not None else "").strip()
    if not _MINUTES.match(value) or int(value) > MAX_BUFFER:
        raise FieldError(BUFFER_FIELD, f"取消缓冲须是 0 到 {MAX_BUFFER} 之间的整数分钟")
    return int(value)


# -- the pure rule -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One sub-order still to buy, with what 批量采购 would buy for it (None: no link / no mapping)."""

    item_id: int
    has_link: bool
    link_platform: str = ""  # the chosen link's 采购平台
    supplier_item_id: str = ""
    sku_id: str = ""
    quantity: int = 0  # supplier pieces: shop quantity × the mapping's multiplier

    @property
    def ready(self) -> bool:
        return bool(self.link_platform)


@dataclass(frozen=True)
class Candidate:
    """An order of a shop with 自动采购 on, in 待采购, fetched since the switch went on."""

    order_id: int
    paid_at: datetime
    buffer_minutes: int
    lines: tuple[Line, ...]
    shop_id: int = 0
    abnormal: bool = False
    ignored: bool = False
    refund: bool = False
    receiver_ready: bool = True
    busy: bool = False


@dataclass(frozen=True)
class AccountLoad:
    account_id: int
    platform: str
    load: int  # purchases it started today


@dataclass(frozen=True)
class Step:
    """Buy one sub-order with one account (one `records.begin`)."""

    order_id: int
    item_id: int
    account_id: int
    platform: str
    supplier_item_id: str
    sku_id: str
    quantity: int


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    waiting: dict[int, str] = field(default_factory=dict)  # order id → why it is not bought now
    shops: dict[int, int] = field(default_factory=dict)  # order id → its shop id (waiting or not)

    def reasons(self, shop_id: int | None = None) -> Counter[str]:
        """How many orders wait for each reason (of one shop, or all)."""
        return Counter(reason for order_id, reason in self.waiting.items()
                       if shop_id is None or self.shops.get(order_id) == shop_id)


def due_at(candidate: Candidate) -> datetime:
    return candidate.paid_at + timedelta(minutes=candidate.buffer_minutes)


def decide(candidate: Candidate, now: datetime) -> str | None:
    """None when the order may be bought now, else why not (the account is `assign`'s question)."""
    if candidate.busy:
        return BUSY
    if candidate.abnormal:
        return ABNORMAL
    if candidate.ignored:
        return IGNORED
    if candidate.refund:
        return REFUND
    if due_at(candidate) > now:
        return BUFFERING
    if not all(line.has_link for line in candidate.lines):
        return NO_LINK
    if not all(line.ready for line in candidate.lines):
        return NO_MAPPING
    if not candidate.receiver_ready:
        return NOT_DECRYPTED
    return None


def assign(candidates: Iterable[Candidate], accounts: Iterable[AccountLoad], now: datetime) -> Plan:
    """The steps for the due candidates, each sub-order given the least loaded account that buys on
    its link's platform (ties: the lower id); an order any of whose lines has no account waits whole."""
    plan, accounts = Plan(), list(accounts)
    load = {a.account_id: a.load for a in accounts}
    buyers = {a.account_id: ACCOUNT_BUYS.get(a.platform, frozenset()) for a in accounts}
    for candidate in sorted(candidates, key=lambda c: (due_at(c), c.order_id)):
        plan.shops[candidate.order_id] = candidate.shop_id
        reason = decide(candidate, now)
        steps: list[Step] = []
        for line in candidate.lines if reason is None else ():
            able = [a for a, buys in buyers.items() if line.link_platform in buys]
            if not able:
                reason = NO_ACCOUNT.format(PURCHASE_PLATFORMS.get(line.link_platform, line.link_platform))
                break
            chosen = min(able, key=lambda a: (load[a], a))
            load[chosen] += 1
            steps.append(Step(candidate.order_id, line.item_id, chosen, line.link_platform, line.supplier_item_id,
                              line.sku_id, line.quantity))
        if reason is None:
            plan.steps.extend(steps)
        else:
            for step in steps:  # handed out before a later line found no account: give them back
                load[step.account_id] -= 1
            plan.waiting[candidate.order_id] = reason
    return plan


# -- loading the facts ---------------------------------------------------------------------------

def switched_on(shop_ids: Iterable[int] | None = None) -> ModelSelect:
    """Shops that buy automatically now: 自动采购 on, 正在获取 (暂停获取 stops it too), not deleted."""
    query = Shop.select().where(Shop.auto_purchase == True, Shop.fetch_state == "fetching",  # noqa: E712
                                Shop.deleted_at.is_null(), Shop.auto_purchase_since.is_null(False))
    if shop_ids is not None:
        query = query.where(Shop.id.in_(list(shop_ids)))
    return query.where(Shop.id.in_(in_service_ids(query)))  # 已到期 shops buy nothing on their own


def _busy_orders() -> set[int]:
    """Orders with a purchase job queued or running (a refused purchase leaves its order before its job ends)."""
    ids: set[int] = set()
    for args in Job.select(Job.args).where(Job.kind.in_(PURCHASE_JOBS), Job.state.in_(Job.ACTIVE)).tuples():
        named = args[0] or {}
        ids.update(named.get("purchase_ids") or ([named["purchase_id"]] if "purchase_id" in named else []))
    if not ids:
        return set()
    return {order_id for (order_id,) in Purchase.select(Purchase.order).where(Purchase.id.in_(sorted(ids))).tuples()}


def _line(item: OrderItem, known: dict[tuple[str, str], Line]) -> Line:
    """What 批量采购 would buy for the sub-order (`known`: the answers for 商家编码 + 商品属性 so far)."""
    key = (item.outer_id, item.sku_text)
    if key not in known:
        ready = ready_link(Scope.everything(), item.outer_id, item.sku_text)
        if ready is None:
            known[key] = Line(0, bool(links_for(Scope.everything(), item.outer_id)))
        else:
            link, mapping = ready
            known[key] = Line(0, True, link.platform, link.item_id, mapping.sku_id, mapping.multiplier)
    line = known[key]
    return replace(line, item_id=item.id, quantity=item.quantity * line.quantity)


def candidates(shop_ids: Iterable[int] | None = None) -> list[Candidate]:
    """The 待采购 orders of switched-on shops fetched since the switch went on, as facts for `decide`."""
    active = Purchase.select(Purchase.order).where(Purchase.active == True)  # noqa: E712
    pending = Order.select(Order.id).join(Shop).where(
        Shop.id.in_(switched_on(shop_ids).select(Shop.id)), Order.status == "paid", Order.pending_items > 0,
        Order.fetched_at >= Shop.auto_purchase_since, Order.id.not_in(active))
    orders = list(Order.select(Order, Shop).join(Shop).where(Order.id.in_(pending)).order_by(Order.id))
    if not orders:
        return []
    busy = _busy_orders()
    fixed = load_receiver_settings().mode == "fixed"
    # a refund on any line (open or done): the buyer may not want the rest either; a person decides
    refunds = {order_id for (order_id,) in OrderItem.select(OrderItem.order).distinct().where(
        OrderItem.order.in_(pending), OrderItem.refund_status.in_(("refunding", "refunded"))).tuples()}
    lines: dict[int, list[Line]] = {}
    known: dict[tuple[str, str], Line] = {}
    for item in OrderItem.select().where(OrderItem.order.in_(pending), still_to_buy()).order_by(OrderItem.id):
        lines.setdefault(item.order_id, []).append(_line(item, known))
    return [Candidate(order.id, order.paid_at or order.fetched_at, order.shop.auto_purchase_buffer,
                      tuple(lines.get(order.id, ())), abnormal=bool(order.abnormal), ignored=order.ignored,
                      refund=order.id in refunds, receiver_ready=fixed or order.receiver_real is not None,
                      busy=order.id in busy, shop_id=order.shop_id)
            for order in orders]


def account_loads(now: datetime) -> list[AccountLoad]:
    """Every usable purchase account with the purchases it started today."""
    start = datetime.combine(now.date(), time())
    started = dict(Purchase.select(Purchase.account, fn.COUNT(Purchase.id)).where(
        Purchase.created_at >= start, Purchase.created_at < start + timedelta(days=1),
        Purchase.account.is_null(False)).group_by(Purchase.account).tuples())
    return [AccountLoad(a.id, a.platform, started.get(a.id, 0))
            for a in usable(Scope.everything()).order_by(PurchaseAccount.id)]


def plan(now: datetime, shop_ids: Iterable[int] | None = None) -> Plan:
    """What 自动采购 buys at `now` (all switched-on shops, or these), and why the rest waits."""
    found = candidates(shop_ids)
    return assign(found, account_loads(now) if found else [], now)


def waiting_text(plan: Plan, shop_id: int) -> str:
    """The shop's waiting orders by reason, for its 正在获取 row: 「取消缓冲中 2 · 规格未对应 1」."""
    return " · ".join(f"{reason} {count}" for reason, count in sorted(plan.reasons(shop_id).items(),
                                                                        key=lambda pair: (-pair[1], pair[0])))
