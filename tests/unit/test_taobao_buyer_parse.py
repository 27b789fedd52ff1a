"""The 淘宝 buyer driver's pure parsers on JSON in the captured shapes: queryboughtlistv2 in its three
shapes, the item page's detail data, transit_step, the mtop answer codes, the receiver texts."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from dropship.platforms.base import LoginRequired, NeedsVerification, PlatformError, Receiver, RiskBlocked
from dropship.platforms.buyer_pages import check_answer, mtop_data, phone_key, same_receiver, split_region
from dropship.platforms.taobao_buyer import (
    book_form,
    parse_bought,
    parse_item,
    parse_receiver_line,
    parse_transit,
    picker_path,
    status_code,
)

PAID = "3012345678901234562"  # even last digit: Main_ fields are objects
SHIPPED = "3012345678901234567"  # odd: Main_ fields are JSON strings


def _item(oid: str, quantity, refund: str = "") -> dict:
    return {"itemId": "600000000001", "skuId": "5000000000011", "title": "保温杯", "quantity": quantity,
            "skuText": [{"name": "颜色", "value": "黑色"}], "refundStatus": refund,
            "priceInfo": {"actualTotalFee": "￥25.80", "promotion": "￥12.90"}}


def test_shop_info_shape_with_parcel_refund_and_pager():
    nodes = {
        f"shopInfo_{SHIPPED}": {"fields": {"orderId": SHIPPED, "createTime": "2026-06-01 10:00:00", "tradeTitle": "卖家已发货"}},
        f"orderStatus_{SHIPPED}": {"fields": {"title": "已签收", "mailNo": "YT1234567890123", "cpCode": "YTO"}},
        f"orderLogistics_{SHIPPED}": {"fields": {"packagePreview": {"packageViewList": [
            {"cpCode": "YTO", "cpName": "圆通速递", "mailNo": "YT1234567890123"}]}}},
        f"orderItemInfo_{SHIPPED}_{SHIPPED}": {"fields": {"orderId": SHIPPED, "item": _item(SHIPPED, "2")}},
        f"orderPayment_{SHIPPED}": {"fields": {"actualFee": {"prefix": "实付款", "value": "￥25.80"}}},
        f"shopInfo_{PAID}": {"fields": {"orderId": PAID, "createTime": "2026-06-01 09:00:00", "tradeTitle": "买家已付款"}},
        f"orderStatus_{PAID}": {"fields": {"title": "买家已付款", "mailNo": "", "cpCode": ""}},
        f"orderItemInfo_{PAID}_{PAID}": {"fields": {"orderId": PAID, "item": _item(PAID, "1", "退款中")}},
        f"orderPayment_{PAID}": {"fields": {"actualFee": {"value": "￥12.90"}}},
        "pager_1": {"fields": {"currentPage": 1, "pageSize": 2, "totalNumber": 5, "totalPage": 3}},
    }
    orders, more = parse_bought({"data": nodes, "ret": ["SUCCESS::调用成功"]})
    assert more is True
    shipped, paid = orders
    assert (shipped.order_id, shipped.status, shipped.amount) == (SHIPPED, "received", 2580)  # 已签收
    assert (shipped.courier, shipped.tracking_number) == ("圆通速递", "YT1234567890123")
    assert shipped.created_at == datetime(2026, 6, 1, 10, 0)
    assert [(ln.item_id, ln.sku_id, ln.quantity, ln.sku_text) for ln in shipped.lines] == [
        ("600000000001", "5000000000011", 2, "颜色:黑色")]
    assert paid.status == "refunding" and paid.status_text == "买家已付款"


def test_main_shape_fields_as_objects_and_as_json_strings_and_has_more():
    def main(oid: str, status: str, code: str, fee: str) -> dict:
        fields = {"orderId": oid, "itemId": "600000000001", "orderStatus": code, "createTime": "2026-06-01 08:00:00",
                  "actualFee": fee, "buyerMessage": "DS#1"}
        seller = {"seller": {"shopName": "杯子店"}, "status": {"text": status}}
        item = {"basicInfo": {"orderId": oid, "orderLineId": oid}, "item": _item(oid, 3)}
        wrap = (lambda f: json.dumps(f, ensure_ascii=False)) if int(oid[-1]) % 2 else (lambda f: f)
        return {f"Main_{oid}": {"fields": wrap(fields)}, f"sellerInfo_{oid}": {"fields": wrap(seller)},
                f"item_{oid}_{oid}": {"fields": wrap(item)}}

    nodes = {**main(SHIPPED, "卖家已发货", "WAIT_BUYER_CONFIRM_GOODS", "￥38.70"),
             **main(PAID, "等待买家付款", "WAIT_BUYER_PAY", "￥38.70"),
             f"logistics_{SHIPPED}": {"fields": {"cpCode": "ZTO", "cpName": "中通快递", "mailNo": "73100000000001"}},
             "boughtlist": {"fields": {"hasMore": "false", "currentPage": 3}}}
    orders, more = parse_bought({"data": nodes})
    assert more is False
    by_id = {o.order_id: o for o in orders}
    assert by_id[SHIPPED].status == "shipped" and by_id[SHIPPED].tracking_number == "73100000000001"
    assert by_id[PAID].status == "unpaid" and by_id[PAID].amount == 3870
    assert by_id[SHIPPED].lines[0].quantity == 3 and by_id[SHIPPED].lines[0].sku_id == "5000000000011"


def test_result_shape_is_a_json_string_with_bare_big_numbers():
    inner = ('{"error":"","page":{"currentPage":2,"pageSize":1,"totalNumber":3,"totalPage":3},"mainOrders":[{"id":"'
             + PAID + '","extra":{"id":' + PAID + ',"tradeStatus":"TRADE_CLOSED"},"orderInfo":{"id":"' + PAID
             + '","createTime":"2026-06-01 07:30:00"},"payInfo":{"actualFee":"12.90"},"statusInfo":{"text":"交易关闭"},'
             '"subOrders":[{"id":' + PAID + ',"itemInfo":{"id":600000000001,"skuId":5000000000011,"title":"保温杯",'
             '"skuText":"颜色:黑色"},"quantity":"1","operations":[{"text":"退款成功"}]}]}]}')
    orders, more = parse_bought({"result": inner})
    assert more is True
    [order] = orders
    assert order.order_id == PAID and order.status == "refunded" and order.amount == 1290
    assert order.lines[0].item_id == "600000000001" and order.lines[0].sku_id == "5000000000011"
    with pytest.raises(PlatformError, match="系统异常"):
        parse_bought({"result": '{"error":"系统异常","mainOrders":[]}'})
    with pytest.raises(PlatformError, match="未知格式"):
        parse_bought({"data": {"somethingElse_1": {}}})


def test_status_words_and_codes_map_to_the_purchase_status_codes():
    assert status_code("当前订单状态：等待买家付款") == "unpaid"
    assert status_code("交易成功") == "received"
    assert status_code("", "WAIT_SELLER_SEND_GOODS") == "paid"
    assert status_code("交易关闭", "", ["退款成功"]) == "refunded"
    assert status_code("卖家已发货", "", ["退款中"]) == "refunding"
    assert status_code("拼团中") == "拼团中"  # unknown: kept verbatim


def test_item_detail_data_gives_skus_with_price_stock_and_paths():
    data = {"item": {"itemId": "600000000001", "title": "保温杯"},
            "skuBase": {"props": [{"pid": 1627207, "name": "颜色", "values": [{"vid": 28320, "name": "白色"},
                                                                            {"vid": 28341, "name": "黑色"}]}],
                        "skus": [{"propPath": "1627207:28320", "skuId": "5000000000010"},
                                 {"propPath": "1627207:28341", "skuId": "5000000000011"}]},
            "skuCore": {"sku2info": {"5000000000010": {"price": {"priceText": "12.90"}, "quantity": 0},
                                     "5000000000011": {"price": {"priceText": "13.50"}, "quantity": 7}}}}
    item, paths = parse_item(data, "tmall")
    assert item.platform == "tmall" and item.title == "保温杯"
    assert [(s.sku_id, s.text, s.price, s.stock) for s in item.skus] == [
        ("5000000000010", "颜色:白色", 1290, 0), ("5000000000011", "颜色:黑色", 1350, 7)]
    assert paths["5000000000011"] == "1627207:28341"


def test_transit_step_decoded_text():
    body = json.dumps({"isSuccess": "true", "expressName": "中通快递", "expressId": "73100000000001",
                       "address": [{"place": "【杭州市】已签收", "time": "2026-06-03 10:00:00"}]}, ensure_ascii=False)
    assert parse_transit(body) == ("中通快递", "73100000000001")
    assert parse_transit('{"isSuccess": "false"}') == ("", "")


def test_mtop_codes_raise_what_they_mean():
    assert mtop_data({"ret": ["SUCCESS::调用成功"], "data": {"a": 1}}) == {"a": 1}
    with pytest.raises(RiskBlocked):
        mtop_data({"ret": ["RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试!"], "data": {"url": "x"}})
    with pytest.raises(RiskBlocked):
        mtop_data({"ret": ["FAIL_BIZ_ERROR::系统繁忙"]})
    with pytest.raises(NeedsVerification) as verify:
        mtop_data({"ret": ["FAIL_SYS_USER_VALIDATE::哎哟喂"], "data": {"url": "https://x/punish"}})
    assert verify.value.url == "https://x/punish"
    with pytest.raises(LoginRequired):
        mtop_data({"ret": ["FAIL_SYS_SESSION_EXPIRED::Session过期"]})
    with pytest.raises(PlatformError, match="FAIL_SYS_API_NOT_FOUNDED"):
        mtop_data({"ret": ["FAIL_SYS_API_NOT_FOUNDED::请求API不存在"]})


def test_receiver_texts_picker_path_and_matching():
    assert parse_receiver_line("张三，13812341234，浙江省 杭州市 西湖区 文新街道 文一西路100号，310000") == Receiver(
        "张三", "13812341234", "浙江省", "杭州市", "西湖区", "文新街道", "文一西路100号")
    assert parse_receiver_line("李四，18812341111-123，北京市 北京市 朝阳区 建国路88号，100000") == Receiver(
        "李四", "18812341111-123", "北京市", "北京市", "朝阳区", "", "建国路88号")
    assert split_region("上海市 上海市 浦东新区 世纪大道 1 号") == Receiver(
        province="上海市", city="上海市", district="浦东新区", address="世纪大道 1 号")
    beijing = Receiver("李四", "188 1234 1111转123", "北京", "市辖区", "朝阳区", "", "建国路88号")
    assert picker_path(beijing) == ["北京", "市辖区", "朝阳区"]
    assert picker_path(Receiver(province="浙江省", city="杭州市", district="西湖区")) == ["浙江", "杭州市", "西湖区"]
    assert phone_key("188 1234 1111转123") == "18812341111-123"
    assert same_receiver(beijing, Receiver("李四", "18812341111-123", "北京市", "北京市", "朝阳区", "", "建国路 88号"))
    assert not same_receiver(beijing, Receiver("李四", "18812341111-124", "北京市", "北京市", "朝阳区", "", "建国路88号"))
    odd = Receiver("王五", "13800000000", "浙江省", "杭州市", "西湖区", "某某新街道", "文一路1号")
    assert book_form(odd).town == "" and book_form(odd).address == "某某新街道文一路1号"


def test_risk_and_verification_pages_raise():
    check_answer("http://buy.taobao.com/auction/order/confirm_order.htm", 200, "<h2>确认订单</h2>")
    with pytest.raises(RiskBlocked):  # the baxia refusal of a submit not made by a trusted click
        check_answer("http://buy.taobao.com/auction/order/confirm_order.htm", 403,
                     "<h2>哎哟喂,被挤爆啦,请稍后重试!</h2><p>RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试!</p>")
    with pytest.raises(RiskBlocked):
        check_answer("http://buy.taobao.com/x", 200, "<p>系统繁忙，请稍后再试</p>")
    with pytest.raises(RiskBlocked):
        check_answer("http://buy.taobao.com/_____tmd_____/punish?x5secdata=abc", 200, "")
    with pytest.raises(NeedsVerification):
        check_answer("http://mobile.yangkeduo.com/psnl_verification.html", 200, "<p>验证</p>")
