"""风控: a burst from one account earns the punish response until the cool-down passes."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import as_seller, fetch, fetch_json


def test_burst_gets_punished_until_cool_down(page, sb):
    sb.add_seller("rk_shop", "pw", rate_limit_per_min=6, risk_cooldown_minutes=5)
    tid = sb.place_order("rk_shop")["tid"]
    as_seller(page, sb, "rk_shop")
    trade = sb.origin("trade.taobao.com")
    page.goto(f"{trade}/trade/itemlist/list_sold_items.htm")  # request 1
    memo_url = f"{trade}/trade/json/memoInfo.htm?user_type=seller&orderid={tid}"
    answers = [fetch_json(page, memo_url) for _ in range(6)]
    assert answers[:5] == [{"tip": "", "flag": "0"}] * 5
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
    assert fetch_json(page, memo_url) == {"tip": "", "flag": "0"}

    # The admin can lift it at once.
    for _ in range(7):
        fetch(page, memo_url)
    assert "url" in fetch_json(page, memo_url)
    sb.lift_risk("rk_shop")
    assert fetch_json(page, memo_url) == {"tip": "", "flag": "0"}
