"""The 验证中心 channel without a browser: a fake page records what the parked thread replays."""
import threading
import time

import pytest

from dropship.platforms import verification
from dropship.platforms.verification import BadCommand, Hub, clean_command, park, show_live


class FakeMouse:
    def __init__(self, log):
        self.log = log

    def move(self, x, y):
        self.log.append(("move", x, y))

    def down(self):
        self.log.append(("down",))

    def up(self):
        self.log.append(("up",))

    def click(self, x, y):
        self.log.append(("click", x, y))

    def wheel(self, dx, dy):
        self.log.append(("wheel", dx, dy))


class FakeKeyboard:
    def __init__(self, log):
        self.log = log

    def type(self, text, delay=0):
        self.log.append(("type", text))

    def press(self, key):
        self.log.append(("press", key))


class FakeContext:
    def __init__(self):
        self.listeners = []

    def on(self, event, callback):
        assert event == "page"
        self.listeners.append(callback)

    def remove_listener(self, event, callback):
        assert event == "page"
        self.listeners.remove(callback)

    def open_tab(self, page):
        for callback in self.listeners:
            callback(page)


class FakePage:
    viewport_size = {"width": 1280, "height": 720}

    def __init__(self, title="千牛卖家中心", context=None):
        self.log, self.closed, self.heading = [], False, title
        self.url = "https://myseller.taobao.com/home.htm"
        self.mouse, self.keyboard = FakeMouse(self.log), FakeKeyboard(self.log)
        self.context = context or FakeContext()

    def screenshot(self, **kw):
        return b"\xff\xd8jpeg"

    def title(self):
        return self.heading

    def is_closed(self):
        return self.closed

    def go_back(self, **kw):
        self.log.append(("back",))


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(verification, "FRAME_INTERVAL", 0.02)


def _park_in_thread(hub, page, solved, timeout):
    box = {}
    thread = threading.Thread(target=lambda: box.update(result=park(page, "slider", "店铺 A", "shop-1", solved,
                                                                    timeout, hub=hub)))
    thread.start()
    for _ in range(200):
        if hub.waiting():
            break
        time.sleep(0.01)
    return thread, box


def test_a_drag_is_replayed_and_solving_releases_the_task(fast):
    hub, page = Hub(), FakePage()
    thread, box = _park_in_thread(hub, page, lambda: ("up",) in page.log, timeout=5)
    item = hub.waiting()[0]
    assert item.title == "店铺 A" and item.kind == "slider"
    assert hub.send(item.id, {"type": "drag", "points": [[10, 20, 0], [100, 21, 30], [300, 22, 60]]})
    thread.join(3)
    assert box["result"] is True and hub.get(item.id).state == "solved"
    assert page.log[:3] == [("move", 10.0, 20.0), ("down",), ("move", 100.0, 21.0)] and page.log[-1] == ("up",)
    assert hub.get(item.id).frame.startswith(b"\xff\xd8") and hub.get(item.id).width == 1280
    assert not hub.send(item.id, {"type": "click", "x": 1, "y": 1})  # closed: input refused


def test_nobody_answers_then_the_task_moves_on(fast):
    hub = Hub()
    thread, box = _park_in_thread(hub, FakePage(), lambda: False, timeout=0.2)
    thread.join(3)
    assert box["result"] is False and hub.recent()[0].state == "expired" and hub.waiting() == []


def test_skip_ends_the_wait(fast):
    hub, page = Hub(), FakePage()
    thread, box = _park_in_thread(hub, page, lambda: False, timeout=5)
    hub.send(hub.waiting()[0].id, {"type": "text", "text": "123456"})
    hub.skip(hub.waiting()[0].id)
    thread.join(3)
    assert box["result"] is False and hub.recent()[0].state == "skipped" and ("type", "123456") in page.log


def _wait_for(condition):
    for _ in range(300):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("condition never became true")


def test_a_live_backend_takes_input_follows_new_tabs_and_ends_on_close(fast):
    hub, page = Hub(), FakePage()
    box = {}
    thread = threading.Thread(target=lambda: box.update(end=show_live(page, "淘宝店铺 A", "shop-1", 5, job_id=7,
                                                                      hub=hub)))
    thread.start()
    _wait_for(lambda: hub.for_job(7) is not None and hub.for_job(7).page_title)
    item = hub.for_job(7)
    assert (item.kind, item.state, item.page_title) == ("backend", "open", "千牛卖家中心")
    assert hub.waiting() == []  # a backend is not a verification waiting for someone: no badge
    assert hub.send(item.id, {"type": "wheel", "x": 10, "y": 20, "dy": 300})
    assert hub.send(item.id, {"type": "back"})
    _wait_for(lambda: ("back",) in page.log)
    assert page.log == [("move", 10.0, 20.0), ("wheel", 0, 300.0), ("back",)]

    tab = FakePage("已卖出的宝贝", page.context)
    page.context.open_tab(tab)  # a link that opens a new tab: the view follows it
    _wait_for(lambda: item.page_title == "已卖出的宝贝")
    tab.closed = True  # and comes back when it closes
    _wait_for(lambda: item.page_title == "千牛卖家中心")

    assert hub.close_view(item.id)
    thread.join(3)
    assert box["end"] == "closed" and hub.get(item.id).state == "closed"
    assert not hub.send(item.id, {"type": "click", "x": 1, "y": 1})
    assert page.context.listeners == []  # a kept browser's context serves the next job without it


@pytest.mark.parametrize("command", [
    {"type": "wheel", "x": 1, "y": 1, "dy": 99_999},
    {"type": "drag", "points": [[1, 2, 3]]},
    {"type": "drag", "points": [[1, 2, 3]] * 601},
    {"type": "drag", "points": [[1, "x", 3], [4, 5, 6]]},
    {"type": "click", "x": -5, "y": 1},
    {"type": "text", "text": "a" * 201},
    {"type": "key", "key": "F12"},
    {"type": "eval", "code": "alert(1)"},
])
def test_bad_commands_never_reach_a_page(command):
    with pytest.raises(BadCommand):
        clean_command(command)


def test_a_stopped_process_forgets_its_parked_pages():
    """Runtime.stop calls forget_all: a next app in the same process numbers its jobs from 1 again, and
    must not be shown a page the stopped workers parked for its job 1."""
    hub = Hub()
    hub.open("assist", "辅助下单", "taobao:a", timeout=60, state="open", job_id=1)
    hub.forget_all()
    assert hub.for_job(1) is None and hub.recent() == []
