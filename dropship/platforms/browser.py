"""Browser manager: find and identify a Chromium-family browser, hand out persistent per-account contexts.

Everything here may start a program (Playwright's driver, `--version`): workers only. The web layer
looks at the filesystem through `browser_paths` instead.

Playwright objects belong to the thread that created them, so every worker thread owns one
`sync_playwright()` instance (thread-local) and the contexts it opened. Chromium refuses to open
one profile twice, hence the per-account lock; the throttle's request budget keeps platforms calm.
"""
from __future__ import annotations

import functools
import logging
import os
import random
import re
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Protocol

from dropship.browser_paths import FoundBrowser, has_browser_name, is_network_path, locate_browser
from dropship.errors import TryLater, UserError
from dropship.request_budget import DEFAULT_PER_MINUTE, Ledger, MemoryLedger

log = logging.getLogger("dropship.browser")

# Flags verified on Debian as root in a closed network (STACK-NOTES.md): without the networking
# flags Chromium floods the network with refused connections at every start.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
)

# The browser must not announce automation (DESIGN.md): no --enable-automation (Playwright's default,
# which also sets navigator.webdriver), Blink's AutomationControlled feature off. Only for the
# browsers that talk to platforms; the test fixtures keep a plain automated browser on purpose.
STEALTH_ARGS: tuple[str, ...] = ("--disable-blink-features=AutomationControlled",)
STEALTH_IGNORED_DEFAULTS: tuple[str, ...] = ("--enable-automation",)
# Common desktop sizes; each profile keeps one (a device whose screen changes looks like another device)
WINDOW_SIZES: tuple[tuple[int, int], ...] = ((1366, 768), (1440, 900), (1536, 864), (1600, 900), (1920, 1080))


def window_size(account_key: str) -> tuple[int, int]:
    """The stable window size of one account's profile."""
    return WINDOW_SIZES[zlib.crc32(account_key.encode()) % len(WINDOW_SIZES)]


def user_agent(version: str, system: str = sys.platform) -> str:
    """The installed browser's ordinary (non-headless) user agent, in Chrome's reduced form:
    headless Chromium says `HeadlessChrome/…`, which anti-bot scripts look for."""
    major = (version or "").split(".")[0] or "130"
    platform = {"win32": "Windows NT 10.0; Win64; x64",
                "darwin": "Macintosh; Intel Mac OS X 10_15_7"}.get(system, "X11; Linux x86_64")
    return f"Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"


def find_browser(setting: str | None = None) -> FoundBrowser | None:
    """Where to find Chromium: `locate_browser`'s places, then Playwright's own download.

    Asking Playwright starts its driver process: call this from workers, never from a web request.
    """
    found = locate_browser(setting)
    if found is not None:
        return found
    bundled = _playwright_chromium()
    return FoundBrowser(bundled, "Playwright") if bundled else None


def _playwright_chromium() -> str | None:
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # noqa: BLE001 - no driver or no download: simply not available
        return None
    return path if path and Path(path).is_file() else None


# `--version` output of the three browsers we drive ("Chromium 156.0.8078.108", "Google Chrome 120.0…",
# "Microsoft Edge 120.0…"); on Windows the same names are the file's ProductName.
_IDENTITY_RE = re.compile(r"^\s*(Chromium|Google Chrome(?: for Testing)?|Microsoft Edge)\s+(\d+(?:\.\d+){1,3})")

# Windows browsers print nothing for --version: read the file's version resource instead (the path
# goes in through the environment, never into the command text).
_WINDOWS_VERSION_INFO = ("$v = (Get-Item -LiteralPath $env:DROPSHIP_BROWSER_FILE).VersionInfo; "
                         "Write-Output ($v.ProductName + ' ' + $v.ProductVersion)")


def _version_output(path: str) -> str:
    if sys.platform == "win32":
        command = ["powershell", "-NoProfile", "-NonInteractive", "-Command", _WINDOWS_VERSION_INFO]
        env = {**os.environ, "DROPSHIP_BROWSER_FILE": path}
    else:
        command, env = [path, "--version"], None
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=15, env=env).stdout
    except (OSError, subprocess.SubprocessError, ValueError):
        return ""


def identify_browser(path: str) -> str:
    """浏览器检测's identity check: the file's name and its version output must both say Chrome, Chromium
    or Edge. Returns e.g. "Chromium 156.0.8078.108"; raises BrowserUnavailable (Chinese) otherwise.

    This starts the file (`--version`): only the 浏览器检测 job calls it, in a worker.
    """
    if is_network_path(path) or not has_browser_name(path):
        raise BrowserUnavailable(f"浏览器检测未通过：{path} 不是 Chrome / Edge / Chromium 的程序文件")
    match = _IDENTITY_RE.match(_version_output(path))
    if match is None:
        raise BrowserUnavailable(f"浏览器检测未通过：{path} 没有报告 Chrome / Edge / Chromium 的版本，不会启动它")
    return f"{match.group(1)} {match.group(2)}"


@functools.lru_cache(maxsize=8)
def browser_version(path: str) -> str:
    """The version the browser reports, for its ordinary user agent ('' when it says nothing).

    Starts the file: workers only, like identify_browser, which has already vouched for it.
    """
    match = re.search(r"(\d+\.\d+\.\d+\.\d+)", _version_output(path))
    return match.group(1) if match else ""


class Throttle:
    """Paces one account's requests: a minimum spacing (plus jitter) on any host, and a budget of
    requests per minute per host (`request_budget`). The ledger holds what was sent; the app gives
    one in the database, because every worker process and PC must count the same requests.
    Risk cool-downs live on the account's row (Shop.cooldown_until), not here.
    """

    def __init__(self, min_interval: float = 3.0, jitter: float = 1.5, per_minute: int = DEFAULT_PER_MINUTE,
                 ledger: Ledger | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], object] = time.sleep, rng: random.Random | None = None) -> None:
        self.min_interval, self.jitter, self.per_minute = min_interval, jitter, per_minute
        self.ledger: Ledger = ledger or MemoryLedger()
        self.clock, self.sleep = clock, sleep  # wall-clock seconds: the ledger compares them across processes
        self._rng = rng or random.Random()

    def wait(self, key: str, host: str = "") -> float:
        """Block until `key` may send a request to `host` (and count it); return the seconds waited."""
        spacing = self.min_interval + self._rng.uniform(0, self.jitter)
        waited = 0.0
        while True:
            now = self.clock()
            due = self.ledger.claim(key, host, now, spacing, self.per_minute)
            if due <= now:
                return waited
            # asked again after the pause: another worker may have spent the slot meanwhile
            self.sleep(due - now)
            waited += due - now


class BrowserUnavailable(UserError):
    pass


class BrowserBusy(TryLater):
    """Another task uses this account's profile (Chromium cannot open it twice)."""


SINGLETON_FILES = ("SingletonLock", "SingletonCookie", "SingletonSocket")


def clear_stale_singleton(profile: Path) -> None:
    """Chromium marks a profile in use with `Singleton*` links naming host and pid; one left by a
    browser that died on another PC (profiles on a shared folder) makes it refuse the profile. Only
    called under the shared lock, which proves nobody else uses the profile now."""
    for name in SINGLETON_FILES:
        with suppress(FileNotFoundError):
            (profile / name).unlink()


class ProfileWants(Protocol):
    """Wants across worker processes and PCs (a shared database): who waits for a profile another holds."""

    def want(self, account_key: str) -> None: ...

    def got(self, account_key: str) -> None: ...

    def wanted(self, account_keys: list[str]) -> set[str]: ...


SHARED_POLL = 0.25  # seconds between tries for a profile another worker keeps, while it lets go
WANTS_CHECK = 0.5  # how often an idle account thread asks whether another worker wants its browser


class _Opened:
    """A launched browser context and the locks that keep its profile ours; `close()` gives both up."""

    def __init__(self, context, fit: str, locks: ExitStack) -> None:
        self.context, self.fit, self._locks = context, fit, locks
        self.alive = True
        context.on("close", self._gone)  # once per launch: the browser died or was closed

    def _gone(self, *_: object) -> None:
        self.alive = False

    def tidy(self) -> bool:
        """Leave one blank page, as a fresh launch does, for the next job; False if the browser is gone."""
        try:
            blank = self.context.new_page()
            for page in self.context.pages:
                if page is not blank:
                    page.close()
        except Exception:  # noqa: BLE001 - any Playwright failure: this browser is not worth keeping
            return False
        return self.alive

    def close(self) -> None:
        try:
            if self.alive:
                with suppress(Exception):  # the browser may already be gone; closing it comes before the locks go
                    self.context.close()
        finally:
            self._locks.close()


class BrowserManager:
    """Persistent contexts per account, one Playwright per worker thread, a lock per account.

    An account thread of a worker process (`keep_for()` names its account) keeps that account's
    browser open after a session that ended cleanly, and the account's next session on the thread
    reuses it when it would be launched the same way; anyone else who wants the profile (another
    thread, or through `wants` another worker process or PC) makes the idle thread close it
    (`release_wanted`, within a second) while it waits.
    """

    def __init__(self, profiles_dir: Path, executable: Callable[[], str | None] = lambda: None,
                 headless: Callable[[], bool] = lambda: True, throttle: Throttle | None = None,
                 shared_lock: Callable[[str], AbstractContextManager[object]] | None = None,
                 keep_for: Callable[[], str | None] = lambda: None, wants: ProfileWants | None = None) -> None:
        self.profiles_dir = Path(profiles_dir)
        self.shared_lock = shared_lock
        # Both are read at each launch: the 设置 page may change them while the app runs.
        self.executable_setting = executable
        self.headless_setting = headless
        self.throttle = throttle or Throttle()
        self.keep_for = keep_for
        self.wants = wants
        self.launches = 0  # browsers started by this process (benchmarks and tests read it)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_mutex = threading.Lock()
        self._wanted: set[str] = set()  # accounts a session waits for while another thread keeps them
        self._local = threading.local()

    # Playwright is bound to the thread that started it (greenlets): one per worker thread.
    def _playwright(self):
        pw = getattr(self._local, "playwright", None)
        if pw is None:
            from playwright.sync_api import sync_playwright

            pw = sync_playwright().start()
            self._local.playwright = pw
        return pw

    def _kept(self) -> dict[str, _Opened]:
        kept = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = {}
        return kept

    def stop_thread(self) -> None:
        """Close this thread's kept browsers and stop its Playwright. Call at worker exit."""
        kept = self._kept()
        while kept:
            kept.popitem()[1].close()
        pw = getattr(self._local, "playwright", None)
        if pw is not None:
            self._local.playwright = None
            pw.stop()

    def release_wanted(self) -> None:
        """Close this thread's kept browsers that a session elsewhere waits for."""
        kept = self._kept()
        wanted = {key for key in kept if key in self._wanted}
        now = time.monotonic()
        if kept and self.wants is not None and now - getattr(self._local, "asked", 0.0) >= WANTS_CHECK:
            self._local.asked = now
            wanted |= self.wants.wanted(list(kept))
        for key in wanted:
            self._wanted.discard(key)
            kept.pop(key).close()

    def _wanted_elsewhere(self, account_key: str) -> bool:
        return self.wants is not None and account_key in self.wants.wanted([account_key])

    def lock_for(self, account_key: str) -> threading.Lock:
        with self._locks_mutex:
            return self._locks.setdefault(account_key, threading.Lock())

    def resolve_executable(self) -> str:
        found = find_browser(self.executable_setting())
        if found is None:
            raise BrowserUnavailable("没有找到可用的浏览器：请安装 Chrome / Edge / Chromium，或在 设置 › 浏览器 填写路径")
        return found.path

    def profile_dir(self, account_key: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", account_key)
        return self.profiles_dir / safe

    def _launch_options(self, account_key: str, headed: bool, context_options: dict) -> dict:
        executable = self.resolve_executable()
        width, height = window_size(account_key)
        # Chromium's new headless mode (the only one left in current Chromium), dressed as the
        # installed browser: its normal UA, zh-CN, China time, one window size per profile.
        return {"executable_path": executable, "headless": self.headless_setting() and not headed,
                "args": [*CHROMIUM_ARGS, *STEALTH_ARGS, f"--window-size={width},{height}"],
                "ignore_default_args": list(STEALTH_IGNORED_DEFAULTS),
                "user_agent": user_agent(browser_version(executable)), "locale": "zh-CN",
                "timezone_id": "Asia/Shanghai", "viewport": {"width": width, "height": height},
                "screen": {"width": width, "height": height}, **context_options}

    def _lock(self, account_key: str, wait: float, locks: ExitStack) -> None:
        lock = self.lock_for(account_key)
        if not lock.acquire(blocking=False):
            self._wanted.add(account_key)  # if an account thread keeps it idle, it lets go now
            if not lock.acquire(timeout=wait):
                raise BrowserBusy("该账号的浏览器正被其他任务使用，稍后自动继续", delay=5)
        locks.callback(lock.release)
        self._wanted.discard(account_key)
        if self.shared_lock:
            # held inside the thread lock: other processes (other PCs sharing the profiles) keep out too
            self._take_shared(account_key, time.monotonic() + wait, locks)

    def _take_shared(self, account_key: str, deadline: float, locks: ExitStack) -> None:
        """The shared lock; while another worker keeps the profile, ask for it and try again until `deadline`."""
        asked = False
        while True:
            try:
                locks.enter_context(self.shared_lock(account_key))
                break
            except TryLater:
                if self.wants is None or time.monotonic() >= deadline:
                    raise
                if not asked:
                    self.wants.want(account_key)
                    asked = True
                time.sleep(SHARED_POLL)
        if self.wants is not None:
            self.wants.got(account_key)  # ours now: an old want must not make us give it up

    def _launch(self, account_key: str, options: dict, fit: str, wait: float) -> _Opened:
        with ExitStack() as locks:
            self._lock(account_key, wait, locks)
            profile = self.profile_dir(account_key)
            profile.mkdir(parents=True, exist_ok=True)
            if self.shared_lock:
                clear_stale_singleton(profile)
            context = self._playwright().chromium.launch_persistent_context(user_data_dir=str(profile), **options)
            self.launches += 1
            log.info("browser launched for %s (%d in this process)", account_key, self.launches)
            return _Opened(context, fit, locks.pop_all())

    @contextmanager
    def session(self, account_key: str, headed: bool = False, wait: float = 2.0,
                **context_options) -> Iterator[object]:
        """A persistent browser context for one account; exclusive while the block runs.

        A busy profile raises BrowserBusy after `wait` seconds rather than blocking a worker that
        other jobs could use; the queue retries the job a little later.
        """
        options = self._launch_options(account_key, headed, context_options)
        fit = repr(sorted(options.items()))
        opened = self._kept().pop(account_key, None)
        if opened is not None and (opened.fit != fit or not opened.alive):
            opened.close()  # launched another way (headed, another browser) or gone: start afresh
            opened = None
        if opened is None:
            opened = self._launch(account_key, options, fit, wait)
        clean = False
        try:
            yield opened.context
            clean = True
        finally:
            if (clean and self.keep_for() == account_key and account_key not in self._wanted
                    and not self._wanted_elsewhere(account_key) and opened.tidy()):
                self._kept()[account_key] = opened
            else:
                self._wanted.discard(account_key)  # whoever wanted it gets it now
                opened.close()
