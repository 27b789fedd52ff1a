"""采购 jobs: buy one order's items (去下单), or a batch for one account (批量采购), never twice.

Jobs (the web layer creates each Purchase with `records.begin` first, state 准备):

- ``purchase(job_id, purchase_id, mode, remote)``: one purchase; mode ``"auto"`` (自动下单) or ``"assisted"``
  (辅助下单: the receiver is filled in and the order info panel shown on the supplier's page; the
  person submits and pays there, in a window on this PC, or — asked from another PC (`remote`), or
  this PC has no screen — in 验证中心's live view from any LAN PC; the new order is found by the
  same diff meanwhile, and the view ends once it is paid).
- ``purchase_batch(job_id, account_id, purchase_ids, mode="auto")``: 批量采购, one job per purchase
  account; its purchases are bought one at a time in the given order (the driver throttles).

Safety (see services.purchasing.states / matching): the account's file lock is held for the whole
job (TryLater when another process holds it: the job goes back to the queue). Each step's state is
committed *before* the step, so a job re-run after a crash (the queue re-runs it from the beginning)
first follows `matching.RECOVERY` for the state it finds: 已提交 re-does the diff against the
snapshot saved before the click and never submits again; 待付款 / 支付中 re-read the supplier order
before paying. Zero or several new orders park the purchase (需人工) for a person.

`STEP_HOOK(step, purchase_id)` is called at each point named in `STEPS`: the seam the
fault-injection test uses to kill a real worker there (tests/drivers/test_purchase_crash.py).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from dropship.errors import TryLater, UserError
from dropship.models import Job, OrderItem, PurchaseAccount, PurchaseItem, SkuMapping
from dropship.models import Purchase as PurchaseRow
from dropship.platforms import verification
from dropship.platforms.base import (
    BuyerDriver,
    LoginRequired,
    NeedsVerification,
    Receiver,
    RiskBlocked,
    SupplierItem,
)
from dropship.queue import JobInterrupted, checkpoint, job_task, progress, start_unique_job, worker_lease
from dropship.services.jobs import memo_push_job
from dropship.services.purchase_settings import (
    GuardSettings,
    load_guards,
    load_payment,
)
from dropship.services.purchasing import records
from dropship.services.purchasing.assist import assist_panel, receiver_to_type
from dropship.services.purchasing.guards import GuardFacts, Refusal, check, may_pay
from dropship.services.purchasing.labels import state_label
from dropship.services.purchasing.links import CANONICAL
from dropship.services.purchasing.locks import purchase_key
from dropship.services.purchasing.matching import (
    WINDOW_SLACK,
    Found,
    Park,
    Want,
    find_new_order,
    recovery_action,
    rediff,
    window,
)
from dropship.services.purchasing.sku_map import plan
from dropship.services.purchasing.states import advance, note_attempt, state_for_status
from dropship.tasks.account_session import account_key, account_thread, account_title, open_account

MODES = ("auto", "assisted")
STEPS = ("before_submit", "after_submit", "before_record", "after_pay")
STEP_HOOK: Callable[[str, int], None] = lambda step, purchase_id: None  # noqa: E731 - the kill test's seam
# The list may lag the submit by a moment: read it again after these pauses before parking.
DIFF_RETRY_SECONDS: tuple[float, ...] = (1.0, 3.0)
ASSIST_POLL_SECONDS = 5.0  # 辅助下单: how often the account's order list is read while the person buys
ASSIST_MINUTES = 30  # … and for how long before the purchase is parked for a person
ASSIST_ENDED = {"closed": "辅助下单已关闭", "expired": f"辅助下单 {ASSIST_MINUTES} 分钟内没有完成"}
# A session that broke: the rest of a batch cannot be bought with this account now.
ACCOUNT_PROBLEMS = (LoginRequired, RiskBlocked, NeedsVerification)


def _open_buyer(account: PurchaseAccount, headed: bool) -> AbstractContextManager[BuyerDriver]:
    return open_account(account, headed=headed)


# How a job gets a logged-in driver for an account (account_session.make_driver picks the class by
# platform: TaobaoBuyer for 淘宝/天猫/淘特, AlibabaBuyer for 1688, PddBuyer for 拼多多). Tests replace it.
open_buyer: Callable[[PurchaseAccount, bool], AbstractContextManager[BuyerDriver]] = _open_buyer


def item_url(purchase: PurchaseRow) -> str:
    return CANONICAL[purchase.platform].format(purchase.item_id)


def marker(purchase: PurchaseRow) -> str:
    """采购标记 written into the buyer memo: lets a person match a supplier order to our purchase."""
    return f"DS{purchase.id}"


class Buying:
    """One purchase worked by one driver: each method takes one step and records it (and the memo flag)."""

    def __init__(self, driver: BuyerDriver, purchase: PurchaseRow, mode: str, guards: GuardSettings,
                 live: bool = False, job_id: int = 0) -> None:
        self.driver = driver
        self.purchase = purchase
        self.mode = mode
        self.guards = guards
        self.live = live  # 辅助下单 in 验证中心's live view (no screen here, or asked from another PC)
        self.job_id = job_id
        self.memo_changed = False
        self.note = ""  # why it stopped where it did (the job's message)

    # -- recording -----------------------------------------------------------------------------

    def move(self, to: str, **facts) -> None:
        self.memo_changed |= advance(self.purchase, to, **facts)

    def stop(self, refusals: list[Refusal]) -> None:
        """已拒绝 before the submit, 需人工 after it; the order goes to 异常订单 with the reasons."""
        self.memo_changed |= records.stop(self.purchase, refusals)
        self.note = self.purchase.reason

    # -- facts ---------------------------------------------------------------------------------

    def paid_amount(self) -> int:
        """实收金额 of the sub-orders this purchase covers."""
        return sum(item.paid_amount for item in OrderItem.select(OrderItem.paid_amount).join(PurchaseItem)
                   .where(PurchaseItem.purchase == self.purchase.id))

    def expected_receiver(self) -> Receiver | None:
        """What to type at the supplier; None while the address is not decrypted (never the masked one)."""
        return receiver_to_type(self.purchase)

    def refusals(self, quote: int, expected: Receiver | None, shown: Receiver | None) -> list[Refusal]:
        spent = records.spent_today(self.purchase.account_id, excluding=self.purchase.id)
        return check(GuardFacts(paid=self.paid_amount(), quote=quote, spent_today=spent,
                                address_decrypted=expected is not None, expected=expected, readback=shown),
                     self.guards)

    def want(self) -> Want:
        return Want(self.purchase.item_id, self.purchase.sku_id, self.purchase.quantity)

    # -- the steps -----------------------------------------------------------------------------

    def run(self) -> str:
        """Take the purchase as far as it may go from the state it is in; returns what happened."""
        action = recovery_action(self.purchase.state)
        if action in ("done", "wait"):
            return f"采购已是「{state_label(self.purchase.state)}」，未再操作"
        note_attempt(self.purchase)
        if action == "restart":
            self.prepare_and_submit()
        elif action == "rediff":
            self.redo_diff()
        if self.purchase.state in ("unpaid", "paying"):
            self.settle()
        return self.note or f"采购{state_label(self.purchase.state)}"

    def claimed(self) -> set[str]:
        """采购单号 other purchases of this account recorded already: never "new" to this one."""
        return {pid for (pid,) in PurchaseRow.select(PurchaseRow.platform_order_id).where(
            PurchaseRow.account == self.purchase.account_id, PurchaseRow.platform == self.purchase.platform,
            PurchaseRow.platform_order_id != "", PurchaseRow.id != self.purchase.id).tuples()}

    def redo_diff(self) -> None:
        """已提交 found after a crash: the diff again, against the snapshot saved before the click."""
        before = self.purchase.orders_before
        self.record(rediff(None if before is None else [*before, *self.claimed()], self.recent(), self.want(),
                           self.purchase.submitted_at, datetime.now()))

    def recent(self) -> list:
        return self.driver.recent_orders(window(self.purchase.submitted_at, datetime.now())[0])

    def open_and_check(self) -> tuple[SupplierItem, Receiver] | None:
        """Open the item, check the SKU is still there and in stock, make the receiver; None when stopped."""
        item = self.driver.open_item(item_url(self.purchase))
        try:
            # the purchase holds the mapped SKU and quantity already: plan() checks them against the page now
            chosen = SkuMapping(sku_id=self.purchase.sku_id, multiplier=1) if self.purchase.sku_id else None
            plan(chosen, item.skus, self.purchase.quantity)
        except UserError as exc:  # 供应商规格已变更 / 售罄
            self.stop([Refusal("sku", str(exc))])
            return None
        expected = self.expected_receiver()
        if expected is None:
            self.stop([r for r in self.refusals(0, None, None) if r.code == "address"])
            return None
        return item, expected

    def snapshot(self) -> set[str]:
        """The diff's `before`: the account's orders just before anything can be submitted."""
        return self.driver.order_ids_since(datetime.now() - WINDOW_SLACK)

    def mark_submitted(self, before: set[str]) -> None:
        """已提交 with the snapshot, saved before anything can be submitted."""
        self.move("submitted", orders_before=sorted(before), submitted_at=datetime.now())

    def prepare_and_submit(self) -> None:
        opened = self.open_and_check()
        if opened is None:
            return
        _, expected = opened
        if self.mode == "assisted":
            before = self.snapshot()  # before the page opens: the person may submit at once
            self.mark_submitted(before)
            self.driver.fill_checkout(self.purchase.item_id, self.purchase.sku_id, self.purchase.quantity,
                                      expected, marker(self.purchase))
            self.record(self.wait_for_person())
            return
        self.driver.fill_checkout(self.purchase.item_id, self.purchase.sku_id, self.purchase.quantity, expected,
                                  marker(self.purchase))
        readback = self.driver.read_checkout()
        refusals = self.refusals(readback.total, expected, readback.receiver)
        if readback.quantity != self.purchase.quantity or (readback.sku_id and self.purchase.sku_id
                                                           and readback.sku_id != self.purchase.sku_id):
            refusals.append(Refusal("checkout", f"下单页的规格或数量与要采购的不一致（数量 {readback.quantity}）"))
        if refusals:
            self.stop(refusals)
            return
        before = self.snapshot()  # BuyerDriver's order: read back → snapshot → submit
        checkpoint()  # the last point where a shutdown may hand the job back (nothing submitted yet)
        STEP_HOOK("before_submit", self.purchase.id)
        self.mark_submitted(before)
        self.driver.submit()
        STEP_HOOK("after_submit", self.purchase.id)
        self.record(self.diff(before))

    def find(self, before: set[str]) -> Found | Park:
        return find_new_order(before | self.claimed(), self.recent(), self.want(),
                              window(self.purchase.submitted_at, datetime.now()))

    def diff(self, before: set[str]) -> Found | Park:
        result = self.find(before)
        for pause in DIFF_RETRY_SECONDS:
            if isinstance(result, Found):
                break
            time.sleep(pause)  # the platform's list lags the submit: nothing we could wait on instead
            result = self.find(before)
        return result

    def wait_for_person(self) -> Found | Park:
        """辅助下单: the order info panel on the checkout page; the person submits and pays there, in the
        window on this PC or (`live`) in 验证中心's live view, while the account's order list is read.
        Ends once their order is found and no longer 待付款, when they close the window or the view,
        or after ASSIST_MINUTES; an order found by then is theirs (recorded, 待付款 if unpaid)."""
        page = self.driver.assist_page(assist_panel(self.purchase))
        watch = PersonWatch(self)
        if self.live:
            account = self.purchase.account
            ended = verification.show_live(page, account_title(account), account_key(account), ASSIST_MINUTES * 60,
                                           self.job_id, kind="assist", done=watch.settled)
        else:
            ended = watch.in_window(page)
        return watch.outcome(ended)

    def record(self, result: Found | Park) -> None:
        """The diff's answer: 采购单号 + 采购金额 recorded, or 需人工 (never "the latest")."""
        if isinstance(result, Park):
            self.stop([Refusal("diff", result.reason)])
            return
        STEP_HOOK("before_record", self.purchase.id)
        order = result.order
        to = "paid" if state_for_status(order.status) == "paid" else "unpaid"  # a cancelled one is re-read below
        self.move(to, platform_order_id=order.order_id, amount=order.amount, status=order.status,
                  purchased_at=order.created_at)

    def settle(self) -> None:
        """待付款 / 支付中: read the order back (receiver again), then pay only when allowed."""
        order_id = self.purchase.platform_order_id
        detail = self.driver.order_detail(order_id)
        if self.follow_status(detail.status, detail.amount):
            return
        expected = self.expected_receiver()
        refusals = self.refusals(detail.amount, expected, detail.receiver)
        wrong_address = [r for r in refusals if r.code in ("address", "receiver")]
        if wrong_address:
            self.stop(wrong_address)  # 需人工: never pay an order going to another address
            return
        if self.mode == "assisted" or not may_pay(refusals, self.guards):
            if self.purchase.state == "paying":
                self.move("unpaid")
            why = "；".join(r.reason for r in refusals) or ("辅助下单没有付款，请到采购平台付款" if self.mode == "assisted"
                                                         else "未开启自动支付")
            self.note = f"已下单，停在待付款：{why}"
            return
        if self.purchase.state != "paying":
            self.move("paying")
        payment = load_payment()
        self.driver.pay(order_id, payment.method, payment.account or "", payment.password or "")
        STEP_HOOK("after_pay", self.purchase.id)
        after = self.driver.order_detail(order_id)
        if not self.follow_status(after.status, after.amount):
            self.move("unpaid", status=after.status)
            self.note = "已点击支付，但采购订单仍是待付款：请到采购平台查看"

    def follow_status(self, status: str, amount: int) -> bool:
        """Record a supplier order that is paid or cancelled already; False while it awaits payment."""
        to = state_for_status(status)
        if to == "unpaid":
            return False
        self.move(to, status=status, amount=amount)
        return True


class PersonWatch:
    """辅助下单's diff while a person buys: the account's orders, read at most every ASSIST_POLL_SECONDS
    in the worker thread that owns the pages (between the live view's frames, or the window's waits)."""

    def __init__(self, buying: Buying) -> None:
        self.buying = buying
        self.before = set(buying.purchase.orders_before or ())
        self.result: Found | Park | None = None
        self.next_read = 0.0

    def settled(self) -> bool:
        """Whether the person's order is found and no longer 待付款 (paid, or cancelled by them)."""
        checkpoint()
        if time.monotonic() < self.next_read:
            return False
        self.result = self.buying.find(self.before)
        self.next_read = time.monotonic() + ASSIST_POLL_SECONDS
        return isinstance(self.result, Found) and state_for_status(self.result.order.status) != "unpaid"

    def in_window(self, page) -> str:
        """The visible window on this PC: "solved", "closed" (the person closed it) or "expired"."""
        deadline = time.monotonic() + ASSIST_MINUTES * 60
        while time.monotonic() < deadline:
            if self.settled():
                return "solved"
            if page.is_closed():
                return "closed"
            time.sleep(ASSIST_POLL_SECONDS)  # the person is buying: nothing to wait on but the list
        return "expired"

    def outcome(self, ended: str) -> Found | Park:
        """The order found (read once more: it may have been placed just before the view closed), or
        需人工 saying how 辅助下单 ended."""
        if ended != "solved" and not isinstance(self.result, Found):
            self.result = self.buying.find(self.before)
        if isinstance(self.result, Found):
            return self.result
        reason = self.result.reason if self.result else "没有找到新的采购订单"
        return Park(f"{ASSIST_ENDED.get(ended, '辅助下单已结束')}：{reason}")


def _push_memo(purchase: PurchaseRow, job_id: int) -> None:
    order = purchase.order
    job = Job.get_or_none(Job.id == job_id)
    start_unique_job(**memo_push_job(order), user=job.user if job else None)


def buy_one(driver: BuyerDriver, purchase: PurchaseRow, mode: str, job_id: int, live: bool = False) -> str:
    """Run one purchase; a failure before the submit refuses it (its items are 待采购 again). `live`:
    辅助下单 in 验证中心's live view rather than a window on this PC."""
    buying = Buying(driver, purchase, mode, load_guards(), live, job_id)
    try:
        return buying.run()
    except (TryLater, JobInterrupted):
        raise
    except Exception as exc:
        if purchase.state == "preparing":  # nothing was submitted: release the order, say why
            buying.stop([Refusal("failed", f"下单失败：{exc}")])
        raise  # after the submit the state stays: the next run re-does the diff
    finally:
        if buying.memo_changed:
            _push_memo(purchase, job_id)


def resolve_interrupted(driver: BuyerDriver, account_id: int, job_id: int) -> None:
    """Before this account buys anything, re-diff each of its purchases left in 已提交 by a crash.

    Under the account lock no other job is between its submit and its diff, so an order made since
    such a snapshot is that purchase's own: diffed later, after more orders of the same item, it
    would find several and park. Only recorded here (never paid): its own job, re-run by the
    queue's recovery, finds it 待付款 and pays only if allowed.
    """
    for row in PurchaseRow.select().where(PurchaseRow.account == account_id, PurchaseRow.state == "submitted",
                                          PurchaseRow.active == True).order_by(PurchaseRow.id):  # noqa: E712
        buying = Buying(driver, row, "assisted", load_guards())
        try:
            buying.redo_diff()
        finally:
            if buying.memo_changed:
                _push_memo(row, job_id)


@contextmanager
def account_session(account: PurchaseAccount, mode: str, job_id: int, live: bool = False) -> Iterator[BuyerDriver]:
    """The account's purchase lock, its logged-in driver (a visible window for 辅助下单 unless it is
    shown as a live view), and its interrupted purchases re-diffed first: how every job that acts for
    an account starts."""
    with worker_lease(purchase_key(account.id)), \
            open_buyer(account, mode == "assisted" and not live) as driver:
        resolve_interrupted(driver, account.id, job_id)
        yield driver


def purchase_thread(purchase_id: int, **_: Any) -> str | None:
    """`job_task(account=…)` for a purchase's jobs: its account's thread."""
    row = PurchaseRow.get_or_none(PurchaseRow.id == purchase_id)
    return account_thread(row.account_id) if row is not None and row.account_id is not None else None


def _load(purchase_id: int) -> PurchaseRow:
    purchase = PurchaseRow.get_or_none(PurchaseRow.id == purchase_id)
    if purchase is None:
        raise UserError("采购记录不存在或已删除")
    if purchase.account_id is None:
        raise UserError("这笔采购没有采购账号，请重新选择账号后下单")
    return purchase


@job_task("purchase", account=purchase_thread)
def purchase(job_id: int, purchase_id: int, mode: str = "auto", remote: bool = False) -> None:
    """去下单: one purchase (自动下单 or 辅助下单; `remote`: 辅助下单 asked from another PC of the LAN,
    which goes to 验证中心's live view: verification.needs_live_view)."""
    if mode not in MODES:
        raise UserError(f"未知的下单方式：{mode}")
    row = _load(purchase_id)
    progress(job_id, 0, 1, "正在打开采购账号…")
    live = mode == "assisted" and verification.needs_live_view(remote)
    try:
        with account_session(row.account, mode, job_id, live) as driver:
            row = _load(purchase_id)  # re-read under the lock: another job may have moved it meanwhile
            if live:
                progress(job_id, 0, 1, "正在填写收货信息，随后在验证中心打开辅助下单页面")
            message = buy_one(driver, row, mode, job_id, live)
    except (TryLater, JobInterrupted):
        raise
    except Exception as exc:
        # the account could not be opened (掉线, 风控, 验证): nothing was submitted, release the order
        release_unstarted([purchase_id], row.account_id, str(exc), job_id)
        raise
    progress(job_id, 1, 1, message)


@job_task("purchase_batch", account=account_thread)
def purchase_batch(job_id: int, account_id: int, purchase_ids: list[int], mode: str = "auto") -> None:
    """批量采购 for one account: its purchases one at a time; a broken session stops the batch and
    refuses the purchases not yet started (nothing was submitted for them)."""
    account = PurchaseAccount.get_or_none(PurchaseAccount.id == account_id)
    if account is None:
        raise UserError("采购账号不存在或已删除")
    progress(job_id, 0, len(purchase_ids), "正在打开采购账号…")
    try:
        live = mode == "assisted" and verification.needs_live_view(False)
        failed = _buy_all(job_id, account_id, purchase_ids, mode, account_session(account, mode, job_id, live), live)
    except (TryLater, JobInterrupted):
        raise
    except Exception as exc:  # a broken session: the purchases not yet started are released
        release_unstarted(purchase_ids, account_id, str(exc), job_id)
        raise
    if failed:
        progress(job_id, message=f"批量采购完成，{failed} 单未成功（见异常订单）")


def _buy_all(job_id: int, account_id: int, purchase_ids: list[int], mode: str,
             session: AbstractContextManager[BuyerDriver], live: bool = False) -> int:
    """Each purchase in turn; returns how many did not succeed. A broken session (ACCOUNT_PROBLEMS) ends it."""
    failed = 0
    with session as driver:
        for done, purchase_id in enumerate(purchase_ids, start=1):
            checkpoint()
            row = PurchaseRow.get_or_none(PurchaseRow.id == purchase_id, PurchaseRow.account == account_id)
            if row is None:
                failed += 1
                continue
            try:
                message = buy_one(driver, row, mode, job_id, live)
            except (TryLater, JobInterrupted, *ACCOUNT_PROBLEMS):
                raise
            except Exception as exc:  # noqa: BLE001 - this order failed (and says why); the batch goes on
                failed += 1
                message = str(exc)
            progress(job_id, done, len(purchase_ids), f"{done}/{len(purchase_ids)}：{message}")
    return failed


def release_unstarted(purchase_ids: list[int], account_id: int, reason: str, job_id: int) -> None:
    """The account failed before these purchases were submitted: 已拒绝 with the reason, so their orders
    are 待采购 again (and show in 异常订单) instead of waiting in 准备 for a job that failed."""
    for row in list(PurchaseRow.select().where(PurchaseRow.id.in_(purchase_ids), PurchaseRow.account == account_id,
                                               PurchaseRow.state == "preparing")):
        if records.stop(row, [Refusal("failed", f"未下单：{reason}")]):
            _push_memo(row, job_id)
