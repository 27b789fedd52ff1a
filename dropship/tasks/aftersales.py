"""店铺售后 jobs: read a shop's 售后 list, and run the 自动售后 rules on its cases.

- ``sync_disputes(backend, shop)``: every page of the shop's 售后 list since DISPUTE_DAYS ago, stored
  by services.disputes. The order fetch (tasks/shops.fetch_orders) calls it in its own session, so
  disputes arrive with the orders; 同步状态 on a row re-reads that one case (``sync_dispute``).
- ``run_aftersales(job_id, shop_id)``: the rules' job. For each case the engine says is due it
  re-reads the case (dispute_detail) and our refund at the 上家 (BuyerDriver.refunds), asks the
  engine again on that fresh state, and only then acts; each outcome is an AftersaleLog row.
- Every minute ``enqueue_due_aftersales`` starts that job for the 正在获取 shops with a due case
  (manual: the settings take effect while 店铺管理 fetching runs).

Safe to run twice, and across a kill: an action done shows in the re-read state, so the engine no
longer proposes it; each write's 自动售后日志 row is written before the site is asked and a killed run's
row is settled from the next re-read (services.disputes.settle_interrupted), so the log tells the truth.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta

from huey import crontab

from dropship.errors import UserError
from dropship.models import Dispute, Purchase, Shop
from dropship.platforms.base import LoginRequired, NeedsVerification, PlatformError, RiskBlocked, ShopBackend
from dropship.queue import checkpoint, huey, job_task, progress, start_unique_job, worker_lease
from dropship.services import aftersales, disputes
from dropship.services.jobs import job_target
from dropship.services.money import yuan
from dropship.services.purchasing.labels import PURCHASE_PLATFORMS
from dropship.services.purchasing.locks import purchase_key
from dropship.tasks.account_session import open_account
from dropship.tasks.shop_session import open_shop_backend, shop_thread

JOB = "aftersales"
SYNC_ONE_JOB = "sync_dispute"
DISPUTE_DAYS = 30  # how far back the 售后 list is read on each fetch
WATCH_INTERVAL = timedelta(minutes=10)  # how often a case waiting on the 上家's answer is re-read there
SESSION_ERRORS = (LoginRequired, RiskBlocked, NeedsVerification)  # the session broke: stop the job
# The writes at the sites, each between two points: the kill test (tests/aftersales_crash.py) kills the
# worker at each in turn, as tasks.purchasing.STEPS are for 去下单.
STEPS = ("before_agree", "after_agree", "before_apply", "after_apply", "before_fill", "after_fill")
STEP_HOOK: Callable[[str, int], None] = lambda step, dispute_id: None  # noqa: E731 - the kill test's seam


def _shop(shop_id: int) -> Shop:
    shop = Shop.get_or_none(Shop.id == shop_id)
    if shop is None or shop.deleted_at is not None:
        raise UserError("店铺不存在或已删除")
    return shop


def sync_disputes(backend: ShopBackend, shop: Shop, now: datetime | None = None) -> int:
    """Store every page of the shop's 售后 list; returns how many cases are new."""
    since = (now or datetime.now()) - timedelta(days=DISPUTE_DAYS)
    new, page, total_pages = 0, 1, 1
    while page <= total_pages:
        checkpoint()
        found = backend.list_disputes(since, page=page)
        total_pages = max(found.total_pages, 1)
        new += disputes.upsert_disputes(shop, found.disputes)
        page += 1
    return new


def disputes_with_orders(backend: ShopBackend, shop: Shop) -> str:
    """The order fetch's 售后 step, in its session: store the list; returns a note for the job's message.

    A 售后 list the site refuses leaves the fetched orders standing (noted); a broken session stops
    the fetch as it would anyway.
    """
    try:
        new = sync_disputes(backend, shop)
    except SESSION_ERRORS:
        raise
    except PlatformError as exc:
        return f"；售后获取失败：{exc}"
    return f"，新售后 {new} 个" if new else ""


def start_due_aftersales(shop: Shop) -> None:
    """After the fetch left the shop's browser: the rules' job when one of its cases is due now."""
    rules = aftersales.load_rules()
    if rules.on and shop.id in disputes.rule_shops() and disputes.due_cases([shop.id], rules, datetime.now()):
        start_aftersales(shop)


def start_aftersales(shop: Shop) -> None:
    start_unique_job(JOB, f"自动售后 · {shop.display_name}", target=job_target("shop", shop.id), shop_id=shop.id)


def _reread(backend: ShopBackend, shop: Shop, dispute: Dispute) -> Dispute:
    disputes.upsert_disputes(shop, [backend.dispute_detail(dispute.dispute_id)])
    return Dispute.get_by_id(dispute.id)


def _agree(backend: ShopBackend, shop: Shop, dispute: Dispute, action: aftersales.Action) -> str:
    STEP_HOOK("before_agree", dispute.id)
    backend.agree_refund(dispute.dispute_id)
    STEP_HOOK("after_agree", dispute.id)
    _reread(backend, shop, dispute)
    return f"已同意买家退款 {yuan(action.amount)} 元"


def _at_supplier(driver, dispute: Dispute, purchase: Purchase, action: aftersales.Action) -> str:
    if action.kind == "fill_return":
        STEP_HOOK("before_fill", dispute.id)
        driver.fill_return(purchase.platform_order_id, dispute.return_courier, dispute.return_tracking_number)
        STEP_HOOK("after_fill", dispute.id)
        disputes.record_return_filled(dispute, dispute.return_tracking_number)
        return f"已到上家填写退货单号 {dispute.return_tracking_number}"
    kind = "return_refund" if action.kind == "supplier_return" else "refund_only"
    # The 上家's own form decides: its first 退款原因 for the kind (our buyer's words are another site's
    # list) and its full 退款金额 (what we paid, shipping included), as a person would leave them.
    STEP_HOOK("before_apply", dispute.id)
    refund = driver.apply_refund(purchase.platform_order_id, kind, "", 0)
    STEP_HOOK("after_apply", dispute.id)
    disputes.record_supplier_refund(dispute, refund)
    return f"已到上家申请{'退货退款' if kind == 'return_refund' else '仅退款'}（采购单 {purchase.platform_order_id}）"


def _refusal(shop: Shop, driver, purchase: Purchase | None, action: aftersales.Action,
             rules: aftersales.RuleSettings, now: datetime) -> str:
    """Why this action is not sent to the site at all ("" when it may be)."""
    if action.kind == "agree":
        spent = disputes.agreed_today(shop.id, now.date())
        if not aftersales.cap_allows(spent, action.amount, rules.daily_cap):
            return f"超过每日自动同意退款上限 {yuan(rules.daily_cap)} 元（今日已同意 {yuan(spent)} 元），请手动处理"
    elif driver is None:
        name = PURCHASE_PLATFORMS.get(purchase.platform, purchase.platform)
        return f"{name}采购单暂不支持自动售后，请到上家手动处理"
    return ""


def _supplier_refund(driver, purchase: Purchase):
    """Our latest application on the purchase at the 上家, re-read (None when there is none)."""
    found = [r for r in driver.refunds([purchase.platform_order_id]) if r.order_id == purchase.platform_order_id]
    return found[-1] if found else None


class _AccountSessions:
    """The purchase account's browser session, kept open while consecutive cases were bought with the
    same account: a run over many cases launches one profile per account, not one per case."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._account_id: int | None = None
        self._driver = None

    def driver(self, purchase: Purchase):
        if purchase.account_id != self._account_id:
            self.close()
            self._stack.enter_context(worker_lease(purchase_key(purchase.account_id)))
            self._driver = self._stack.enter_context(open_account(purchase.account))
            self._account_id = purchase.account_id
        return self._driver

    def close(self) -> None:
        self._account_id, self._driver = None, None
        self._stack.close()

    def __enter__(self) -> _AccountSessions:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def broke(self, exc: BaseException) -> None:
        """A session broke while working on a case: open_account records 掉线 as inside its own with."""
        self._account_id, self._driver = None, None
        self._stack.__exit__(type(exc), exc, exc.__traceback__)


def _handle(backend: ShopBackend, shop: Shop, case: disputes.OpenCase, rules: aftersales.RuleSettings,
            now: datetime, accounts: _AccountSessions) -> int:
    """Re-read one due case (and our refund at the 上家 where its driver can), act on what is still
    due; returns the actions that succeeded."""
    dispute = _reread(backend, shop, case.dispute)
    purchase = disputes.purchase_of(dispute)
    if (purchase is None or purchase.account_id is None or purchase.manual
            or purchase.platform not in aftersales.SUPPLIER_REFUND_PLATFORMS):
        return _act(backend, shop, None, dispute, case, rules, now)
    driver = accounts.driver(purchase)
    try:
        disputes.record_supplier_refund(dispute, _supplier_refund(driver, purchase))
        return _act(backend, shop, driver, Dispute.get_by_id(dispute.id), case, rules, now)
    except SESSION_ERRORS as exc:
        accounts.broke(exc)
        raise


def _act(backend: ShopBackend, shop: Shop, driver, dispute: Dispute, case: disputes.OpenCase,
         rules: aftersales.RuleSettings, now: datetime) -> int:
    """`driver` None: this purchase platform has no automatic refunds, so only the shop side acts."""
    done = disputes.settle_interrupted(dispute)
    purchase = disputes.purchase_of(dispute)
    for action in aftersales.actions(dispute, case.order, purchase, rules, now):
        refusal = _refusal(shop, driver, purchase, action, rules, now)
        if refusal:
            disputes.log_action(dispute, action, False, refusal, now)
            continue
        # Logged before the site is asked: a kill from here on leaves the row for the next run to settle
        # from the re-read case. A broken session leaves it too (did the site act? the re-read will say).
        row = disputes.begin_action(dispute, action, now)
        try:
            if action.kind == "agree":
                message = _agree(backend, shop, dispute, action)
            else:
                message = _at_supplier(driver, dispute, purchase, action)
        except SESSION_ERRORS:
            raise
        except PlatformError as exc:
            disputes.finish_action(row, dispute, action, False, str(exc))
            continue
        disputes.finish_action(row, dispute, action, True, message)
        done += 1
    return done


@job_task(JOB, account=shop_thread)
def run_aftersales(job_id: int, shop_id: int) -> None:
    """自动售后 for one shop: every due case, re-read and acted on."""
    shop = _shop(shop_id)
    rules = aftersales.load_rules()
    now = datetime.now()
    due = disputes.due_cases([shop.id], rules, now, watch_before=now)
    progress(job_id, 0, len(due), f"{len(due)} 个售后待自动处理或等待上家处理")
    if not due:
        return
    done, unread = 0, []
    due.sort(key=lambda found: getattr(found[0].purchase, "account_id", None) or 0)  # one session per account
    with open_shop_backend(shop) as backend, _AccountSessions() as accounts:
        for n, (case, _) in enumerate(due, start=1):
            checkpoint()
            try:
                done += _handle(backend, shop, case, rules, now, accounts)
            except SESSION_ERRORS:
                raise
            except PlatformError as exc:  # this case could not be re-read: the others still run
                unread.append(f"{case.dispute.tid}：{exc}")
            progress(job_id, n, len(due), f"已处理 {n}/{len(due)} 个售后，成功 {done} 项")
    if unread:
        progress(job_id, message=f"已处理 {len(due)} 个售后，成功 {done} 项；{len(unread)} 个读取失败（{unread[0]}）")


@job_task(SYNC_ONE_JOB)
def sync_dispute(job_id: int, dispute_id: int) -> None:
    """同步状态: re-read one case from its detail page."""
    dispute = Dispute.get_or_none(Dispute.id == dispute_id)
    if dispute is None:
        raise UserError("售后单不存在")
    shop = _shop(dispute.shop_id)
    with open_shop_backend(shop) as backend:
        fresh = _reread(backend, shop, dispute)
    label = disputes.STATUS_LABELS.get(fresh.status, fresh.status_text or fresh.status)
    progress(job_id, 1, 1, f"售后状态：{label}")


@huey.periodic_task(crontab(minute="*"))
def enqueue_due_aftersales() -> None:
    """The rules' own schedule: a job for each 正在获取 shop with a case due now."""
    rules = aftersales.load_rules()
    if not rules.on:
        return
    shop_ids = disputes.rule_shops()
    now = datetime.now()
    due = {case.dispute.shop_id for case, _ in disputes.due_cases(shop_ids, rules, now, now - WATCH_INTERVAL)}
    for shop in Shop.select().where(Shop.id.in_(sorted(due))):
        start_aftersales(shop)
