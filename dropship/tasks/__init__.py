"""Task entrances: thin orchestration run by Huey workers. Importing this package registers every job kind.

`configure_tasks()` gives the tasks what the process knows (the browser manager); tasks read
business settings from the database each time, so a change on the 设置 page applies at once.
"""
from __future__ import annotations

from dropship.account_threads import current_account
from dropship.config import Settings
from dropship.db import shared_database
from dropship.platforms.browser import BrowserManager, Throttle
from dropship.queue import (
    WORKER_ID,
    keep_accounts,
    lease_holder_dead,
    on_account_idle,
    on_worker_exit,
    worker_lease,
)
from dropship.services.purchasing import locks

_browsers: BrowserManager | None = None
_settings: Settings | None = None
BROWSER_BUSY = "该账号的浏览器正被其他任务使用，稍后自动继续"


def configure_tasks(settings: Settings) -> None:
    global _browsers, _settings
    from dropship.services.budget import DatabaseLedger
    from dropship.services.settings import get_setting
    from dropship.tasks.browser_check import approved_browser_path

    _settings = settings
    _browsers = BrowserManager(
        settings.profiles_path,
        # a 设置 path is started only once 浏览器检测 identified it as Chrome / Edge / Chromium
        executable=approved_browser_path,
        headless=lambda: settings.headless and not get_setting("browser.headed"),
        # the request budget is counted in the database: every worker process spends the same one
        throttle=Throttle(settings.throttle_seconds, settings.throttle_jitter, settings.requests_per_minute,
                          ledger=DatabaseLedger()),
        # one Chromium per profile across the worker processes of every PC sharing the profiles
        # folder (on one PC, as before, the thread lock and Chromium's own profile lock do)
        shared_lock=_profile_lease if shared_database() else None,
        # a worker process runs an account's jobs on its own thread, which keeps the browser between them
        keep_for=current_account,
        wants=_ProfileWants() if shared_database() else None,
    )
    keep_accounts(lambda: settings.browser_keep_seconds,
                  elsewhere=_profile_kept_elsewhere if shared_database() else None)


def _profile_lease(account_key: str):
    return worker_lease(_profile_key(account_key), BROWSER_BUSY, delay=5)


def _profile_kept_elsewhere(account_key: str) -> bool:
    # another PC's worker has the account's browser open: its account thread takes the account's jobs
    return locks.held_elsewhere(_profile_key(account_key), WORKER_ID, lease_holder_dead)


def _profile_key(account_key: str) -> str:
    return f"browser-{account_key}"


class _ProfileWants:
    """A worker waiting for a profile another PC's worker keeps open asks it to let go (locks.want)."""

    def want(self, account_key: str) -> None:
        locks.want(_profile_key(account_key), WORKER_ID)

    def got(self, account_key: str) -> None:
        locks.got(_profile_key(account_key))

    def wanted(self, account_keys: list[str]) -> set[str]:
        found = locks.wanted([_profile_key(key) for key in account_keys])
        return {key for key in account_keys if _profile_key(key) in found}


def browsers() -> BrowserManager:
    if _browsers is None:
        raise RuntimeError("configure_tasks() was not called")
    return _browsers


def settings() -> Settings:
    if _settings is None:
        raise RuntimeError("configure_tasks() was not called")
    return _settings


def _stop_playwright() -> None:
    if _browsers is not None:
        _browsers.stop_thread()


def _release_wanted() -> None:
    if _browsers is not None:
        _browsers.release_wanted()


on_worker_exit(_stop_playwright)
on_account_idle(_release_wanted)


# Importing each task module registers its job kinds with the queue.
from dropship.tasks import (  # noqa: E402,F401
    accounts,
    aftersales,
    auto_purchase,
    backup,
    baitong,
    browser_check,
    maintenance,
    orders,
    purchase_cancel,
    purchase_sync,
    purchasing,
    shipping,
    shops,
)
