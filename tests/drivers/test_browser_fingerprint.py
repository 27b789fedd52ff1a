"""Our browser does not announce automation: the sandbox's bot probe (User-Agent `HeadlessChrome`,
a page script reading `navigator.webdriver`) sees nothing, while a plain automated browser is caught."""
from __future__ import annotations

import threading

from playwright.sync_api import expect

from dropship.platforms.browser import BrowserManager, window_size

PROBE = """() => ({webdriver: navigator.webdriver, ua: navigator.userAgent, language: navigator.language,
                   zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
                   size: [window.innerWidth, window.innerHeight]})"""


def _in_worker(work):
    """Run `work` in a thread of its own, as Huey workers do (Playwright is one per thread)."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_our_browser_passes_the_bot_probe_with_a_stable_look(sb, tmp_path):
    sb.add_seller("probe_shop", "pw", punish_bots=True, risk_style="json")
    cookies = sb.login_cookies("probe_shop")
    home = sb.origin("myseller.taobao.com") + "/home.htm"

    def visit() -> list[dict]:
        manager = BrowserManager(tmp_path / "profiles")
        seen = []
        try:
            for _ in range(2):  # two launches of the same profile look the same
                with manager.session("shop-42") as context:
                    context.add_cookies(cookies)
                    page = context.new_page()
                    page.goto(home)
                    page.goto(sb.origin("trade.taobao.com") + "/trade/itemlist/list_sold_items.htm")
                    seen.append({**page.evaluate(PROBE), "url": page.url})
        finally:
            manager.stop_thread()
        return seen

    first, second = _in_worker(visit)
    assert first["webdriver"] is False and "Headless" not in first["ua"] and "Chrome/" in first["ua"]
    assert (first["language"], first["zone"]) == ("zh-CN", "Asia/Shanghai")
    assert first["size"] == list(window_size("shop-42")) and second["size"] == first["size"]
    assert "_____tmd_____" not in first["url"] + second["url"]
    assert sb.account_state("probe_shop")["bot_signals"] == 0


def test_a_plain_automated_browser_is_caught_by_the_same_probe(sb, page):
    sb.add_seller("caught_shop", "pw", punish_bots=True, risk_style="json")
    page.context.add_cookies(sb.login_cookies("caught_shop"))
    page.goto(sb.origin("myseller.taobao.com") + "/home.htm")
    expect(page.locator("h2")).to_have_text("亲，访问被拒绝")
    assert sb.account_state("caught_shop")["bot_signals"] >= 1
