"""Seller login on login.taobao.com: password, slider with a real drag, SMS on a new device."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import drag_slider, login_ui, wait_home


def cookies_by_name(page, domain):
    return {c["name"]: c for c in page.context.cookies() if c["domain"] == domain}


def test_wrong_password_shows_the_real_error(page, sb):
    sb.add_seller("lg_wrong", "right-pw")
    login_ui(page, sb, "lg_wrong", "wrong-pw")
    expect(page.locator(".login-error-msg")).to_have_text("账号名或登录密码不正确")
    assert "cookie2" not in cookies_by_name(page, ".taobao.localhost")


def test_login_sets_the_session_cookies_for_both_site_families(page, sb):
    seller = sb.add_seller("lg_plain", "pw1")
    login_ui(page, sb, "lg_plain", "pw1")
    wait_home(page, sb)
    expect(page.locator("#seller-nick")).to_have_text("lg_plain")
    taobao = cookies_by_name(page, ".taobao.localhost")
    assert taobao["unb"]["value"] == seller["uid"] and taobao["unb"]["httpOnly"]
    assert taobao["cookie2"]["httpOnly"] and not taobao["_tb_token_"]["httpOnly"]
    assert taobao["_m_h5_tk"]["value"].count("_") == 1
    assert "sn" not in taobao  # only sub-accounts carry 主账号:子账号
    # pass.tmall.com/add copied the session to .tmall.localhost
    assert cookies_by_name(page, ".tmall.localhost")["cookie2"]["value"] == taobao["cookie2"]["value"]
    # one Domain=.taobao.localhost session works on every host of the family
    page.goto(sb.origin("trade.taobao.com") + "/trade/itemlist/list_sold_items.htm")
    expect(page.locator("#sold-table")).to_be_visible()


def test_sub_account_gets_sn_cookie(page, sb):
    sb.add_seller("lg_main", "pw")
    sb.add_seller("lg_main:客服1", "pw2")
    login_ui(page, sb, "lg_main:客服1", "pw2")
    wait_home(page, sb)
    assert cookies_by_name(page, ".taobao.localhost")["sn"]["value"] == "lg_main:%E5%AE%A2%E6%9C%8D1"


def test_slider_passes_with_a_real_mouse_drag(page, sb):
    sb.add_seller("lg_slider", "pw", slider_chance=1.0)
    login_ui(page, sb, "lg_slider", "pw")
    expect(page.locator("#nocaptcha-password")).to_be_visible()
    expect(page.locator("#fm-login-password")).to_have_value("pw")
    drag_slider(page)
    expect(page.locator("#nc_1__scale_text")).to_have_text("验证通过")
    page.get_by_role("button", name="登录").click()
    wait_home(page, sb)


def test_slider_fails_without_the_drag(page, sb):
    sb.add_seller("lg_nodrag", "pw", slider_chance=1.0)
    login_ui(page, sb, "lg_nodrag", "pw")
    expect(page.locator("#nocaptcha-password")).to_be_visible()
    # Synthetic (untrusted) events and a too-short drag do not count.
    page.evaluate("""() => {
        const h = document.getElementById("nc_1_n1z");
        for (const type of ["mousedown", "mousemove", "mouseup"])
            h.dispatchEvent(new MouseEvent(type, {bubbles: true, clientX: 400, clientY: 10}));
    }""")
    drag_slider(page, distance=120)
    expect(page.locator("#nc_1__scale_text")).not_to_have_text("验证通过")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".login-error-msg")).to_have_text("请拖动滑块完成验证")
    assert "cookie2" not in cookies_by_name(page, ".taobao.localhost")


def test_server_rejects_a_forged_track(sb):
    sb.add_seller("lg_forge", "pw", slider_chance=1.0)
    page = sb.http("POST", "https://login.taobao.com/member/login.jhtml",
                   data={"fm-login-id": "lg_forge", "fm-login-password": "pw"})
    token = page.text.split('name="nc_token" value="')[1].split('"')[0]
    jump = sb.http("POST", "https://login.taobao.com/newlogin/slide/verify.do",
                   data={"token": token, "track": "[[0,0,0],[300,0,1]]"})
    assert jump.json() == {"success": False, "message": "验证失败"}
    submit = sb.http("POST", "https://login.taobao.com/member/login.jhtml",
                     data={"fm-login-id": "lg_forge", "fm-login-password": "pw", "nc_token": token})
    assert submit.status == 200 and "请拖动滑块完成验证" in submit.text and "cookie2" not in submit.cookies


def test_sms_on_a_new_device_but_not_on_the_same_profile(page, browser, sb):
    sb.add_seller("lg_sms", "pw", sms_on_new_device=True)
    login_ui(page, sb, "lg_sms", "pw")
    expect(page).to_have_url(re.compile(r"/member/login_unusual\.htm"))
    page.click("#J_GetCode")
    expect(page.locator("#J_CodeTip")).to_contain_text("校验码已发送至")
    code = next(s for s in sb.sms_codes() if s["login"] == "lg_sms" and s["purpose"] == "login")["code"]
    page.fill("#J_Checkcode", "000000" if code != "000000" else "111111")
    page.click("#J_SubmitCode")
    expect(page.locator("#J_Error")).to_have_text("校验码错误或已过期")
    page.click("#J_GetCode")
    expect(page.locator("#J_CodeTip")).to_contain_text("校验码已发送至")
    code = next(s for s in sb.sms_codes() if s["login"] == "lg_sms" and not s["used"])["code"]
    page.fill("#J_Checkcode", code)
    page.click("#J_SubmitCode")
    wait_home(page, sb)

    # Same profile (keeps its long-lived cna cookie): log out, log in again, no SMS.
    page.goto(sb.origin("login.taobao.com") + "/member/logout.jhtml")
    login_ui(page, sb, "lg_sms", "pw")
    wait_home(page, sb)

    # A fresh browser profile is a new device: SMS again.
    other = browser.new_context()
    try:
        fresh = other.new_page()
        login_ui(fresh, sb, "lg_sms", "pw")
        expect(fresh).to_have_url(re.compile(r"/member/login_unusual\.htm"))
    finally:
        other.close()
