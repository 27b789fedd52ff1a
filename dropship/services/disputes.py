"""店铺售后 list: disputes stored from the shops' 售后 lists, its tabs and colours, 备注 / 移除, and the
自动售后日志. The rules themselves are `services.aftersales`; this module is their storage.

Every list and count takes the acting user's `Scope` (an employee sees the disputes of granted shops).
A dispute also keeps its sub-order's `refund_status` (and so the order's `refund_state` roll-up) in
step with what the shop said, between two order fetches.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peewee import Case, Expression, ModelSelect, fn

from dropship.db import db
from dropship.errors import FieldError
from dropship.models import AftersaleLog, Dispute, Order, OrderItem, Purchase, PurchaseItem, Shop
from dropship.platforms.base import RemoteDispute, SupplierRefund
from dropship.services import aftersales
from dropship.services.rollups import refresh_rollups
from dropship.services.scope import Scope

TABS: dict[str, str] = {"refund_only": "仅退款", "return_refund": "退货退款", "refunded": "退款成功",
                        "complaint": "店铺投诉"}
KIND_LABELS: dict[str, str] = {"refund_only": "仅退款", "return_refund": "退货退款", "complaint": "店铺投诉"}
STATUS_LABELS: dict[str, str] = {"pending": "待处理", "refused": "已拒绝", "wait_buyer_return": "待买家退货",
                                 "wait_seller_receive": "待卖家收货", "closed": "退款关闭", "success": "退款成功"}
MAX_MEMO = 200
_REMOTE_FIELDS = ("tid", "oid", "kind", "status", "status_text", "amount", "reason", "title", "buyer_nick",
                  "after_sale", "return_courier", "return_tracking_number", "detail_url", "created_at", "updated_at")
_CHUNK = 500  # stay under SQLite's bound-parameter limit


def item_refund_status(status: str) -> str:
    """The sub-order's refund_status (as the sold list words it) for a dispute in `status`."""
    if status == "success":
        return "refunded"
    if status in ("closed", "refused"):
        return "closed"
    return "refunding"


def _tab_condition(tab: str) -> Expression:
    if tab == "refunded":
        return Dispute.kind.in_(("refund_only", "return_refund")) & (Dispute.status == "success")
    if tab == "complaint":
        return Dispute.kind == "complaint"
    return (Dispute.kind == tab) & (Dispute.status != "success")


def visible(scope: Scope) -> ModelSelect:
    """The disputes `scope` may see: not 移除, of shops not deleted."""
    query = (Dispute.select(Dispute, Shop).join(Shop)
             .where(Dispute.removed == False, Shop.deleted_at.is_null()))  # noqa: E712 - peewee expression
    return query if scope.unlimited else query.where(Dispute.shop.in_(scope.shop_ids()))


def listing(scope: Scope, tab: str) -> ModelSelect:
    """One tab's rows, newest 申请时间 first (paged in SQL by the caller)."""
    return visible(scope).where(_tab_condition(tab if tab in TABS else "refund_only")).order_by(
        Dispute.created_at.desc(), Dispute.id.desc())


def tab_counts(scope: Scope) -> dict[str, int]:
    """Each tab's count in one query."""
    success = Case(None, [(Dispute.status == "success", 1)], 0)
    counts = dict.fromkeys(TABS, 0)
    for kind, done, n in (visible(scope).select(Dispute.kind, success, fn.COUNT(Dispute.id))
                          .group_by(Dispute.kind, success).tuples()):
        if kind == "complaint":
            counts["complaint"] += n
        elif kind in TABS:
            counts["refunded" if done else kind] += n
    return counts


def upsert_disputes(shop: Shop, remotes: list[RemoteDispute], now: datetime | None = None) -> int:
    """Store what the shop's 售后 list (or a detail page) showed; returns how many cases were new.

    A changed status makes the row red again (news nobody has seen) and moves the sub-order's
    refund_status with it. Idempotent for the same input.
    """
    now = now or datetime.now()
    unique = {r.dispute_id: r for r in remotes}
    if not unique:
        return 0
    new = 0
    touched: set[int] = set()
    with db.atomic():
        known = {d.dispute_id: d for d in Dispute.select().where(Dispute.shop == shop.id,
                                                                 Dispute.dispute_id.in_(list(unique)))}
        tids = sorted({r.tid for r in unique.values()})
        orders = {o.tid: o.id for o in Order.select(Order.id, Order.tid)
                  .where(Order.shop == shop.id, Order.tid.in_(tids))}
        for remote in unique.values():
            values = {name: getattr(remote, name) for name in _REMOTE_FIELDS}
            values.update(order=orders.get(remote.tid), fetched_at=now)
            row = known.get(remote.dispute_id)
            if row is None:
                Dispute.create(shop=shop.id, dispute_id=remote.dispute_id, **values)
                new += 1
            else:
                if row.status != remote.status:
                    values["viewed_at"] = None
                Dispute.update(values).where(Dispute.id == row.id).execute()
            order_id = orders.get(remote.tid)
            if order_id is not None and remote.kind != "complaint" and remote.oid:
                changed = (OrderItem.update(refund_status=item_refund_status(remote.status))
                           .where(OrderItem.order == order_id, OrderItem.oid == remote.oid,
                                  OrderItem.refund_status != item_refund_status(remote.status)).execute())
                if changed:
                    touched.add(order_id)
        refresh_rollups(touched)
    return new


def get_visible(dispute_id: int, scope: Scope) -> Dispute | None:
    return visible(scope).where(Dispute.id == dispute_id).first()


def mark_viewed(dispute: Dispute, now: datetime | None = None) -> None:
    """Viewing a case turns it from 红 to 黄 (only the first view counts)."""
    if dispute.viewed_at is None:
        Dispute.update(viewed_at=now or datetime.now()).where(Dispute.id == dispute.id,
                                                             Dispute.viewed_at.is_null()).execute()


def save_memo(dispute: Dispute, text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_MEMO:
        raise FieldError("memo", f"备注最多 {MAX_MEMO} 个字")
    Dispute.update(memo=text).where(Dispute.id == dispute.id).execute()
    return text


def remove(ids: list[int], scope: Scope) -> int:
    """移除: hide these cases from the list (the rules skip them too); returns how many."""
    allowed = visible(scope).select(Dispute.id).where(Dispute.id.in_(ids))
    return Dispute.update(removed=True).where(Dispute.id.in_(allowed)).execute()


# -- what the rules read and write -------------------------------------------------------------------

def purchases_of(rows: list[Dispute]) -> dict[int, Purchase | None]:
    """Per dispute id, the latest purchase covering the case's sub-order (the active one first; any
    sub-order of the order when the case names none): what the rules act on. One query for all."""
    order_ids = sorted({d.order_id for d in rows if d.order_id})
    best: dict[tuple[int, str], Purchase] = {}
    for start in range(0, len(order_ids), _CHUNK):
        query = (Purchase.select(Purchase, OrderItem.oid.alias("covered_oid")).join(PurchaseItem).join(OrderItem)
                 .where(Purchase.order.in_(order_ids[start:start + _CHUNK]))
                 .order_by(Purchase.active, Purchase.id))  # later rows win: active, then newest
        for purchase in query.objects():  # the sub-order beside each purchase, flat
            best[(purchase.order_id, purchase.covered_oid)] = purchase
            best[(purchase.order_id, "")] = purchase
    return {d.id: best.get((d.order_id, d.oid)) if d.order_id else None for d in rows}


def purchase_of(dispute: Dispute) -> Purchase | None:
    return purchases_of([dispute])[dispute.id]


@dataclass
class OpenCase:
    """One case with what the engine reads beside it."""

    dispute: Dispute
    order: Order | None
    purchase: Purchase | None


RULE_WINDOW = timedelta(days=30)  # older cases are the platforms' closed business, not the rules'


def open_cases(shop_ids: list[int], now: datetime) -> list[OpenCase]:
    """The cases the rules may still act on, for shops `shop_ids`: open ones, and refunded 仅退款 not yet
    applied for at the 上家 (rule 1); not 移除, not complaints, opened within RULE_WINDOW."""
    still = Dispute.status.in_(tuple(aftersales.OPEN)) | (
        (Dispute.status == "success") & (Dispute.kind == "refund_only") & (Dispute.supplier_refund_id == "")
    ) | Dispute.id.in_(_interrupted())
    rows = list(Dispute.select().where(Dispute.shop.in_(shop_ids), Dispute.removed == False,  # noqa: E712
                                       Dispute.kind != "complaint", Dispute.created_at >= now - RULE_WINDOW, still)
                .order_by(Dispute.created_at))
    orders = {o.id: o for o in Order.select().where(Order.id.in_([d.order_id for d in rows if d.order_id]))}
    purchases = purchases_of(rows)
    return [OpenCase(d, orders.get(d.order_id), purchases[d.id]) for d in rows]


def due_cases(shop_ids: list[int], settings: aftersales.RuleSettings, now: datetime,
              watch_before: datetime | None = None) -> list[tuple[OpenCase, list[aftersales.Action]]]:
    """The cases with an action due now, and those waiting on the 上家 last checked before `watch_before`
    (None: none of those) with no action yet: the job re-reads them at the 上家 to learn its answer."""
    found = []
    interrupted = {row.dispute_id for row in _interrupted()}
    for case in open_cases(shop_ids, now):
        due = aftersales.actions(case.dispute, case.order, case.purchase, settings, now)
        checked = case.dispute.supplier_checked_at
        watch = (watch_before is not None and aftersales.waits_on_supplier(case.dispute, settings)
                 and (checked is None or checked < watch_before))
        if due or watch or case.dispute.id in interrupted:
            found.append((case, due))
    return found


def rule_shops() -> list[int]:
    """The shops the rules run for: 正在获取 (manual: settings take effect while 店铺管理 fetching runs)."""
    return [s.id for s in Shop.select(Shop.id).where(Shop.fetch_state == "fetching", Shop.deleted_at.is_null())]


def record_supplier_refund(dispute: Dispute, refund: SupplierRefund | None, now: datetime | None = None) -> None:
    """Our refund application at the 上家 as `BuyerDriver.refunds` / `apply_refund` showed it."""
    checked = {"supplier_checked_at": now or datetime.now()}
    if refund is None:
        Dispute.update(checked).where(Dispute.id == dispute.id).execute()
        return
    values = {**checked, "supplier_refund_id": refund.refund_id, "supplier_refund_kind": refund.kind,
              "supplier_refund_status": refund.status, "supplier_refund_text": refund.status_text[:60],
              "supplier_return_address": refund.return_address[:300]}
    if refund.return_tracking_number:
        values["supplier_return_number"] = refund.return_tracking_number
    Dispute.update(values).where(Dispute.id == dispute.id).execute()


def record_return_filled(dispute: Dispute, tracking_number: str) -> None:
    Dispute.update(supplier_return_number=tracking_number).where(Dispute.id == dispute.id).execute()


def agreed_today(shop_id: int, day: date) -> int:
    """Fen the rules agreed to refund in this shop today (what the daily cap counts)."""
    start = datetime.combine(day, datetime.min.time())
    total = (AftersaleLog.select(fn.SUM(AftersaleLog.amount))
             .where(AftersaleLog.shop == shop_id, AftersaleLog.action == "agree",
                    (AftersaleLog.ok == True) | (AftersaleLog.reason == PENDING),  # noqa: E712 - an unsettled agree may have paid
                    AftersaleLog.at >= start, AftersaleLog.at < start + timedelta(days=1)).scalar())
    return int(total or 0)


def _repeats(dispute: Dispute, action: aftersales.Action, reason: str, before: int | None = None) -> bool:
    """The same failure again (the rule retries each minute) is not logged twice in a row: the log
    shows what happened, not how often we looked."""
    query = AftersaleLog.select().where(AftersaleLog.dispute == dispute.id, AftersaleLog.rule == action.rule,
                                        AftersaleLog.action == action.kind)
    if before is not None:
        query = query.where(AftersaleLog.id < before)
    last = query.order_by(AftersaleLog.id.desc()).first()
    return last is not None and not last.ok and last.reason == reason[:300]


def log_action(dispute: Dispute, action: aftersales.Action, ok: bool, reason: str = "",
               now: datetime | None = None) -> AftersaleLog | None:
    """One 自动售后日志 row for an outcome known without a write at the site (a refusal before it)."""
    if not ok and _repeats(dispute, action, reason):
        return None
    return AftersaleLog.create(shop=dispute.shop_id, dispute=dispute.id, tid=dispute.tid, rule=action.rule,
                               action=action.kind, amount=action.amount if ok else 0, ok=ok, reason=reason[:300],
                               at=now or datetime.now())


# A write at the site is logged before it is sent: a run killed after the site acted, but before the
# outcome was stored, leaves this row; the next run re-reads the case and settles it (`settle_interrupted`).
PENDING = "执行中：结果未确认"


def _interrupted() -> ModelSelect:
    return AftersaleLog.select(AftersaleLog.dispute).where(AftersaleLog.reason == PENDING)


def begin_action(dispute: Dispute, action: aftersales.Action, now: datetime | None = None) -> AftersaleLog:
    return AftersaleLog.create(shop=dispute.shop_id, dispute=dispute.id, tid=dispute.tid, rule=action.rule,
                               action=action.kind, amount=action.amount, ok=False, reason=PENDING,
                               at=now or datetime.now())


def finish_action(row: AftersaleLog, dispute: Dispute, action: aftersales.Action, ok: bool, reason: str) -> None:
    """The site answered: the intent row becomes the outcome (a repeated failure is dropped instead)."""
    if not ok and _repeats(dispute, action, reason, before=row.id):
        row.delete_instance()
        return
    AftersaleLog.update(ok=ok, reason=reason[:300], amount=action.amount if ok else 0).where(
        AftersaleLog.id == row.id).execute()


def settle_interrupted(dispute: Dispute) -> int:
    """The intent rows a killed run left on this case, settled by its re-read state: done at the site →
    成功; not done → 失败 (the engine proposes it again on this state). Returns how many were done."""
    done = 0
    for row in AftersaleLog.select().where(AftersaleLog.dispute == dispute.id, AftersaleLog.reason == PENDING):
        happened = aftersales.action_done(dispute, row.action)
        AftersaleLog.update(ok=happened, amount=row.amount if happened else 0,
                            reason="中断后重读确认：已执行" if happened else "中断：未执行，重新处理").where(
            AftersaleLog.id == row.id).execute()
        done += happened
    return done


def logs(scope: Scope) -> ModelSelect:
    """自动售后日志, newest first, of the shops `scope` may see."""
    query = AftersaleLog.select(AftersaleLog, Shop).join(Shop).order_by(AftersaleLog.at.desc(),
                                                                        AftersaleLog.id.desc())
    return query if scope.unlimited else query.where(AftersaleLog.shop.in_(scope.shop_ids()))
