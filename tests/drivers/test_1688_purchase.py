"""The 1688 buyer driver against the sandbox (real Chromium): open the offer, fill smart_make_order,
read the data-source back, 提交订单 → cashier, find the new order by diffing the dataline list,
pay on the cashier, read the detail, cancel; sold-out and changed SKUs; the price for a guard."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from dropship.models import SkuMapping
from dropship.platforms.alibaba_buyer import AlibabaBuyer
from dropship.platforms.base import PlatformError
from dropship.platforms.origins import Origins
from dropship.services.purchasing.matching import Found, Park, Want, find_new_order, window
from dropship.services.purchasing.sku_map import SkuChanged, plan

from . import buying


def _buyer(sb, context, login: str, **options) -> AlibabaBuyer:
    buying.log_in(sb, context, "alibaba1688", login, **options)
    return AlibabaBuyer(context, Origins(sb.port))


def _buy(buyer: AlibabaBuyer, sb, item: dict, sku: dict, quantity: int, memo: str = "DS#ALI"):
    return buying.buy(sb, buyer, item, sku, quantity, buying.RECEIVER, memo, sb.now() - timedelta(minutes=5))


def test_buy_read_back_find_by_diff_pay_and_sync(sb, context):
    buyer = _buyer(sb, context, "ali_drv_buy", pay_password="112233")
    item = buying.stocked_item(sb, "alibaba1688")
    sku = item["skus"][1]
    opened = buyer.open_item(item["url"])
    assert (opened.platform, opened.item_id, opened.title) == ("alibaba1688", item["item_id"], item["title"])
    assert {s.sku_id: (s.price, s.stock) for s in opened.skus} == {s["sku_id"]: (s["price_fen"], 50) for s in item["skus"]}
    assert next(s for s in opened.skus if s.sku_id == sku["sku_id"]).text == ";".join(
        f"{p['name']}:{p['value']}" for p in sku["props"])
    sb.buy("alibaba1688", "ali_drv_buy", sku["sku_id"], quantity=3, paid=False)  # an older twin: not "new"

    readback, found = _buy(buyer, sb, item, sku, 3)

    assert readback.receiver == buying.RECEIVER and readback.quantity == 3 and readback.sku_id == sku["sku_id"]
    assert isinstance(found, Found) and found.order.order_id == buyer.submitted_order_id
    order_id = found.order.order_id
    placed = sb.purchase_order(order_id)
    assert readback.total == placed["paid_fen"] == found.order.amount
    assert placed["state"] == "unpaid" and placed["memo"] == "DS#ALI" and found.order.status == "unpaid"
    detail = buyer.order_detail(order_id)
    assert detail.receiver == buying.RECEIVER and detail.status == "unpaid"
    assert [(line.item_id, line.sku_id, line.quantity) for line in detail.lines] == [(item["item_id"], sku["sku_id"], 3)]

    buyer.pay(order_id, "alipay", "", "112233")
    assert sb.purchase_order(order_id)["state"] == "unshipped"
    [synced] = buyer.list_statuses([order_id])
    assert (synced.order_id, synced.status, synced.status_text, synced.amount) == (order_id, "paid", "待发货", readback.total)
    with pytest.raises(PlatformError, match="不是待付款"):
        buyer.pay(order_id, "alipay", "", "112233")  # never paid twice

    sb.ship_now(order_id)
    [shipped] = buyer.list_statuses([order_id])
    assert shipped.status == "shipped" and shipped.tracking_number == sb.purchase_order(order_id)["shipments"][0]["tracking_no"]


def test_wrong_pay_password_leaves_the_order_unpaid(sb, context):
    buyer = _buyer(sb, context, "ali_drv_badpay", pay_password="112233")
    item = buying.stocked_item(sb, "alibaba1688")
    _, found = _buy(buyer, sb, item, item["skus"][0], 1)
    with pytest.raises(PlatformError, match="支付密码不正确"):
        buyer.pay(found.order.order_id, "alipay", "", "000000")
    assert sb.purchase_order(found.order.order_id)["state"] == "unpaid"


def test_sold_out_and_changed_skus_stop_before_checkout(sb, context):
    buyer = _buyer(sb, context, "ali_drv_skus")
    changed, renamed = buying.sold_out_and_changed_skus_are_refused(sb, buyer, buying.stocked_item(sb, "alibaba1688"))
    assert ";".join(f"{p['name']}:{p['value']}" for p in renamed) in {s.text for s in changed.skus}
    with pytest.raises(SkuChanged):
        plan(SkuMapping(sku_id="999999999", sku_text="旧规格", multiplier=1), changed.skus, 1)
    assert sb.purchase_orders(login="ali_drv_skus") == []


def test_price_readback_feeds_the_guard(sb, context):
    """The checkout's total is what the guard compares: a price rise shows in the read back."""
    buyer = _buyer(sb, context, "ali_drv_price")
    readback, sku = buying.read_back_after_a_price_rise(sb, buyer, buying.stocked_item(sb, "alibaba1688"))
    assert readback.total >= (sku["price_fen"] + 1000) * 2
    maximum = sku["price_fen"] * 2 + 500  # the guard's 最高采购价
    assert readback.total > maximum  # the task refuses here, before 提交订单
    assert sb.purchase_orders(login="ali_drv_price") == []


def test_cancel_an_unpaid_order_and_refuse_a_paid_one(sb, context):
    buyer = _buyer(sb, context, "ali_drv_cancel", pay_password="112233")
    item = buying.stocked_item(sb, "alibaba1688")
    _, found = _buy(buyer, sb, item, item["skus"][0], 2)
    order_id = found.order.order_id
    buyer.cancel(order_id)
    assert sb.purchase_order(order_id)["state"] == "closed"
    [cancelled] = buyer.list_statuses([order_id])
    assert cancelled.status == "cancelled"
    paid = sb.buy("alibaba1688", "ali_drv_cancel", item["skus"][0]["sku_id"])
    sb.ship_now(paid["order_id"])
    with pytest.raises(PlatformError, match="不能取消"):
        buyer.cancel(paid["order_id"])


def test_both_cashier_url_forms_name_the_order(sb, context):
    """提交订单 lands on a cashier URL with ``orderIds=`` or with ``orderId`` inside ``returnURL``;
    the driver reads both and the diff agrees each time."""
    buyer = _buyer(sb, context, "ali_drv_cashier")
    item = buying.stocked_item(sb, "alibaba1688", stock=99)
    forms = set()
    for _ in range(8):
        _, found = _buy(buyer, sb, item, item["skus"][0], 1)
        assert isinstance(found, Found) and found.order.order_id == buyer.submitted_order_id
        forms.add("orderIds" if "orderIds=" in buyer.cashier_url else "returnURL")
        if len(forms) == 2:
            break
    assert forms == {"orderIds", "returnURL"}


def test_two_identical_new_orders_are_parked_not_guessed(sb, context):
    buyer = _buyer(sb, context, "ali_drv_twins")
    item = buying.stocked_item(sb, "alibaba1688")
    sku = item["skus"][0]
    since = sb.now() - timedelta(minutes=5)
    before = buyer.order_ids_since(since)
    for _ in range(2):
        buyer.fill_checkout(item["item_id"], sku["sku_id"], 1, buying.RECEIVER, "")
        buyer.submit()
    result = find_new_order(before, buyer.recent_orders(since), Want(item["item_id"], sku["sku_id"], 1),
                            window(sb.now(), sb.now()))
    assert isinstance(result, Park) and "2 个" in result.reason


def test_the_list_pages_own_lib_mtop_is_used_where_the_page_has_one(sb, context):
    """The real 1688 list page loads lib.mtop: the dataline call is then left to it (no signing of ours,
    nothing sent to the h5api gateway by the driver)."""
    buyer = _buyer(sb, context, "ali_drv_lib")
    oid = "3301234567890123456"
    listed = {"data": {"data": [{"id": oid, "idStr": oid, "gmtCreate": "2026-06-01 10:00:00", "status": "waitbuyerpay",
                                 "sumPayment": "1364", "orderEntries": [
                                     {"sourceId": "6001", "skuId": "1001", "quantity": 2, "productName": "保温杯"}]}],
                       "total": 1, "pages": 1}}
    answer = {"ret": ["SUCCESS::调用成功"], "data": {"data": {"result": json.dumps(listed, ensure_ascii=False)}}}
    gateway = buying.page_lib_mtop(context, answer)
    [order] = buyer.recent_orders(datetime(2026, 5, 1))
    assert (order.order_id, order.status, order.amount) == (oid, "unpaid", 1364) and gateway == []
    [listing] = [p for p in context.pages if "buyer-order-list" in p.url]
    [(api, data)] = listing.evaluate("() => window.__asked")
    assert api == "mtop.1688.trading.dataline.service"
    assert data["serviceId"] == "OrderListDataLineService.buyerOrderList"
    assert json.loads(data["param"]) == {"page": 1, "pageSize": 50, "tradeStatus": "", "word": ""}
