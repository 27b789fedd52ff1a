"""The 淘宝 / 天猫 buyer driver against the sandbox in real Chromium: buy (address from the book or
added through the region picker), read back, diff, pay, read every list shape, cancel, risk."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dropship.platforms.base import LoginRequired, PlatformError, Receiver, RiskBlocked
from dropship.platforms.origins import Origins
from dropship.platforms.taobao_buyer import TaobaoBuyer
from dropship.services.purchasing.matching import Found

from .buying import buy, log_in, page_lib_mtop, stocked_item

PASSWORD = "buyer-pass-1"
PAY = "246810"
# A 北京 privacy number with its extension; no street (the picker's 「暂不选择」)
BEIJING = Receiver(name="李四", phone="18812341111-123", province="北京市", city="北京市", district="朝阳区",
                   address="建国路88号SOHO现代城A座1201")
HANGZHOU = Receiver(name="王小明", phone="13812345678", province="浙江省", city="杭州市", district="西湖区",
                    town="文化路街道", address="文一西路100号3栋2单元501室")


def _buyer(sb, context, login: str, platform: str = "taobao", **options) -> TaobaoBuyer:
    log_in(sb, context, "taobao", login, PASSWORD, pay_password=PAY, **options)
    return TaobaoBuyer(context, Origins(sb.port), platform)


def _in_stock(sb, platform: str, index: int = 0) -> tuple[dict, dict]:
    item = stocked_item(sb, platform, index, min_skus=0)
    return item, item["skus"][-1]


def _buy(sb, buyer: TaobaoBuyer, item: dict, sku: dict, quantity: int, receiver: Receiver, memo: str):
    """One automatic purchase that must find its order: the read back and the order found."""
    readback, found = buy(sb, buyer, item, sku, quantity, receiver, memo, sb.now() - timedelta(days=1))
    assert isinstance(found, Found), found
    return readback, found.order


def test_taobao_item_bought_to_a_new_municipal_address_read_back_diffed_and_paid(sb, context):
    buyer = _buyer(sb, context, "tbd_new")
    item, sku = _in_stock(sb, "taobao")
    earlier = sb.buy("taobao", "tbd_new", sku["sku_id"], quantity=2)  # same item and quantity, bought before
    opened = buyer.open_item(item["url"])
    assert opened.platform == "taobao" and opened.item_id == item["item_id"] and opened.title == item["title"]
    assert {(s.sku_id, s.price, s.stock) for s in opened.skus} == {(s["sku_id"], s["price_fen"], s["stock"] - (
        2 if s["sku_id"] == sku["sku_id"] else 0)) for s in item["skus"]}

    readback, order = _buy(sb, buyer, item, sku, 2, BEIJING, "DS#TB-0001")

    # 北京 → 市辖区 in the picker, no street (暂不选择), the privacy number kept with its extension
    assert readback.receiver == BEIJING and readback.quantity == 2 and readback.sku_id == sku["sku_id"]
    [book] = sb.addresses("tbd_new")
    assert (book["province"], book["city"], book["district"], book["town"]) == ("北京市", "北京市", "朝阳区", "")
    placed = sb.purchase_order(order.order_id)
    assert order.order_id != earlier["order_id"]
    assert placed["memo"] == "DS#TB-0001" and placed["state"] == "unpaid" and order.status == "unpaid"
    assert readback.total == placed["paid_fen"] == order.amount
    assert placed["receiver"]["mobile"] == "18812341111-123"

    detail = buyer.order_detail(order.order_id)
    assert detail.status == "unpaid" and detail.receiver.name == "李四"
    assert (detail.receiver.province, detail.receiver.city, detail.receiver.district) == ("北京市", "北京市", "朝阳区")
    buyer.pay(order.order_id, "alipay", "tbd_new", PAY)
    assert sb.purchase_order(order.order_id)["state"] == "unshipped"
    assert buyer.order_detail(order.order_id).status == "paid"
    assert [o.status for o in buyer.list_statuses([order.order_id])] == ["paid"]
    with pytest.raises(PlatformError, match="不是待付款"):
        buyer.pay(order.order_id, "alipay", "tbd_new", PAY)


def test_tmall_item_new_address_with_street_then_the_same_receiver_from_the_book(sb, context):
    buyer = _buyer(sb, context, "tmd_book", platform="tmall")
    item, sku = _in_stock(sb, "tmall")
    assert buyer.open_item(item["url"]).platform == "tmall"
    readback, first = _buy(sb, buyer, item, sku, 1, HANGZHOU, "DS#TM-0001")
    assert readback.receiver == HANGZHOU
    assert sb.purchase_order(first.order_id)["platform"] == "tmall"

    readback, second = _buy(sb, buyer, item, sku, 3, HANGZHOU, "DS#TM-0002")
    assert readback.receiver == HANGZHOU and readback.quantity == 3
    assert len(sb.addresses("tmd_book")) == 1  # chosen from the book, not added again
    assert second.order_id != first.order_id
    buyer.pay(second.order_id, "alipay", "tmd_book", PAY)
    assert buyer.order_detail(second.order_id).status == "paid"
    assert buyer.order_detail(first.order_id).status == "unpaid"


def test_freight_insurance_is_ticked_per_the_setting_and_the_coupon_taken(sb, context):
    """运费险 (paid by the buyer) is bought only when 采购设置 › 自动勾选运费险 is on; the read back
    total is what the order costs either way (the guards see it)."""
    _buyer(sb, context, "tbd_insure")
    item = stocked_item(sb, "taobao", -1, min_skus=1, offers=("insurance",))
    sku = item["skus"][0]
    origins = Origins(sb.port)
    paid = {}
    for insure in (True, False):
        buyer = TaobaoBuyer(context, origins, "taobao", freight_insurance=insure)
        readback, order = _buy(sb, buyer, item, sku, 2, HANGZHOU, f"DS#INS-{insure}")
        placed = sb.purchase_order(order.order_id)
        assert placed["insurance_fen"] == (90 if insure else 0)
        assert readback.total == placed["paid_fen"] == order.amount
        paid[insure] = placed
    # the same goods either way: the difference is 运费险 (and any coupon difference)
    assert [p["paid_fen"] + p["items"][0]["discount_fen"] - p["insurance_fen"] for p in paid.values()] == [
        sku["price_fen"] * 2] * 2


def test_sold_out_sku_is_read_as_stock_zero_and_not_bought(sb, context):
    buyer = _buyer(sb, context, "tbd_soldout")
    item, sku = _in_stock(sb, "taobao", 1)
    sb.update_sku(sku["sku_id"], stock=0)
    stocks = {s.sku_id: s.stock for s in buyer.open_item(item["url"]).skus}
    assert stocks[sku["sku_id"]] == 0 and all(v == 50 for k, v in stocks.items() if k != sku["sku_id"])
    with pytest.raises(PlatformError, match="售罄"):
        buyer.fill_checkout(item["item_id"], sku["sku_id"], 1, HANGZHOU, "")
    with pytest.raises(PlatformError, match="规格已变更"):
        buyer.fill_checkout(item["item_id"], "1" * 13, 1, HANGZHOU, "")
    assert sb.purchase_orders(login="tbd_soldout") == []


def test_every_list_shape_over_several_pages_with_logistics(sb, context):
    buyer = _buyer(sb, context, "tbd_list")
    _, sku = _in_stock(sb, "taobao", 2)
    placed = [sb.buy("taobao", "tbd_list", sku["sku_id"], quantity=n % 3 + 1, paid=n % 2 == 0) for n in range(7)]
    ids = [p["order_id"] for p in placed]
    shipped = ids[0]
    sb.ship_now(shipped)
    buyer.page_size = 2  # 7 orders → 4 pages: (unb + page) % 3 meets every shape in 3 pages
    orders = {o.order_id: o for o in buyer.recent_orders(sb.now() - timedelta(days=1))}
    assert set(orders) == set(ids)
    for oid in ids:
        truth = sb.purchase_order(oid)
        got = orders[oid]
        assert got.status == {"unpaid": "unpaid", "unshipped": "paid", "shipped": "shipped"}[truth["state"]]
        assert got.amount == truth["paid_fen"]
        assert [(ln.item_id, ln.sku_id, ln.quantity) for ln in got.lines] == [
            (i["item_id"], i["sku_id"], i["quantity"]) for i in truth["items"]]
    assert buyer.order_ids_since(sb.now() + timedelta(minutes=1)) == set()
    [statuses] = [buyer.list_statuses([shipped])]
    assert statuses[0].status == "shipped"
    detail = buyer.order_detail(shipped)
    [parcel] = sb.purchase_order(shipped)["shipments"]
    # transit_step.do answers in GBK: the courier's Chinese name must come through intact
    assert (detail.courier, detail.tracking_number) == (parcel["courier_name"], parcel["tracking_no"])
    assert detail.status == "shipped"


def test_cancel_an_unpaid_order_and_the_sites_reason_for_a_shipped_one(sb, context):
    buyer = _buyer(sb, context, "tbd_cancel")
    _, sku = _in_stock(sb, "taobao", 3)
    unpaid = sb.buy("taobao", "tbd_cancel", sku["sku_id"], paid=False)
    shipped = sb.buy("taobao", "tbd_cancel", sku["sku_id"])
    unpaid_id, shipped_id = unpaid["order_id"], shipped["order_id"]
    sb.ship_now(shipped_id)
    buyer.cancel(unpaid_id)
    assert sb.purchase_order(unpaid_id)["state"] == "closed"
    assert buyer.order_detail(unpaid_id).status == "cancelled"
    with pytest.raises(PlatformError, match="不能取消"):
        buyer.cancel(shipped_id)
    assert sb.purchase_order(shipped_id)["state"] == "shipped"


def test_a_missing_or_expired_mtop_token_is_fetched_again_once(sb, context):
    buyer = _buyer(sb, context, "tbd_token")
    _, sku = _in_stock(sb, "taobao", 4)
    bought = sb.buy("taobao", "tbd_token", sku["sku_id"])
    context.clear_cookies(name="_m_h5_tk")
    assert buyer.order_ids_since(sb.now() - timedelta(days=1)) == {bought["order_id"]}
    sb.advance(25 * 60)  # the token lives 24 hours
    assert buyer.order_ids_since(sb.now() - timedelta(days=2)) == {bought["order_id"]}


def test_the_pages_own_lib_mtop_is_used_where_the_page_has_one(sb, context):
    """The real 已买到的宝贝 page loads lib.mtop: the driver then leaves signing to it."""
    buyer = _buyer(sb, context, "tbd_lib")
    oid = "3012345678901234562"
    answer = {"ret": ["SUCCESS::调用成功"], "data": {"data": {
        f"Main_{oid}": {"fields": {"orderId": oid, "orderStatus": "WAIT_BUYER_PAY", "createTime": "2026-06-01 10:00:00",
                                   "actualFee": "￥9.90"}},
        f"sellerInfo_{oid}": {"fields": {"status": {"text": "等待买家付款"}}},
        f"item_{oid}_{oid}": {"fields": {"item": {"itemId": "600000000001", "skuId": "5000000000011", "quantity": 1}}},
        "boughtlist": {"fields": {"hasMore": "false"}}}}}
    gateway = page_lib_mtop(context, answer)
    [order] = buyer.recent_orders(datetime(2026, 5, 1))
    assert (order.order_id, order.status, order.amount) == (oid, "unpaid", 990) and gateway == []
    [listing] = [p for p in context.pages if "list_bought_items" in p.url]
    assert listing.evaluate("() => window.__asked") == [
        ["mtop.taobao.order.queryboughtlistv2", {"tabCode": "all", "page": 1, "pageSize": 20, "condition": "{}"}]]


def test_a_risk_answer_raises_risk_blocked_and_a_lost_session_login_required(sb, context):
    buyer = _buyer(sb, context, "tbd_risk", rate_limit_per_min=2)
    with pytest.raises(RiskBlocked):
        for _ in range(4):
            buyer.order_ids_since(sb.now() - timedelta(days=1))
    context.clear_cookies()
    other = _buyer(sb, context, "tbd_gone")
    sb.expire_sessions("tbd_gone")
    with pytest.raises(LoginRequired, match="重新授权"):
        other.order_ids_since(sb.now() - timedelta(days=1))
