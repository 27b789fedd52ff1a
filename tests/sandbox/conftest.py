"""Fixtures for the sandbox tests: one sandbox per test module, helpers to drive its pages."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from dropship.sandbox import Sandbox

START = datetime(2026, 6, 1, 10, 0)
ASYNC_SOLD = "/trade/itemlist/asyncSold.htm?event_submit_do_query=1&_input_charset=utf8"


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    sandbox = Sandbox.start(seed=7, data_dir=tmp_path_factory.mktemp("sandbox"), start_time=START)
    yield sandbox
    sandbox.stop()


def fetch(page: Page, url: str, form: dict | None = None, method: str | None = None) -> dict:
    """fetch() from inside the page (with its cookies): {status, url, text, redirected}."""
    return page.evaluate(
        """async ([url, form, method]) => {
            const init = {method: method || (form ? "POST" : "GET"), credentials: "include"};
            if (form) init.body = new URLSearchParams(form);
            const r = await fetch(url, init);
            return {status: r.status, url: r.url, redirected: r.redirected, text: await r.text()};
        }""",
        [url, form, method],
    )


def fetch_json(page: Page, url: str, form: dict | None = None) -> dict:
    """JSON of an in-page fetch; big integers kept as strings (they exceed 2^53)."""
    return json.loads(fetch(page, url, form)["text"], parse_int=str)


def as_seller(page: Page, sb: Sandbox, login: str) -> None:
    """Give the page a logged-in session without the login page (tests of other pages)."""
    page.context.add_cookies(sb.login_cookies(login))


def async_sold(page: Page, sb: Sandbox, frame: str = "", **fields) -> dict:
    """POST asyncSold from a 已卖出的宝贝 page with the documented form fields."""
    trade = sb.origin("trade.taobao.com")
    if not page.url.startswith(trade):
        page.goto(f"{trade}/trade/itemlist/list_sold_items.htm?{frame}")
    form = {"action": "itemlist/SoldQueryAction", "pageNum": 1, "pageSize": 15, "prePageNo": 1,
            "dateBegin": 0, "dateEnd": 0, "payDateBegin": 0, "payDateEnd": 0, **fields}
    return fetch_json(page, f"{trade}{ASYNC_SOLD}&{frame}", {k: str(v) for k, v in form.items()})


def drag_slider(page: Page, distance: int = 280) -> None:
    """Drag the nocaptcha handle with real mouse events, as a person (or the 验证中心) would."""
    box = page.locator("#nc_1_n1z").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + distance, y + 3, steps=25)
    page.mouse.up()


def login_ui(page: Page, sb: Sandbox, login: str, password: str) -> None:
    page.goto(sb.origin("login.taobao.com") + "/member/login.jhtml")
    page.fill("#fm-login-id", login)
    page.fill("#fm-login-password", password)
    page.get_by_role("button", name="登录").click()


def wait_home(page: Page, sb: Sandbox) -> None:
    expect(page).to_have_url(sb.origin("myseller.taobao.com") + "/home.htm")
