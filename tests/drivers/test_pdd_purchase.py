"""The 拼多多 buyer driver against the sandbox (real Chromium): goods.html, order_checkout.html
without group_id (单独购买 / 发起拼单 chosen on the page, quantity by the stepper), 立即支付 → a
待支付 order found by diffing order_list_v4, pay.html, order.html, 取消订单; both list spellings;
a 拼单 from 待分享 to 待发货; sold-out and changed SKUs; a risk-controlled account."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dropship.platforms.base import PlatformError, Receiver, RiskBlocked
from dropship.platforms.origins import Origins
from dropship.platforms.pdd_buyer import PddBuyer
from dropship.services.purchasing.matching import Found

from . import buying


def _buyer(sb, context, login: str, group: bool = False, **options) -> PddBuyer:
    context.clear_cookies()
    buying.log_in(sb, context, "pdd", login, **options)  # the yangkeduo family, as a login leaves it
    return PddBuyer(context, Origins(sb.port), group=group)


def _buy(buyer: PddBuyer, sb, item: dict, sku: dict, quantity: int, memo: str = "DS#PDD"):
    return buying.buy(sb, buyer, item, sku, quantity, buying.RECEIVER, memo, sb.now() - timedelta(minutes=5))


@pytest.mark.parametrize("shape", ["snake", "camel"])
def test_single_buy_read_back_find_pay_and_sync_in_either_list_spelling(sb, context, shape):
    login = f"1390100000{'1' if shape == 'snake' else '2'}"
    buyer = _buyer(sb, context, login, list_shape=shape, pay_password="654321")
    item = buying.stocked_item(sb, "pdd")
    sku = item["skus"][1]
    opened = buyer.open_item(item["url"].replace("yangkeduo", "pinduoduo"))  # the other host's link: same goods
    assert (opened.platform, opened.item_id) == ("pdd", item["item_id"])
    assert {s.sku_id: (s.price, s.stock) for s in opened.skus} == {s["sku_id"]: (s["price_fen"], 50) for s in item["skus"]}
    sb.buy("pdd", login, sku["sku_id"], quantity=3, paid=False)  # an older twin: not "new"

    readback, found = _buy(buyer, sb, item, sku, 3)

    assert readback.receiver == buying.RECEIVER
    assert (readback.quantity, readback.sku_id) == (3, sku["sku_id"])
    assert isinstance(found, Found) and found.order.order_id == buyer.submitted_order_id
    order_id = found.order.order_id
    placed = sb.purchase_order(order_id)
    assert placed["state"] == "unpaid" and placed["group_order_id"] == ""  # 单独购买, 立即支付 paid nothing
    assert placed["items"][0]["price_fen"] == sku["price_fen"] and placed["items"][0]["quantity"] == 3
    assert readback.total == placed["paid_fen"] == found.order.amount  # fen, exact in both spellings
    assert found.order.status == "unpaid" and found.order.status_text == "待支付"
    detail = buyer.order_detail(order_id)
    assert detail.receiver == Receiver(**{**buying.RECEIVER.__dict__, "town": ""})  # order.html shows no town
    assert detail.amount == readback.total

    buyer.pay(order_id, "alipay_password", login, "654321")
    assert sb.purchase_order(order_id)["state"] == "unshipped"
    [synced] = buyer.list_statuses([order_id])
    assert (synced.status, synced.status_text, synced.amount) == ("paid", "待发货", readback.total)
    with pytest.raises(PlatformError, match="不是待支付"):
        buyer.pay(order_id, "alipay_password", login, "654321")


def test_both_list_spellings_give_the_same_fen(sb, context):
    item = buying.stocked_item(sb, "pdd", 1)
    sku = item["skus"][0]
    amounts = {}
    for login, shape in (("13901000011", "snake"), ("13901000012", "camel")):
        buyer = _buyer(sb, context, login, list_shape=shape)
        bought = sb.buy("pdd", login, sku["sku_id"], quantity=3)
        [order] = buyer.recent_orders(sb.now() - timedelta(minutes=5))
        assert order.order_id == bought["order_id"] and order.amount == bought["paid_fen"]
        assert [(line.item_id, line.sku_id, line.quantity) for line in order.lines] == [(item["item_id"], sku["sku_id"], 3)]
        amounts[shape] = (order.amount, order.status, order.created_at)
    assert amounts["snake"] == amounts["camel"]


def test_group_order_waits_in_sharing_then_ships(sb, context):
    buyer = _buyer(sb, context, "13901000021", group=True, pay_password="654321")
    item = buying.stocked_item(sb, "pdd", 2)
    sku = item["skus"][0]
    readback, found = _buy(buyer, sb, item, sku, 2)
    order_id = found.order.order_id
    assert readback.total == sb.purchase_order(order_id)["paid_fen"]
    assert sb.purchase_order(order_id)["items"][0]["price_fen"] == sku["group_price_fen"]  # 发起拼单 price
    buyer.pay(order_id, "alipay_password", "13901000021", "654321")
    [sharing] = buyer.list_statuses([order_id])
    assert (sharing.status, sharing.status_text) == ("sharing", "待分享")
    sb.complete_group(order_id)
    [shipping] = buyer.list_statuses([order_id])
    assert (shipping.status, shipping.status_text) == ("paid", "待发货")


def test_the_platform_coupon_is_kept_and_a_ticked_money_card_dropped(sb, context):
    """The checkout applies a platform coupon and ticks 开通省钱月卡 (it raises 实付款): the driver keeps
    the coupon, unticks the card, and reads back what the order costs."""
    buyer = _buyer(sb, context, "13901000081")
    item = buying.stocked_item(sb, "pdd", -1, min_skus=1, offers=("platform_coupon", "money_card"))
    sku = item["skus"][0]
    readback, found = _buy(buyer, sb, item, sku, 1)
    placed = sb.purchase_order(found.order.order_id)
    assert placed["card_fen"] == 0 and placed["items"][0]["discount_fen"] >= item["offers"]["platform_coupon"]
    assert readback.total == placed["paid_fen"] == found.order.amount < sku["price_fen"]


def test_wallet_payment_is_left_to_a_person(sb, context):
    buyer = _buyer(sb, context, "13901000031")
    item = buying.stocked_item(sb, "pdd")
    _, found = _buy(buyer, sb, item, item["skus"][0], 1)
    with pytest.raises(PlatformError, match="手机上确认"):
        buyer.pay(found.order.order_id, "wechat", "", "")
    with pytest.raises(PlatformError, match="支付宝账号或支付密码错误"):
        buyer.pay(found.order.order_id, "alipay_password", "13901000031", "000000")
    assert sb.purchase_order(found.order.order_id)["state"] == "unpaid"


def test_sold_out_and_changed_skus_stop_before_checkout(sb, context):
    buyer = _buyer(sb, context, "13901000041")
    buying.sold_out_and_changed_skus_are_refused(sb, buyer, buying.stocked_item(sb, "pdd"))
    assert sb.purchase_orders(login="13901000041") == []


def test_price_readback_feeds_the_guard(sb, context):
    buyer = _buyer(sb, context, "13901000051")
    readback, sku = buying.read_back_after_a_price_rise(sb, buyer, buying.stocked_item(sb, "pdd"))
    assert readback.total > sku["price_fen"] * 2 + 1000  # the guard's 最高采购价 refuses before 立即支付
    assert sb.purchase_orders(login="13901000051") == []


def test_cancel_an_unpaid_order(sb, context):
    buyer = _buyer(sb, context, "13901000061")
    item = buying.stocked_item(sb, "pdd")
    _, found = _buy(buyer, sb, item, item["skus"][0], 1)
    buyer.cancel(found.order.order_id)
    assert sb.purchase_order(found.order.order_id)["state"] == "closed"
    [cancelled] = buyer.list_statuses([found.order.order_id])
    assert cancelled.status == "cancelled"


def test_a_risk_controlled_account_stops(sb, context):
    blocked = sb.scenario("risk_blocked_pdd", login="13901000071")
    context.clear_cookies()
    context.add_cookies(sb.login_cookies(blocked["login"], platform="pdd"))
    buyer = PddBuyer(context, Origins(sb.port))
    item = sb.supplier_items("pdd")[0]
    with pytest.raises(RiskBlocked):
        buyer.open_item(item["url"])
    with pytest.raises(RiskBlocked):
        buyer.fill_checkout(item["item_id"], item["skus"][0]["sku_id"], 1, buying.RECEIVER, "")
    assert sb.purchase_orders(login=blocked["login"]) == []
