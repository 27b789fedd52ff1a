"""任务 rules shared by the web and the tasks: what a job works on (its target) and who may see it."""
from __future__ import annotations

from peewee import ModelSelect

from dropship.models import Job, Order, PurchaseAccount, User
from dropship.services.accounts import job_title


def job_target(kind: str, key: int | str | None = None) -> str:
    """`Job.target`: `shop:12`, `order:5`, `user:3`, or a bare `browser`. At most one active job of
    a kind per target (queue.start_unique_job), and the 店铺管理 table marks shops with one."""
    return kind if key is None else f"{kind}:{key}"


def memo_push_job(order: Order) -> dict:
    """The 云端备注 push of one order as `queue.start_job(**memo_push_job(order), user=…)` takes it:
    one description for the memo dialog, the purchase dialog, the purchase task and the status sync."""
    return {"kind": "push_memo", "title": f"云端备注 · {order.tid}", "target": job_target("order", order.id),
            "total": 1, "order_id": order.id}


def purchase_batch_job(action: str, account: PurchaseAccount, purchase_ids: list[int], mode: str) -> dict:
    """One account's purchases bought one after another in one job (one browser session, one lock):
    `queue.start_job(**purchase_batch_job(…))` for 批量采购 and 自动采购 alike."""
    return {"kind": "purchase_batch", "title": job_title(action, account), "target": job_target("account", account.id),
            "total": len(purchase_ids), "account_id": account.id, "purchase_ids": purchase_ids, "mode": mode}


def parse_target(target: str) -> tuple[str, int | str | None]:
    """The inverse of `job_target`: ("shop", 12), ("orders", "batch"), ("browser", None)."""
    kind, sep, key = target.partition(":")
    if not sep:
        return kind, None
    return kind, int(key) if key.isdigit() else key


def visible_jobs(user: User) -> ModelSelect:
    """The jobs a user may see, retry or download from: every job for the main account, an
    employee's own otherwise."""
    query = Job.select()
    return query if user.is_main else query.where(Job.user == user.id)
