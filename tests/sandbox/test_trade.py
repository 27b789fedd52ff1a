"""已卖出的宝贝 (asyncSold), order detail pages and memos, fetched from inside logged-in pages."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from .conftest import ASYNC_SOLD, as_seller, async_sold, fetch, fetch_json


@pytest.fixture(scope="module")
def shop(sb):
    return sb.scenario("shop_with_paid_orders", login="tr_shop", count=40, days=3)


def test_async_sold_shape_ids_and_paging(page, sb, shop):
    as_seller(page, sb, "tr_shop")
    seen = []
    for page_num in (1, 2, 3):
        data = async_sold(page, sb, pageNum=page_num, tabCode="waitSend", orderStatus="PAID")
        assert data["page"] == {"currentPage": str(page_num), "pageSize": "15", "prefetchCount": "31",
                                "totalNumber": "40", "totalPage": "3", "queryForTitle": False}
        seen += [o["id"] for o in data["mainOrders"]]
    assert len(seen) == 40 and set(seen) == set(shop["tids"])
    assert async_sold(page, sb, pageSize=30, pageNum=2)["page"]["pageSize"] == "30"

    raw = fetch(page, sb.origin("trade.taobao.com") + ASYNC_SOLD,
                {"action": "itemlist/SoldQueryAction", "pageNum": "1", "pageSize": "15"})["text"]
    order = async_sold(page, sb)["mainOrders"][0]
    sub = order["subOrders"][0]
    assert re.fullmatch(r"\d{19}", order["id"]) and re.fullmatch(r"\d{19}", sub["idStr"])
    assert f'"id":{sub["idStr"]},' in raw  # a bare JSON number longer than 2^53
    assert int(sub["idStr"]) > 2**53
    assert order["statusInfo"]["text"] == "买家已付款，等待商家发货"
    assert order["buyer"]["nick"] and order["extra"]["sellerFlag"] == "0"
    assert re.fullmatch(r"\d+\.\d\d", order["payInfo"]["actualFee"])
    total = sum(round(float(s["priceInfo"]["realTotal"]) * 100) for s in order["subOrders"])
    assert round(float(order["payInfo"]["actualFee"]) * 100) == total
    assert sub["itemInfo"]["extra"][0]["name"] == "商家编码"
    assert re.fullmatch(r"(pdd|1688|tb|tm)-\d{12}", sub["itemInfo"]["extra"][0]["value"])
    assert all({"name", "value"} <= set(p) for p in sub["itemInfo"]["skuText"])
    assert sub["itemInfo"]["title"] and sub["quantity"].isdigit()
    assert order["operations"][0]["text"] == "发货"
    assert order["orderInfo"]["payTime"] < order["orderInfo"]["consignDeadline"]
    truth = sb.shop_order(order["id"])
    assert truth["buyer_nick"] == order["buyer"]["nick"] and truth["paid_fen"] == total


def test_share_of_multi_item_orders(sb, shop):
    orders = [sb.shop_order(t) for t in shop["tids"]]
    multi = sum(len(o["items"]) > 1 for o in orders)
    assert 2 <= multi <= 16  # ~20% of 40
    single = next(o for o in orders if len(o["items"]) == 1)
    assert single["items"][0]["oid"] == single["tid"]  # a single-item order's sub-order id is the order id


def test_batch_lookup_filters_and_limits(page, sb, shop):
    as_seller(page, sb, "tr_shop")
    wanted = shop["tids"][:3]
    data = async_sold(page, sb, bizOrderId=",".join(wanted), batchType="bizOrderId", isBatchSearch="true")
    assert sorted(o["id"] for o in data["mainOrders"]) == sorted(wanted) and data["error"] == ""
    fifty_one = shop["tids"] + [f"39{n:017d}" for n in range(11)]
    too_many = async_sold(page, sb, bizOrderId=",".join(fifty_one), batchType="bizOrderId",
                          isBatchSearch="true")
    assert too_many["mainOrders"] == [] and "50" in too_many["error"]

    one = sb.shop_order(shop["tids"][5])
    by_nick = async_sold(page, sb, buyerNick=one["buyer_nick"])
    assert one["tid"] in [o["id"] for o in by_nick["mainOrders"]]
    assert all(o["buyer"]["nick"] == one["buyer_nick"] for o in by_nick["mainOrders"])

    newest = max(sb.shop_order(t)["paid_at"] for t in shop["tids"])
    last_day = async_sold(page, sb, pageSize=30, payDateBegin=sb_ms(newest) - 86400000, payDateEnd=sb_ms(newest))
    expected = [t for t in shop["tids"] if sb_ms(sb.shop_order(t)["paid_at"]) >= sb_ms(newest) - 86400000]
    assert sorted(o["id"] for o in last_day["mainOrders"]) == sorted(expected)
    assert async_sold(page, sb, tabCode="success", orderStatus="SUCCESS")["mainOrders"] == []


def sb_ms(text: str) -> int:
    """Epoch ms of a sandbox time (China time)."""
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone(timedelta(hours=8))).timestamp() * 1000)


def test_async_sold_needs_a_login(sb, shop):
    response = sb.http("POST", "https://trade.taobao.com" + ASYNC_SOLD, data={"action": "itemlist/SoldQueryAction"})
    assert response.status == 302
    # as on the real site, an expired seller session goes to the havanaone login page
    assert response.header("Location").startswith(
        sb.origin("login.taobao.com") + "/havanaone/login/login.htm?bizName=taobao&redirectURL=")


def test_taote_shop_lists_only_inside_the_tejia_frame(page, sb):
    sb.add_seller("tt_shop", "pw", platform="taote")
    tid = sb.place_order("tt_shop")["tid"]
    as_seller(page, sb, "tt_shop")
    outside = async_sold(page, sb)
    assert outside["mainOrders"] == [] and outside["error"]
    page.goto(sb.origin("trade.taobao.com") + "/trade/itemlist/list_sold_items.htm?isFrame=true&from=tejia")
    inside = async_sold(page, sb, frame="isFrame=true&from=tejia")
    assert [o["id"] for o in inside["mainOrders"]] == [tid]


def test_order_detail_embeds_data_with_message_and_masked_address(page, sb, shop):
    order = sb.place_order("tr_shop", message="不要放发票", multi=True)
    as_seller(page, sb, "tr_shop")
    response = page.goto(f"{sb.origin('trade.taobao.com')}/trade/detail/trade_order_detail.htm?biz_order_id={order['tid']}")
    assert response.headers["content-type"] == "text/html; charset=GBK"  # the browser decodes it by that
    data = page.evaluate("() => data")
    assert data["buyMessage"] == "不要放发票"
    address = data["tabs"][0]["content"]["address"]
    receiver = order["receiver"]
    assert address.startswith(receiver["name"][0] + "*")
    assert f"{receiver['mobile'][:3]}****{receiver['mobile'][-4:]}" in address
    assert f"{receiver['province']} {receiver['city']} {receiver['district']} ****" in address
    assert receiver["address"] not in address
    lines = {c["value"]["name"]: c["value"]["value"] for c in data["mainOrder"]["orderInfo"]["lines"][0]["content"]}
    assert lines["订单编号:"] == order["tid"] and lines["发货截止时间:"] == order["consign_deadline"]
    assert [s["idStr"] for s in data["mainOrder"]["subOrders"]] == [i["oid"] for i in order["items"]]


def test_tmall_detail_page(page, sb):
    sb.add_seller("tm_shop", "pw", platform="tmall")
    order = sb.place_order("tm_shop", message="周末不在家")
    as_seller(page, sb, "tm_shop")
    listed = async_sold(page, sb)["mainOrders"][0]
    assert "trade.tmall.localhost" in listed["statusInfo"]["url"]
    # The 淘宝 detail URL of a 天猫 order redirects to trade.tmall.com, as on the real site.
    page.goto(f"{sb.origin('trade.taobao.com')}/trade/detail/trade_order_detail.htm?biz_order_id={order['tid']}")
    assert page.url == "http:" + listed["statusInfo"]["url"]
    lists = {row["key"]: row["content"][0]["text"] for row in page.evaluate("() => detailData")["basic"]["lists"]}
    assert lists["买家留言"] == "周末不在家" and lists["订单编号"] == order["tid"]
    assert "****" in lists["收货地址"]


def test_memo_write_read_and_limits(page, sb, shop):
    tid = shop["tids"][0]
    as_seller(page, sb, "tr_shop")
    cookies = {c["name"]: c["value"] for c in page.context.cookies() if c["domain"] == ".taobao.localhost"}
    form = {"_tb_token_": cookies["_tb_token_"], "action": "memo/UpdateSellMemoAction", "event_submit_do_query": "1",
            "user_type": "1", "biz_order_id": tid, "memo": "已拍 拼多多 #A1", "flag": "3"}
    # A legacy GBK form: UTF-8 that does not say so is read as GBK, and stored garbled.
    sb.http("POST", "https://trade.taobao.com/trade/memo/update_sell_memo.htm", data=form, cookies=cookies)
    assert sb.seller_memo(tid)["memo"] != "已拍 拼多多 #A1"
    form["_input_charset"] = "utf-8"
    done = sb.http("POST", "https://trade.taobao.com/trade/memo/update_sell_memo.htm", data=form, cookies=cookies)
    assert done.status == 302
    page.goto(sb.origin("trade.taobao.com") + "/trade/itemlist/list_sold_items.htm")
    read = fetch_json(page, f"{sb.origin('trade.taobao.com')}/trade/json/memoInfo.htm?user_type=seller&orderid={tid}")
    assert read == {"tip": "已拍 拼多多 #A1"}  # no flag here: it is read from the sold list
    assert async_sold(page, sb, bizOrderId=tid, batchType="bizOrderId",
                      isBatchSearch="true")["mainOrders"][0]["extra"]["sellerFlag"] == "3"

    too_long = sb.http("POST", "https://trade.taobao.com/trade/memo/update_sell_memo.htm",
                       data={**form, "memo": "备" * 501}, cookies=cookies)  # 1002 bytes
    bad_token = sb.http("POST", "https://trade.taobao.com/trade/memo/update_sell_memo.htm",
                        data={**form, "_tb_token_": "forged", "memo": "x"}, cookies=cookies)
    assert too_long.status == 400 and bad_token.status == 403
    assert too_long.header("Content-Type") == "text/html; charset=GBK"
    assert "备注内容不能超过1000个字节" in too_long.body.decode("gbk")
    assert sb.seller_memo(tid) == {"memo": "已拍 拼多多 #A1", "flag": 3}

    # The same through the page's own form (DOM), as a person would.
    page.goto(f"{sb.origin('trade.taobao.com')}/trade/memo/updateSellMemo.htm?bizOrderId={tid}")
    page.fill("textarea[name=memo]", "备" * 500)  # exactly 1000 bytes
    page.check("input[name=flag][value='1']")
    page.get_by_role("button", name="确定").click()
    expect(page).to_have_url(re.compile(r"list_sold_items\.htm"))
    assert sb.seller_memo(tid) == {"memo": "备" * 500, "flag": 1}
