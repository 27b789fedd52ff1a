"""拍单状态 sync jobs: read each open purchase's supplier order from the account's order list JSON.

- ``sync_purchase_status(job_id, account_id, purchase_ids=None)``: one account; its open purchases
  (services.purchasing.sync.open_purchases), or only those of `purchase_ids` (同步状态 / 批量同步 on
  the orders page). A shipped order the list gives without its tracking number (a list shape with
  no logistics) is read from its detail page. Each status lands through `sync.record_statuses`; a
  changed seller memo starts the existing `push_memo` job; a supplier parcel starts automatic
  shipping (services.shipping.plan_shipments → one `consign` job per new shipment).
- Every minute `enqueue_due_purchase_syncs` starts one sync per account that has open purchases and
  has not synced for 采购状态同步间隔 minutes; `start_unique_job` keeps them from piling up.

Safe to run twice: recording the same list again changes nothing.
"""
from __future__ import annotations

from collections.abc import Iterable

from huey import crontab

from dropship.errors import UserError
from dropship.models import Job, Order, Purchase, PurchaseAccount, User
from dropship.queue import checkpoint, huey, job_task, progress, start_unique_job, worker_lease
from dropship.services.accounts import job_title
from dropship.services.jobs import job_target, memo_push_job
from dropship.services.purchase_settings import load_shipping
from dropship.services.purchasing.locks import purchase_key
from dropship.services.purchasing.sync import (
    SYNC_JOB,
    due_accounts,
    open_purchases,
    record_statuses,
    wanting_parcel,
)
from dropship.services.shipping import plan_shipments
from dropship.tasks.account_session import account_thread, open_account
from dropship.tasks.shipping import start_consign

BATCH = 20  # supplier orders asked per list read: progress and a shutdown checkpoint between reads


def start_purchase_sync(account: PurchaseAccount, purchase_ids: list[int] | None = None,
                        user: User | None = None) -> Job | None:
    """One sync job for the account; None while one is queued or running already."""
    return start_unique_job(SYNC_JOB, job_title("同步采购状态", account), target=job_target("account", account.id),
                            user=user, account_id=account.id, purchase_ids=purchase_ids)


def start_order_purchase_syncs(order_ids: Iterable[int], user: User | None = None) -> int:
    """同步状态 / 批量同步: sync the open purchases of these orders, one job per account. Returns jobs started."""
    ids = sorted(set(order_ids))
    by_account: dict[int, list[int]] = {}
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        for purchase_id, account_id in (open_purchases().select(Purchase.id, Purchase.account)
                                        .where(Purchase.order.in_(ids[start:start + 500])).tuples()):
            by_account.setdefault(account_id, []).append(purchase_id)
    started = 0
    for account in PurchaseAccount.select().where(PurchaseAccount.id.in_(list(by_account))).order_by(PurchaseAccount.id):
        started += start_purchase_sync(account, by_account[account.id], user) is not None
    return started


def push_memos(order_ids: list[int], user: User | None) -> None:
    """Start the existing 云端备注 push for orders whose memo the sync changed."""
    for order in Order.select().where(Order.id.in_(order_ids)):
        start_unique_job(**memo_push_job(order), user=user)


def ship_parcels(order_ids: list[int]) -> None:
    """自动发货: the shipments the rules ask for now (shops with 自动发货 on), each consigned by its own job."""
    for shipment in plan_shipments(order_ids, load_shipping()):
        start_consign(shipment)


@job_task(SYNC_JOB, account=account_thread)
def sync_purchase_status(job_id: int, account_id: int, purchase_ids: list[int] | None = None) -> None:
    """同步采购状态 for one account: 拍单状态, courier and tracking number of its open purchases."""
    account = PurchaseAccount.get_or_none(PurchaseAccount.id == account_id)
    if account is None:
        raise UserError("采购账号不存在或已删除")
    rows = list(open_purchases(account_id, purchase_ids))
    if not rows:
        progress(job_id, 0, 0, "没有需要同步的采购单")
        return
    order_ids = [row.platform_order_id for row in rows]
    progress(job_id, 0, len(order_ids), "正在打开采购账号…")
    user = Job.get_by_id(job_id).user
    changed = seen = 0
    # the purchase lock too: never read the list between another job's submit and its diff
    with worker_lease(purchase_key(account.id)), open_account(account) as driver:
        for start in range(0, len(order_ids), BATCH):
            checkpoint()
            found = driver.list_statuses(order_ids[start:start + BATCH])
            details = {oid: driver.order_detail(oid) for oid in wanting_parcel(account, found)}
            found = [details.get(order.order_id, order) for order in found]
            result = record_statuses(account, found)
            push_memos(result.memo_order_ids, user)
            ship_parcels(result.parcel_order_ids)
            changed += result.changed
            seen += len(found)
            progress(job_id, min(start + BATCH, len(order_ids)), len(order_ids),
                     f"已同步 {seen} 个采购单，{changed} 个有变化")
    missing = len(order_ids) - seen
    message = f"已同步 {seen} 个采购单，{changed} 个有变化" + (f"，{missing} 个在采购平台没有找到" if missing else "")
    progress(job_id, len(order_ids), len(order_ids), message)


@huey.periodic_task(crontab(minute="*"))
def enqueue_due_purchase_syncs() -> None:
    """Each account with open purchases is synced every 采购状态同步间隔 minutes."""
    for account in PurchaseAccount.select().where(PurchaseAccount.id.in_(due_accounts())).order_by(PurchaseAccount.id):
        start_purchase_sync(account)
