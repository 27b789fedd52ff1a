"""The seller driver's parsers, on the reconstructed asyncSold sample and on edge cases."""
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropship.platforms.base import NeedsVerification, PlatformError, RiskBlocked
from dropship.platforms.taobao_seller import parse_sold_response, yuan_to_fen

SAMPLE = Path(__file__).parents[1] / "fixtures" / "taobao_seller_asyncSold_RECONSTRUCTED.json"


def test_parses_the_reconstructed_sample():
    page = parse_sold_response(SAMPLE.read_text(encoding="utf-8"))
    assert (page.page, page.total_pages, page.total) == (1, 1, 2)
    first = page.orders[0]
    assert first.tid == "3300000000000000001" and first.status == "paid"
    assert first.buyer_nick == "test_buyer_001" and first.paid_amount == 19900
    assert first.created_at.isoformat() == "2026-06-30T10:00:00"
    item = first.items[0]
    assert item.oid == "3300000000000000001" and item.outer_id == "SKU-A-BLK-L"
    assert item.sku_text == "颜色分类:黑色；尺码:L" and item.quantity == 1 and item.paid_amount == 19900
    assert item.item_id == "600000000001"


def test_big_numeric_ids_keep_every_digit():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    sub = data["mainOrders"][0]["subOrders"][0]
    sub.pop("idStr", None)
    text = json.dumps(data).replace('"id": 3300000000000000001', '"id": 3300000000000000123')
    page = parse_sold_response(text)
    assert page.orders[0].items[0].oid == "3300000000000000123"  # a float would have lost the tail


def test_refund_operation_texts_map_to_refund_status():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["mainOrders"][0]["subOrders"][0]["operations"] = [{"text": "请卖家处理", "type": "operation"}]
    item = parse_sold_response(json.dumps(data)).orders[0].items[0]
    assert (item.refund_status, item.refund_text) == ("refunding", "请卖家处理")


@pytest.mark.parametrize("body,error", [
    ('{"rgv587_flag": "sm", "url": "//trade.taobao.com/x/_____tmd_____/punish?x5secdata=1"}', RiskBlocked),
    ('{"url": "http://wuliu2.taobao.localhost:1/a/_____tmd_____/slide?x5secdata=t"}', NeedsVerification),
    # An unknown page is not an expired login (that answer once made the app log in mid-risk-block);
    # login redirects and risk pages are told apart by classify before the body gets here.
    ("<html>login</html>", PlatformError),
    ('{"error": "参数错误", "mainOrders": []}', PlatformError),
])
def test_platform_answers_are_classified(body, error):
    with pytest.raises(error):
        parse_sold_response(body)


@pytest.mark.parametrize("text,fen", [("13.64", 1364), ("￥0.01", 1), ("1,299.50", 129950), ("", 0), (7, 700)])
def test_yuan_to_fen(text, fen):
    assert yuan_to_fen(text) == fen


@given(st.integers(min_value=0, max_value=10**9))
def test_yuan_to_fen_is_exact_for_every_amount(fen):
    assert yuan_to_fen(f"{fen // 100}.{fen % 100:02d}") == fen


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", " javascript:alert(1)", "JAVASCRIPT:x",
                                 "data:text/html,<b>x</b>", "/item.htm?id=1", "java\nscript:alert(1)"])
def test_only_http_item_and_picture_urls_leave_the_driver(url):
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    info = data["mainOrders"][0]["subOrders"][0]["itemInfo"]
    info["itemUrl"], info["pic"], info["itemId"] = url, url, 600000000007
    item = parse_sold_response(json.dumps(data)).orders[0].items[0]
    assert (item.item_url, item.pic) == ("", "")
    assert item.item_id == "600000000007"  # the id comes from itemId all the same


def test_protocol_relative_and_https_urls_are_kept():
    page = parse_sold_response(SAMPLE.read_text(encoding="utf-8"))
    item = page.orders[0].items[0]
    assert item.item_url == "//item.taobao.com/item.htm?id=600000000001"
    assert item.pic.startswith("//img.alicdn.com/")
