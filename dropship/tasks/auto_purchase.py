"""自动采购: every minute, buy the due orders of the shops with the switch on (services.purchasing.auto).

`run_once(now)` is the entrance (the periodic task calls it with the clock; tests and the e2e call
it with theirs): it creates each Purchase with `records.begin` (准备; the one-active-purchase index
refuses a second one, so two runs racing never buy twice) and starts one `purchase_batch` job per
account with mode "auto" — the very job 去下单 uses, so every guard (利润下限, 最高采购价, 每日采购额,
自动支付) applies exactly as there. Safe to run twice: a begun order is no longer in 待采购.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from huey import crontab

from dropship.errors import UserError
from dropship.models import Order, OrderItem, PurchaseAccount
from dropship.queue import huey, start_job
from dropship.services.jobs import purchase_batch_job
from dropship.services.purchasing import auto, records
from dropship.services.scope import Scope

MODE = "auto"  # 自动下单


@dataclass
class Outcome:
    """What one run did: purchases begun per account, jobs started, orders waiting (id → why)."""

    begun: dict[int, list[int]] = field(default_factory=dict)
    jobs: list[int] = field(default_factory=list)
    waiting: dict[int, str] = field(default_factory=dict)
    refused: dict[int, str] = field(default_factory=dict)  # order id → why records.begin refused

    @property
    def purchase_ids(self) -> list[int]:
        return [purchase_id for ids in self.begun.values() for purchase_id in ids]


def _begin(step: auto.Step, outcome: Outcome) -> None:
    order = Order.get_by_id(step.order_id)
    account = PurchaseAccount.get_by_id(step.account_id)
    item = OrderItem.get_by_id(step.item_id)
    try:
        purchase = records.begin(Scope.everything(), order, [item], account, step.platform,
                                 step.supplier_item_id, step.sku_id, step.quantity)
    except UserError as exc:  # bought meanwhile (another run, a person), or the account just dropped
        outcome.refused[step.order_id] = str(exc)
        return
    outcome.begun.setdefault(account.id, []).append(purchase.id)


def run_once(now: datetime | None = None, shop_ids: list[int] | None = None) -> Outcome:
    """Buy what is due at `now` (default: the clock) for every switched-on shop, or only these shops."""
    plan = auto.plan(now or datetime.now(), shop_ids)
    outcome = Outcome(waiting=plan.waiting)
    for step in plan.steps:
        _begin(step, outcome)
    for account_id, purchase_ids in outcome.begun.items():
        account = PurchaseAccount.get_by_id(account_id)
        job = start_job(**purchase_batch_job("自动采购", account, purchase_ids, MODE))
        outcome.jobs.append(job.id)
    return outcome


@huey.periodic_task(crontab(minute="*"))
def auto_purchase_due_orders() -> None:
    """自动采购's clock: each minute, the due orders of the shops with the switch on."""
    run_once()
