"""One place that turns a Shop row into a logged-in seller driver inside its own browser profile.

It checks the cool-down, opens the shop's persistent profile (locked per shop), proves the
session with a cheap read, logs in again with the stored password when allowed, and records the
outcome in 登录状态. Every task that talks to a shop goes through `open_shop_backend`.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from dropship.models import Shop
from dropship.platforms import verification
from dropship.platforms.base import LoginRequired, NeedsVerification, PlatformError, RiskBlocked
from dropship.platforms.origins import Origins
from dropship.platforms.taobao_seller import TaobaoSeller
from dropship.services.shops import PLATFORMS, cooling_down, record_risk, set_login_state, state_for_error
from dropship.tasks import browsers, settings


def origins() -> Origins:
    s = settings()
    return Origins(s.sandbox_port) if s.sandbox and s.sandbox_port else Origins()


def account_key(shop: Shop) -> str:
    return shop_thread(shop.id)


def shop_thread(shop_id: int, **_: Any) -> str:
    """`job_task(account=…)` for a shop's jobs: they share the thread that keeps the shop's browser."""
    return f"shop-{shop_id}"


def shop_title(shop: Shop) -> str:
    """How 验证中心 names the shop."""
    return f"{PLATFORMS.get(shop.platform, '')}店铺 {shop.display_name}"


def _verifier(shop: Shop):
    title = shop_title(shop)
    timeout = settings().verification_timeout_minutes * 60

    def verify(page, kind: str, solved) -> bool:
        set_login_state(shop, "needs_verification", "等待在验证中心完成验证")
        return verification.park(page, kind, title, account_key(shop), solved, timeout)

    return verify


def _ensure_login(driver: TaobaoSeller, shop: Shop, force_login: bool) -> None:
    identity = driver.whoami()
    if identity is not None and shop.platform_user_id and identity.user_id != shop.platform_user_id:
        raise PlatformError("浏览器里登录的是另一个账号，请点“授权”重新登录本店铺")
    if identity is not None and not force_login:
        try:
            driver.check_session()
        except LoginRequired:
            identity = None
    if identity is None or force_login:
        if not (force_login or shop.auto_login):
            raise LoginRequired("店铺登录已失效，且未开启店铺筛选自动登录：请点“授权”")
        identity = driver.login(shop.login, shop.password)
    changes = {Shop.login_state: "ok", Shop.login_message: "", Shop.login_checked_at: datetime.now(),
               Shop.platform_user_id: identity.user_id}
    if identity.nick and not shop.is_sub_account:
        changes[Shop.nick] = identity.nick
    Shop.update(changes).where(Shop.id == shop.id).execute()


@contextmanager
def open_shop_backend(shop: Shop, force_login: bool = False, headed: bool = False) -> Iterator[TaobaoSeller]:
    """Yield a logged-in driver for `shop`; failures update 登录状态 and propagate (Chinese message)."""
    now = datetime.now()
    if cooling_down(shop, now):
        minutes = int((shop.cooldown_until - now).total_seconds() // 60) + 1
        raise RiskBlocked(f"店铺处于风控冷却中，约 {minutes} 分钟后自动恢复")
    from playwright.sync_api import Error as PlaywrightError

    manager = browsers()
    key = account_key(shop)

    def record(exc: Exception) -> None:
        state, message = state_for_error(exc)
        if state == "risk":  # the cool-down lives on the Shop row: every process sees it
            record_risk(shop, message, timedelta(minutes=settings().cooldown_minutes))
        else:
            set_login_state(shop, state, message)

    with manager.session(key, headed=headed or shop.headed) as context:
        driver = TaobaoSeller(context, origins(), shop.platform, throttle=lambda host: manager.throttle.wait(key, host),
                              verifier=_verifier(shop))
        try:
            try:
                _ensure_login(driver, shop, force_login)
            except (PlatformError, PlaywrightError) as exc:
                record(exc)  # any failure while logging in is a 登录状态 (网络错误 for browser errors)
                if isinstance(exc, PlaywrightError):
                    raise PlatformError(f"网络错误：{str(exc).splitlines()[0]}") from exc
                raise
            try:
                yield driver
            except (LoginRequired, RiskBlocked, NeedsVerification) as exc:
                record(exc)  # the session broke while working
                raise
        finally:
            driver.close()
