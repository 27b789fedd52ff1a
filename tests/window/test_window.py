"""`python app.py --window` for real: pywebview's Qt backend on a virtual screen (`make test-window`).

Not part of `make test`: PyQt6-WebEngine is a ~500 MB download, more than the window is worth on every CI
run. Playwright reaches the window's own web engine through its DevTools port (Qt WebEngine is Chromium),
so the test types into the same page a seller sees. The window is closed the way its × does it (the
WM_DELETE_WINDOW message a window manager sends), and the process must then stop by itself.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import websocket

from dropship.demo import DEMO_PASSWORD, DEMO_PHONE
from tests.helpers import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
TITLE = "代发工作台"


@pytest.fixture
def screen() -> Iterator[str]:
    xvfb = shutil.which("Xvfb")
    assert xvfb, "make test-window installs Xvfb (apt package xvfb)"
    number = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    server = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), timeout=10, what="Xvfb")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def start_window(data_dir: Path, display: str, log: Path) -> tuple[subprocess.Popen, int]:
    devtools = free_port()
    env = {**os.environ, "DISPLAY": display, "PYWEBVIEW_GUI": "qt", "QT_QPA_PLATFORM": "xcb",
           "QTWEBENGINE_REMOTE_DEBUGGING": str(devtools), "PYTHONUNBUFFERED": "1",
           # no session bus on a bare Xvfb: without this Chromium spawns dbus-launch daemons that outlive us
           "DBUS_SESSION_BUS_ADDRESS": "disabled:",
           # root in CI: Chromium's sandbox refuses to start as root
           "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox" if os.geteuid() == 0 else ""}
    process = subprocess.Popen([sys.executable, "app.py", "--window", "--demo", "--port", str(free_port()),
                                "--data-dir", str(data_dir)], cwd=ROOT, env=env,
                               stdout=log.open("ab"), stderr=subprocess.STDOUT)
    return process, devtools


class WindowPage:
    """The page inside the Qt window, over its DevTools websocket. (Playwright cannot attach: Qt WebEngine
    refuses its browser-context commands, so this speaks the few CDP calls the test needs.)"""

    def __init__(self, devtools: int) -> None:
        def app_target():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{devtools}/json", timeout=2) as answer:
                    targets = json.load(answer)
            except OSError:  # the window's engine is still starting
                return None
            return next((t for t in targets if t["type"] == "page" and t["url"].startswith("http://127.0.0.1")),
                        None)

        target = wait_until(app_target, timeout=120, what="the window's page")
        self.socket = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=30)
        self.calls = 0

    def call(self, method: str, **params) -> dict:
        self.calls += 1
        self.socket.send(json.dumps({"id": self.calls, "method": method, "params": params}))
        while True:
            answer = json.loads(self.socket.recv())
            if answer.get("id") == self.calls:
                assert "error" not in answer, answer
                return answer["result"]

    def js(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, expression: str, what: str):
        return wait_until(lambda: self.js(expression), timeout=60, what=what)

    def type_into(self, selector: str, text: str) -> None:
        self.wait_for(f"!!document.querySelector({json.dumps(selector)})", selector)
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=text)

    def click(self, selector: str) -> None:
        self.wait_for(f"!!document.querySelector({json.dumps(selector)})", selector)
        self.js(f"document.querySelector({json.dumps(selector)}).click()")

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)  # pytest-playwright empties test-results/ at start
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        self.socket.close()


def close_like_its_x_button(display: str) -> None:
    """Send WM_DELETE_WINDOW to the top-level window titled 代发工作台, as a window manager does for ×."""
    from Xlib import X, protocol
    from Xlib import display as xdisplay

    screen = xdisplay.Display(display)
    try:
        utf8, net_name = screen.intern_atom("UTF8_STRING"), screen.intern_atom("_NET_WM_NAME")
        protocols, delete = screen.intern_atom("WM_PROTOCOLS"), screen.intern_atom("WM_DELETE_WINDOW")
        for window in screen.screen().root.query_tree().children:
            name = window.get_full_property(net_name, utf8)
            if name is not None and name.value.decode() == TITLE:
                event = protocol.event.ClientMessage(window=window, client_type=protocols,
                                                     data=(32, [delete, X.CurrentTime, 0, 0, 0]))
                window.send_event(event, event_mask=X.NoEventMask)
                screen.flush()
                return
        raise AssertionError(f"no window titled {TITLE}")
    finally:
        screen.close()


def stop(process: subprocess.Popen, display: str) -> tuple[int, list[str]]:
    """Close the window; return the exit code and the child processes still alive afterwards."""
    children = psutil.Process(process.pid).children(recursive=True)
    close_like_its_x_button(display)
    code = process.wait(60)
    time.sleep(1)  # the engine's helpers get a moment to follow their parent
    return code, [f"{c.pid} {c.name()}" for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def test_window_logs_in_shows_the_shops_keeps_the_login_and_closes_cleanly(tmp_path, screen):
    data_dir, log = tmp_path / "data", tmp_path / "window.log"
    shot = Path(os.environ.get("WINDOW_SCREENSHOT", tmp_path / "window.png"))
    process, devtools = start_window(data_dir, screen, log)
    try:
        page = WindowPage(devtools)
        page.type_into("input[name=username]", DEMO_PHONE)
        page.type_into("input[name=password]", DEMO_PASSWORD)
        page.click("input[name=remember]")  # 自动登陆: a persistent cookie, which the window keeps like a browser
        page.click("form button[type=submit]")
        page.wait_for("location.pathname !== '/login'", "the signed-in page")
        page.js("location.href = '/shops'")
        page.wait_for("[...document.querySelectorAll('table')].some(t => t.getAttribute('aria-label') === '店铺列表'"
                      " && t.textContent.includes('tb_demo'))", "店铺列表 with the demo shops")
        page.screenshot(shot)
        page.close()
        code, left = stop(process, screen)
        assert (code, left) == (0, []), log.read_text()
        assert "正在退出" in log.read_text()

        process, devtools = start_window(data_dir, screen, log)  # the next start: still logged in
        page = WindowPage(devtools)
        page.wait_for("document.readyState === 'complete' && !!document.querySelector('nav')", "the first page")
        assert page.js("location.pathname") != "/login"
        page.close()
        code, left = stop(process, screen)
        assert (code, left) == (0, []), log.read_text()
    finally:
        if process.poll() is None:  # a failed step: SIGTERM waits for the window's event loop, so kill
            process.kill()
            process.wait(30)
    print(f"screenshot: {shot}")
