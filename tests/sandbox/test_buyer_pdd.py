"""拼多多 as a purchase account: SMS login, 发起拼单 (待分享 until the group fills), 单独购买 with
支付宝账号密码, order_list_v4 (snake_case fen / camelCase yuan), token import, addresses, a
risk-controlled account, the checkout without group_id on mobile.pinduoduo.com, host-bound sessions."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import COURIER_PATTERNS, RECEIVER, choose_sku, fill_receiver, product_with_sold_out_value


def get_json(page, url):
    return page.evaluate("url => fetch(url).then(r => r.json())", url)


def order_list(page, sb, host="mobile.yangkeduo.com", **body):
    """POST order_list_v4 from inside a PDD page of ``host`` (its cookies carry PDDAccessToken)."""
    uid = next((c["value"] for c in page.context.cookies() if c["name"] == "pdd_user_id"), "")
    return page.evaluate("""async ([url, body]) => {
        const r = await fetch(url, {method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
                                    body: JSON.stringify(body)});
        return {status: r.status, body: await r.json()};
    }""", [f"{sb.origin(host)}/proxy/api/api/aristotle/order_list_v4?pdduid={uid}",
           {"type": "all", "page": 1, "size": 10, "offset": "", "scene": "order_list_h5", **body}])


def test_sms_login_group_order_waits_for_the_group_then_ships(page, sb):
    sb.add_buyer("pdd", "13900001111", "pw", nick="拼友小王", list_shape="snake")
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
    placed = sb.purchase_order(order["order_sn"])  # the page's offers left as it showed them (upsell ticked)
    assert placed["card_fen"] == (190 if item["offers"]["money_card"] else 0)
    assert order["order_amount"] == sku["group_price_fen"] * 2 - placed["items"][0]["discount_fen"] + placed["card_fen"]
    assert order["remark"] == "DS#PDD-0001"
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
    page.click("#pay-button")  # 立即支付 only creates the order; the password is typed on the pay page
    expect(page).to_have_url(re.compile(r"/pay\.html\?order_sn=\d{6}-\d{15}&pay_app=alipay_password"))
    [unpaid] = sb.purchase_orders(login="13900002222")
    assert unpaid["state"] == "unpaid" and unpaid["pay_method"] == "alipay_password"
    page.fill("#alipay-account", "13900002222")
    page.fill("#alipay-password", "000000")
    page.click("#confirm-pay")
    expect(page.locator("#pay-error")).to_have_text("支付宝账号或支付密码错误")
    assert sb.purchase_order(unpaid["order_id"])["state"] == "unpaid"
    page.fill("#alipay-account", "13900002222")
    page.fill("#alipay-password", "654321")
    page.click("#confirm-pay")
    expect(page.locator("#order-status")).to_have_text("待发货")
    paid = sb.purchase_order(unpaid["order_id"])
    assert paid["items"][0]["price_fen"] == sku["price_fen"]  # 单独购买 price
    assert paid["paid_fen"] == sku["price_fen"] - paid["items"][0]["discount_fen"] + paid["card_fen"]
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


PINDUODUO = "mobile.pinduoduo.com"


def token_cookies(sb, login: str, family: str) -> list[dict]:
    """The account's session cookies set on one PDD host family (``yangkeduo`` / ``pinduoduo``)."""
    return [{**c, "domain": f".{family}.localhost"} for c in sb.login_cookies(login, platform="pdd")]


def test_checkout_without_group_id_on_mobile_pinduoduo_leaves_an_unpaid_order_first(page, sb):
    """The flow of idx 58533395449: open order_checkout.html?sku_id&goods_id on mobile.pinduoduo.com,
    choose 单独购买 on the page, set the quantity, 立即支付 → a 待支付 order exists (listed) before
    anything is paid; paying is the next page."""
    sb.add_buyer("pdd", "13900005555", "pw")
    page.context.add_cookies(token_cookies(sb, "13900005555", "pinduoduo"))
    item = sb.supplier_items("pdd")[1]
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], stock=30)
    origin = sb.origin(PINDUODUO)
    page.goto(f"{origin}/orders.html?type=1")
    assert page.evaluate("() => window.rawData.ordersStore.orders") == []  # the 待付款 baseline

    page.goto(f"{origin}/order_checkout.html?sku_id={sku['sku_id']}&goods_id={item['item_id']}")
    expect(page.get_by_role("radio", name=re.compile("发起拼单"))).to_be_checked()  # no group_id: 拼单 by default
    page.get_by_role("radio", name=re.compile("单独购买")).check()
    page.get_by_role("button", name="增加数量").click()
    expect(page.locator('input[type=number][aria-label^="当前数量为"]')).to_have_attribute("aria-label", "当前数量为2")
    fill_receiver(page)
    page.check("input[name=pay_app][value=alipay]")
    page.get_by_role("button", name="立即支付").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(origin)}/pay\.html\?order_sn=\d{{6}}-\d{{15}}&pay_app=alipay"))

    # A crash here leaves an unpaid order that the lists show: the API and the 待付款 page.
    [listed] = order_list(page, sb, host=PINDUODUO)["body"]["orders"]
    order_sn = listed.get("order_sn") or listed["orderSn"]
    status = listed.get("order_status_prompt") or listed["orderStatusPrompt"]
    assert status == "待支付" and sb.purchase_order(order_sn)["state"] == "unpaid"
    page.goto(f"{origin}/orders.html?type=1")
    [pending] = page.evaluate("() => window.rawData.ordersStore.orders")
    assert pending["order_sn"] == pending["orderSn"] == order_sn and pending["next_pay_time_out"] > pending["order_time"]
    assert (pending["order_goods"][0]["sku_id"], pending["order_goods"][0]["goods_number"]) == (sku["sku_id"], 2)

    page.goto(f"{origin}/pay.html?order_sn={order_sn}&pay_app=alipay")
    page.get_by_role("button", name="确认支付").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(origin)}/order\.html\?order_sn={order_sn}"))
    expect(page.locator("#order-status")).to_have_text("待发货")
    paid = sb.purchase_order(order_sn)
    assert paid["items"][0]["price_fen"] == sku["price_fen"] and paid["items"][0]["quantity"] == 2  # 单独购买
    assert paid["group_order_id"] == "" and paid["receiver"]["name"] == RECEIVER["fullName"]


def test_a_session_belongs_to_its_host(page, sb):
    """Cookies of mobile.yangkeduo.com are not a session on mobile.pinduoduo.com (and back)."""
    sb.add_buyer("pdd", "13900006666", "pw")
    item = sb.supplier_items("pdd")[0]
    checkout = f"/order_checkout.html?sku_id={item['skus'][0]['sku_id']}&goods_id={item['item_id']}"
    page.context.add_cookies(token_cookies(sb, "13900006666", "yangkeduo"))
    page.goto(sb.origin("mobile.yangkeduo.com") + checkout)
    expect(page.locator("#pay-button")).to_be_visible()
    page.goto(sb.origin(PINDUODUO) + checkout)
    expect(page).to_have_url(re.compile(r"mobile\.pinduoduo\.localhost:\d+/login\.html\?from="))
    assert order_list(page, sb, host=PINDUODUO)["status"] == 401
    page.context.clear_cookies()
    page.context.add_cookies(token_cookies(sb, "13900006666", "pinduoduo"))
    page.goto(sb.origin(PINDUODUO) + checkout)
    expect(page.locator("#pay-button")).to_be_visible()
    page.goto(sb.origin("mobile.yangkeduo.com") + "/orders.html")
    expect(page).to_have_url(re.compile(r"mobile\.yangkeduo\.localhost:\d+/login\.html\?from="))


def test_order_list_v4_comes_in_both_spellings_with_the_same_money(page, sb):
    """snake_case with fen integers or camelCase with yuan strings, fixed per account."""
    item = sb.supplier_items("pdd")[2]
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], stock=30)
    lists = {}
    for login, shape in (("13900007777", "snake"), ("13900008888", "camel")):
        sb.add_buyer("pdd", login, "pw", list_shape=shape)
        order = sb.buy("pdd", login, sku["sku_id"], quantity=3, memo=f"DS#{shape}")
        page.context.clear_cookies()
        page.context.add_cookies(sb.login_cookies(login, platform="pdd"))
        page.goto(sb.origin("mobile.yangkeduo.com") + "/personal.html")
        [lists[shape]] = order_list(page, sb)["body"]["orders"]
        assert order_list(page, sb)["body"]["orders"] == [lists[shape]]  # the same spelling on every call
        paid = sb.purchase_order(order["order_id"])["paid_fen"]
        lists[shape + "_paid"] = paid
    snake, camel = lists["snake"], lists["camel"]
    assert isinstance(snake["order_amount"], int) and snake["order_amount"] == lists["snake_paid"]
    assert isinstance(camel["orderAmount"], str) and camel["orderAmount"] == f"{lists['camel_paid'] / 100:.2f}"
    assert "order_amount" not in camel and "orderAmount" not in snake
    assert snake["order_goods"][0]["goods_price"] == sku["price_fen"]
    assert camel["orderGoods"][0]["goodsPrice"] == f"{sku['price_fen'] / 100:.2f}"
    assert (camel["orderGoods"][0]["goodsNumber"], camel["orderGoods"][0]["skuId"]) == (3, sku["sku_id"])
    assert camel["remark"] == "DS#camel" and camel["mall"]["mallName"] == snake["mall"]["mall_name"]

    # Unset: the account's uid decides (odd → camelCase), the same on every call.
    sb.add_buyer("pdd", "13900009999", "pw")
    sb.buy("pdd", "13900009999", sku["sku_id"])
    page.context.clear_cookies()
    page.context.add_cookies(sb.login_cookies("13900009999", platform="pdd"))
    page.goto(sb.origin("mobile.yangkeduo.com") + "/personal.html")
    uid = next(c["value"] for c in page.context.cookies() if c["name"] == "pdd_user_id")
    [entry] = order_list(page, sb)["body"]["orders"]
    assert ("orderSn" in entry) == (int(uid) % 2 == 1)


def test_checkout_never_pays_even_with_the_alipay_password_posted(sb):
    """立即支付 with 支付宝账号密码 and the right password in the form still only creates the order."""
    sb.add_buyer("pdd", "13900001010", "pw", pay_password="135790")
    item = sb.supplier_items("pdd")[0]
    sku = item["skus"][-1]
    sb.update_sku(sku["sku_id"], stock=5)
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("13900001010", platform="pdd")}
    posted = sb.http("POST", f"https://mobile.yangkeduo.com/order_checkout.html?sku_id={sku['sku_id']}&goods_id={item['item_id']}",
                     data={**RECEIVER, "group_id": f"{item['item_id']}1", "goods_number": "1", "pay_app": "alipay_password",
                           "alipay_account": "13900001010", "alipay_password": "135790"}, cookies=cookies)
    assert posted.status == 302 and "/pay.html?order_sn=" in posted.header("Location")
    [order] = sb.purchase_orders(login="13900001010")
    assert order["state"] == "unpaid" and order["status_text"] == "待支付"
