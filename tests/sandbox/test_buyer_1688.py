"""1688 as a purchase account: offer page, smart_make_order with its data-source preview, 下单成功,
支付宝 payment, the dataline order list (JSON-string result, fen), supplier shipping, cancel."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

from playwright.sync_api import expect

from .conftest import COURIER_PATTERNS, RECEIVER, choose_sku, fill_receiver, mtop, product_with_sold_out_value

DATALINE = "mtop.1688.trading.dataline.service"


def buyer_orders(page, sb, **param):
    answer = mtop(page, sb, "h5api.m.1688.com", DATALINE, {
        "serviceId": "OrderListDataLineService.buyerOrderList",
        "param": json.dumps({"page": 1, "pageSize": 20, "tradeStatus": "", "word": "", **param})})
    assert answer["ret"] == ["SUCCESS::调用成功"], answer
    result = answer["data"]["data"]["result"]
    assert isinstance(result, str)  # a JSON string inside the JSON, as the real API sends it
    return json.loads(result, parse_int=str)["data"]


def test_order_pay_and_read_back_a_1688_purchase(page, sb):
    sb.add_buyer("alibaba1688", "ali_buyer", "pw-ali", pay_password="112233")
    item, sku, sold_out = product_with_sold_out_value(sb, "alibaba1688")
    page.goto(f"{sb.origin('detail.1688.com')}/offer/{item['item_id']}.html")
    expect(page.locator(f'#skuSelection [data-pv="{sold_out}"]')).to_have_attribute("data-disabled", "true")
    assert page.evaluate("() => window.__INIT_DATA.globalData.tempModel.offerId") == item["item_id"]
    choose_sku(page, sku)
    page.fill("#skuQuantity", "3")
    page.click("#J_OrderNow")

    # Not logged in: the 1688 login, then back to the order page.
    expect(page).to_have_url(re.compile(r"login\.1688\.localhost:\d+/member/signin\.htm\?redirectURL="))
    page.fill("#fm-login-id", "ali_buyer")
    page.fill("#fm-login-password", "pw-ali")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"order\.1688\.localhost:\d+/order/smart_make_order\.htm\?flow=general&id="))
    preview = json.loads(page.get_attribute("#J_OrderPreview", "data-source"))["orders"][0]
    assert preview["sumPayment"] == sku["price_fen"] * 3 + preview["sumCarriage"]
    assert preview["receiveAddress"] == {"fullName": "", "mobile": "", "address": ""}
    fill_receiver(page)
    page.fill("#buyer-message", "DS#ALI-0001")
    preview = json.loads(page.get_attribute("#J_OrderPreview", "data-source"))["orders"][0]
    assert preview["receiveAddress"]["fullName"] == "王小明" and "文一西路100号" in preview["receiveAddress"]["address"]
    page.click("#submit-order")

    expect(page.locator("h2")).to_have_text("下单成功")
    order_id = re.search(r"orderId=(\d{19})", page.url).group(1)
    page.click("#message-back")  # 去支付
    page.fill("#payPassword_rsainput", "112233")
    page.click("#J_authSubmit")
    expect(page.locator("#order-status")).to_have_text("待发货")

    page.goto(sb.origin("air.1688.com") + "/app/ctf-page/trade-order-list/buyer-order-list.html")
    listed = buyer_orders(page, sb)
    assert (listed["total"], listed["pages"]) == ("1", "1")
    [order] = listed["data"]
    assert order["idStr"] == order_id and order["status"] == "waitsellersend" and order["statusLabel"] == "待发货"
    assert order["remark"] == "DS#ALI-0001" and order["buyerInfo"]["loginId"] == "ali_buyer"
    assert order["sumPayment"] == str(sku["price_fen"] * 3 + int(order["carriage"]))  # fen, as a string
    [entry] = order["orderEntries"]
    assert entry["specId"] == sku["spec_id"] and entry["quantity"] == "3" and entry["price"] == str(sku["price_fen"])
    assert [(s["specName"], s["specValue"]) for s in entry["specItems"]] == [(p["name"], p["value"]) for p in sku["props"]]
    assert entry["entryExtension"]["trackingNo"] == ""
    assert buyer_orders(page, sb, word=order_id)["total"] == "1"
    assert buyer_orders(page, sb, tradeStatus="waitbuyerreceive")["data"] == []
    too_big = mtop(page, sb, "h5api.m.1688.com", DATALINE, {"serviceId": "OrderListDataLineService.buyerOrderList",
                                                             "param": json.dumps({"page": 1, "pageSize": 60})})
    assert too_big["ret"] == ["FAIL_BIZ_PARAM_ERROR::pageSize不能超过50"]

    sb.advance(2 * 24 * 60 + 1)
    if sb.purchase_order(order_id)["never_ships"]:
        sb.ship_now(order_id)
    [shipped] = buyer_orders(page, sb, tradeStatus="waitbuyerreceive")["data"]
    [logistics] = shipped["nativeLogistics"]["logisticsItems"]
    number = shipped["orderEntries"][0]["entryExtension"]["trackingNo"]
    assert number == logistics["logisticsBillNo"]
    assert re.fullmatch(COURIER_PATTERNS[logistics["logisticsCompanyNo"]], number)
    page.goto(f"{sb.origin('trade.1688.com')}/order/new_step_order_detail.htm?orderId={order_id}")
    expect(page.locator(".tracking-no")).to_have_text(number)
    expect(page.locator(".courier-name")).to_have_text(logistics["logisticsCompanyName"])


def test_several_specs_in_one_order_and_cancel_unpaid(page, sb):
    sb.add_buyer("alibaba1688", "ali_multi", "pw")
    item = next(i for i in sb.supplier_items("alibaba1688") if len(i["skus"]) >= 2)
    first, second = item["skus"][:2]
    for sku in (first, second):
        sb.update_sku(sku["sku_id"], stock=20)
    page.context.add_cookies(sb.login_cookies("ali_multi", platform="alibaba1688"))
    entries = [{"flow": "general", "offerId": item["item_id"], "quantity": 2, "specId": first["spec_id"]},
               {"flow": "general", "offerId": item["item_id"], "quantity": 1, "specId": second["spec_id"]}]
    page.goto(f"{sb.origin('order.1688.com')}/order/smart_make_order.htm?flow=general&id={quote(json.dumps(entries))}")
    fill_receiver(page, {**RECEIVER, "fullName": "李四"})
    page.click("#submit-order")
    expect(page.locator("h2")).to_have_text("下单成功")
    order_id = re.search(r"orderId=(\d+)", page.url).group(1)
    purchase = sb.purchase_order(order_id)
    assert [(i["sku_id"], i["quantity"]) for i in purchase["items"]] == [(first["sku_id"], 2), (second["sku_id"], 1)]
    assert purchase["state"] == "unpaid" and purchase["receiver"]["name"] == "李四"

    page.goto(f"{sb.origin('trade.1688.com')}/order/new_step_order_detail.htm?orderId={order_id}")
    expect(page.locator("#order-status")).to_have_text("待付款")
    assert page.evaluate("() => window.__ORDER_DETAIL__.status") == "waitbuyerpay"
    page.click("#cancel-order")
    expect(page.locator("#order-status")).to_have_text("交易取消")
    assert [s["stock"] for s in sb.supplier_item(item["url"])["skus"][:2]] == [20, 20]
