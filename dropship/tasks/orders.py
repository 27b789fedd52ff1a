"""订单 jobs: push a 云端备注, 同步状态 of one order, 批量同步 of many. Each is safe to run twice.
After the shop side, 同步状态 / 批量同步 start the 拍单状态 sync of the orders' purchases (tasks/purchase_sync).

They reach a shop only through `open_shop_backend`. A memo push writes and then reads back; only
a matching read-back makes it 已同步. Syncing first pushes memos that are waiting (and the memo
template when purchase data changed), then re-reads the orders in batches of ≤50 and stores them
with the same upsert the fetch uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dropship.errors import UserError
from dropship.models import Job, Order, OrderItem, Shop
from dropship.platforms.base import (
    LoginRequired,
    NeedsVerification,
    PlatformError,
    RemoteOrder,
    RiskBlocked,
    ShopBackend,
)
from dropship.queue import JobInterrupted, checkpoint, job_task, progress, start_unique_job
from dropship.services.fetching import upsert_remote_orders
from dropship.services.memo import apply_purchase_memo, confirm_pushed, needs_push, push_failed
from dropship.services.order_export import export_file, export_orders
from dropship.services.orders.actions import SyncSelection, record_sync
from dropship.services.orders.labels import OPEN_STATUSES
from dropship.services.orders.logistics import needs_parcels, orders_with_parcels, record_parcels
from dropship.services.orders.search import parse_filter
from dropship.services.orders.tabs import TabContext
from dropship.services.scope import Scope
from dropship.services.settings import get_setting
from dropship.services.shops import receivers_seen
from dropship.services.team import can
from dropship.tasks import settings
from dropship.tasks.purchase_sync import start_order_purchase_syncs
from dropship.tasks.shop_session import open_shop_backend

BATCH = 50  # the sold list's batch search takes at most 50 order numbers (线路2 reads them page by page)
SESSION_ERRORS = (LoginRequired, NeedsVerification, RiskBlocked)  # the shop, not this order, is the problem


def _order(order_id: int) -> Order:
    order = Order.select(Order, Shop).join(Shop).where(Order.id == order_id).first()
    if order is None:
        raise UserError("订单不存在")
    return order


def _push(backend: ShopBackend, order: Order) -> str:
    """Write the order's memo and read it back; '' when it matches, else why it failed."""
    text, flag = order.seller_memo, order.seller_flag
    try:
        backend.set_memo(order.tid, text, flag)
        back = backend.get_memo(order.tid)
    except SESSION_ERRORS as exc:
        push_failed(order.id, text, flag, str(exc))
        raise
    except PlatformError as exc:
        push_failed(order.id, text, flag, str(exc))
        return str(exc)
    if back.text.strip() != text.strip() or back.flag != flag:
        reason = "店铺后台读回的备注与本地不一致，请重试"
        push_failed(order.id, text, flag, reason)
        return reason
    confirm_pushed(order.id, text, flag)
    return ""


@dataclass
class SyncReport:
    synced: int = 0
    missing: int = 0
    memo_failures: list[str] = field(default_factory=list)


def _sync_batch(backend: ShopBackend, shop: Shop, order_ids: list[int], report: SyncReport) -> None:
    """Memos first (so the read that follows confirms them), then the shop's view of each order."""
    for order_id in order_ids:
        apply_purchase_memo(order_id)
    for order in Order.select().where(Order.id.in_(order_ids)):
        if needs_push(order):
            checkpoint()
            reason = _push(backend, order)
            if reason:
                report.memo_failures.append(f"{order.tid}：{reason}")
    tids = dict(Order.select(Order.tid, Order.id).where(Order.id.in_(order_ids)).tuples())
    if int(get_setting("orders.sync_route")) == 2:
        remotes = _from_detail_pages(backend, shop, list(tids))
    else:  # 线路1: the sold list's batch lookup, ≤50 orders a call
        remotes = [r for r in backend.get_orders(list(tids)) if r.tid in tids]
    upsert_remote_orders(shop, remotes)
    _fill_from_details(backend, remotes, tids)
    for remote in remotes:
        if remote.parcels is not None:
            record_parcels(tids[remote.tid], remote.parcels)
    if receivers_seen(shop, [(tids[r.tid], r.receiver) for r in remotes if r.receiver is not None]):
        # 删除地址自动同步: the buyer changed the address; decrypt the new one
        start_unique_job("decrypt_addresses", f"地址解密 · {shop.display_name}", target=f"shop:{shop.id}",
                         shop_id=shop.id)
    found = [tids[r.tid] for r in remotes]
    missing = sorted(set(tids.values()) - set(found))
    record_sync(found, missing)
    report.synced += len(found)
    report.missing += len(missing)


def _fill_from_details(backend: ShopBackend, remotes: list[RemoteOrder], ids: dict[str, int]) -> None:
    """What the sold list does not show, read from the detail page only where we lack it: the parcels
    of an order the seller shipped outside the app (千牛), and the masked receiver of an open order
    we never saw one for. Both are stored once, so each order costs at most one page."""
    stored = {o.tid: o for o in Order.select().where(Order.id.in_(list(ids.values())))}
    shipped = orders_with_parcels(list(ids.values()))
    for remote in remotes:
        order = stored[remote.tid]
        wants_parcels = remote.parcels is None and needs_parcels(order, shipped)
        wants_receiver = (remote.receiver is None and order.status in OPEN_STATUSES
                          and order.address_state == "masked" and not order.receiver_name)
        if not (wants_parcels or wants_receiver):
            continue
        checkpoint()
        try:
            detail = backend.order_from_detail(remote.tid)
        except SESSION_ERRORS:
            raise
        except PlatformError:
            continue  # the list's view is stored already; the next sync tries the page again
        remote.parcels = detail.parcels if remote.parcels is None else remote.parcels
        remote.receiver = remote.receiver or detail.receiver


def _from_detail_pages(backend: ShopBackend, shop: Shop, tids: list[str]) -> list[RemoteOrder]:
    """订单同步 线路2: each order's detail page. What a page does not show (the 天猫 page: picture,
    item link, buyer nick, flag) stays as the sold list gave it; an unreadable page is "not found"."""
    stored = {o.tid: o for o in Order.select().where(Order.shop == shop.id, Order.tid.in_(tids))}
    items = {(i.order_id, i.oid): i for i in OrderItem.select().where(OrderItem.order.in_([o.id for o in stored.values()]))}
    remotes = []
    for tid in tids:
        checkpoint()
        try:
            remote = backend.order_from_detail(tid)
        except SESSION_ERRORS:
            raise
        except PlatformError:
            continue
        order = stored[tid]
        remote.buyer_nick = remote.buyer_nick or order.buyer_nick
        if shop.platform == "tmall":
            remote.seller_flag = order.seller_flag
        for item in remote.items:
            known = items.get((order.id, item.oid))
            if known is not None:
                item.pic, item.item_url = item.pic or known.pic, item.item_url or known.item_url
                item.item_id = item.item_id or known.item_id
        remotes.append(remote)
    return remotes


def _summary(report: SyncReport) -> str:
    parts = [f"已同步 {report.synced} 个订单"]
    if report.missing:
        parts.append(f"{report.missing} 个在店铺后台没有找到")
    if report.memo_failures:
        parts.append(f"{len(report.memo_failures)} 个备注同步失败（{report.memo_failures[0]}）")
    return "，".join(parts)


@job_task("push_memo")
def push_memo(job_id: int, order_id: int) -> None:
    order = _order(order_id)
    if not needs_push(order):
        progress(job_id, 1, 1, "备注已是最新")
        return
    progress(job_id, 0, 1, "正在写入店铺后台备注…")
    try:
        with open_shop_backend(order.shop) as backend:
            reason = _push(backend, order)
    except UserError as exc:  # the shop could not be opened: the card says why
        push_failed(order.id, order.seller_memo, order.seller_flag, str(exc))
        raise
    if reason:
        raise UserError(f"备注同步失败：{reason}")
    progress(job_id, 1, 1, "备注已同步到店铺后台")


@job_task("sync_order")
def sync_order(job_id: int, order_id: int) -> None:
    """同步状态: the shop's order state, the memo, and whatever the memo template derives from purchases."""
    order = _order(order_id)
    progress(job_id, 0, 1, "正在同步订单状态…")
    report = SyncReport()
    try:
        with open_shop_backend(order.shop) as backend:
            _sync_batch(backend, order.shop, [order.id], report)
    except UserError as exc:
        Order.update(sync_message=f"同步失败：{exc}"[:300]).where(Order.id == order.id).execute()
        raise
    start_order_purchase_syncs([order.id], Job.get_by_id(job_id).user)  # 拍单状态 too, from the supplier
    if report.missing or report.memo_failures:
        raise UserError(_summary(report))
    progress(job_id, 1, 1, _summary(report))


@job_task("batch_sync")
def batch_sync(job_id: int, shop_ids: list[int], tab: str = "all", days: int = 7,
               order_ids: list[int] | None = None) -> None:
    """批量同步: shop by shop, ≤50 orders a call; a shop that fails is reported and the rest go on."""
    selection = SyncSelection(tuple(shop_ids), tab, days, tuple(order_ids or ()))
    job = Job.get_by_id(job_id)
    started = job.created_at  # a resumed job skips what it already synced
    # the shops of whoever started it, as granted when it runs (a grant withdrawn meanwhile counts)
    scope = Scope.of(job.user) if job.user_id is not None else Scope.everything()
    by_shop: dict[int, list[int]] = {}
    for order_id, shop_id in scope.apply(selection.query(TabContext.current(), not_synced_since=started)).tuples():
        by_shop.setdefault(shop_id, []).append(order_id)
    total = sum(len(ids) for ids in by_shop.values())
    if not total:
        progress(job_id, 0, 0, "没有需要同步的订单")
        return
    progress(job_id, 0, total, "正在同步…")
    report, problems, done = SyncReport(), [], 0
    for shop in Shop.select().where(Shop.id.in_(list(by_shop))).order_by(Shop.id):
        ids, shop_done = by_shop[shop.id], 0
        try:
            with open_shop_backend(shop) as backend:
                for start in range(0, len(ids), BATCH):
                    checkpoint()
                    _sync_batch(backend, shop, ids[start:start + BATCH], report)
                    shop_done += len(ids[start:start + BATCH])
                    progress(job_id, done + shop_done, total, f"{shop.display_name}：{_summary(report)}")
        except JobInterrupted:
            raise
        except UserError as exc:
            problems.append(f"{shop.display_name}：{exc}")
        done += len(ids)  # a failed shop counts as handled, so the bar still ends at 100%
    start_order_purchase_syncs([i for ids in by_shop.values() for i in ids], Job.get_by_id(job_id).user)
    message = "；".join([_summary(report), *problems])
    if problems and not report.synced:
        raise UserError(message)
    progress(job_id, total, total, message)


@job_task("export_orders")
def export_orders_job(job_id: int, search: dict[str, str]) -> None:
    """导出订单 for 100k orders takes a minute: a job with progress, then a download link."""
    path = export_file(settings().data_dir, job_id)
    partial = path.with_suffix(".part")
    user = Job.get_by_id(job_id).user
    # asked of whoever started (or retried) this job, when it runs: a grant withdrawn meanwhile counts
    real = user is not None and can(user.is_main, set(user.permissions or ()), "orders.export_receivers")

    def report(done: int, total: int) -> None:
        checkpoint()
        progress(job_id, done, total, f"已导出 {done} / {total} 个订单")

    # the orders of the user who asked for the export, and no more (the search came from their form)
    scope = Scope.of(user)
    count = export_orders(parse_filter(search, scope), TabContext.current(), scope, partial, on_progress=report,
                          real_receivers=real)
    partial.replace(path)  # a download never sees a half-written file
    progress(job_id, count, count, f"已导出 {count} 个订单，点“下载”保存文件")
