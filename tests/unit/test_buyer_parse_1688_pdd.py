"""The 1688 and 拼多多 buyer parsers on captured-shape samples: the cashier URL, the nested
data-source with mixed units, dataline orders (fen strings), order_list_v4 in both spellings,
and the 拍单状态 codes the drivers produce."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

import pytest

from dropship.platforms import alibaba_buyer, pdd_buyer
from dropship.platforms.base import BuyerDriver, PlatformError
from dropship.services.purchasing.labels import PURCHASE_STATUS_LABELS

CASHIER = "https://cashier.alipay.com/standard/lightpay/lightPayCashier.htm"
TOKEN = "0f3c9a7d5e1b4c2a8d6f0e9b7a5c3d1e"
DETAIL = "https://trade.1688.com/order/new_step_order_detail.htm?orderId=3301234567890123457"


# -- 1688 -------------------------------------------------------------------------------------------

def test_cashier_url_with_order_ids():
    url = f"{CASHIER}?{urlencode({'orderIds': '3301234567890123456', 'returnURL': 'https://air.1688.com/x'})}&orderId={TOKEN}"
    assert alibaba_buyer.order_id_from_cashier_url(url) == "3301234567890123456"


def test_cashier_url_with_the_order_inside_return_url():
    url = f"{CASHIER}?returnURL={quote(DETAIL, safe='')}&orderId={TOKEN}"
    assert alibaba_buyer.order_id_from_cashier_url(url) == "3301234567890123457"


@pytest.mark.parametrize("query", [f"orderId={TOKEN}", f"orderIds=1%2C2&orderId={TOKEN}",
                                   f"returnURL={quote('https://air.1688.com/list', safe='')}&orderId={TOKEN}"])
def test_cashier_url_without_one_order_names_none(query):
    """The cashier's own orderId is a token; several ids or none: the diff decides, not the URL."""
    assert alibaba_buyer.order_id_from_cashier_url(f"{CASHIER}?{query}") == ""


def _preview(amounts=(59.7, 10.0), sum_goods=6970) -> dict:
    return {"orders": [{
        "sumPaymentNoCarriage": sum_goods, "sumCarriage": 800, "sumPayment": sum_goods + 800,
        "receiveAddress": {"fullName": "王小明", "mobile": "13812345678", "address": "文一西路100号",
                           "addressCodeText": "浙江省 杭州市 西湖区 文新街道"},
        "cargoGroupedByLogistics": [{"totalFreightFee": 800, "cargoList": [{"offerId": 6001, "orderCargos": [
            {"skuId": 1001, "specId": "a", "commonQuantity": 3, "finalUnitPrice": 19.9, "amount": amounts[0]},
            {"skuId": 1002, "specId": "b", "commonQuantity": 1, "finalUnitPrice": 10, "amount": amounts[1]}]}]}]}]}


def test_preview_reads_fen_sums_and_yuan_cargos():
    readback = alibaba_buyer.preview_readback(_preview())
    assert (readback.total, readback.quantity, readback.sku_id) == (7770, 4, "")  # two specs: no single sku
    assert readback.receiver.region == "浙江省 杭州市 西湖区 文新街道" and readback.receiver.name == "王小明"


def test_preview_whose_cargos_disagree_with_the_sum_is_refused():
    with pytest.raises(PlatformError, match="金额不一致"):
        alibaba_buyer.preview_readback(_preview(sum_goods=6969))


def test_preview_without_a_receiver_reads_none():
    source = _preview()
    source["orders"][0]["receiveAddress"] = {"fullName": "", "mobile": "", "address": "", "addressCodeText": ""}
    assert alibaba_buyer.preview_readback(source).receiver is None


def _dataline_order(**extra) -> dict:
    return {"id": 3301234567890123456, "idStr": "3301234567890123456", "status": "waitsellersend",
            "statusLabel": "待发货", "refundStatus": "", "sumPayment": "13640", "gmtCreate": "2026-06-01 10:00:00",
            "orderEntries": [{"productName": "杯子", "quantity": "2", "sourceId": 6001, "skuId": 1001,
                              "specItems": [{"specName": "颜色", "specValue": "红"}]}],
            "nativeLogistics": {"logisticsItems": []}, **extra}


def test_dataline_order_in_fen_strings():
    order = alibaba_buyer.parse_order(_dataline_order())
    assert (order.order_id, order.amount, order.status, order.created_at) == (
        "3301234567890123456", 13640, "paid", datetime(2026, 6, 1, 10, 0))
    [line] = order.lines
    assert (line.item_id, line.sku_id, line.quantity, line.sku_text) == ("6001", "1001", 2, "颜色:红")


def test_dataline_result_is_a_json_string_inside_the_json():
    data = {"data": {"result": '{"data": {"data": [], "total": 0, "pages": 1}}'}}  # the mtop answer's `data`
    assert alibaba_buyer.dataline_result(data) == {"data": [], "total": 0, "pages": 1}
    with pytest.raises(PlatformError):
        alibaba_buyer.dataline_result({})


@pytest.mark.parametrize(("status", "refund", "code"), [
    ("waitbuyerpay", "", "unpaid"), ("waitsellersend", "refunding", "refunding"), ("cancel", "refunded", "refunded"),
    ("waitbuyerreceive", "", "shipped"), ("success", "", "received"), ("cancel", "", "cancelled"),
    ("newstatus", "", "newstatus")])
def test_1688_status_codes(status, refund, code):
    assert alibaba_buyer.purchase_status({"status": status, "refundStatus": refund}) == code


# -- 拼多多 ------------------------------------------------------------------------------------------

SNAKE = {"order_sn": "260601-123456789012345", "order_status": 1, "pay_status": 2, "shipping_status": 0,
         "order_status_prompt": "待分享", "order_amount": 1090, "order_time": 1780279200, "tracking_number": "",
         "order_goods": [{"goods_id": "7001", "sku_id": "8001", "goods_name": "杯子", "goods_price": 545,
                          "goods_number": 2, "spec": "红"}]}
CAMEL = {"orderSn": "260601-123456789012345", "orderStatus": 1, "payStatus": 2, "shippingStatus": 0,
         "orderStatusPrompt": "待分享", "orderAmount": "10.90", "orderTime": 1780279200, "trackingNumber": "",
         "orderGoods": [{"goodsId": "7001", "skuId": "8001", "goodsName": "杯子", "goodsPrice": "5.45",
                         "goodsNumber": 2, "spec": "红"}]}


def test_both_pdd_spellings_parse_to_the_same_order():
    snake, camel = pdd_buyer.parse_order(SNAKE), pdd_buyer.parse_order(CAMEL)
    assert snake == camel
    assert snake.created_at == datetime.fromtimestamp(1780279200)
    assert (snake.amount, snake.status, snake.status_text) == (1090, "sharing", "待分享")
    assert [(line.item_id, line.sku_id, line.quantity) for line in snake.lines] == [("7001", "8001", 2)]


def test_pdd_money_int_is_fen_and_string_is_yuan():
    assert pdd_buyer.money_fen(1090) == pdd_buyer.money_fen("10.90") == pdd_buyer.money_fen("¥10.9") == 1090
    with pytest.raises(PlatformError):
        pdd_buyer.money_fen(True)


@pytest.mark.parametrize(("entry", "code"), [
    ({"order_status_prompt": "待支付"}, "unpaid"), ({"order_status_prompt": "待发货"}, "paid"),
    ({"orderStatusPrompt": "待收货"}, "shipped"), ({"order_status_prompt": "交易已取消"}, "cancelled"),
    ({"order_status_prompt": "退款成功"}, "refunded"), ({"order_status_prompt": "", "order_status": 2}, "cancelled"),
    ({"order_status_prompt": "", "pay_status": 0}, "unpaid"), ({"order_status_prompt": "新状态"}, "新状态")])
def test_pdd_status_codes(entry, code):
    assert pdd_buyer.purchase_status(entry) == code


def test_every_status_code_the_drivers_produce_is_a_known_label():
    produced = {*alibaba_buyer.STATUS.values(), *alibaba_buyer.REFUND_STATUS.values(), *pdd_buyer.PROMPT_STATUS.values(),
                "cancelled", "unpaid"}
    assert produced <= set(PURCHASE_STATUS_LABELS)


def test_1688_defines_every_buying_method_itself():
    """AlibabaBuyer subclasses TaobaoBuyer for the passport login only: 淘宝's buying is never inherited."""
    methods = {name for name in vars(BuyerDriver) if not name.startswith("_")}
    assert methods and methods <= set(vars(alibaba_buyer.AlibabaBuyer))
    assert methods <= set(vars(pdd_buyer.PddBuyer))
