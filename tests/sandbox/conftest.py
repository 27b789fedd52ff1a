"""Fixtures for the sandbox tests: one sandbox per test module, helpers to drive its pages."""
from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from platform_sandbox import Sandbox

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


def drag_slider(page: Page, distance: int = 280, scope=None) -> None:
    """Drag the nocaptcha handle with real mouse events, as a person (or the 验证中心) would.
    ``scope``: where the widget is (a frame locator for ``iframe#baxia-dialog-content``)."""
    box = (scope or page).locator("#nc_1_n1z").bounding_box()
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


BAXIA = "iframe#baxia-dialog-content"  # where the havanaone login page opens its slider and SMS steps


def wait_home(page: Page, sb: Sandbox) -> None:
    expect(page).to_have_url(sb.origin("myseller.taobao.com") + "/home.htm")


# --- buyer side -----------------------------------------------------------------------------------

RECEIVER = {"fullName": "王小明", "mobile": "13812345678", "province": "浙江省", "city": "杭州市",
            "district": "西湖区", "town": "文新街道", "addressDetail": "文一西路100号3栋2单元501室"}
COURIER_PATTERNS = {"ZTO": r"7[3-68]\d{12}", "YTO": r"YT\d{13}", "STO": r"(77|43)\d{12,15}",
                    "YUNDA": r"[34]\d{14}|5\d{12}", "JTSD": r"JT\d{13}", "SF": r"SF[A-Za-z0-9]\d{12}",
                    "POSTB": r"[981]\d{12}|P[a-z]\d{11}", "BTKD": r"2\d{10}"}
APP_KEY = "12574478"


def fill_receiver(page: Page, receiver: dict = RECEIVER) -> None:
    for key, value in receiver.items():
        page.fill(f"#{key}", value)


def product_with_sold_out_value(sb: Sandbox, platform: str, offer: str = "") -> tuple[dict, dict, str]:
    """A supplier product of ``platform`` (whose checkout offers ``offer``, when named) with one SKU
    value sold out everywhere: (item, an in-stock SKU without that value, the sold-out ``pid:vid``)."""
    item = next(i for i in sb.supplier_items(platform) if len({s["path"].split(";")[0] for s in i["skus"]}) >= 2
                and (not offer or i["offers"][offer]))
    first = item["skus"][0]["path"].split(";")[0]
    for sku in item["skus"]:
        if sku["path"].split(";")[0] == first:
            sb.update_sku(sku["sku_id"], stock=0)
        else:
            sb.update_sku(sku["sku_id"], stock=50)
    item = sb.supplier_item(item["url"])
    return item, next(s for s in item["skus"] if s["stock"]), first


def choose_sku(page: Page, sku: dict) -> None:
    for pv in sku["path"].split(";"):
        page.click(f'[data-pv="{pv}"]')


def signed_url(sb: Sandbox, host: str, api: str, text: str, cookie: str, sign: str | None = None) -> str:
    """The gateway URL lib-mtop calls: ``sign = md5(token&t&appKey&data)`` with the token from the
    ``_m_h5_tk`` cookie (a given `sign` replaces the good one)."""
    t = str(int(time.time() * 1000))
    good = hashlib.md5(f"{cookie.split('_')[0]}&{t}&{APP_KEY}&{text}".encode()).hexdigest()
    return (f"{sb.origin(host)}/h5/{api}/1.0/?jsv=2.7.2&appKey={APP_KEY}&t={t}&sign={sign or good}"
            f"&api={api}&v=1.0&type=originaljson&dataType=json")


def mtop(page: Page, sb: Sandbox, host: str, api: str, data: dict, sign: str | None = None) -> dict:
    """Call an mtop API from inside the page the way lib-mtop does: token from ``_m_h5_tk``,
    ``sign = md5(token&t&appKey&data)``, form POST; an empty or expired token is re-read from
    the fresh cookie the answer set, and the call made once more."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    domain = "." + host.split(".")[-2] + ".localhost"  # the site family's cookies: .taobao / .1688
    for _ in range(2):
        cookie = next((c["value"] for c in page.context.cookies()
                       if c["name"] == "_m_h5_tk" and c["domain"] == domain), "")
        url = signed_url(sb, host, api, text, cookie, sign)
        answer = json.loads(fetch(page, url, {"data": text})["text"], parse_int=str)
        if not answer["ret"][0].startswith(("FAIL_SYS_TOKEN_EMPTY", "FAIL_SYS_TOKEN_EXOIRED")):
            break
    return answer


# --- plain HTTP (no browser) -----------------------------------------------------------------------

def cookies_of(sb: Sandbox, login: str, platform: str = "taobao") -> dict[str, str]:
    return {c["name"]: c["value"] for c in sb.login_cookies(login, platform=platform)}


def mtop_http(sb: Sandbox, cookies: dict, host: str, api: str, data: dict, referer: str) -> dict:
    """An mtop call as lib-mtop makes it (token cookie, sign), from a page at `referer`; the first
    call only fetches the token cookie."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    answer: dict = {}
    for _ in range(2):
        response = sb.http("POST", signed_url(sb, host, api, text, cookies.get("_m_h5_tk", "")), data={"data": text},
                           cookies=cookies, headers={"Referer": referer})
        cookies.update(response.cookies)
        answer = response.json(parse_int=str)
        if not answer["ret"][0].startswith("FAIL_SYS_TOKEN_"):
            break
    return answer
