"""Consign (legacy form and new JSON flow), receiver decryption with quota and slider, 地址脱敏导出."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from .conftest import as_seller, async_sold, drag_slider, fetch, fetch_json

CONSIGN_FAIL = "运单号不符合规则或已经被使用"


@pytest.fixture(scope="module")
def shop(sb):
    return sb.scenario("shop_with_paid_orders", login="wl_shop", count=12, days=1, multi_ratio=0.0)


def legacy_consign(page, sb, tid, company, number):
    page.goto(f"{sb.origin('wuliu.taobao.com')}/user/consign.htm?trade_id={tid}")
    page.select_option("#companyCode", company)
    page.fill("#mailNo", number)
    page.click("#J_OfflineSubmit")


def test_legacy_consign_valid_reused_and_invalid(page, sb, shop):
    first, second, third = shop["tids"][:3]
    as_seller(page, sb, "wl_shop")
    response = page.goto(f"{sb.origin('wuliu.taobao.com')}/user/consign.htm?trade_id={first}")
    assert response.headers["content-type"] == "text/html; charset=GBK"  # a GBK page, as the real form
    expect(page.get_by_role("heading", name="自己联系物流")).to_be_visible()  # decoded by its charset
    legacy_consign(page, sb, first, "ZTO", "78123456789012")
    expect(page.locator("h2")).to_have_text("恭喜您，操作成功")
    shipped = sb.shop_order(first)
    assert shipped["status"] == "WAIT_BUYER_CONFIRM_GOODS"
    assert shipped["shipments"] == [{"courier_code": "ZTO", "tracking_no": "78123456789012", "dummy": False,
                                     "oids": [first]}]
    listed = async_sold(page, sb, bizOrderId=first, batchType="bizOrderId", isBatchSearch="true")["mainOrders"][0]
    assert listed["statusInfo"]["text"] == "商家已发货，等待买家确认" and listed["operations"] == []

    legacy_consign(page, sb, second, "ZTO", "78123456789012")  # used on another order
    expect(page.locator("#message-text")).to_have_text(CONSIGN_FAIL)
    legacy_consign(page, sb, second, "YTO", "78123456789013")  # a ZTO number under 圆通
    expect(page.locator("#message-text")).to_have_text(CONSIGN_FAIL)
    assert sb.shop_order(second)["status"] == "WAIT_SELLER_SEND_GOODS"

    page.goto(f"{sb.origin('wuliu.taobao.com')}/user/consign.htm?trade_id={third}")
    page.click("#J_DummySubmit")  # 无需物流
    expect(page.locator("h2")).to_have_text("恭喜您，操作成功")
    assert sb.shop_order(third)["shipments"][0]["dummy"] is True


def test_new_consign_flow_with_split_parcels(page, sb, shop):
    tid = sb.place_order("wl_shop", multi=True)["tid"]
    oids = [i["oid"] for i in sb.shop_order(tid)["items"]]
    assert len(oids) >= 2
    as_seller(page, sb, "wl_shop")
    wuliu2 = sb.origin("wuliu2.taobao.com")
    page.goto(f"{wuliu2}/user/batch_consign.htm?x-frames-allow-from=wuliu2")
    info = fetch_json(page, f"{wuliu2}/user/consign.do?tradeId={tid}&x-frames-allow-from=wuliu2")
    source = info["data"]["OrderBlock"]["fields"]["dataSource"][0]
    order_id = source["baseInfo"]["fields"][0]["value"]
    assert order_id == sb.shop_order(tid)["logistics_order_id"]
    children = source["children"]
    assert [c["subOrderId"] for c in children] == oids
    receiver = [f["value"] for f in children[0]["info"]["fields"]]
    assert "****" in receiver[0] and "****" in receiver[1]  # display address and mobile, masked
    contacts = info["data"]["ContactsBlock"]["fields"]["dataSource"]
    csrf = "0f8fad5b-d9cb-469f-a165-70867728950e"  # the client's own UUID, mirrored into the cookie
    page.context.add_cookies([{"name": "XSRF-TOKEN", "value": csrf, "url": wuliu2}])

    def consign(chosen, number, token=csrf, **overrides):
        params = {"orderId": order_id, "receiverDisplayAddress": receiver[0], "selectedItemList": chosen,
                  "fetcherContactId": contacts[0]["fields"][0]["value"],
                  "refunderContactId": contacts[1]["fields"][0]["value"],
                  "logisticInfo": {"mode": 0, "data": [{"mailInfo": {"mailNo": number, "cpCode": "YUNDA",
                                                                     "label": "韵达快递"}}]},
                  "mailType": "OFFLINE", "hasChangeDeliver": True, **overrides}
        return fetch(page, f"{wuliu2}/user/do_consign.do", {"_csrf": token, "params": json.dumps(params)})

    forged = consign(children[:1], "312345678901234", token="0f8fad5b-d9cb-469f-a165-70867728950f")
    assert forged["status"] == 403 and sb.shop_order(tid)["shipments"] == []
    assert json.loads(consign(children[:1], "312345678901234", fetcherContactId="1")["text"])["success"] is False
    assert json.loads(consign(children[:1], "312345678901234")["text"]) == {"success": True, "message": "恭喜您，操作成功"}
    assert sb.shop_order(tid)["status"] == "SELLER_CONSIGNED_PART"
    assert json.loads(consign(children[1:], "312345678901234")["text"])["message"] == CONSIGN_FAIL
    assert json.loads(consign(children[:1], "412345678901234")["text"])["message"] == "子订单不存在或已发货"
    assert json.loads(consign(children[1:], "412345678901234")["text"])["success"] is True
    order = sb.shop_order(tid)
    assert order["status"] == "WAIT_BUYER_CONFIRM_GOODS"
    assert [s["oids"] for s in order["shipments"]] == [oids[:1], oids[1:]]


def decrypt(page, sb, tid):
    wuliu2 = sb.origin("wuliu2.taobao.com")
    listed = fetch_json(page, f"{wuliu2}/user/queryOrderList?listType=all&tradeId={tid}")
    logistics_id = listed["data"][0]["baseInfo"]["fields"][0]["value"]
    return fetch_json(page, f"{wuliu2}/user/getRealReceiverInfo?orderId={logistics_id}")


def test_decrypt_within_quota_then_refused(page, sb, shop):
    sb.update_shop("wl_shop", decrypt_quota=2)
    as_seller(page, sb, "wl_shop")
    page.goto(sb.origin("wuliu2.taobao.com") + "/user/queryOrderList?listType=all&tradeId=0")
    a, b, c = shop["tids"][3:6]
    got = decrypt(page, sb, a)
    assert got["success"] is True and got["data"] | {"fullAddress": ""} == sb.shop_order(a)["receiver"] | {"fullAddress": ""}
    assert decrypt(page, sb, b)["success"] is True
    refused = decrypt(page, sb, c)
    assert refused == {"success": False, "errorCode": "DECRYPT_QUOTA_EXCEEDED", "message": "今日查看收货人信息次数已达上限"}
    assert decrypt(page, sb, a)["success"] is True  # the same order again costs nothing
    sb.advance(24 * 60)  # a new day, a new quota
    assert decrypt(page, sb, c)["success"] is True


def test_decrypt_slider_then_pass(page, sb, shop):
    sb.update_shop("wl_shop", decrypt_slider_chance=1.0, decrypt_quota=50)
    as_seller(page, sb, "wl_shop")
    page.goto(sb.origin("wuliu2.taobao.com") + "/user/queryOrderList?listType=all&tradeId=0")
    blocked = decrypt(page, sb, shop["tids"][6])
    assert blocked["rgv587_flag"] == "sm" and "/_____tmd_____/slide?" in blocked["url"]
    page.goto(blocked["url"])
    drag_slider(page)
    expect(page.locator("#nc_1__scale_text")).to_have_text("验证通过")
    assert decrypt(page, sb, shop["tids"][6])["data"]["name"] == sb.shop_order(shop["tids"][6])["receiver"]["name"]
    sb.update_shop("wl_shop", decrypt_slider_chance=0.0)


def test_export_addresses_with_sms_password(page, sb, shop):
    sb.scenario("decrypt_quota_zero", login="wl_shop")
    as_seller(page, sb, "wl_shop")
    page.goto(sb.origin("trade.taobao.com") + "/trade/export/address_export.htm")
    page.click("#J_SendPwd")
    expect(page.locator("#J_SendTip")).to_contain_text("密码已发送至")
    code = next(s for s in sb.sms_codes() if s["purpose"] == "export")["code"]
    page.fill("#J_ExportPwd", code)
    page.click("#J_ExportSubmit")
    unshipped = [o for o in sb.shop_orders("wl_shop") if o["status"] in ("WAIT_SELLER_SEND_GOODS", "SELLER_CONSIGNED_PART")]
    expect(page.locator("#J_ExportResult")).to_have_text(f"导出成功，共 {len(unshipped)} 条")

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "_tb_token_")
    trade = sb.origin("trade.taobao.com")
    reused = fetch_json(page, f"{trade}/trade/export/download.do", {"_tb_token_": token, "password": code})
    assert reused == {"success": False, "message": "导出密码错误或已过期"}
    assert fetch_json(page, f"{trade}/trade/export/send_password.do", {"_tb_token_": token})["success"] is True
    code = next(s for s in sb.sms_codes() if s["purpose"] == "export")["code"]
    csv = fetch(page, f"{trade}/trade/export/download.do", {"_tb_token_": token, "password": code, "format": "csv"})["text"]
    lines = csv.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("订单编号,收货人,手机") and len(lines) == len(unshipped) + 1
    first = unshipped[0]
    assert f"{first['tid']},{first['receiver']['name']},{first['receiver']['mobile']}" in csv


def test_sub_account_may_not_export(page, sb, shop):
    sb.add_seller("wl_shop:客服", "pw")
    as_seller(page, sb, "wl_shop:客服")
    page.goto(sb.origin("trade.taobao.com") + "/trade/export/address_export.htm")
    page.click("#J_SendPwd")
    expect(page.locator("#J_SendTip")).to_have_text("您没有导出订单的权限，请使用主账号操作")
