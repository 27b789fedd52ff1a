"""Purchase-account login against the sandbox: 淘宝 / 1688 by password (slider, SMS), 拼多多 by SMS code
or token, the two PDD hosts, and the account jobs (add, 批量导入, 在线检测 → 掉线 + notice)."""
import time
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from dropship.db import db
from dropship.models import Job, PurchaseAccount
from dropship.platforms.alibaba_buyer import AlibabaBuyer
from dropship.platforms.base import BadCredentials, LoginRequired, NeedsVerification
from dropship.platforms.origins import Origins
from dropship.platforms.pdd_buyer import PddBuyer
from dropship.platforms.taobao_buyer import TaobaoBuyer
from dropship.tasks.accounts import check_accounts_online
from tests.helpers import post
from tests.sandbox.conftest import drag_slider

PASSWORD = "buyer-pass-1"


def _wait_for_code(sb, login: str) -> str:
    """The SMS the click asked for (sent by the page's fetch, so it may take a moment)."""
    for _ in range(100):
        codes = [c["code"] for c in sb.sms_codes() if c["login"] == login and not c["used"]]
        if codes:
            return codes[0]
        time.sleep(0.05)
    raise AssertionError(f"no SMS code for {login}")


# -- drivers --------------------------------------------------------------------------------------

def test_taobao_buyer_logs_in_proves_the_session_and_names_a_wrong_password(sb, context):
    info = sb.add_buyer("taobao", "tb_buyer_ok", PASSWORD)
    buyer = TaobaoBuyer(context, Origins(sb.port))
    with pytest.raises(LoginRequired):
        buyer.check_session()
    identity = buyer.login("tb_buyer_ok", PASSWORD)
    assert identity.user_id == info["uid"] and buyer.check_session().user_id == info["uid"]
    sb.expire_sessions("tb_buyer_ok")
    with pytest.raises(LoginRequired, match="重新授权"):
        buyer.check_session()
    sb.add_buyer("taobao", "tb_buyer_bad", PASSWORD)
    context.clear_cookies()
    with pytest.raises(BadCredentials, match="账号名或登录密码不正确"):
        TaobaoBuyer(context, Origins(sb.port)).login("tb_buyer_bad", "wrong")


def test_taobao_buyer_slider_and_new_device_sms_go_to_a_person(sb, context):
    sb.add_buyer("taobao", "tb_buyer_checks", PASSWORD, slider_chance=1.0, sms_on_new_device=True)
    with pytest.raises(NeedsVerification) as err:
        TaobaoBuyer(context, Origins(sb.port)).login("tb_buyer_checks", PASSWORD)
    assert err.value.kind == "slider"
    asked = []

    def person(page, kind, solved):
        asked.append(kind)
        if kind == "slider":
            drag_slider(page)
            expect(page.locator("#nc_1__scale_text")).to_contain_text("验证通过")
        else:
            page.locator("#J_GetCode").click()
            page.fill("input[name=checkCode]", _wait_for_code(sb, "tb_buyer_checks"))
            with page.expect_navigation():
                page.get_by_role("button", name="确定").click()
            page.wait_for_url("**/my_taobao.htm")
        return solved()

    identity = TaobaoBuyer(context, Origins(sb.port), verifier=person).login("tb_buyer_checks", PASSWORD)
    assert asked == ["slider", "sms"] and identity.login == "tb_buyer_checks"


def test_1688_buyer_has_its_own_login_and_cookie_family(sb, context):
    info = sb.add_buyer("alibaba1688", "ali_buyer_ok", PASSWORD)
    buyer = AlibabaBuyer(context, Origins(sb.port))
    assert buyer.login("ali_buyer_ok", PASSWORD).user_id == info["uid"]
    assert buyer.check_session().user_id == info["uid"]
    assert TaobaoBuyer(context, Origins(sb.port)).whoami() is None  # a 1688 login is no 淘宝 login
    sb.expire_sessions("ali_buyer_ok", site="alibaba1688")
    with pytest.raises(LoginRequired):
        buyer.check_session()


def test_pdd_sms_code_typed_in_our_dialog_or_on_the_parked_page(sb, context):
    info = sb.add_buyer("pdd", "13700000001", "")
    buyer = PddBuyer(context, Origins(sb.port))
    buyer.send_code("13700000001")
    with pytest.raises(BadCredentials, match="验证码错误"):
        buyer.login("13700000001", "000000" if _wait_for_code(sb, "13700000001") != "000000" else "111111")
    buyer.send_code("13700000001")
    identity = buyer.login("13700000001", _wait_for_code(sb, "13700000001"))
    assert identity.user_id == info["uid"] and buyer.check_session().user_id == info["uid"]

    context.clear_cookies()

    def person(page, kind, solved):
        assert kind == "sms"
        page.fill("#input-code", _wait_for_code(sb, "13700000001"))
        page.click("#submit-button")
        page.wait_for_url("**/personal.html")
        return solved()

    assert PddBuyer(context, Origins(sb.port), verifier=person).login("13700000001").user_id == info["uid"]
    with pytest.raises(BadCredentials, match="该手机号未注册"):
        PddBuyer(context, Origins(sb.port)).send_code("13700000099")


def test_pdd_token_login_and_a_refused_token(sb, context):
    info = sb.add_buyer("pdd", "13700000002", "")
    buyer = PddBuyer(context, Origins(sb.port))
    assert buyer.use_token(info["access_token"]).user_id == info["uid"]
    with pytest.raises(BadCredentials, match="Token 无效"):
        buyer.use_token("NOSUCHTOKEN0123456789")
    assert buyer.whoami() is None  # a refused token leaves no half session behind


def test_pdd_cookies_of_one_host_do_not_log_in_the_other(sb, context):
    sb.add_buyer("pdd", "13700000003", "")
    page = context.new_page()
    page.goto(sb.origin("mobile.pinduoduo.com") + "/login.html")
    page.click("#phone-login")
    page.fill("#user-mobile", "13700000003")
    page.click("#code-button")
    page.fill("#input-code", _wait_for_code(sb, "13700000003"))
    page.click("#submit-button")
    page.wait_for_url("**/personal.html")
    assert "mobile.pinduoduo" in page.url
    page.goto(sb.origin("mobile.yangkeduo.com") + "/personal.html")
    assert "/login.html" in page.url  # yangkeduo does not see the pinduoduo cookies
    with pytest.raises(LoginRequired):
        PddBuyer(context, Origins(sb.port)).check_session()


# -- the app: dialogs, jobs, online check -----------------------------------------------------------

def _account(login: str) -> PurchaseAccount:
    with db.connection_context():
        return PurchaseAccount.get(PurchaseAccount.login == login)


def _job(kind: str) -> Job:
    with db.connection_context():
        return Job.get(Job.kind == kind)


def test_add_taobao_1688_and_pdd_accounts_through_the_dialogs(desk_client, sb):
    sb.add_buyer("taobao", "tb_dialog", PASSWORD)
    sb.add_buyer("alibaba1688", "ali_dialog", PASSWORD)
    pdd_code, pdd_token = sb.add_buyer("pdd", "13700000011", ""), sb.add_buyer("pdd", "13700000012", "")
    sb.add_buyer("taobao", "tb_dialog_wrong", PASSWORD)
    for platform, login, password in (("taobao", "tb_dialog", PASSWORD), ("alibaba1688", "ali_dialog", PASSWORD),
                                      ("taobao", "tb_dialog_wrong", "not-it")):
        response = post(desk_client, "/accounts", {"platform": platform, "login": login, "password": password,
                                            "tag": "temporary", "note": "主力号"}, token_page="/accounts")
        assert response.status_code == 200
    assert _account("tb_dialog").online and _account("ali_dialog").online
    assert _account("tb_dialog").last_authorized_at and _account("tb_dialog").platform_user_id
    wrong = _account("tb_dialog_wrong")
    assert not wrong.online and "账号名或登录密码不正确" in wrong.login_message  # kept, but not usable

    sent = post(desk_client, "/accounts/pdd/send-code", {"phone": "13700000011", "tag": "permanent"}, token_page="/accounts")
    assert sent.status_code == 200 and "验证码已发送" in sent.get_data(as_text=True)
    post(desk_client, "/accounts/pdd", {"phone": "13700000011", "code": _wait_for_code(sb, "13700000011"),
                                 "tag": "permanent"}, token_page="/accounts")
    assert _account("13700000011").online and _account("13700000011").platform_user_id == pdd_code["uid"]
    post(desk_client, "/accounts/pdd", {"phone": "13700000012", "token": pdd_token["access_token"], "tag": "permanent"},
         token_page="/accounts")
    assert _account("13700000012").online and _account("13700000012").platform_user_id == pdd_token["uid"]
    html = desk_client.get("/accounts?tab=pdd").get_data(as_text=True)
    assert pdd_token["access_token"] not in html and pdd_token["access_token"][:4] + "****" in html


def test_pdd_without_a_code_parks_in_the_verification_center_and_is_not_online(desk_client, sb):
    sb.add_buyer("pdd", "13700000021", "")
    post(desk_client, "/accounts/pdd", {"phone": "13700000021", "tag": "permanent"}, token_page="/accounts")
    job = _job("authorize_account")
    assert job.state == "failed" and "短信验证码" in job.error  # nobody answered within the (zero) timeout
    assert not _account("13700000021").online and "验证中心" in _account("13700000021").login_message


def test_pdd_import_of_50_lines_with_10_bad_gives_40_accounts_and_10_precise_reasons(desk_client, sb):
    buyers = [sb.add_buyer("pdd", f"1360000{n:04d}", "") for n in range(43)]
    post(desk_client, "/accounts/pdd", {"phone": "13600000042", "token": buyers[42]["access_token"], "tag": "permanent"},
         token_page="/accounts")  # already stored: its line is a duplicate
    good = [f"{b['login']}---{b['uid']}---{b['access_token']}" for b in buyers[:14]]
    good += [f"{b['uid']}---{b['access_token']}" for b in buyers[14:28]]
    good += [b["access_token"] for b in buyers[28:40]]
    bad = ["short-token", "a---b---c---d", f"notdigits---{buyers[40]['access_token']}",
           "REFUSEDTOKEN000000000001", f"999999---{buyers[41]['access_token']}", good[0],
           f"13600000042---{buyers[42]['uid']}---{buyers[42]['access_token']}", "---" + "A" * 20,
           "REFUSEDTOKEN000000000002", buyers[3]["access_token"]]
    lines = good[:25] + bad + good[25:]
    response = post(desk_client, "/accounts/import?tab=pdd", {"tag": "temporary", "lines": "\n".join(lines)},
                    token_page="/accounts")
    assert response.status_code == 200
    job = _job("import_pdd_accounts")
    assert job.state == "done", job.error
    report = job.message
    assert report.startswith("导入成功 40 个，失败 10 个"), report
    with db.connection_context():
        assert PurchaseAccount.select().where(PurchaseAccount.platform == "pdd").count() == 41
    assert all(_account(b["login"] if n < 14 else b["uid"]).online for n, b in enumerate(buyers[:40]))
    reasons = [line.split("：", 1)[1] for line in report.splitlines()[1:] if not line.endswith("导入成功")]
    assert reasons == [
        "格式错误：账号Token 应为 16–200 位字母、数字或 -_=+/.",
        "格式错误：应为 拼多多账号---账号ID---账号Token、账号ID---账号Token 或 账号Token",
        "格式错误：账号ID 应为数字",
        "Token 无效或已过期（平台拒绝）",
        f"账号ID与 Token 不符（Token 属于 {buyers[41]['uid']}）",
        "重复：与第 1 行账号相同",
        "重复：账号已存在",
        "格式错误：应为 拼多多账号---账号ID---账号Token、账号ID---账号Token 或 账号Token",
        "Token 无效或已过期（平台拒绝）",
        "重复：与第 4 行Token相同",
    ]
    assert not any(b["access_token"] in report for b in buyers)  # the report names lines, never tokens


def test_an_account_that_drops_offline_shows_diaoxian_and_the_notice(desk_client, sb):
    sb.add_buyer("taobao", "tb_drops", PASSWORD)
    post(desk_client, "/accounts", {"platform": "taobao", "login": "tb_drops", "password": PASSWORD, "tag": "permanent"},
         token_page="/accounts")
    assert _account("tb_drops").online and desk_client.get("/accounts/notice").get_data(as_text=True) == ""
    with db.connection_context():
        check_accounts_online()  # just authorized: not due yet
        assert Job.select().where(Job.kind == "check_account").count() == 0
        sb.expire_sessions("tb_drops")
        PurchaseAccount.update(checked_at=datetime.now() - timedelta(hours=1)).execute()
        check_accounts_online()
    assert _job("check_account").state == "failed"
    account = _account("tb_drops")
    assert not account.online and "重新授权" in account.login_message
    assert desk_client.get("/accounts/notice").get_data(as_text=True) == "1"
    assert "tb_drops" in desk_client.get("/accounts/confirmations").get_data(as_text=True)
    assert "掉线" in desk_client.get("/accounts").get_data(as_text=True)
    assert 'hx-get="/accounts/notice"' in desk_client.get("/accounts").get_data(as_text=True)  # the header badge

    post(desk_client, f"/accounts/{account.id}/authorize", {}, token_page="/accounts")  # 重新授权
    assert _account("tb_drops").online and desk_client.get("/accounts/notice").get_data(as_text=True) == ""
