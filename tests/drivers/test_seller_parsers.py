"""The seller driver's pure parts: classifying what the site answered, and parsing its shapes
(including replays of the real captures in ../shared/reference/samples)."""
from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest

from dropship.platforms.base import LoginRequired, NeedsVerification, Parcel, PlatformError, RiskBlocked
from dropship.platforms.taobao_seller import (
    classify,
    consign_form,
    parse_parcels,
    parse_sold_response,
    parse_taobao_detail,
    parse_taobao_detail_order,
)

PUNISH_HTML = ('<!DOCTYPE html><html><head></head><body><script>window.location.replace('
               '"https://trade.taobao.com//trade/itemlist/asyncSold.htm/_____tmd_____/punish?x5secdata=abc");'
               '</script></body></html>')


@pytest.mark.parametrize(("url", "status", "body", "expected"), [
    ("https://trade.taobao.com/trade/itemlist/asyncSold.htm", 200, PUNISH_HTML, RiskBlocked),
    ("https://trade.taobao.com/x", 200, '{"rgv587_flag":"sm","url":"//trade.taobao.com/x/_____tmd_____/punish?x5secdata=1"}',
     RiskBlocked),
    ("https://sec.taobao.com/query.htm?action=QueryAction&smReturn=x", 200, "<html>访问受限</html>", RiskBlocked),
    ("https://trade.taobao.com/x/_____tmd_____/punish?x5secdata=1", 200, "", RiskBlocked),
    ("https://wuliu2.taobao.com/user/getRealReceiverInfo", 200,
     '{"rgv587_flag":"sm","url":"https://wuliu2.taobao.com/user/getRealReceiverInfo/_____tmd_____/slide?x5secdata=1"}',
     NeedsVerification),
    ("https://login.taobao.com/havanaone/login/login.htm?bizName=taobao&redirectURL=x", 200, "", LoginRequired),
    ("https://login.taobao.com/member/login.jhtml?redirectURL=x", 0, "", LoginRequired),
    ("https://trade.taobao.com/x", 502, "<html>Bad Gateway</html>", PlatformError),
])
def test_classify_names_what_the_answer_means(url, status, body, expected):
    with pytest.raises(expected) as err:
        classify(url, status, body)
    assert type(err.value) is expected  # RiskBlocked is never taken for an expired login, nor the reverse


def test_classify_lets_data_and_ordinary_pages_through():
    classify("https://trade.taobao.com/trade/json/memoInfo.htm", 200, '{"tip": "x"}')
    classify("https://trade.taobao.com/trade/itemlist/list_sold_items.htm", 200, "<html>已卖出的宝贝</html>")


# -- replays of the captures in ../shared/reference/samples (copied into tests/fixtures) -----------

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_replay_detail_capture_2016_gives_address_and_no_message():
    data = json.loads((FIXTURES / "taobao_seller_tradeItemDetail_var_data_2016.json").read_text(encoding="utf-8"))
    detail = parse_taobao_detail(data)
    assert detail == {"buyer_message": "", "address": "张三，13800000000，某某省 某某市 某某县 某某镇 测试路1号 ，000000"}


def test_replay_detail_capture_2016_as_a_whole_order_for_sync_route_2():
    data = json.loads((FIXTURES / "taobao_seller_tradeItemDetail_var_data_2016.json").read_text(encoding="utf-8"))
    order = parse_taobao_detail_order(data)
    assert (order.tid, order.status, order.paid_amount) == ("2610984234481400", "shipped", 69400)
    assert order.created_at == datetime(2016, 10, 25, 12, 4, 34) and order.paid_at == datetime(2016, 10, 25, 15, 5, 44)
    first = order.items[0]
    assert (first.oid, first.quantity, first.paid_amount) == ("2610984234491400", 2, 12400)  # unit price × quantity
    assert first.pic.startswith("//img.alicdn.com/") and first.title.startswith("德国代购")
    receiver = order.receiver
    assert (receiver.name, receiver.region, receiver.address) == ("张三", "某某省 某某市 某某县", "某某镇 测试路1号")
    # tabs[logistics]: the capture names no courier ("-") beside the number
    assert order.parcels == [Parcel(courier_name="", tracking_number="610000000000")]


@pytest.mark.parametrize("names,numbers,ship_type,expected", [
    ("-", "", "快递", []),  # not shipped yet
    ("中通快递", "73123456789012", "快递", [Parcel("中通快递", "73123456789012")]),
    ("中通快递,韵达快递", "73123456789012,312345678901235", "快递",
     [Parcel("中通快递", "73123456789012"), Parcel("韵达快递", "312345678901235")]),  # a split order
    ("无需物流", "", "无需物流", [Parcel("无需物流", dummy=True)]),
])
def test_parcels_as_detail_pages_write_them(names, numbers, ship_type, expected):
    assert parse_parcels(names, numbers, ship_type) == expected


def test_replay_sold_list_shape_with_an_unknown_status_and_a_broken_order():
    data = json.loads((FIXTURES / "taobao_seller_asyncSold_RECONSTRUCTED.json").read_text(encoding="utf-8"))
    ordinary = data["mainOrders"][0]
    forbid = copy.deepcopy(ordinary)
    forbid["id"] = "3300000000000000009"
    forbid["extra"]["tradeStatus"] = "PAID_FORBID_CONSIGN"
    data["mainOrders"] += [forbid, {"id": "3300000000000000010", "orderInfo": {}, "payInfo": {"actualFee": "--"}}]
    page = parse_sold_response(json.dumps(data, ensure_ascii=False))
    by_tid = {o.tid: o for o in page.orders}
    assert by_tid[ordinary["id"]].status == "paid" and by_tid[ordinary["id"]].buyer_nick == "test_buyer_001"
    assert (by_tid["3300000000000000009"].status, by_tid["3300000000000000009"].status_code) == (
        "other", "PAID_FORBID_CONSIGN")
    assert len(page.skipped) == 1 and page.skipped[0].startswith("3300000000000000010")


def test_replay_consign_do_shape_builds_the_do_consign_params():
    fields = [{"value": v} for v in ("张**，138****0000，浙江省 杭州市 西湖区 ****，310000", "138****0000", "浙江省", "****",
                                     "杭州市", "1", "中国", "330106", "", "310000", "张**", "西湖区", "", "文新街道")]
    data = {"OrderBlock": {"fields": {"dataSource": [{"baseInfo": {"fields": [{"value": "LP0001"}]},
                                                      "children": [{"subOrderId": "11", "info": {"fields": fields}},
                                                                   {"subOrderId": "12", "info": {"fields": fields}}]}]}},
            "ContactsBlock": {"fields": {"dataSource": [{"fields": [{"value": "501"}]}, {"fields": [{"value": "502"}]}]}}}
    params = json.loads(consign_form(data, "ZTO", "73123456789012", ["12"])["params"])
    assert params["orderId"] == "LP0001" and params["receiverTown"] == "文新街道" and params["receiverZipCode"] == "310000"
    assert [c["subOrderId"] for c in params["selectedItemList"]] == ["12"]
    assert (params["fetcherContactId"], params["refunderContactId"]) == ("501", "502")
    assert params["logisticInfo"] == {"mode": 0, "data": [{"mailInfo": {"mailNo": "73123456789012", "cpCode": "ZTO",
                                                                        "label": "中通快递"}}]}
    assert params["mailType"] == "OFFLINE" and params["hasChangeDeliver"] is True
