"""淘宝 / 天猫 as a purchase account: log in, pick a SKU, confirm, pay at the cashier, read the
order back from queryboughtlistv2 (sign checked), see the supplier ship, cancel, refund, return."""
from __future__ import annotations

import hashlib
import json
import re

from playwright.sync_api import expect

from .conftest import (
    COURIER_PATTERNS,
    RECEIVER,
    choose_sku,
    fetch,
    fetch_json,
    fill_receiver,
    login_ui,
    mtop,
    product_with_sold_out_value,
)

BOUGHT_V2 = "mtop.taobao.order.queryboughtlistv2"


def bought_nodes(page, sb, **data):
    answer = mtop(page, sb, "h5api.m.taobao.com", BOUGHT_V2, {"tabCode": "all", "page": 1, "pageSize": 20,
                                                               "condition": "{}", **data})
    assert answer["ret"] == ["SUCCESS::调用成功"], answer
    return answer["data"]["data"]


def test_buy_pay_and_read_back_a_taobao_purchase(page, sb):
    sb.add_buyer("taobao", "tb_buyer", "pw-tb", pay_password="246810")
    item, sku, sold_out = product_with_sold_out_value(sb, "taobao")
    login_ui(page, sb, "tb_buyer", "pw-tb")
    expect(page).to_have_url(sb.origin("i.taobao.com") + "/my_taobao.htm")
    expect(page.locator("#buyer-nick")).to_have_text("tb_buyer")

    page.goto(item["url"].replace("https://item.taobao.com", sb.origin("item.taobao.com")))
    expect(page.locator(f'[id*="SkuPanel"] [data-pv="{sold_out}"]')).to_have_attribute("data-disabled", "true")
    page.click(f'[data-pv="{sold_out}"]')  # a sold-out value cannot be chosen
    page.click("#J_LinkBuy")
    expect(page.locator(".sku-tip")).to_contain_text("请选择")
    choose_sku(page, sku)
    page.fill("#J_IptAmount", "2")
    page.click("#J_LinkBuy")

    expect(page).to_have_url(re.compile(r"buy\.taobao\.localhost:\d+/auction/buy_now\.jhtml\?buy_param="))
    fill_receiver(page, {**RECEIVER, "mobile": "1381234"})
    page.fill("textarea[id^=textarea_memoPC]", "DS#TB-0001")
    page.click("#J_Go")
    expect(page.locator('.field-error[data-for="mobile"]')).to_have_text("手机号码格式不正确")
    assert sb.purchase_orders(login="tb_buyer") == []  # bad input changes nothing
    fill_receiver(page)
    page.click("#J_ClaimCoupon")
    expect(page.locator("#J_CouponTip")).to_contain_text("领取成功")
    page.check("#freightInsurance")
    page.click("#J_Go")

    expect(page).to_have_url(re.compile(r"cashier\.alipay\.localhost:\d+/standard/lightpay/lightPayCashier\.htm"))
    [purchase] = sb.purchase_orders(login="tb_buyer")
    assert purchase["state"] == "unpaid" and purchase["memo"] == "DS#TB-0001"
    assert sb.supplier_item(item["url"])["skus"][item["skus"].index(sku)]["stock"] == 48  # 拍下减库存
    page.fill("#payPassword_rsainput", "111111")
    page.click("#J_authSubmit")
    expect(page.locator("#J_PayError")).to_have_text("支付密码不正确，还有2次机会")
    page.fill("#payPassword_rsainput", "246810")
    page.click("#J_authSubmit")
    expect(page.locator("#order-status")).to_have_text("买家已付款")

    purchase = sb.purchase_order(purchase["order_id"])
    coupon_fen = purchase["items"][0]["discount_fen"]
    assert purchase["receiver"]["name"] == "王小明" and purchase["insurance_fen"] == 90
    assert purchase["paid_fen"] == sku["price_fen"] * 2 - coupon_fen + 90
    oid = purchase["order_id"]
    assert re.fullmatch(r"\d{19}", oid)

    nodes = bought_nodes(page, sb)
    assert nodes[f"shopInfo_{oid}"]["fields"]["tradeTitle"] == "买家已付款"
    assert nodes[f"orderMemo_{oid}"]["fields"]["buyerMessage"] == "DS#TB-0001"
    item_node = nodes[f"orderItemInfo_{oid}_{oid}"]["fields"]["item"]
    assert item_node["itemId"] == item["item_id"] and item_node["quantity"] == "2" and item_node["skuId"] == sku["sku_id"]
    assert nodes[f"orderPayment_{oid}"]["fields"]["actualFee"]["value"] == f"￥{purchase['paid_fen'] / 100:.2f}"
    assert nodes["pager_1"]["fields"]["totalNumber"] == "1"
    assert nodes[f"orderStatus_{oid}"]["fields"]["mailNo"] == ""

    # The gateway refuses a wrong sign, as the real one does.
    refused = mtop(page, sb, "h5api.m.taobao.com", BOUGHT_V2, {"tabCode": "all"}, sign="0" * 32)
    assert refused["ret"] == ["FAIL_SYS_ILLEGAL_ACCESS::非法请求"] and refused["data"] == {}

    # The supplier ships within two days (or never: then the admin ships it by hand).
    sb.advance(2 * 24 * 60 + 1)
    if sb.purchase_order(oid)["never_ships"]:
        sb.ship_now(oid)
    sb.advance(6 * 60)
    [shipment] = sb.purchase_order(oid)["shipments"]
    assert re.fullmatch(COURIER_PATTERNS[shipment["courier_code"]], shipment["tracking_no"])
    assert shipment["courier_code"] != "BTKD"  # 淘宝 suppliers cannot ship with 百通
    status = bought_nodes(page, sb, tabCode="waitConfirm")[f"orderStatus_{oid}"]["fields"]
    assert (status["cpCode"], status["mailNo"]) == (shipment["courier_code"], shipment["tracking_no"])
    steps = fetch_json(page, f"{sb.origin('buyertrade.taobao.com')}/trade/json/transit_step.do?bizOrderId={oid}")
    assert steps["isSuccess"] == "true" and steps["expressId"] == shipment["tracking_no"]
    assert steps["expressName"] == shipment["courier_name"] and steps["address"][0]["place"]
    page.goto(f"{sb.origin('buyertrade.taobao.com')}/trade/detail/trade_item_detail.htm?bizOrderId={oid}")
    expect(page.locator(".tracking-no")).to_have_text(shipment["tracking_no"])
    assert page.evaluate("() => data.buyMessage") == "DS#TB-0001"


def test_gateway_token_session_and_origin_checks(sb):
    sb.add_buyer("taobao", "tb_gate", "pw")
    gateway = "https://h5api.m.taobao.com/h5/mtop.taobao.order.queryboughtlistv2/1.0/"
    empty = sb.http("GET", gateway, params={"appKey": "12574478", "t": "1", "sign": "x", "data": "{}"})
    assert empty.json()["ret"] == ["FAIL_SYS_TOKEN_EMPTY::令牌为空"] and "_m_h5_tk" in empty.cookies
    token = empty.cookies["_m_h5_tk"]
    sign = hashlib.md5(f"{token.split('_')[0]}&1&12574478&{{}}".encode()).hexdigest()
    params = {"appKey": "12574478", "t": "1", "sign": sign, "data": "{}"}
    foreign = sb.http("GET", gateway, params=params, cookies={"_m_h5_tk": token},
                      headers={"Referer": "http://evil.localhost/"})
    assert foreign.json()["ret"] == ["FAIL_SYS_ILLEGAL_ACCESS::非法访问"]
    anonymous = sb.http("GET", gateway, params=params, cookies={"_m_h5_tk": token},
                        headers={"Referer": sb.origin("buyertrade.taobao.com") + "/"})
    assert anonymous.json()["ret"] == ["FAIL_SYS_SESSION_EXPIRED::Session过期"]
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("tb_gate") if c["domain"] == ".taobao.localhost"}
    ok = sb.http("GET", gateway, params=params, cookies={**cookies, "_m_h5_tk": token},
                 headers={"Referer": sb.origin("buyertrade.taobao.com") + "/"})
    assert ok.json()["ret"] == ["SUCCESS::调用成功"] and ok.json()["data"]["data"]["pager_1"]["fields"]["totalNumber"] == 0


def test_tmall_item_cancel_refund_and_return(page, sb):
    sb.add_buyer("taobao", "tm_buyer", "pw", pay_password="135790")
    item = sb.supplier_items("tmall")[0]
    sku = next(s for s in item["skus"] if s["stock"] > 5)
    page.context.add_cookies(sb.login_cookies("tm_buyer"))
    # A 天猫 item asked on item.taobao.com moves to detail.tmall.com.
    page.goto(f"{sb.origin('item.taobao.com')}/item.htm?id={item['item_id']}")
    expect(page).to_have_url(f"{sb.origin('detail.tmall.com')}/item.htm?id={item['item_id']}")

    unpaid = sb.buy("tmall", "tm_buyer", sku["sku_id"], paid=False, memo="DS#TM-1")
    detail = f"{sb.origin('buyertrade.taobao.com')}/trade/detail/trade_item_detail.htm?bizOrderId="
    page.goto(detail + unpaid["order_id"])
    expect(page.locator("#order-status")).to_have_text("等待买家付款")
    page.click("#cancel-order")
    expect(page.locator("#action-message")).to_have_text("订单已取消")
    expect(page.locator("#order-status")).to_have_text("交易关闭")
    assert sb.supplier_item(item["url"])["skus"][item["skus"].index(sku)]["stock"] == sku["stock"]

    paid = sb.buy("tmall", "tm_buyer", sku["sku_id"], memo="DS#TM-2")
    sb.ship_now(paid["order_id"])
    page.goto(detail + paid["order_id"])
    page.select_option("#refund-form select[name=refundType]", "return_refund")
    page.click("#apply-refund")
    expect(page.locator("#action-message")).to_contain_text("退款申请已提交")
    expect(page.locator(".refund-status")).to_have_text("退款待处理")
    sb.advance(6 * 60)  # the supplier agrees to the return within hours
    page.reload()
    expect(page.locator(".refund-status")).to_have_text("待买家发货")
    form = page.locator(".return-form")
    form.locator("select[name=companyCode]").select_option("YTO")
    form.locator("input[name=mailNo]").fill("YT123")
    form.locator("button").click()
    expect(page.locator("#action-message")).to_have_text("运单号不符合规则")
    form.locator("select[name=companyCode]").select_option("YTO")
    form.locator("input[name=mailNo]").fill("YT1234567890123")
    form.locator("button").click()
    expect(page.locator(".refund-status")).to_have_text("待商家收货")
    sb.advance(3 * 24 * 60)
    page.reload()
    expect(page.locator(".refund-status")).to_have_text("退款成功")
    expect(page.locator("#order-status")).to_have_text("交易关闭")
    assert sb.purchase_order(paid["order_id"])["disputes"][0]["return_tracking_no"] == "YT1234567890123"


def test_async_bought_needs_the_list_page(page, sb):
    sb.add_buyer("taobao", "tb_legacy", "pw")
    sku = sb.supplier_items("taobao")[1]["skus"][0]
    sb.update_sku(sku["sku_id"], stock=10)
    bought = sb.buy("taobao", "tb_legacy", sku["sku_id"], memo="DS#TB-LEGACY")
    page.context.add_cookies(sb.login_cookies("tb_legacy"))
    trade = sb.origin("buyertrade.taobao.com")
    url = f"{trade}/trade/itemlist/asyncBought.htm?action=itemlist/BoughtQueryAction&event_submit_do_query=1&_input_charset=utf8"
    page.goto(f"{trade}/trade/itemlist/list_bought_items.htm")
    embedded = page.evaluate("() => data")
    assert [o["id"] for o in embedded["mainOrders"]] == [bought["order_id"]]
    raw = fetch(page, url, {"pageNum": "1", "pageSize": "15"})
    order = json.loads(raw["text"], parse_int=str)["mainOrders"][0]
    assert order["buyerMessage"] == "DS#TB-LEGACY" and order["statusInfo"]["text"] == "买家已付款"
    assert f'"id":{bought["order_id"]},' in raw["text"]  # bare number > 2^53 in extra.id
    assert order["payInfo"]["actualFee"] == f"{bought['paid_fen'] / 100:.2f}"
    no_referer = page.evaluate("""url => fetch(url, {method: "POST", body: new URLSearchParams({pageNum: "1"}),
                                                   credentials: "include", referrerPolicy: "no-referrer"})
                                    .then(r => r.status)""", url)
    assert no_referer == 403
