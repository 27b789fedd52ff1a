"""风控: a burst from one account earns the punish response until the cool-down passes."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import as_seller, fetch, fetch_json


def test_burst_gets_punished_until_cool_down(page, sb):
    sb.add_seller("rk_shop", "pw", rate_limit_per_min=6, risk_cooldown_minutes=5, risk_style="json")
    tid = sb.place_order("rk_shop")["tid"]
    as_seller(page, sb, "rk_shop")
    trade = sb.origin("trade.taobao.com")
    page.goto(f"{trade}/trade/itemlist/list_sold_items.htm")  # request 1
    memo_url = f"{trade}/trade/json/memoInfo.htm?user_type=seller&orderid={tid}"
    answers = [fetch_json(page, memo_url) for _ in range(6)]
    assert answers[:5] == [{"tip": ""}] * 5
    punished = answers[5]
    assert punished["rgv587_flag"] == "sm"
    assert re.fullmatch(rf"{trade}/trade/json/memoInfo\.htm/_____tmd_____/punish\?x5secdata=.+&x5step=2", punished["url"])

    # Pages are redirected to the punish page; it stays so while the cool-down lasts.
    page.goto(f"{trade}/trade/itemlist/list_sold_items.htm")
    expect(page).to_have_url(re.compile(r"/_____tmd_____/punish\?"))
    expect(page.locator("h2")).to_have_text("亲，访问被拒绝")
    assert "url" in fetch_json(page, memo_url)
    row = next(a for a in sb.state()["accounts"] if a["login"] == "rk_shop")
    assert row["risk_until"] == "2026-06-01 10:05:00"

    sb.advance(4)
    assert "url" in fetch_json(page, memo_url)
    sb.advance(1)  # cool-down measured on the simulation clock
    assert fetch_json(page, memo_url) == {"tip": ""}

    # The admin can lift it at once.
    for _ in range(7):
        fetch(page, memo_url)
    assert "url" in fetch_json(page, memo_url)
    sb.lift_risk("rk_shop")
    assert fetch_json(page, memo_url) == {"tip": ""}


def _trip(page, sb, login: str) -> tuple[str, dict]:
    """Log in, then call memoInfo until the block starts; returns (memo URL, the blocked answer)."""
    tid = sb.place_order(login)["tid"]
    as_seller(page, sb, login)
    trade = sb.origin("trade.taobao.com")
    page.goto(f"{trade}/trade/itemlist/list_sold_items.htm")
    memo_url = f"{trade}/trade/json/memoInfo.htm?user_type=seller&orderid={tid}"
    answers = [fetch(page, memo_url) for _ in range(3)]
    return memo_url, answers[-1]


def test_blocked_script_call_can_be_a_200_html_punish_script(page, sb):
    sb.add_seller("rk_html", "pw", rate_limit_per_min=2, risk_style="html")
    _, answer = _trip(page, sb, "rk_html")
    assert answer["status"] == 200 and not answer["redirected"]
    assert re.search(r'window\.location\.replace\("http://trade\.taobao\.localhost:\d+//trade/json/memoInfo\.htm'
                     r'/_____tmd_____/punish\?x5secdata=', answer["text"])


def test_blocked_script_call_can_be_a_redirect_to_the_sec_host(page, sb):
    sb.add_seller("rk_sec", "pw", rate_limit_per_min=2, risk_style="sec")
    tid = sb.place_order("rk_sec")["tid"]
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("rk_sec") if c["domain"] == ".taobao.localhost"}
    url = f"https://trade.taobao.com/trade/json/memoInfo.htm?user_type=seller&orderid={tid}"
    answers = [sb.http("GET", url, cookies=cookies) for _ in range(3)]
    assert answers[-1].status == 302
    assert re.match(r"http://sec\.taobao\.localhost:\d+/query\.htm\?action=QueryAction&.*smReturn=",
                    answers[-1].header("Location"))
    # In a page, the cross-origin hop makes fetch() throw: the driver has to find out where it went.
    as_seller(page, sb, "rk_sec")
    page.goto(sb.origin("trade.taobao.com") + "/trade/itemlist/list_sold_items.htm")
    expect(page).to_have_url(re.compile(r"^http://sec\.taobao\.localhost:\d+/query\.htm"))


def test_mixed_style_answers_each_block_differently(sb):
    sb.add_seller("rk_mixed", "pw", rate_limit_per_min=1, risk_cooldown_minutes=1)
    tid = sb.place_order("rk_mixed")["tid"]
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("rk_mixed") if c["domain"] == ".taobao.localhost"}
    url = f"https://trade.taobao.com/trade/json/memoInfo.htm?user_type=seller&orderid={tid}"
    seen = []
    for _ in range(3):
        answers = [sb.http("GET", url, cookies=cookies) for _ in range(2)]
        blocked = answers[-1]
        seen.append("sec" if blocked.status == 302 else "html" if "window.location.replace" in blocked.text
                    else "json" if "rgv587_flag" in blocked.text else "?")
        sb.advance(2)
    assert seen == ["json", "html", "sec"]


def test_a_headless_browser_is_a_bot_signal_and_can_be_punished(page, sb):
    sb.add_seller("rk_bot", "pw", punish_bots=True, risk_style="json")
    as_seller(page, sb, "rk_bot")
    page.goto(sb.origin("myseller.taobao.com") + "/home.htm")  # Playwright's default headless says so
    assert sb.account_state("rk_bot")["bot_signals"] >= 1
    expect(page).to_have_url(re.compile(r"/_____tmd_____/punish\?"))
