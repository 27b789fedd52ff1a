"""拼多多 as a purchase account: SMS login, 发起拼单 (待分享 until the group fills), 单独购买 with
支付宝账号密码, order_list_v4 (order_sn, fen), token import, addresses, a risk-controlled account."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import COURIER_PATTERNS, RECEIVER, choose_sku, fill_receiver, product_with_sold_out_value


def get_json(page, url):
    return page.evaluate("url => fetch(url).then(r => r.json())", url)


def order_list(page, sb, **body):
    """POST order_list_v4 from inside a PDD page (its cookies carry PDDAccessToken)."""
    uid = next(c["value"] for c in page.context.cookies() if c["name"] == "pdd_user_id")
    return page.evaluate("""async ([url, body]) => {
        const r = await fetch(url, {method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
                                    body: JSON.stringify(body)});
        return {status: r.status, body: await r.json()};
    }""", [f"{sb.origin('mobile.yangkeduo.com')}/proxy/api/api/aristotle/order_list_v4?pdduid={uid}",
           {"type": "all", "page": 1, "size": 10, "offset": "", "scene": "order_list_h5", **body}])


def test_sms_login_group_order_waits_for_the_group_then_ships(page, sb):
    sb.add_buyer("pdd", "13900001111", "pw", nick="拼友小王")
    item, sku, sold_out = product_with_sold_out_value(sb, "pdd")
    mobile = sb.origin("mobile.yangkeduo.com")
    page.goto(f"{mobile}/goods.html?goods_id={item['item_id']}")
    expect(page).to_have_url(re.compile(r"/login\.html\?from="))
    page.click("#phone-login")
    page.fill("#user-mobile", "13900001111")
    page.click("#code-button")
    expect(page.locator("#code-button")).to_have_text("验证码已发送")
    code = next(s["code"] for s in sb.sms_codes() if s["phone"] == "13900001111")
    page.fill("#input-code", code)
    page.click("#submit-button")
    expect(page).to_have_url(f"{mobile}/goods.html?goods_id={item['item_id']}")

    goods = page.evaluate("() => window.rawData.store.initDataObj.goods")
    assert goods["goodsID"] == item["item_id"] and goods["minGroupPrice"] < goods["minNormalPrice"]
    expect(page.locator(f'#sku-selector [data-pv="{sold_out}"]')).to_have_attribute("data-disabled", "true")
    choose_sku(page, sku)
    page.fill("#goods-number", "2")
    page.click("#group-buy")
    expect(page).to_have_url(re.compile(r"/order_checkout\.html\?sku_id=\d+&group_id=\d+&goods_id=\d+&goods_number=2"))
    fill_receiver(page)
    page.fill("#order-remark", "DS#PDD-0001")
    page.check("input[name=pay_app][value=wechat]")
    page.click("#pay-button")
    expect(page.locator("#pay-form")).to_contain_text("请在微信支付中确认支付")
    page.click("#confirm-pay")
    expect(page.locator("#order-status")).to_have_text("待分享")

    [order] = order_list(page, sb)["body"]["orders"]
    assert re.fullmatch(r"\d{6}-\d{15}", order["order_sn"]) and order["order_sn"].startswith("260601-")
    assert order["order_status_prompt"] == "待分享" and order["pay_status"] == 2 and order["shipping_status"] == 0
    assert order["order_amount"] == sku["group_price_fen"] * 2 and order["remark"] == "DS#PDD-0001"
    [goods_line] = order["order_goods"]
    assert (goods_line["goods_id"], goods_line["sku_id"], goods_line["goods_number"]) == (item["item_id"], sku["sku_id"], 2)
    assert goods_line["goods_price"] == sku["group_price_fen"] and order["tracking_number"] == ""
    assert order_list(page, sb, type="grouping")["body"]["orders"][0]["order_sn"] == order["order_sn"]

    sb.advance(3 * 60)  # the group fills within three hours
    assert order_list(page, sb)["body"]["orders"][0]["order_status_prompt"] == "待发货"
    sb.advance(2 * 24 * 60)
    if sb.purchase_order(order["order_sn"])["never_ships"]:
        sb.ship_now(order["order_sn"])
    [shipped] = order_list(page, sb, type="unreceived")["body"]["orders"]
    [shipment] = sb.purchase_order(order["order_sn"])["shipments"]
    assert shipped["order_status_prompt"] == "待收货" and shipped["tracking_number"] == shipment["tracking_no"]
    assert re.fullmatch(COURIER_PATTERNS[shipment["courier_code"]], shipment["tracking_no"])
    page.goto(f"{mobile}/order.html?order_sn={order['order_sn']}")
    raw = page.evaluate("() => window.rawData")
    assert raw["express"]["trackingNumber"] == shipment["tracking_no"]
    assert raw["express"]["shippingName"] == shipment["courier_name"] and raw["express"]["traces"]
    assert {"key": "买家留言", "value": "DS#PDD-0001"} in raw["orderDescList"]


def test_token_import_single_buy_with_alipay_password(page, sb):
    sb.add_buyer("pdd", "13900002222", "pw", access_token="IMPORTEDTOKEN0123456789ABCDEF", pay_password="654321")
    mobile = sb.origin("mobile.yangkeduo.com")
    cookie = {"domain": ".yangkeduo.localhost", "path": "/"}
    page.context.add_cookies([{**cookie, "name": "PDDAccessToken", "value": "IMPORTEDTOKEN0123456789ABCDEF"},
                              {**cookie, "name": "pdd_user_id", "value": "0"}])
    page.goto(f"{mobile}/personal.html")  # a pdd_user_id of someone else: not logged in
    expect(page).to_have_url(re.compile(r"/login\.html"))
    page.context.clear_cookies()
    page.context.add_cookies([{**cookie, "name": "PDDAccessToken", "value": "IMPORTEDTOKEN0123456789ABCDEF"}])
    page.goto(f"{mobile}/personal.html")  # the token alone (import format 3. 账号Token)
    expect(page.locator("#user-name")).to_have_text("13900002222")

    # An address saved through the API (PDD region ids) becomes the checkout's default.
    def regions(parent):
        return get_json(page, f"{mobile}/proxy/api/regions?parent_id={parent}")["regions"]

    province = next(r for r in regions(1) if r["region_name"] == "广东省")
    city = next(r for r in regions(province["region_id"]) if r["region_name"] == "深圳市")
    district = regions(city["region_id"])[0]
    saved = page.evaluate("""([url, body]) => fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                 body: JSON.stringify(body)}).then(r => r.json())""",
                          [f"{mobile}/proxy/api/api/origenes/address",
                           {"name": "赵六", "mobile": "13700001234", "province_id": province["region_id"],
                            "city_id": city["region_id"], "district_id": district["region_id"],
                            "address": "科技园1号", "is_default": 1}])
    assert saved["success"]
    listed = get_json(page, f"{mobile}/proxy/api/addresses")
    assert listed[0]["name"] == "赵六" and listed[0]["city_id"] == city["region_id"]

    item = sb.supplier_items("pdd")[2]
    sku = item["skus"][-1]
    sb.update_sku(sku["sku_id"], stock=10)
    single = f"{item['item_id']}1"  # groupTypes[0]: 单独购买
    page.goto(f"{mobile}/order_checkout.html?sku_id={sku['sku_id']}&group_id={single}&goods_id={item['item_id']}&goods_number=1")
    expect(page.locator("#fullName")).to_have_value("赵六")
    expect(page.locator("#city")).to_have_value("深圳市")
    page.click("#take-coupon")
    expect(page.locator("#coupon-tip")).to_contain_text("领取成功")
    page.fill("#order-remark", "DS#PDD-0002")
    page.check("input[name=pay_app][value=alipay_password]")
    page.fill("#alipay-account", "13900002222")
    page.fill("#alipay-password", "000000")
    page.click("#pay-button")
    expect(page.locator("#pay-error")).to_have_text("支付宝账号或支付密码错误")
    [unpaid] = sb.purchase_orders(login="13900002222")
    assert unpaid["state"] == "unpaid" and unpaid["pay_method"] == "alipay_password"
    page.fill("#alipay-account", "13900002222")
    page.fill("#alipay-password", "654321")
    page.click("#confirm-pay")
    expect(page.locator("#order-status")).to_have_text("待发货")
    paid = sb.purchase_order(unpaid["order_id"])
    assert paid["items"][0]["price_fen"] == sku["price_fen"]  # 单独购买 price
    assert paid["paid_fen"] == sku["price_fen"] - paid["items"][0]["discount_fen"]
    assert paid["receiver"]["name"] == "赵六" and paid["memo"] == "DS#PDD-0002"

    # 取消订单 before shipping refunds at once; then 申请退款 is no longer offered.
    page.click("#cancel-order")
    expect(page.locator("#order-status")).to_have_text("退款成功")
    assert page.locator("#refund-form").count() == 0


def test_order_list_needs_the_token_and_a_sane_size(sb):
    sb.add_buyer("pdd", "13900003333", "pw", access_token="TOKEN3333")
    url = "https://mobile.yangkeduo.com/proxy/api/api/aristotle/order_list_v4"
    anonymous = sb.http("POST", url, json={"type": "all", "page": 1, "size": 10})
    assert anonymous.status == 401 and anonymous.json()["error_code"] == 40001
    by_header = sb.http("POST", url, json={"type": "all", "page": 1, "size": 10}, headers={"AccessToken": "TOKEN3333"})
    assert by_header.status == 200 and by_header.json()["orders"] == []
    too_big = sb.http("POST", url, json={"type": "all", "page": 1, "size": 51}, headers={"AccessToken": "TOKEN3333"})
    assert too_big.status == 400


def test_risk_blocked_account_cannot_buy(page, sb):
    blocked = sb.scenario("risk_blocked_pdd", login="13900004444")
    item = sb.supplier_items("pdd")[0]
    page.context.add_cookies(sb.login_cookies(blocked["login"], platform="pdd"))
    mobile = sb.origin("mobile.yangkeduo.com")
    page.goto(f"{mobile}/goods.html?goods_id={item['item_id']}")
    expect(page.locator("#sold-out-title")).to_have_text("原商品已售罄，为你推荐相似商品")
    assert page.locator("#group-buy").count() == 0
    sku = item["skus"][0]["sku_id"]
    page.goto(f"{mobile}/order_checkout.html?sku_id={sku}&group_id={item['item_id']}2&goods_id={item['item_id']}&goods_number=1")
    expect(page).to_have_url(re.compile(r"/psnl_verification\.html"))
    busy = page.evaluate("""url => fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                                body: JSON.stringify({goods_id: "1"})}).then(r => r.json())""",
                         f"{mobile}/proxy/api/coupon/take")
    assert busy == {"error_code": 54001, "error_msg": "系统繁忙，请稍后再试"}
    form = {**RECEIVER, "pay_app": "wechat"}
    posted = sb.http("POST", f"{mobile}/order_checkout.html?sku_id={sku}&group_id={item['item_id']}2"
                             f"&goods_id={item['item_id']}&goods_number=1", data=form,
                     cookies={c["name"]: c["value"] for c in sb.login_cookies(blocked["login"], platform="pdd")})
    assert posted.status == 400 and "系统繁忙" in posted.text
    assert sb.purchase_orders(login=blocked["login"]) == []
