"""/__sandbox on any host, the admin page's buttons, scenarios, the HTTP helper and the CLI."""
from __future__ import annotations

import re
import subprocess
import sys

from playwright.sync_api import expect

from platform_sandbox import Sandbox, request


def test_admin_page_answers_on_any_host_and_advances_the_clock(page, sb):
    sb.add_seller("ad_shop", "pw", sms_on_new_device=True)
    page.goto(f"http://127.0.0.1:{sb.port}/__sandbox")
    expect(page.locator("h2").first).to_have_text("模拟时钟")
    expect(page.locator("#seller-table")).to_contain_text("ad_shop")
    page.goto(sb.origin("trade.taobao.com") + "/__sandbox")  # a platform host works too
    before = page.inner_text("#sim-now")
    page.fill("#advance-form input[name=minutes]", "30")
    page.click("#advance-form button")
    expect(page.locator("#admin-message")).to_contain_text("时间已拨到")
    assert sb.now().strftime("%Y-%m-%d %H:%M:%S") == page.inner_text("#sim-now") != before


def test_admin_plays_a_buyer_by_hand(page, sb):
    sb.add_seller("ad_buyer_shop", "pw")
    page.goto(sb.admin_url)
    page.fill("#buyer-order-form input[name=login]", "ad_buyer_shop")
    page.check("#buyer-order-form input[name=multi]")
    page.fill("#buyer-order-form input[name=message]", "请尽快发货")
    page.click("#buyer-order-form button")
    expect(page.locator("#admin-message")).to_contain_text("买家已下单")
    tid = re.search(r"\d{19}", page.inner_text("#admin-message")).group(0)
    order = sb.shop_order(tid)
    assert order["buyer_message"] == "请尽快发货" and len(order["items"]) >= 2

    page.fill("#buyer-dispute-form input[name=tid]", tid)
    page.select_option("#buyer-dispute-form select[name=kind]", "refund_only")
    page.click("#buyer-dispute-form button")
    expect(page.locator("#admin-message")).to_contain_text("退款待处理")
    assert [d["kind"] for d in sb.disputes("ad_buyer_shop")] == ["refund_only"]

    page.fill("#buyer-dispute-form input[name=tid]", "123")
    page.click("#buyer-dispute-form button")
    expect(page.locator("#admin-message")).to_have_text("失败：没有这个订单：123")


def test_sms_codes_are_listed_on_the_admin_page(page, sb):
    sb.add_seller("ad_sms", "pw", sms_on_new_device=True)
    page.goto(sb.origin("login.taobao.com") + "/member/login.jhtml")
    page.fill("#fm-login-id", "ad_sms")
    page.fill("#fm-login-password", "pw")
    page.get_by_role("button", name="登录").click()
    page.click("#J_GetCode")
    expect(page.locator("#J_CodeTip")).to_contain_text("校验码已发送至")
    code = sb.sms_codes()[0]["code"]
    page.goto(sb.admin_url)
    expect(page.locator(".sms-row").first.locator(".sms-code")).to_have_text(code)


def test_json_api_and_http_helper(sb):
    state = sb.http("GET", "http://127.0.0.1/__sandbox/state").json()
    assert state["seed"] == 7 and state["suppliers"] == 8
    made = sb.http("POST", "https://any.taobao.com/__sandbox/sellers",
                   json={"login": "api_shop", "password": "pw", "platform": "tmall", "decrypt_quota": 3}).json()
    assert made["login"] == "api_shop" and made["uid"].isdigit()
    placed = sb.http("POST", "/__sandbox/buyer/order", json={"login": "api_shop"}).json()
    assert placed["platform"] == "tmall" and placed["status"] == "WAIT_SELLER_SEND_GOODS"
    assert sb.http("GET", f"/__sandbox/orders/{placed['tid']}").json()["tid"] == placed["tid"]
    assert sb.http("POST", "/__sandbox/advance", json={"minutes": -5}).status == 400
    real = sb.http("GET", "https://login.taobao.com/member/login.jhtml")
    local = sb.http("GET", sb.origin("login.taobao.com") + "/member/login.jhtml")
    assert real.status == local.status == 200 and 'id="fm-login-id"' in real.text
    assert "cna" in real.cookies


def test_scenarios(sb):
    demo = sb.scenario("demo")
    assert [s["platform"] for s in demo["shops"]] == ["taobao", "taote", "tmall"]
    assert {b["platform"] for b in demo["buyers"]} == {"taobao", "alibaba1688", "pdd"}
    history = sb.shop_orders("tb_demo")
    statuses = {o["status"] for o in history}
    assert len(history) > 40 and {"WAIT_SELLER_SEND_GOODS", "WAIT_BUYER_CONFIRM_GOODS"} <= statuses
    assert all(o["shipments"][0]["tracking_no"] for o in history if o["status"] == "WAIT_BUYER_CONFIRM_GOODS")
    bought = sb.purchase_orders()
    assert len(bought) == demo["history_purchases"] > 40
    assert {p["login"] for p in bought} == {"buyer_tb", "buyer_1688", "13900139000"}
    assert {"shipped", "unshipped"} <= {p["state"] for p in bought}

    changed = sb.scenario("supplier_changed_skus", login="tb_demo")["changes"]
    assert [c["change"] for c in changed] == ["sold_out", "price_up", "renamed"]
    assert all(c["url"].startswith("https://") for c in changed)

    blocked = sb.scenario("risk_blocked_pdd", login="13700000000")
    assert blocked["risk_blocked"] and any(a["login"] == "13700000000" and a["risk_blocked"]
                                           for a in sb.state()["accounts"])
    sb.scenario("decrypt_quota_zero", login="tb_demo")
    assert next(a for a in sb.state()["accounts"] if a["login"] == "tb_demo")["decrypt_quota"] == 0


def test_command_line_runs_standalone(tmp_path):
    probe = Sandbox.start(data_dir=tmp_path / "probe")  # borrow a free port
    port = probe.port
    probe.stop()
    process = subprocess.Popen([sys.executable, "-m", "platform_sandbox", "--port", str(port), "--seed", "3",
                                "--data-dir", str(tmp_path / "cli")], stdout=subprocess.PIPE, text=True)
    try:
        assert "沙箱平台已启动" in process.stdout.readline()
        state = request(port, "GET", "/__sandbox/state").json()
        assert state["seed"] == 3 and state["accounts"] == [] and (tmp_path / "cli" / "sandbox.db").exists()
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
