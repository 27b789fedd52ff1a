"""A live app (waitress + real in-process Huey consumer) for Playwright to drive, optionally wired
to the running sandbox (`sb`, tests/conftest.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dropship.config import load_settings
from dropship.runtime import Runtime
from tests.helpers import MAIN_PASSWORD, MAIN_PHONE, free_port


def _runtime(data_dir, **overrides) -> Runtime:
    settings = load_settings(data_dir=data_dir, env={}, port=free_port(), workers=2, **overrides)
    runtime = Runtime(settings)
    runtime.start()
    return runtime


@pytest.fixture
def live_app(tmp_path):
    runtime = _runtime(tmp_path / "data")
    yield runtime
    runtime.stop()


@pytest.fixture
def live_desk(tmp_path, sb):
    """The app talking to the sandbox, with no throttle wait (the sandbox is local)."""
    yield from _desk(tmp_path, sb)


@pytest.fixture
def live_desk_unkept(tmp_path, sb):
    """live_desk with browser_keep_seconds = 0: each job closes the browser it opened."""
    yield from _desk(tmp_path, sb, browser_keep_seconds=0)


def _desk(tmp_path, sb, **overrides):
    runtime = _runtime(tmp_path / "data", sandbox=True, sandbox_port=sb.port, throttle_seconds=0,
                       throttle_jitter=0, requests_per_minute=0, **overrides)
    yield runtime
    runtime.stop()


def sign_up(page: Page, url: str) -> None:
    """Register the main account through the UI (first start: 登录 › 立即注册) and land on 订单管理."""
    page.goto(url)
    page.get_by_role("link", name="立即注册").click()
    page.get_by_label("手机号").fill(MAIN_PHONE)
    page.get_by_label("密码", exact=True).fill(MAIN_PASSWORD)
    page.get_by_label("确认密码").fill(MAIN_PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("heading", name="订单管理")).to_be_visible()


def add_shop_ui(page: Page, login: str, password: str, platform: str = "淘宝"):
    """店铺管理 › 新增店铺 through the dialog; returns the shop's table row."""
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="店铺管理").click()
    page.get_by_role("button", name="新增店铺").click()
    dialog = page.get_by_role("dialog", name="新增店铺")
    dialog.get_by_label("店铺平台").select_option(label=platform)
    dialog.get_by_label("登录账号").fill(login)
    dialog.get_by_label("登录密码").fill(password)
    dialog.get_by_role("button", name="保存").click()
    row = page.get_by_role("row").filter(has_text=login)
    expect(row).to_be_visible()
    return row
