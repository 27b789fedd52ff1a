"""The real process: `python app.py`, 浏览器检测 through the UI, then SIGTERM and a clean exit."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.helpers import MAIN_PASSWORD, MAIN_PHONE, free_port

ROOT = Path(__file__).resolve().parents[2]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"app exited early: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("app did not start")


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{entry.name}: {cmdline[:160]}")
    return found


def start_app(data_dir: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--data-dir", str(data_dir), "--no-browser",
                             *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    _wait_until_up(url, proc)
    return proc, url


def stop_app(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return code, proc.stdout.read()


def test_app_runs_browser_check_and_stops_cleanly_on_sigterm(tmp_path, page: Page):
    data_dir = tmp_path / "data"
    proc, url = start_app(data_dir)
    try:
        page.goto(url)
        page.get_by_role("link", name="立即注册").click()
        page.get_by_label("手机号").fill(MAIN_PHONE)
        page.get_by_label("密码", exact=True).fill(MAIN_PASSWORD)
        page.get_by_label("确认密码").fill(MAIN_PASSWORD)
        page.get_by_role("button", name="注册").click()
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="设置").click()
        expect(page.get_by_test_id("browser-path")).not_to_be_empty()

        page.get_by_role("button", name="浏览器检测").click()
        result = page.locator("#browser-check .job")
        expect(result).to_have_attribute("data-state", "done", timeout=30_000)
        expect(result.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
        expect(result.locator(".job-message")).to_contain_text(re.compile(r"浏览器正常：.*启动用时"))
        # the profile the worker used exists, and its Chromium is gone once the job is done
        assert (data_dir / "profiles" / "browser-check").is_dir()
        assert _processes_mentioning(str(data_dir / "profiles")) == []
    finally:
        code, output = stop_app(proc)
    assert code == 0, output
    assert "代发工作台已启动" in output and "正在退出" in output
    assert _processes_mentioning(str(data_dir)) == []
