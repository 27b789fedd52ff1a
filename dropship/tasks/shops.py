"""店铺 jobs: 授权, 获取订单 (scheduled while 正在获取), 地址解密, 地址脱敏导出, 打开后台."""
from __future__ import annotations

from datetime import datetime

from huey import crontab

from dropship import secrets
from dropship.errors import UserError
from dropship.models import Order, Shop
from dropship.platforms import verification
from dropship.platforms.base import NeedsVerification, QuotaExhausted
from dropship.queue import checkpoint, huey, job_task, progress, start_unique_job
from dropship.services.billing import expired_reason, in_service
from dropship.services.fetching import store_buyer_message, unread_messages, upsert_remote_orders
from dropship.services.jobs import job_target
from dropship.services.orders.labels import OPEN_STATUSES
from dropship.services.receiver import store_receiver
from dropship.services.settings import get_setting
from dropship.services.shops import (
    DECRYPT_POLICIES,
    FETCH_INTERVAL,
    bump_daily,
    decrypt_allowance,
    due_shops,
    fetch_job_title,
    fetch_window,
    schedule_next,
)
from dropship.tasks.aftersales import disputes_with_orders, start_due_aftersales
from dropship.tasks.shop_session import account_key, open_shop_backend, shop_thread, shop_title

DECRYPT_BATCH = 200  # orders per decrypt job; the rest waits for the next fetch round
OPEN_BACKEND_HOURS = 4  # an 打开后台 window stays at most this long (it holds the shop's profile)


def _shop(shop_id: int) -> Shop:
    shop = Shop.get_or_none(Shop.id == shop_id)
    if shop is None or shop.deleted_at is not None:
        raise UserError("店铺不存在或已删除")
    return shop


@job_task("authorize_shop", account=shop_thread)
def authorize_shop(job_id: int, shop_id: int) -> None:
    shop = _shop(shop_id)
    progress(job_id, 0, 2, "正在登录店铺后台…")
    with open_shop_backend(shop, force_login=True):
        progress(job_id, 2, 2, "授权成功，登录状态正常")


@job_task("fetch_orders", account=shop_thread)
def fetch_orders(job_id: int, shop_id: int) -> None:
    shop = _shop(shop_id)
    if not in_service(shop):
        Shop.update(fetch_state="stopped", next_fetch_at=None).where(Shop.id == shop.id).execute()
        raise UserError(f"{shop.display_name} {expired_reason(shop)}")
    since, until = fetch_window(shop)
    target = job_target("shop", shop.id)
    new_orders, skipped = 0, []
    with open_shop_backend(shop) as backend:
        page, total_pages = 1, 1
        while page <= total_pages:
            checkpoint()
            sold = backend.list_sold(since, until, page=page)
            total_pages = max(sold.total_pages, 1)
            skipped += sold.skipped  # unreadable orders: counted on the job, not fatal to the page
            new_orders += upsert_remote_orders(shop, sold.orders).new
            progress(job_id, page, total_pages, f"第 {page}/{total_pages} 页，新订单 {new_orders} 个")
            page += 1
        after_sales = disputes_with_orders(backend, shop)
    schedule_next(_shop(shop_id))
    start_due_aftersales(shop)
    # One detail page per message: a job of its own keeps the list fetch fast. It reads every order
    # still flagged, also those an earlier, interrupted fetch stored.
    if unread_messages(shop.id).exists():
        start_unique_job("fetch_buyer_messages", f"获取买家留言 · {shop.display_name}", target=target,
                         shop_id=shop.id)
    if _masked_paid(shop).exists():
        start_unique_job("decrypt_addresses", f"地址解密 · {shop.display_name}", target=target,
                         shop_id=shop.id)
    note = f"，{len(skipped)} 个订单无法识别已跳过（{skipped[0]}）" if skipped else ""
    progress(job_id, message=f"完成：{sold.total} 个订单，新订单 {new_orders} 个{note}{after_sales}")


def _masked_paid(shop: Shop):
    return Order.select().where(Order.shop == shop.id, Order.address_state == "masked",
                                Order.status.in_(OPEN_STATUSES))


@job_task("fetch_buyer_messages", account=shop_thread)
def fetch_buyer_messages(job_id: int, shop_id: int, tids: list[str] | None = None) -> None:
    """用户留言 live on each order's detail page: read them for every order the list flagged.

    `tids` is ignored: jobs queued before orders kept the flag named their orders.
    """
    shop = _shop(shop_id)
    pending = list(unread_messages(shop.id))
    progress(job_id, 0, len(pending))
    if not pending:
        return
    with open_shop_backend(shop) as backend:
        for done, order in enumerate(pending, start=1):
            checkpoint()
            store_buyer_message(order.id, backend.order_detail(order.tid)["buyer_message"])
            progress(job_id, done, len(pending), f"已读取 {done} 条留言")


@job_task("decrypt_addresses", account=shop_thread)
def decrypt_addresses(job_id: int, shop_id: int) -> None:
    """地址解密 through the chosen route until done, the route's cap, a slider, or the platform quota."""
    shop = _shop(shop_id)
    route = int(get_setting("address.decrypt_route"))
    policy = DECRYPT_POLICIES[route]
    allowance = decrypt_allowance(shop.id, route)
    limit = DECRYPT_BATCH if allowance is None else min(DECRYPT_BATCH, allowance)
    orders = list(_masked_paid(shop).order_by(Order.paid_at).limit(limit))
    if not orders:
        progress(job_id, 0, 0, "没有需要解密的地址" if allowance != 0 else f"线路 {route} 今日额度已用完")
        return
    done = 0
    with open_shop_backend(shop) as backend:
        if not policy.ask_person:
            backend.verifier = None  # this route ends the round at a slider instead of asking a person
        for order in orders:
            checkpoint()
            try:
                receiver = backend.decrypt_receiver(order.tid, route=route)
            except QuotaExhausted as exc:
                left = _masked_paid(shop).count()
                raise UserError(f"{exc}：还有 {left} 个订单地址未解密，请在店铺管理点“地址脱敏导出”") from exc
            except NeedsVerification as exc:
                raise UserError(f"地址解密遇到滑块，本轮暂停（已解密 {done} 个），下次获取时继续：{exc}") from exc
            store_receiver(order, receiver, "decrypted")
            bump_daily(shop.id, "decrypted")
            done += 1
            progress(job_id, done, len(orders), f"线路 {route}：已解密 {done} 个地址")


@job_task("address_export_request", account=shop_thread)
def address_export_request(job_id: int, shop_id: int) -> None:
    """地址脱敏导出, step 1: the platform texts a password to the shop's bound phone."""
    shop = _shop(shop_id)
    with open_shop_backend(shop) as backend:
        message = backend.request_address_export()
    progress(job_id, 1, 1, f"{message}，请把短信中的密码填入弹窗")


@job_task("address_export", account=shop_thread)
def address_export(job_id: int, shop_id: int, password_token: str) -> None:
    """地址脱敏导出, step 2: the SMS password unlocks every receiver; store them for our orders."""
    shop = _shop(shop_id)
    password = secrets.decrypt(password_token)  # kept encrypted in the Job row and the queue
    with open_shop_backend(shop) as backend:
        receivers = backend.export_addresses(password)
    stored = 0
    by_tid = {o.tid: o for o in Order.select().where(Order.shop == shop.id, Order.tid.in_(list(receivers)))}
    for tid, receiver in receivers.items():
        order = by_tid.get(tid)
        if order is not None and order.address_state != "manual":
            store_receiver(order, receiver, "decrypted")
            stored += 1
    progress(job_id, stored, len(receivers), f"导出 {len(receivers)} 个地址，已更新 {stored} 个订单")


def show_backend(job_id: int, page, title: str, key: str, local: bool) -> None:
    """打开后台 for shops and 采购账号 alike, once `page` shows the backend: a window on this PC when it
    has a screen (`local`, the session was opened headed), else the live view of 验证中心, used from
    any LAN PC. Either way the job (and the account's profile) is held until the person closes it."""
    if local:
        progress(job_id, 1, 1, "已在本机打开后台；关闭浏览器窗口即结束")
        page.wait_for_event("close", timeout=OPEN_BACKEND_HOURS * 3600 * 1000)
        return
    progress(job_id, 1, 1, "后台已在验证中心打开，可在局域网任意电脑上查看和操作；用完点“关闭”")
    verification.show_live(page, title, key, OPEN_BACKEND_HOURS * 3600, job_id)
    progress(job_id, 1, 1, "后台已关闭")


@job_task("open_backend", account=shop_thread)
def open_backend(job_id: int, shop_id: int) -> None:
    """打开后台: the shop's backend with the stored session (see show_backend)."""
    shop = _shop(shop_id)
    local = verification.display_available()
    with open_shop_backend(shop, headed=local) as backend:
        # the driver knows the platform's URLs; tasks do not
        show_backend(job_id, backend.open_home(), shop_title(shop), account_key(shop), local)


@huey.periodic_task(crontab(minute="*"))
def enqueue_due_fetches() -> None:
    """While 获取状态 is 正在获取, each shop is fetched again every few minutes."""
    now = datetime.now()
    for shop in due_shops(now):
        # Claim the slot first, so a slow fetch is never enqueued twice.
        Shop.update(next_fetch_at=now + FETCH_INTERVAL).where(Shop.id == shop.id).execute()
        start_unique_job("fetch_orders", fetch_job_title(shop), target=job_target("shop", shop.id), shop_id=shop.id)
