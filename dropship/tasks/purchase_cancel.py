"""取消下单 at the supplier: ``cancel_purchase(job_id, purchase_id)``.

The web layer starts it for an active purchase whose supplier order we know and whose account can
see it (`manual.cancels_at_supplier`); others are only recorded there. Through the account's session
(`purchasing.account_session`: its lock, its logged-in driver, risk and verification signs going to
the 验证中心 as for a purchase), it re-reads the supplier order first (never acting on a stale view),
clicks 取消订单 where the order is not closed yet, re-reads it to verify, then records the outcome
with `manual.cancel` (历史, 待采购 again, seller memo applied and pushed).

The site refusing (e.g. 淘宝 after 发货: only 申请退款 is left) keeps the purchase as it is, with the
site's reason on the purchase (the card shows it) and as the job's error.

Safe to run twice: a supplier order that is closed already is only recorded; a purchase that has
left the order meanwhile is left alone.
"""
from __future__ import annotations

from dropship.errors import UserError
from dropship.models import Job, Purchase
from dropship.platforms.base import BuyerDriver, PlatformError, SupplierOrder
from dropship.queue import job_task, progress
from dropship.services.purchasing import manual
from dropship.services.purchasing.labels import PURCHASE_STATUS_LABELS, state_label
from dropship.services.scope import Scope
from dropship.tasks.purchase_sync import push_memos
from dropship.tasks.purchasing import ACCOUNT_PROBLEMS, account_session, purchase_thread

# 拍单状态 of a supplier order with nothing left to cancel: closed, or its money back already.
CLOSED = frozenset({"cancelled", "refunded"})
# … and after our 取消订单 went through: a paid order the site refunds (拼多多's 未发货 cancel is 退款中 first).
ACCEPTED = CLOSED | {"refunding"}
REFUND_HINT = "已付款或已发货的采购单请到采购平台申请退款"
STEPS = 3


def _load(purchase_id: int) -> Purchase:
    purchase = Purchase.get_or_none(Purchase.id == purchase_id)
    if purchase is None:
        raise UserError("采购记录不存在或已删除")
    return purchase


def _status_words(order: SupplierOrder) -> str:
    return order.status_text or PURCHASE_STATUS_LABELS.get(order.status, order.status)


def _cancel_at_supplier(driver: BuyerDriver, order_id: str, job_id: int) -> tuple[SupplierOrder, str]:
    """Re-read, cancel where still open, re-read: (the order as it stands now, the site's refusal if any)."""
    progress(job_id, 1, STEPS, f"正在读取采购单 {order_id}…")
    before = driver.order_detail(order_id)
    if before.status in CLOSED:
        return before, ""
    progress(job_id, 2, STEPS, f"正在采购平台取消采购单 {order_id}…")
    refused = ""
    try:
        driver.cancel(order_id)
    except ACCOUNT_PROBLEMS:
        raise
    except PlatformError as exc:  # the site said no (or its page did not confirm): the re-read decides
        refused = str(exc)
    after = driver.order_detail(order_id)
    if after.status in CLOSED or (not refused and after.status in ACCEPTED):
        return after, ""
    return after, refused or f"取消后采购单仍是「{_status_words(after)}」"


@job_task("cancel_purchase", account=purchase_thread)
def cancel_purchase(job_id: int, purchase_id: int) -> None:
    """取消下单 of one purchase at its supplier, then recorded."""
    row = _load(purchase_id)
    if not manual.cancels_at_supplier(row):
        raise UserError("这笔采购没有采购单号或采购账号，无法到采购平台取消")
    progress(job_id, 0, STEPS, "正在打开采购账号…")
    with account_session(row.account, "auto", job_id) as driver:
        row = _load(purchase_id)  # re-read under the account lock: another job may have moved it meanwhile
        if not row.active:
            progress(job_id, STEPS, STEPS, f"采购已是「{state_label(row.state)}」，未再操作")
            return
        manual.check_cancellable(row)
        order, refused = _cancel_at_supplier(driver, row.platform_order_id, job_id)
        if refused:
            reason = f"取消下单未成功：{refused}（{REFUND_HINT}）"
            manual.note_cancel_refused(row.id, reason)
            raise UserError(reason)
        memo_changed = manual.cancel(Scope.everything(), row.id, status=order.status)
    if memo_changed:
        push_memos([row.order_id], Job.get_by_id(job_id).user)
    progress(job_id, STEPS, STEPS, f"已在采购平台取消采购单 {row.platform_order_id}"
                                   f"（{_status_words(order)}），订单回到待采购")
