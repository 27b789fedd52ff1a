"""淘宝 / 天猫 as a purchase account: log in, pick a SKU, choose or add an address (region picker),
confirm (baxia stand-in), pay at the cashier, read the order back from queryboughtlistv2 in every
shape (sign checked), see the supplier ship, cancel, refund, return."""
from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import parse_qsl

import pytest
from playwright.sync_api import expect

from .conftest import (
    COURIER_PATTERNS,
    choose_sku,
    fetch,
    login_ui,
    mtop,
    product_with_sold_out_value,
)

BOUGHT_V2 = "mtop.taobao.order.queryboughtlistv2"


def bought_page(in_page, sb, **data) -> tuple[str, dict, dict]:
    """One page of queryboughtlistv2, whatever its shape: (shape, {oid: order}, paging) where an
    order is {status, memo, fee, mailNo, cpCode, items[(itemId, skuId, quantity)]}."""
    answer = mtop(in_page, sb, "h5api.m.taobao.com", BOUGHT_V2, {"tabCode": "all", "page": 1, "pageSize": 20,
                                                                  "condition": "{}", **data})
    assert answer["ret"] == ["SUCCESS::调用成功"], answer
    body = answer["data"]
    if "result" in body:  # a JSON string of the asyncBought shape
        result = json.loads(body["result"], parse_int=str)
        return "result", {o["id"]: {
            "status": o["statusInfo"]["text"], "memo": o["buyerMessage"], "fee": o["payInfo"]["actualFee"],
            "mailNo": None, "cpCode": None,
            "items": [(s["itemInfo"]["id"], s["itemInfo"]["skuId"], s["quantity"]) for s in o["subOrders"]],
        } for o in result["mainOrders"]}, {"hasMore": result["page"]["currentPage"] < result["page"]["totalPage"],
                                           "total": result["page"]["totalNumber"]}
    nodes = body["data"]
    if "pager_1" in nodes:
        orders = {}
        for key, node in nodes.items():
            if key.startswith("shopInfo_"):
                oid = node["fields"]["orderId"]
                status = nodes[f"orderStatus_{oid}"]["fields"]
                orders[oid] = {
                    "status": node["fields"]["tradeTitle"], "memo": nodes[f"orderMemo_{oid}"]["fields"]["buyerMessage"],
                    "fee": nodes[f"orderPayment_{oid}"]["fields"]["actualFee"]["value"].lstrip("￥"),
                    "mailNo": status["mailNo"], "cpCode": status["cpCode"],
                    "items": [(n["fields"]["item"]["itemId"], n["fields"]["item"]["skuId"], n["fields"]["item"]["quantity"])
                              for k, n in nodes.items() if k.startswith(f"orderItemInfo_{oid}_")]}
        pager = nodes["pager_1"]["fields"]
        return "shopInfo", orders, {"hasMore": int(pager["currentPage"]) < int(pager["totalPage"]),
                                    "total": pager["totalNumber"]}

    def fields(node):
        return json.loads(node["fields"], parse_int=str) if isinstance(node["fields"], str) else node["fields"]

    orders = {}
    for key, node in nodes.items():
        if key.startswith("Main_"):
            main = fields(node)
            oid = main["orderId"]
            assert isinstance(node["fields"], str) == (int(oid[-1]) % 2 == 1)  # the documented rule
            shipped = fields(nodes[f"logistics_{oid}"]) if f"logistics_{oid}" in nodes else {}
            orders[oid] = {
                "status": fields(nodes[f"sellerInfo_{oid}"])["status"]["text"], "memo": main["buyerMessage"],
                "fee": main["actualFee"].lstrip("￥"), "mailNo": shipped.get("mailNo", ""),
                "cpCode": shipped.get("cpCode", ""),
                "items": [(f["item"]["itemId"], f["item"]["skuId"], str(f["item"]["quantity"]))
                          for k, n in nodes.items() if k.startswith(f"item_{oid}_") for f in [fields(n)]]}
    return "Main", orders, {"hasMore": nodes["boughtlist"]["fields"]["hasMore"] == "true", "total": None}


def add_address(page, region: list[str], detail: str, name: str, mobile: str) -> None:
    """使用新地址 on the confirm page, then the address frame (save_address)."""
    page.get_by_role("button", name="使用新地址").click()
    save_address(page, region, detail, name, mobile)


def save_address(page, region: list[str] | tuple[str, ...], detail: str, name: str, mobile: str) -> None:
    """The member1 address frame (confirm page or address book): its region picker, one tag per
    level, the detail, name and phone, then 保存."""
    frame = page.frame_locator("#J_AddressFrame")
    frame.locator(".cndzk-entrance-division-header-click").click()
    for label in region:
        frame.locator(".cndzk-entrance-division-box-content-tag").filter(has_text=re.compile(f"^{label}$")).click()
    frame.locator("#addressDetail").fill(detail)
    frame.locator("#fullName").fill(name)
    frame.locator("#mobile").fill(mobile)
    frame.get_by_role("button", name="保存").click()


def test_buy_pay_and_read_back_a_taobao_purchase(page, sb):
    sb.add_buyer("taobao", "tb_buyer", "pw-tb", pay_password="246810")
    item, sku, sold_out = product_with_sold_out_value(sb, "taobao", offer="insurance")  # the seller offers 运费险
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
    # A new account's book is empty: 提交订单 asks for an address and places nothing.
    expect(page.locator("#J_NoAddress")).to_be_visible()
    page.get_by_role("button", name="提交订单").click()
    expect(page.locator("#J_FormError")).to_have_text("请选择收货地址")
    assert sb.purchase_orders(login="tb_buyer") == []
    add_address(page, ["浙江", "杭州市", "西湖区", "文化路街道"], "文一西路100号3栋2单元501室", "王小明", "1381234")
    frame = page.frame_locator("#J_AddressFrame")
    expect(frame.locator('.field-error[data-for="mobile"]')).to_have_text("手机号码格式不正确")
    frame.locator("#mobile").fill("13812345678")
    frame.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"addressId=\d+"))
    expect(page.locator(".address-item.selected .addr-region")).to_have_text("浙江省 杭州市 西湖区 文化路街道")
    expect(page.locator("#J_ConfirmReceiver")).to_have_text("王小明 13812345678")
    page.fill("textarea[id^=textarea_memoPC]", "DS#TB-0001")
    page.click("#J_ClaimCoupon")
    expect(page.locator("#J_CouponTip")).to_contain_text("领取成功")
    page.check("#freightInsurance")
    page.get_by_role("button", name="提交订单").click()

    expect(page).to_have_url(re.compile(r"cashier\.alipay\.localhost:\d+/standard/lightpay/lightPayCashier\.htm"))
    [purchase] = sb.purchase_orders(login="tb_buyer")
    assert purchase["state"] == "unpaid" and purchase["memo"] == "DS#TB-0001"
    assert purchase["receiver"] == {"name": "王小明", "mobile": "13812345678", "province": "浙江省", "city": "杭州市",
                                    "district": "西湖区", "town": "文化路街道", "address": "文一西路100号3栋2单元501室",
                                    "zip": "000000"}
    assert sb.supplier_item(item["url"])["skus"][item["skus"].index(sku)]["stock"] == 48  # 拍下减库存
    page.fill("#payPassword_rsainput", "111111")
    page.click("#J_authSubmit")
    expect(page.locator("#J_PayError")).to_have_text("支付密码不正确，还有2次机会")
    page.fill("#payPassword_rsainput", "246810")
    page.click("#J_authSubmit")
    expect(page.locator("#order-status")).to_have_text("买家已付款")

    purchase = sb.purchase_order(purchase["order_id"])
    coupon_fen = purchase["items"][0]["discount_fen"]
    assert purchase["insurance_fen"] == 90
    assert purchase["paid_fen"] == sku["price_fen"] * 2 - coupon_fen + 90
    oid = purchase["order_id"]
    assert re.fullmatch(r"\d{19}", oid)

    _, orders, paging = bought_page(page, sb)
    assert orders[oid] | {"mailNo": "", "cpCode": ""} == {
        "status": "买家已付款", "memo": "DS#TB-0001", "fee": f"{purchase['paid_fen'] / 100:.2f}", "mailNo": "",
        "cpCode": "", "items": [(item["item_id"], sku["sku_id"], "2")]}
    assert paging["hasMore"] is False

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
    shape, orders, _ = bought_page(page, sb, tabCode="waitConfirm")
    if shape != "result":  # the asyncBought shape has no parcel: transit_step.do gives it
        assert (orders[oid]["cpCode"], orders[oid]["mailNo"]) == (shipment["courier_code"], shipment["tracking_no"])
    page.goto(f"{sb.origin('buyertrade.taobao.com')}/trade/itemlist/list_bought_items.htm")
    steps = json.loads(page.evaluate("""url => fetch(url, {credentials: "include"}).then(r => r.arrayBuffer())
        .then(b => new TextDecoder("gbk").decode(b))""", f"{sb.origin('buyertrade.taobao.com')}/trade/json/transit_step.do?bizOrderId={oid}"))
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
    assert ok.json()["ret"] == ["SUCCESS::调用成功"]


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


def tags(page):
    return page.frame_locator("#J_AddressFrame").locator(".cndzk-entrance-division-box-content-tag")


def open_confirm_page(page, sb, item: dict, sku: dict) -> None:
    """From the item page (its own host) to the confirm page by clicking 立即购买."""
    host = "detail.tmall.com" if item["platform"] == "tmall" else "item.taobao.com"
    page.goto(f"{sb.origin(host)}/item.htm?id={item['item_id']}")
    choose_sku(page, sku)
    page.get_by_role("button", name="立即购买").click()
    expect(page.get_by_role("button", name="提交订单")).to_be_enabled()  # the page's script got its seed


def test_tmall_checkout_on_buy_tmall_with_the_picker_and_the_book(page, sb):
    sb.add_buyer("taobao", "tm_picker", "pw", pay_password="112233")
    item = sb.supplier_items("tmall")[1]
    sku = next(s for s in item["skus"] if s["stock"] > 5)
    page.context.add_cookies(sb.login_cookies("tm_picker"))
    # A 天猫 item's buy_param on buy.taobao.com is sent to buy.tmall.com.
    param = f"{item['item_id']}_1_{sku['sku_id']}"
    page.goto(f"{sb.origin('buy.taobao.com')}/auction/buy_now.jhtml?buy_param={param}")
    expect(page).to_have_url(f"{sb.origin('buy.tmall.com')}/order/confirm_order.htm?buy_param={param}")
    open_confirm_page(page, sb, item, sku)
    expect(page).to_have_url(re.compile(r"//buy\.tmall\.localhost:\d+/order/confirm_order\.htm\?buy_param="))

    # A municipality: the city level is one 市辖区 tag; the street level offers 暂不选择.
    page.get_by_role("button", name="使用新地址").click()
    frame = page.frame_locator("#J_AddressFrame")
    frame.locator(".cndzk-entrance-division-header-click").click()
    tags(page).filter(has_text=re.compile("^北京$")).click()
    expect(tags(page)).to_have_text(["市辖区"])
    tags(page).filter(has_text="市辖区").click()
    tags(page).filter(has_text=re.compile("^朝阳区$")).click()
    expect(tags(page).first).to_have_text("暂不选择")
    tags(page).filter(has_text="暂不选择").click()
    expect(frame.locator(".cndzk-entrance-division-header-click")).to_have_text("北京 市辖区 朝阳区 暂不选择")
    frame.locator("#addressDetail").fill("建国路88号SOHO现代城5号楼1201")
    frame.locator("#fullName").fill("李四 [拨打后输入分机号123]")  # a privacy number's extension, as 淘宝 takes it
    frame.locator("#mobile").fill("18812341111-123")
    frame.get_by_role("button", name="保存").click()
    expect(page.locator(".address-item.selected .addr-region")).to_have_text("北京市 北京市 朝阳区")
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"cashier\.alipay\.localhost"))
    [first] = sb.purchase_orders(login="tm_picker")
    assert first["state"] == "unpaid" and first["status_text"] == "等待买家付款" and first["platform"] == "tmall"
    assert first["receiver"] == {"name": "李四 [拨打后输入分机号123]", "mobile": "18812341111-123", "province": "北京市",
                                 "city": "北京市", "district": "朝阳区", "town": "", "zip": "000000",
                                 "address": "建国路88号SOHO现代城5号楼1201"}

    # A second address made on the address book page becomes the default; the first is picked by a click.
    page.goto(sb.origin("i.taobao.com") + "/my_taobao.htm")
    page.get_by_role("link", name="收货地址").click()
    save_address(page, ("上海", "市辖区", "浦东新区", "新华街道"), "世纪大道100号", "赵六", "13700001111")
    expect(page.locator(".address-item")).to_have_count(2)
    open_confirm_page(page, sb, item, sku)
    expect(page.locator(".address-item.selected .addr-name")).to_have_text("赵六")
    page.locator(".address-item", has_text="李四").click()
    expect(page.locator("#J_ConfirmReceiver")).to_have_text("李四 [拨打后输入分机号123] 18812341111-123")
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"cashier\.alipay\.localhost"))
    second = sb.purchase_orders(login="tm_picker")[1]
    assert second["state"] == "unpaid" and second["receiver"] == first["receiver"]
    book = sb.addresses("tm_picker")
    assert [(a["fullName"], a["town"], a["isDefault"]) for a in book] == [("赵六", "新华街道", True), ("李四 [拨打后输入分机号123]", "", False)]


def test_checkout_posts_not_made_by_the_page_are_refused(page, sb):
    sb.add_buyer("taobao", "tb_forge", "pw")
    item = sb.supplier_items("taobao")[0]
    sku = next(s for s in item["skus"] if s["stock"] > 5)
    page.context.add_cookies(sb.login_cookies("tb_forge"))
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("tb_forge") if c["domain"] == ".taobao.localhost"}
    confirm = f"{sb.origin('buy.taobao.com')}/auction/order/confirm_order.htm"
    param = f"{item['item_id']}_1_{sku['sku_id']}"

    # A free-text receiver posted from outside the page: refused like a baxia block, nothing placed.
    free_text = sb.http("POST", confirm, cookies=cookies, data={
        "_tb_token_": cookies["_tb_token_"], "buy_param": param, "fullName": "王小明", "mobile": "13812345678",
        "province": "浙江省", "city": "杭州市", "district": "西湖区", "addressDetail": "文一西路100号"})
    assert free_text.status == 403 and "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试!" in free_text.text

    page.goto(f"{sb.origin('member1.taobao.com')}/member/fresh/deliver_address.htm")
    save_address(page, ("浙江", "杭州市", "西湖区", "暂不选择"), "文一西路100号", "王小明", "13812345678")
    expect(page.locator(".address-item")).to_have_count(1)
    address_id = page.locator(".address-item").get_attribute("data-address-id")

    # The book's address id with a made-up token, and the page's own nonce without its script's token.
    forged = sb.http("POST", confirm, cookies=cookies, data={
        "_tb_token_": cookies["_tb_token_"], "buy_param": param, "addressId": address_id,
        "umidToken": "0" * 32, "bx-ua": "231!1#" + "0" * 32})
    assert forged.status == 403
    open_confirm_page(page, sb, item, sku)
    nonce = page.locator("input[name=umidToken]").input_value()
    seed_again = fetch(page, f"/auction/json/bx_seed.do?umidToken={nonce}")  # handed out once, to the page
    assert seed_again["status"] == 403
    page.locator("#J_Go").dispatch_event("click")  # a synthetic click computes nothing, submits nothing
    assert page.locator("input[name='bx-ua']").input_value() == "" and "buy_now.jhtml" in page.url
    page.evaluate("() => document.getElementById('J_OrderForm').submit()")  # no trusted click: no token
    expect(page.locator("h2")).to_have_text("哎哟喂,被挤爆啦,请稍后重试!")
    assert sb.purchase_orders(login="tb_forge") == []

    # A real click goes through; the same post sent again (a replayed token) does not.
    open_confirm_page(page, sb, item, sku)
    with page.expect_request(lambda r: r.method == "POST" and "confirm_order.htm" in r.url) as sent:
        page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"cashier\.alipay\.localhost"))
    [placed] = sb.purchase_orders(login="tb_forge")
    assert placed["state"] == "unpaid" and placed["receiver"]["town"] == ""
    replayed = sb.http("POST", confirm, cookies=cookies, data=dict(parse_qsl(sent.value.post_data)))
    assert replayed.status == 403 and len(sb.purchase_orders(login="tb_forge")) == 1


def test_bought_list_comes_in_every_shape(page, sb):
    sb.add_buyer("taobao", "tb_shapes", "pw")
    item = sb.supplier_items("taobao")[1]
    sku = next(s for s in item["skus"] if s["stock"] > 10)
    bought = [sb.buy("taobao", "tb_shapes", sku["sku_id"], quantity=n, memo=f"DS#SHAPE-{n}") for n in (1, 2, 3, 4)]
    page.context.add_cookies(sb.login_cookies("tb_shapes"))
    page.goto(f"{sb.origin('buyertrade.taobao.com')}/trade/itemlist/list_bought_items.htm")
    unb = next(c["value"] for c in sb.login_cookies("tb_shapes") if c["name"] == "unb")
    seen, shapes = {}, []
    for number in (1, 2, 3, 4):
        shape, orders, paging = bought_page(page, sb, page=number, pageSize=1)
        assert shape == ("shopInfo", "Main", "result")[(int(unb) + number) % 3]  # the README's rule
        assert paging["hasMore"] is (number < 4)
        shapes.append(shape)
        seen.update(orders)
    assert set(shapes) == {"shopInfo", "Main", "result"}
    assert set(seen) == {b["order_id"] for b in bought}
    for b in bought:
        got = seen[b["order_id"]]
        assert (got["status"], got["memo"], got["fee"]) == ("买家已付款", b["memo"], f"{b['paid_fen'] / 100:.2f}")
        assert got["items"] == [(item["item_id"], sku["sku_id"], str(b["items"][0]["quantity"]))]


def test_transit_step_is_gbk(sb):
    sb.add_buyer("taobao", "tb_gbk", "pw")
    sku = next(s for s in sb.supplier_items("taobao")[0]["skus"] if s["stock"] > 0)
    shipped = sb.ship_now(sb.buy("taobao", "tb_gbk", sku["sku_id"])["order_id"], courier_code="ZTO")
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("tb_gbk") if c["domain"] == ".taobao.localhost"}
    answer = sb.http("GET", "https://buyertrade.taobao.com/trade/json/transit_step.do",
                     params={"bizOrderId": shipped["order_id"]}, cookies=cookies)
    assert answer.header("Content-Type") == "application/json;charset=GBK"
    steps = json.loads(answer.body.decode("gbk"))
    assert steps["expressName"] == "中通快递" and steps["expressId"] == shipped["shipments"][0]["tracking_no"]
    with pytest.raises(UnicodeDecodeError):
        answer.body.decode("utf-8")
