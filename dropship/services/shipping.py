"""物流发货: which tracking number and courier an order ships with, the Shipment rows that say so, and
why a consign failed.

- `choose_shipment(order, items, purchases, settings)` is the manual's 发货物流 / 发货方式 rules as one
  pure function: ship with the supplier's courier and number; or a 双物流 replacement when that
  courier is excluded (or unknown to the shop backend) and 双物流 is on; or 需手动发货 with the reason.
  拆包: each sub-order ships as soon as its own purchase has a number; 整包: once every sub-order is
  purchased, the whole order ships with the first number. Refunded (or refunding) sub-orders never ship.
- `plan_shipments(order_ids)` applies it to stored orders of shops whose 自动发货 is on and writes
  the Shipment rows (automatic + pending, or `manual` with the reason for a person): idempotent, a
  plan for sub-orders already covered, or for the same sub-orders and number, is never written twice.
- `classify_failure` turns a platform's refusal into the specific text the card and 今日发货失败 show,
  and says whether it is worth retrying (only transient causes are).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peewee import JOIN, fn

from dropship.couriers import BY_CODE, code_for, courier_name, looks_valid
from dropship.db import db
from dropship.models import Order, OrderItem, Purchase, PurchaseItem, Shipment, Shop
from dropship.services.billing import in_service
from dropship.services.orders.labels import OPEN_STATUSES
from dropship.services.purchase_settings import ShippingSettings
from dropship.services.scope import Scope

SHIPPABLE = frozenset(OPEN_STATUSES)  # Order.status values that may still be consigned
NOT_SHIPPED_REFUNDS = frozenset({"refunding", "refunded"})  # a sub-order with one of these never ships
# Shipment.state: pending (a consign job will run) | done | failed | skipped (not shipped on purpose:
# refunded, or shipped by someone else) | manual (需手动发货: the rules leave it to a person)
COVERING_STATES = ("pending", "done", "skipped", "manual")  # a sub-order under one of these is taken care of
OURS = ("automatic", "manual")  # Shipment.mode of consigns made by the app (not `platform`: read from the shop)

CONSIGN_JOB = "consign"
MAX_ATTEMPTS = 4  # a transient failure is tried again after 1, 2 and 4 minutes, then it stays failed
RETRY_BASE_SECONDS = 60

# The specific failures (the manual's FAQ text for the sub-account; the others as the platform words them)
BAD_NUMBER = "运单号不符合规则"
USED_NUMBER = "运单号已被使用"
NO_PERMISSION = "获取发货相关信息失败（子账号没有发货权限，需主账号授权）"
NOT_LOGGED_IN = "店铺未登录"
TRANSIENT_SIGNS = ("网络错误", "系统繁忙", "请稍后再试", "稍后重试", "超时")


# -- the decision (pure) ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemFacts:
    """A sub-order as the decision sees it."""

    oid: str
    refund_status: str = ""  # '' | refunding | refunded | closed (a closed refund ships again)
    covered: bool = False  # a shipment of ours (pending / done / …) or of the shop already covers it

    @property
    def ships(self) -> bool:
        return self.refund_status not in NOT_SHIPPED_REFUNDS and not self.covered


@dataclass(frozen=True)
class PurchaseFacts:
    """An active purchase: the sub-orders it covers and the supplier's parcel, if any yet."""

    oids: tuple[str, ...]
    courier: str = ""  # the supplier's courier: a company code, or its name when the shop backend has none
    tracking_number: str = ""
    sequence: int = 0  # earlier purchases first (整包 ships with the first number)


@dataclass(frozen=True)
class Plan:
    """One consign to make: `route` supplier (上家物流单号) | dual (双物流) | manual (需手动发货, `reason`)."""

    route: str
    oids: tuple[str, ...]
    courier: str  # the supplier's courier code and number (双物流 replaces them at consign time)
    tracking_number: str
    reason: str = ""


@dataclass(frozen=True)
class Decision:
    plans: tuple[Plan, ...] = ()
    waiting: str = ""  # why (some) sub-orders do not ship yet; '' when nothing waits


def _route(courier: str, settings: ShippingSettings) -> tuple[str, str]:
    """(route, reason) for a supplier parcel of `courier` (manual 发货物流)."""
    if courier not in BY_CODE:  # e.g. 百通 (couriers.OFF_LIST): the shop backend's company list does not offer it
        if settings.dual_logistics:
            return "dual", ""
        return "manual", f"上家快递（{courier_name(courier) or '未知'}）不在店铺后台的物流公司列表中，需手动发货"
    route = settings.route_for(courier)
    if route == "manual":
        return route, f"上家发{courier_name(courier)}，该快递已设置为不使用上家物流单号，且未开启双物流，需手动发货"
    return route, ""


def choose_shipment(order_status: str, items: list[ItemFacts], purchases: list[PurchaseFacts],
                    settings: ShippingSettings) -> Decision:
    """What to consign now for one order (see the module docstring)."""
    if order_status not in SHIPPABLE:
        return Decision(waiting="订单不是待发货状态")
    open_oids = [i.oid for i in items if i.ships]
    if not open_oids:
        return Decision()
    ordered = sorted(purchases, key=lambda p: p.sequence)
    by_oid = {oid: p for p in ordered for oid in p.oids}
    if settings.multi_item == "whole" and len(open_oids) > 1:
        unbought = [oid for oid in open_oids if oid not in by_oid]
        if unbought:
            return Decision(waiting=f"整包发货：还有 {len(unbought)} 个子订单未采购")
        first = next((p for p in ordered if p.tracking_number and set(p.oids) & set(open_oids)), None)
        if first is None:
            return Decision(waiting="等待上家发货")
        route, reason = _route(first.courier, settings)
        return Decision((Plan(route, tuple(open_oids), first.courier, first.tracking_number, reason),))
    plans = []
    for purchase in ordered:
        oids = tuple(oid for oid in open_oids if by_oid.get(oid) is purchase)
        if purchase.tracking_number and oids:
            route, reason = _route(purchase.courier, settings)
            plans.append(Plan(route, oids, purchase.courier, purchase.tracking_number, reason))
    shipping = {oid for plan in plans for oid in plan.oids}
    left = [oid for oid in open_oids if oid not in shipping]
    waiting = ""
    if left:
        unbought = sum(oid not in by_oid for oid in left)
        waiting = f"{len(left)} 个子订单" + ("未采购" if unbought == len(left) else "等待上家发货")
    return Decision(tuple(plans), waiting)


# -- stored orders → Shipment rows ----------------------------------------------------------------------

def _covered_oids(order_id: int, all_oids: list[str]) -> set[str]:
    covered: set[str] = set()
    for shipment in Shipment.select(Shipment.oids, Shipment.mode, Shipment.state).where(Shipment.order == order_id):
        if shipment.mode == "platform" or shipment.state in COVERING_STATES:
            covered |= set(shipment.oids or all_oids)  # no oids = the whole order
    return covered


def order_facts(order: Order) -> tuple[list[ItemFacts], list[PurchaseFacts]]:
    """The decision's inputs for one stored order."""
    items = list(OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.id))
    all_oids = [i.oid for i in items]
    covered = _covered_oids(order.id, all_oids)
    facts = [ItemFacts(i.oid, i.refund_status, i.oid in covered) for i in items]
    lines: dict[int, list[str]] = {}
    for purchase_id, oid in (PurchaseItem.select(PurchaseItem.purchase, OrderItem.oid).join(OrderItem)
                             .where(OrderItem.order == order.id, PurchaseItem.active == True)  # noqa: E712
                             .tuples()):
        lines.setdefault(purchase_id, []).append(oid)
    # supplier pages name couriers (中通快递); the decision and the consign speak company codes
    purchases = [PurchaseFacts(tuple(lines.get(p.id, ())), code_for(p.courier) or p.courier, p.tracking_number, p.id)
                 for p in Purchase.select().where(Purchase.order == order.id, Purchase.active == True)  # noqa: E712
                 .order_by(Purchase.id)]
    return facts, purchases


def _exists(order_id: int, oids: tuple[str, ...], number: str) -> bool:
    """A shipment of ours for the same sub-orders and supplier number (whatever became of it)."""
    return any(sorted(s.oids or []) == sorted(oids) for s in Shipment.select(Shipment.oids).where(
        Shipment.order == order_id, Shipment.mode != "platform", Shipment.original_tracking_number == number))


def plan_shipments(order_ids: Iterable[int], settings: ShippingSettings) -> list[Shipment]:
    """Write the automatic shipments the rules ask for, for orders of shops with 自动发货 on.

    Returns the new pending rows (each needs a consign job); 需手动发货 rows are written too, with
    their reason, so the card says why and the same parcel is not decided again."""
    ids = sorted(set(order_ids))
    if not ids:
        return []
    orders = (Order.select(Order, Shop).join(Shop)
              .where(Order.id.in_(ids), Shop.auto_ship == True, Shop.deleted_at.is_null(True),  # noqa: E712
                     Order.status.in_(list(SHIPPABLE))).order_by(Order.id))
    created: list[Shipment] = []
    for order in orders:
        if not in_service(order.shop):  # 已到期: the parcel waits for a renewal (the next sync looks again)
            continue
        with db.atomic():
            items, purchases = order_facts(order)
            for plan in choose_shipment(order.status, items, purchases, settings).plans:
                if _exists(order.id, plan.oids, plan.tracking_number):
                    continue
                dual = plan.route == "dual"
                shipment = Shipment.create(
                    order=order.id, courier="" if dual else plan.courier,
                    courier_name="" if dual else courier_name(plan.courier),
                    tracking_number="" if dual else plan.tracking_number, oids=list(plan.oids), mode="automatic",
                    state="manual" if plan.route == "manual" else "pending", error=plan.reason[:300],
                    original_courier=plan.courier, original_tracking_number=plan.tracking_number)
                if shipment.state == "pending":
                    created.append(shipment)
    return created


def consign_job(shipment: Shipment) -> dict:
    """The consign of one shipment as `queue.start_job(**consign_job(s), user=…)` takes it (web and tasks)."""
    return {"kind": CONSIGN_JOB, "title": f"发货 · {shipment.order.tid}", "target": f"shipment:{shipment.id}",
            "total": 1, "shipment_id": shipment.id}


# -- consign outcomes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    text: str  # what the card and 今日发货失败 show
    transient: bool  # worth another try later (never a rejected number)


def classify_failure(message: str, courier: str, tracking_number: str) -> Failure:
    """The platform's refusal → the specific failure. The shop backend answers one text for a bad and
    a used number (运单号不符合规则或已经被使用); the courier's pattern tells which of the two it is
    (an unknown pattern keeps the platform's words)."""
    if "运单号不符合规则" in message or "已经被使用" in message or "已被使用" in message:
        courier_known = BY_CODE.get(courier)
        if courier_known is None or courier_known.pattern is None:
            return Failure("运单号不符合规则或已被使用", False)
        return Failure(USED_NUMBER if looks_valid(courier, tracking_number) else BAD_NUMBER, False)
    if "发货权限" in message or "主账号授权" in message:
        return Failure(NO_PERMISSION, False)
    if any(sign in message for sign in TRANSIENT_SIGNS):
        return Failure(message[:300], True)
    return Failure(message[:300], False)


def retry_delay(attempts: int) -> int | None:
    """Seconds before the next try after `attempts` transient failures; None once they are used up."""
    return None if attempts >= MAX_ATTEMPTS else RETRY_BASE_SECONDS * 2 ** (attempts - 1)


def finish(shipment_id: int, state: str, error: str = "", now: datetime | None = None, **changes: object) -> None:
    """Record how a consign ended (done / failed / skipped), once: only a pending shipment moves."""
    Shipment.update(state=state, error=error[:300], finished_at=now or datetime.now(), **changes).where(
        Shipment.id == shipment_id, Shipment.state == "pending").execute()


def shipment_note(shipment: Shipment) -> str:
    """What the order card says about one of our shipments beside 已发货 / 未发货 ('' when nothing)."""
    parcel = f"{shipment.courier_name or courier_name(shipment.courier)} {shipment.tracking_number}".strip()
    original = f"{courier_name(shipment.original_courier)} {shipment.original_tracking_number}"
    if shipment.state == "pending":
        if not shipment.tracking_number:
            return f"正在用双物流换单发货（上家 {original}）"
        return f"发货重试中：{shipment.error}" if shipment.error else f"正在发货：{parcel}"
    if shipment.state == "done":
        replaced = shipment.original_tracking_number and shipment.original_tracking_number != shipment.tracking_number
        return f"双物流发货，替换上家 {original}" if replaced else ""
    prefix = {"failed": "发货失败", "manual": "需手动发货", "skipped": "未发货"}.get(shipment.state, shipment.state)
    return f"{prefix}：{shipment.error}"


# -- 店铺管理: 今日发货 / 今日发货失败 ----------------------------------------------------------------------

def _today(day: date | None) -> tuple[datetime, datetime]:
    start = datetime.combine(day or date.today(), datetime.min.time())
    return start, start + timedelta(days=1)


def today_counts(shop_ids: list[int], day: date | None = None) -> dict[int, tuple[int, int]]:
    """(今日发货, 今日发货失败) per shop: our consigns that ended today, by outcome."""
    if not shop_ids:
        return {}
    start, end = _today(day)
    rows = (Shipment.select(Order.shop, Shipment.state, fn.COUNT(Shipment.id)).join(Order)
            .where(Order.shop.in_(shop_ids), Shipment.mode.in_(OURS), Shipment.state.in_(["done", "failed"]),
                   Shipment.finished_at >= start, Shipment.finished_at < end)
            .group_by(Order.shop, Shipment.state).tuples())
    counts: dict[int, list[int]] = {}
    for shop_id, state, count in rows:
        counts.setdefault(shop_id, [0, 0])[0 if state == "done" else 1] += count
    return {shop_id: (done, failed) for shop_id, (done, failed) in counts.items()}


def failed_today(shop: Shop, scope: Scope, day: date | None = None) -> list[Shipment]:
    """今日发货失败 of one shop, newest first, with their orders (for the list with reasons)."""
    start, end = _today(day)
    return list(Shipment.select(Shipment, Order).join(Order, JOIN.INNER)
                .where(Order.shop == shop.id, Shipment.mode.in_(OURS), Shipment.state == "failed",
                       Shipment.finished_at >= start, Shipment.finished_at < end, *scope.conditions(Order))
                .order_by(Shipment.finished_at.desc(), Shipment.id.desc()))
