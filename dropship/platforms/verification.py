"""验证中心 channel: a worker thread parks a page that needs a person; web threads watch and act on it.

Playwright objects belong to the worker thread that made them, so the web side never touches the
page. It reads the latest screenshot the parked thread took, and posts input commands (a drag, a
click, typed text) that the parked thread replays on the page. The thread returns when the
driver's `solved()` check passes, when someone skips it, or when nobody answered in time.

The same channel carries 打开后台 and 辅助下单 on a PC without a screen (`show_live`): the account's
backend page, or the supplier page a purchase is bought in, stays parked as a live view that a
person uses from any LAN PC until they close it (or, for 辅助下单, until their order is found).

Where the parked pages live is the hub's store (`dropship.configure_channel` picks it): `MemoryStore`
when one process runs the web and the workers on one PC's SQLite (the desktop app, as always), the
database (`dropship.coordination.DatabaseStore`) when web and workers are separate processes or PCs,
so the 验证中心 of a web process drives a page parked by a worker elsewhere.
"""
from __future__ import annotations

import os
import queue
import secrets
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

FRAME_INTERVAL = 0.5  # ~2 screenshots a second while parked
KEEP_CLOSED = 120.0  # seconds a finished verification stays visible with its outcome
MAX_POINTS = 600
MAX_TEXT = 200
KEYS = {"Enter", "Backspace", "Tab", "Delete", "Escape", "ArrowLeft", "ArrowRight", "PageUp", "PageDown"}
MAX_WHEEL = 4000  # pixels one wheel command may scroll

# waiting: a verification for a person (the header badge counts these); open: a live 打开后台 view
STATES = {"waiting": "等待处理", "open": "使用中", "solved": "验证通过", "expired": "超时未处理", "skipped": "已跳过",
          "closed": "已关闭"}
LIVE_STATES = ("waiting", "open")
ENDINGS = {"skip": "skipped", "close": "closed"}  # commands that end a parked page, and the state they leave


def display_available() -> bool:
    """Whether this PC can show a browser window; without one 打开后台 becomes a live view here."""
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def needs_live_view(remote: bool) -> bool:
    """Whether a page a person must use (辅助下单) goes to 验证中心's live view rather than a window on
    this PC: when they asked from another PC of the LAN (`remote`: a window here, where nobody may
    sit, would not reach them) or when this PC has no screen."""
    return remote or not display_available()


class BadCommand(ValueError):
    pass


@dataclass
class Verification:
    id: str
    kind: str  # slider | sms | qr | backend (打开后台) | assist (辅助下单)
    title: str
    account_key: str
    created_at: datetime
    deadline: float  # time.time(): wall clock, which the PCs of a LAN agree on
    state: str = "waiting"
    frame: bytes = b""
    frame_no: int = 0
    width: int = 0
    height: int = 0
    closed_at: float = 0.0
    job_id: int | None = None  # the 打开后台 / 辅助下单 job that parked the page
    page_title: str = ""  # what the page shows now, as text beside the picture
    page_url: str = ""

    @property
    def live(self) -> bool:
        """Still parked: the page takes input."""
        return self.state in LIVE_STATES

    @property
    def seconds_left(self) -> int:
        return max(0, int(self.deadline - time.time()))

    @property
    def waiting_seconds(self) -> int:
        return int((datetime.now() - self.created_at).total_seconds())


FRAME_FIELDS = ("frame", "frame_no", "width", "height", "page_title", "page_url")


class Store(Protocol):
    """Where parked pages and the commands for them are kept (one process's memory, or shared)."""

    def add(self, item: Verification) -> None: ...

    def save(self, item: Verification, names: tuple[str, ...]) -> None: ...

    def get(self, item_id: str) -> Verification | None: ...

    def items(self) -> list[Verification]: ...  # recent ones, frames left out; forgets the old

    def push(self, item_id: str, command: dict[str, Any]) -> None: ...

    def take(self, item_id: str, timeout: float) -> dict[str, Any] | None: ...

    def forget_all(self) -> None: ...


class MemoryStore:
    """The parked pages of this process: its web threads see only what its own workers parked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Verification] = {}
        self._commands: dict[str, queue.Queue] = {}

    def add(self, item: Verification) -> None:
        with self._lock:
            self._items[item.id] = item
            self._commands[item.id] = queue.Queue()

    def save(self, item: Verification, names: tuple[str, ...]) -> None:
        """Nothing to write: web threads read the very object the worker changed."""

    def get(self, item_id: str) -> Verification | None:
        with self._lock:
            return self._items.get(item_id)

    def items(self) -> list[Verification]:
        now = time.time()
        with self._lock:
            for key in [k for k, v in self._items.items() if not v.live and now - v.closed_at > KEEP_CLOSED]:
                del self._items[key], self._commands[key]
            return list(self._items.values())

    def push(self, item_id: str, command: dict[str, Any]) -> None:
        with self._lock:
            commands = self._commands.get(item_id)
        if commands is not None:
            commands.put(command)

    def take(self, item_id: str, timeout: float) -> dict[str, Any] | None:
        with self._lock:
            commands = self._commands[item_id]
        try:
            return commands.get(timeout=timeout)
        except queue.Empty:
            return None

    def forget_all(self) -> None:
        with self._lock:
            self._items.clear()
            self._commands.clear()


class Hub:
    """The parked verifications and live views, over a store (`use` swaps it when the app starts)."""

    def __init__(self, store: Store | None = None) -> None:
        self.store: Store = store or MemoryStore()

    def use(self, store: Store) -> None:
        self.store = store

    def open(self, kind: str, title: str, account_key: str, timeout: float, state: str = "waiting",
             job_id: int | None = None) -> Verification:
        item = Verification(secrets.token_urlsafe(9), kind, title, account_key, datetime.now(),
                            time.time() + timeout, state=state, job_id=job_id)
        self.store.add(item)
        return item

    def publish(self, item: Verification) -> None:
        """The parked thread took a new frame of its page."""
        self.store.save(item, FRAME_FIELDS)

    def close(self, item: Verification, state: str) -> None:
        item.state, item.closed_at = state, time.time()
        self.store.save(item, ("state", "closed_at"))

    def get(self, item_id: str) -> Verification | None:
        return self.store.get(item_id)

    def for_job(self, job_id: int) -> Verification | None:
        """The live view a 打开后台 / 辅助下单 job parked (None before it is parked or once it is forgotten);
        its newest one, should a re-run of the job have parked another."""
        return max((v for v in self.store.items() if v.job_id == job_id), key=lambda v: v.created_at,
                   default=None)

    def waiting(self) -> list[Verification]:
        return sorted((v for v in self.store.items() if v.state == "waiting"), key=lambda v: v.created_at)

    def recent(self) -> list[Verification]:
        return sorted(self.store.items(), key=lambda v: v.created_at, reverse=True)

    def send(self, item_id: str, command: dict[str, Any]) -> bool:
        item = self.get(item_id)
        if item is None or not item.live:
            return False
        self.store.push(item_id, clean_command(command))
        return True

    def take(self, item: Verification, timeout: float) -> dict[str, Any] | None:
        """The next command for a page this thread parked, waiting at most `timeout` seconds."""
        return self.store.take(item.id, timeout)

    def skip(self, item_id: str) -> bool:
        return self.send(item_id, {"type": "skip"})

    def close_view(self, item_id: str) -> bool:
        return self.send(item_id, {"type": "close"})

    def forget_all(self) -> None:
        """This process's workers stopped: the pages they parked went with them (and a next app in
        the same process, as in tests, numbers its jobs from 1 again)."""
        self.store.forget_all()


HUB = Hub()


def _number(value: Any, low: float, high: float) -> float:
    """A coordinate or time from the browser: a JSON number within [low, high] (so never NaN or ∞)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadCommand("坐标无效")
    try:
        number = float(value)  # a JSON integer of 400 digits does not fit a float: OverflowError
    except OverflowError:
        raise BadCommand("坐标超出范围") from None
    if not low <= number <= high:
        raise BadCommand("坐标超出范围")
    return number


def clean_command(command: dict[str, Any]) -> dict[str, Any]:
    """Validate input relayed from a browser before it reaches a platform page."""
    kind = command.get("type")
    if not isinstance(kind, str):  # a list or object is unhashable and would 500 in the lookups below
        raise BadCommand("未知操作")
    if kind in ENDINGS or kind == "back":
        return {"type": kind}
    if kind == "click":
        return {"type": "click", "x": _number(command.get("x"), 0, 4000), "y": _number(command.get("y"), 0, 4000)}
    if kind == "drag":
        points = command.get("points")
        if not isinstance(points, list) or not 2 <= len(points) <= MAX_POINTS:
            raise BadCommand("拖动轨迹无效")
        track = []
        for point in points:
            if not isinstance(point, list | tuple) or len(point) != 3:
                raise BadCommand("拖动轨迹无效")
            track.append((_number(point[0], 0, 4000), _number(point[1], 0, 4000), _number(point[2], 0, 600_000)))
        return {"type": "drag", "points": track}
    if kind == "text":
        text = str(command.get("text", ""))
        if not text or len(text) > MAX_TEXT:
            raise BadCommand(f"输入内容应为 1–{MAX_TEXT} 个字符")
        return {"type": "text", "text": text}
    if kind == "key":
        key = str(command.get("key", ""))
        if key not in KEYS:
            raise BadCommand("不支持的按键")
        return {"type": "key", "key": key}
    if kind == "wheel":
        return {"type": "wheel", "x": _number(command.get("x"), 0, 4000), "y": _number(command.get("y"), 0, 4000),
                "dy": _number(command.get("dy"), -MAX_WHEEL, MAX_WHEEL)}
    raise BadCommand("未知操作")


def _replay(page, command: dict[str, Any]) -> None:
    mouse = page.mouse
    if command["type"] == "click":
        mouse.click(command["x"], command["y"])
    elif command["type"] == "drag":
        points = command["points"]
        mouse.move(points[0][0], points[0][1])
        mouse.down()
        previous = points[0][2]
        for x, y, t in points[1:]:
            # Keep the person's rhythm (sliders look at timing) but never stall on a long pause.
            time.sleep(min(max(t - previous, 0), 80) / 1000)
            previous = t
            mouse.move(x, y)
        mouse.up()
    elif command["type"] == "text":
        page.keyboard.type(command["text"], delay=30)
    elif command["type"] == "key":
        page.keyboard.press(command["key"])
    elif command["type"] == "wheel":
        mouse.move(command["x"], command["y"])  # the wheel scrolls what is under the pointer
        mouse.wheel(0, command["dy"])
    elif command["type"] == "back":
        page.go_back(wait_until="commit")


def park(page, kind: str, title: str, account_key: str, solved: Callable[[], bool], timeout: float,
         hub: Hub = HUB) -> bool:
    """Block this worker thread until a person solves the challenge on `page` (True) or not (False)."""
    item = hub.open(kind, title, account_key, timeout)
    return _serve(hub, item, lambda: page, solved, "expired") == "solved"


def show_live(page, title: str, account_key: str, timeout: float, job_id: int, hub: Hub = HUB,
              kind: str = "backend", done: Callable[[], bool] = lambda: False) -> str:
    """打开后台 (or 辅助下单, `kind` "assist") without a screen: keep `page` as a live view in 验证中心
    until someone closes it ("closed"), `done()` finds the person's work done ("solved"), or
    `timeout` seconds pass ("closed" for 打开后台, else "expired"); returns how it ended.

    A tab opened meanwhile is shown in its place while it stays open: for 打开后台 any tab of the
    context (backends open many); for 辅助下单 only the page's own popups, as the driver reads the
    order list in another page of the context meanwhile."""
    pages = [page]
    backend = kind == "backend"
    source, event = (page.context, "page") if backend else (page, "popup")

    def opened(tab) -> None:  # a function of ours: Playwright tags the handler (a builtin would not do)
        pages.append(tab)

    source.on(event, opened)
    item = hub.open(kind, title, account_key, timeout, state="open", job_id=job_id)
    try:
        return _serve(hub, item, lambda: next((p for p in reversed(pages) if not p.is_closed()), page), done,
                      "closed" if backend else "expired")
    finally:
        source.remove_listener(event, opened)  # the context may serve the account's next job (a kept browser)


def _serve(hub: Hub, item: Verification, current: Callable, solved: Callable[[], bool], timed_out: str) -> str:
    """Screenshot the current page ~2/s and replay the commands in between, until `solved()`, an
    ending command, or the deadline (`timed_out` is then the outcome); returns the outcome."""
    from playwright.sync_api import Error as PlaywrightError

    outcome = timed_out
    try:
        while time.time() < item.deadline:
            page = current()
            try:
                if solved():
                    outcome = "solved"
                    return outcome
                size = page.viewport_size or {"width": 0, "height": 0}
                item.frame = page.screenshot(type="jpeg", quality=70)
                item.width, item.height = size["width"], size["height"]
                item.page_title, item.page_url = page.title(), page.url
                item.frame_no += 1
                hub.publish(item)
            except PlaywrightError:
                pass  # mid-navigation: the next frame will do
            until = time.monotonic() + FRAME_INTERVAL
            while (left := until - time.monotonic()) > 0:
                command = hub.take(item, left)
                if command is None:
                    break
                if command["type"] in ENDINGS:
                    outcome = ENDINGS[command["type"]]
                    return outcome
                # If the page moved on under the person's hand, they simply see the new frame.
                with suppress(PlaywrightError):
                    _replay(page, command)
        return outcome
    finally:
        hub.close(item, outcome)
