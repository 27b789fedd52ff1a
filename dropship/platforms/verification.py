"""验证中心 channel: a worker thread parks a page that needs a person; web threads watch and act on it.

Playwright objects belong to the worker thread that made them, so the web side never touches the
page. It reads the latest screenshot the parked thread took, and posts input commands (a drag, a
click, typed text) that the parked thread replays on the page. The thread returns when the
driver's `solved()` check passes, when someone skips it, or when nobody answered in time.
"""
from __future__ import annotations

import queue
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FRAME_INTERVAL = 0.5  # ~2 screenshots a second while parked
KEEP_CLOSED = 120.0  # seconds a finished verification stays visible with its outcome
MAX_POINTS = 600
MAX_TEXT = 200
KEYS = {"Enter", "Backspace", "Tab", "Delete", "Escape", "ArrowLeft", "ArrowRight"}

STATES = {"waiting": "等待处理", "solved": "验证通过", "expired": "超时未处理", "skipped": "已跳过"}


class BadCommand(ValueError):
    pass


@dataclass
class Verification:
    id: str
    kind: str  # slider | sms | qr
    title: str
    account_key: str
    created_at: datetime
    deadline: float  # time.monotonic()
    state: str = "waiting"
    frame: bytes = b""
    frame_no: int = 0
    width: int = 0
    height: int = 0
    closed_at: float = 0.0
    commands: queue.Queue = field(default_factory=queue.Queue, repr=False)

    @property
    def seconds_left(self) -> int:
        return max(0, int(self.deadline - time.monotonic()))

    @property
    def waiting_seconds(self) -> int:
        return int((datetime.now() - self.created_at).total_seconds())


class Hub:
    """All parked verifications of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Verification] = {}

    def open(self, kind: str, title: str, account_key: str, timeout: float) -> Verification:
        item = Verification(secrets.token_urlsafe(9), kind, title, account_key, datetime.now(),
                            time.monotonic() + timeout)
        with self._lock:
            self._forget_old()
            self._items[item.id] = item
        return item

    def close(self, item: Verification, state: str) -> None:
        with self._lock:
            item.state, item.closed_at = state, time.monotonic()

    def get(self, item_id: str) -> Verification | None:
        with self._lock:
            return self._items.get(item_id)

    def waiting(self) -> list[Verification]:
        with self._lock:
            return sorted((v for v in self._items.values() if v.state == "waiting"), key=lambda v: v.created_at)

    def recent(self) -> list[Verification]:
        with self._lock:
            self._forget_old()
            return sorted(self._items.values(), key=lambda v: v.created_at, reverse=True)

    def send(self, item_id: str, command: dict[str, Any]) -> bool:
        item = self.get(item_id)
        if item is None or item.state != "waiting":
            return False
        item.commands.put(clean_command(command))
        return True

    def skip(self, item_id: str) -> bool:
        return self.send(item_id, {"type": "skip"})

    def _forget_old(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._items.items() if v.state != "waiting" and now - v.closed_at > KEEP_CLOSED]:
            del self._items[key]


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
    if kind == "skip":
        return {"type": "skip"}
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


def park(page, kind: str, title: str, account_key: str, solved: Callable[[], bool], timeout: float,
         hub: Hub = HUB) -> bool:
    """Block this worker thread until a person solves the challenge on `page` (True) or not (False)."""
    from playwright.sync_api import Error as PlaywrightError

    item = hub.open(kind, title, account_key, timeout)
    outcome = "expired"
    try:
        while time.monotonic() < item.deadline:
            try:
                if solved():
                    outcome = "solved"
                    return True
                size = page.viewport_size or {"width": 0, "height": 0}
                item.frame = page.screenshot(type="jpeg", quality=70)
                item.width, item.height = size["width"], size["height"]
                item.frame_no += 1
            except PlaywrightError:
                pass  # mid-navigation: the next frame will do
            until = time.monotonic() + FRAME_INTERVAL
            while (left := until - time.monotonic()) > 0:
                try:
                    command = item.commands.get(timeout=left)
                except queue.Empty:
                    break
                if command["type"] == "skip":
                    outcome = "skipped"
                    return False
                # If the page moved on under the person's hand, they simply see the new frame.
                with suppress(PlaywrightError):
                    _replay(page, command)
        return False
    finally:
        hub.close(item, outcome)
