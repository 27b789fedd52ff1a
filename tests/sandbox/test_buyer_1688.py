"""1688 as a purchase account: offer page, smart_make_order with its nested data-source preview,
the 支付宝 cashier (order id only in its URL), the dataline order list (JSON-string result, fen),
supplier shipping, cancel."""
from __future__ import annotations

import hashlib
import html
import json
import re
from urllib.parse import parse_qs, quote, urlsplit

from playwright.sync_api import expect

from .conftest import COURIER_PATTERNS, RECEIVER, choose_sku, fill_receiver, mtop, product_with_sold_out_value

DATALINE = "mtop.1688.trading.dataline.service"


CASHIER = re.compile(r"cashier\.alipay\.localhost:\d+/standard/lightpay/lightPayCashier\.htm\?.*orderId=")


def cashier_order_id(url: str) -> str:
    """The new order's id from the cashier URL (idx 62842867388): ``orderIds=``, or ``orderId=``
    inside ``returnURL``; the cashier's own ``orderId`` is a token."""
    query = parse_qs(urlsplit(url).query)
    if "orderIds" in query:
        return query["orderIds"][0]
    return parse_qs(urlsplit(query["returnURL"][0]).query)["orderId"][0]


def data_source(text: str) -> dict:
    """The preview JSON the way the real page's readers take it from the HTML (double-quoted attribute)."""
    return json.loads(html.unescape(re.search(r'data-source="([^"]+sumPayment[^"]+)"', text).group(1)))


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
    preview = data_source(page.content())["orders"][0]
    assert preview["sumPayment"] == sku["price_fen"] * 3 + preview["sumCarriage"]
    assert preview["receiveAddress"] == {"fullName": "", "mobile": "", "address": "", "addressCodeText": ""}
    fill_receiver(page)
    page.fill("#buyer-message", "DS#ALI-0001")
    preview = data_source(page.content())["orders"][0]
    assert preview["receiveAddress"]["fullName"] == "王小明" and preview["receiveAddress"]["address"] == "文一西路100号3栋2单元501室"
    assert preview["receiveAddress"]["addressCodeText"] == "浙江省 杭州市 西湖区 文新街道"
    page.click("#submit-order")

    expect(page).to_have_url(CASHIER)  # 提交订单 goes straight to the cashier: no 下单成功 page
    order_id = cashier_order_id(page.url)
    assert sb.purchase_order(order_id)["state"] == "unpaid"
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
    expect(page).to_have_url(CASHIER)
    order_id = cashier_order_id(page.url)
    purchase = sb.purchase_order(order_id)
    assert [(i["sku_id"], i["quantity"]) for i in purchase["items"]] == [(first["sku_id"], 2), (second["sku_id"], 1)]
    assert purchase["state"] == "unpaid" and purchase["receiver"]["name"] == "李四"

    page.goto(f"{sb.origin('trade.1688.com')}/order/new_step_order_detail.htm?orderId={order_id}")
    expect(page.locator("#order-status")).to_have_text("待付款")
    assert page.evaluate("() => window.__ORDER_DETAIL__.status") == "waitbuyerpay"
    page.click("#cancel-order")
    expect(page.locator("#order-status")).to_have_text("交易取消")
    assert [s["stock"] for s in sb.supplier_item(item["url"])["skus"][:2]] == [20, 20]


def test_data_source_nests_cargos_by_logistics_and_offer(page, sb):
    """Two specs of one offer: one order, one logistics group, one cargo (the offer) with two
    orderCargos; sums in fen, per-cargo prices in yuan (idx 62842867388, 66121087889)."""
    sb.add_buyer("alibaba1688", "ali_nested", "pw")
    item = next(i for i in sb.supplier_items("alibaba1688") if len(i["skus"]) >= 2)
    first, second = item["skus"][:2]
    for sku in (first, second):
        sb.update_sku(sku["sku_id"], stock=20)
    entries = [{"flow": "general", "offerId": item["item_id"], "quantity": 2, "specId": first["spec_id"]},
               {"flow": "general", "offerId": item["item_id"], "quantity": 1, "specId": second["spec_id"]}]
    url = f"https://order.1688.com/order/smart_make_order.htm?flow=general&id={quote(json.dumps(entries))}"
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("ali_nested", platform="alibaba1688")}
    served = sb.http("GET", url, cookies=cookies)
    assert served.status == 200 and "data-source='" not in served.text
    [order] = data_source(served.text)["orders"]
    assert order["simpleSeller"]["companyName"] == item["shop"] and order["simpleSeller"]["loginId"]
    goods = first["price_fen"] * 2 + second["price_fen"]
    assert order["sumPaymentNoCarriage"] == goods and order["sumPayment"] == goods + order["sumCarriage"]
    assert "cargoList" not in order and "sumProductPayment" not in order  # the old flat shape is gone
    [group] = order["cargoGroupedByLogistics"]
    [cargo] = group["cargoList"]
    assert str(cargo["offerId"]) == item["item_id"]
    assert [(c["specId"], c["commonQuantity"]) for c in cargo["orderCargos"]] == [(first["spec_id"], 2), (second["spec_id"], 1)]
    assert cargo["orderCargos"][0]["finalUnitPrice"] == first["price_fen"] / 100
    assert cargo["orderCargos"][0]["amount"] == first["price_fen"] * 2 / 100
    assert sb.http("GET", "https://order.1688.com/order/smart_make_order_success.htm?orderId=1",
                   cookies=cookies).status == 404  # the invented 下单成功 page is gone


def test_cashier_url_carries_the_order_id_in_either_form(page, sb):
    """提交订单 lands on the cashier whose own ``orderId`` is a token; the order is named by
    ``orderIds=`` or by ``orderId=`` inside ``returnURL`` (both occur)."""
    sb.add_buyer("alibaba1688", "ali_cashier", "pw")
    item = sb.supplier_items("alibaba1688")[0]
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], stock=50)
    page.context.add_cookies(sb.login_cookies("ali_cashier", platform="alibaba1688"))
    entry = quote(json.dumps([{"flow": "general", "offerId": item["item_id"], "quantity": 1, "specId": sku["spec_id"]}]))
    forms = {}
    for _ in range(8):
        page.goto(f"{sb.origin('order.1688.com')}/order/smart_make_order.htm?flow=general&id={entry}")
        fill_receiver(page)
        page.get_by_role("button", name="提交订单").click()
        expect(page).to_have_url(CASHIER)
        query = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
        assert re.fullmatch(r"[0-9a-f]{32}", query["orderId"])  # the cashier's token, not the order
        order_id = cashier_order_id(page.url)
        forms["orderIds" if "orderIds" in query else "returnURL"] = order_id
        assert sb.purchase_order(order_id)["state"] == "unpaid"
        if len(forms) == 2:
            break
    assert set(forms) == {"orderIds", "returnURL"}
    ids = [o["order_id"] for o in sb.purchase_orders(login="ali_cashier")]
    assert set(forms.values()) <= set(ids) and len(ids) == len(set(ids))


def test_dataline_refused_without_a_1688_page_referer(sb):
    """The order list API answers only calls made from a 1688 page (FIDELITY.md: blocked without
    a page Referer); a signed call from outside gets 非法访问."""
    sb.add_buyer("alibaba1688", "ali_referer", "pw")
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("ali_referer", platform="alibaba1688")}
    data = json.dumps({"serviceId": "OrderListDataLineService.buyerOrderList",
                       "param": json.dumps({"page": 1, "pageSize": 20})})
    sign = hashlib.md5(f"{cookies['_m_h5_tk'].split('_')[0]}&1&12574478&{data}".encode()).hexdigest()
    gateway = f"https://h5api.m.1688.com/h5/{DATALINE}/1.0/"
    params = {"appKey": "12574478", "t": "1", "sign": sign, "data": data, "api": DATALINE, "v": "1.0"}
    bare = sb.http("GET", gateway, params=params, cookies=cookies)
    assert bare.json()["ret"] == ["FAIL_SYS_ILLEGAL_ACCESS::非法访问"]
    listed = sb.http("GET", gateway, params=params, cookies=cookies,
                     headers={"Referer": sb.origin("air.1688.com") + "/app/ctf-page/trade-order-list/buyer-order-list.html"})
    assert listed.json()["ret"] == ["SUCCESS::调用成功"]
