"""One place that turns a PurchaseAccount row into a logged-in buyer driver in its own browser profile.

The buyer-side twin of `tasks/shop_session.py`: it opens the account's persistent profile (locked
per account), proves the session with a cheap read, logs in when asked to (授权 / 重新授权), and
records 在线 / 掉线. Every task that talks to a purchase platform goes through `open_account`.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dropship.models import PurchaseAccount
from dropship.platforms import verification
from dropship.platforms.alibaba_buyer import AlibabaBuyer
from dropship.platforms.base import LoginRequired, NeedsVerification, PlatformError, RiskBlocked
from dropship.platforms.pdd_buyer import PddBuyer
from dropship.platforms.taobao_buyer import TaobaoBuyer
from dropship.services.accounts import PLATFORMS, record_offline, record_online
from dropship.services.purchase_settings import freight_insurance, load_payment, pdd_group
from dropship.services.shops import state_for_error
from dropship.tasks import browsers, settings
from dropship.tasks.shop_session import origins

BuyerDriver = TaobaoBuyer | AlibabaBuyer | PddBuyer


def account_key(account: PurchaseAccount) -> str:
    """The profile and lock name: data/profiles/<platform>-<id> (DESIGN: one account, one profile)."""
    return f"{account.platform}-{account.id}"


def account_thread(account_id: int, **_: Any) -> str | None:
    """`job_task(account=…)` for a purchase account's jobs: the thread that keeps its browser."""
    account = PurchaseAccount.get_or_none(PurchaseAccount.id == account_id)
    return account_key(account) if account else None


def account_title(account: PurchaseAccount) -> str:
    """How 验证中心 names the account."""
    return f"{PLATFORMS.get(account.platform, '')}采购账号 {account.login}"


def _verifier(account: PurchaseAccount):
    title = account_title(account)
    timeout = settings().verification_timeout_minutes * 60

    def verify(page, kind: str, solved) -> bool:
        record_offline(account, "等待在验证中心完成验证")
        return verification.park(page, kind, title, account_key(account), solved, timeout)

    return verify


def make_driver(account: PurchaseAccount, context, key: str | None = None) -> BuyerDriver:
    manager = browsers()
    key = key or account_key(account)
    options = {"throttle": lambda host: manager.throttle.wait(key), "verifier": _verifier(account)}
    if account.platform == "pdd":
        # 单独购买 / 发起拼单 and the payment ticked on its checkout page come from 采购设置 › PDD 支付设置
        return PddBuyer(context, origins(), group=pdd_group(), pay_app=load_payment().method, **options)
    if account.platform == "alibaba1688":
        return AlibabaBuyer(context, origins(), **options)
    return TaobaoBuyer(context, origins(), account.platform, freight_insurance=freight_insurance(), **options)


def _login(driver: BuyerDriver, account: PurchaseAccount, code: str):
    if isinstance(driver, PddBuyer):
        if account.token and not code:
            return driver.use_token(account.token)
        return driver.login(account.login, code)
    return driver.login(account.login, account.password or "")


def _ensure_login(driver: BuyerDriver, account: PurchaseAccount, force_login: bool, code: str) -> None:
    if force_login:
        identity = _login(driver, account, code)
    elif isinstance(driver, PddBuyer) and account.token and driver.whoami() is None:
        identity = driver.use_token(account.token)  # an imported account's profile starts empty: the token is the session
    else:
        identity = driver.check_session()  # LoginRequired when the session is gone: 掉线
    if account.platform_user_id and identity.user_id and identity.user_id != account.platform_user_id:
        raise PlatformError("浏览器里登录的是另一个账号，请点“重新授权”登录本账号")
    record_online(account, identity.user_id, identity.nick, logged_in=force_login)


def failure_message(exc: Exception) -> str:
    """The 掉线 reason shown beside the state (same wording as the shops' 登录状态)."""
    _, message = state_for_error(exc)
    return message


@contextmanager
def open_account(account: PurchaseAccount, force_login: bool = False, headed: bool = False,
                 code: str = "") -> Iterator[BuyerDriver]:
    """Yield a logged-in buyer driver; a failure records 掉线 with its reason and propagates."""
    from playwright.sync_api import Error as PlaywrightError

    manager = browsers()
    key = account_key(account)
    with manager.session(key, headed=headed or account.headed) as context:
        driver = make_driver(account, context, key)
        try:
            try:
                _ensure_login(driver, account, force_login, code)
            except (PlatformError, PlaywrightError) as exc:
                if isinstance(exc, PlaywrightError):
                    exc = PlatformError(f"网络错误：{str(exc).splitlines()[0]}")
                record_offline(account, failure_message(exc))
                raise exc from None
            try:
                yield driver
            except (LoginRequired, RiskBlocked, NeedsVerification) as exc:
                record_offline(account, failure_message(exc))  # the session broke while working
                raise
        finally:
            driver.close()
