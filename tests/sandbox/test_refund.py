"""售后 on refund2.taobao.com: list data, detail buttons in the DOM, and the sold list's reflection."""
from __future__ import annotations

from playwright.sync_api import expect

from .conftest import as_seller, async_sold


def dispute_rows(page, sb, **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    page.goto(f"{sb.origin('refund2.taobao.com')}/dispute/sellerDisputeList.htm?type=1&{qs}")
    data = page.evaluate("() => disputeData")
    keys = [k for k in data["hierarchy"]["structure"]["bottomContainer_1"] if k.startswith("listItem_")]
    return [data["data"][k]["fields"] for k in keys]


def sub_operations(page, sb, tid):
    order = async_sold(page, sb, bizOrderId=tid, batchType="bizOrderId", isBatchSearch="true")["mainOrders"][0]
    return [op["text"] for op in order["subOrders"][0]["operations"]]


def test_open_and_agree_a_refund(page, sb):
    sb.add_seller("rf_shop", "pw")
    tid = sb.place_order("rf_shop")["tid"]
    dispute = sb.open_dispute(tid, "refund_only", reason="拍错了/多拍了")
    assert dispute["status"] == 1 and dispute["after_sale"] is False
    as_seller(page, sb, "rf_shop")

    rows = dispute_rows(page, sb)
    assert [(r["disputeId"], r["bizOrderId"], r["status"], r["statusText"], r["serviceType"]) for r in rows] == [
        (dispute["dispute_id"], tid, "1", "退款待处理", "仅退款")]
    assert rows[0]["refundFee"] == f"{sb.shop_order(tid)['paid_fen'] / 100:.2f}"
    assert sub_operations(page, sb, tid) == ["请卖家处理"]
    refunding = async_sold(page, sb, tabCode="refunding", orderStatus="REFUNDING")["mainOrders"]
    assert [o["id"] for o in refunding] == [tid]

    page.goto("http:" + rows[0]["detailUrl"])
    expect(page.locator("#J_Status")).to_have_text("退款待处理")
    page.get_by_role("button", name="同意退款").click()
    expect(page.locator("#J_Status")).to_have_text("退款成功")
    assert sb.disputes("rf_shop")[0]["status"] == 5
    assert sb.shop_order(tid)["status"] == "TRADE_CLOSED"  # its only item was refunded
    assert sub_operations(page, sb, tid) == ["退款成功"]
    assert [r["statusText"] for r in dispute_rows(page, sb, status="5")] == ["退款成功"]
    assert dispute_rows(page, sb, status="-1") == []


def test_return_refund_through_admin_buttons(page, sb):
    sb.add_seller("rr_shop", "pw")
    tid = sb.place_order("rr_shop")["tid"]
    as_seller(page, sb, "rr_shop")
    page.goto(f"{sb.origin('wuliu.taobao.com')}/user/consign.htm?trade_id={tid}")
    page.select_option("#companyCode", "JTSD")
    page.fill("#mailNo", "JT1234567890123")
    page.click("#J_OfflineSubmit")
    expect(page.locator("h2")).to_have_text("恭喜您，操作成功")

    opened = sb.http("POST", "http://127.0.0.1/__sandbox/buyer/dispute",
                     json={"tid": tid, "kind": "return_refund", "reason": "质量问题"}).json()
    assert opened["status_text"] == "退款待处理" and opened["after_sale"] is True
    page.goto(f"{sb.origin('refund2.taobao.com')}/dispute/detail.htm?disputeId={opened['dispute_id']}")
    page.get_by_role("button", name="同意退货").click()
    expect(page.locator("#J_Status")).to_have_text("待买家发货")
    assert sub_operations(page, sb, tid) == ["等待买家退货"]

    page.goto(sb.admin_url)  # the buyer ships the goods back, by hand on the admin page
    page.fill("#buyer-return-form input[name=dispute_id]", opened["dispute_id"])
    page.select_option("#buyer-return-form select[name=courier_code]", "YTO")
    page.fill("#buyer-return-form input[name=tracking_no]", "YT1234567890123")
    page.click("#buyer-return-form button")
    expect(page.locator("#admin-message")).to_have_text("买家已退货 YTO YT1234567890123")

    page.goto(f"{sb.origin('refund2.taobao.com')}/dispute/detail.htm?disputeId={opened['dispute_id']}")
    expect(page.locator("#J_Status")).to_have_text("待商家收货")
    expect(page.locator("#J_Return")).to_contain_text("圆通速递 YT1234567890123")
    page.get_by_role("button", name="同意退款").click()
    expect(page.locator("#J_Status")).to_have_text("退款成功")


def test_refuse_then_buyer_closes_and_complaints_are_listed(page, sb):
    sb.add_seller("rx_shop", "pw")
    tid = sb.place_order("rx_shop")["tid"]
    dispute = sb.open_dispute(tid, "refund_only")
    complaint = sb.open_dispute(tid, "complaint", reason="卖家发货慢")
    as_seller(page, sb, "rx_shop")
    page.goto(f"{sb.origin('refund2.taobao.com')}/dispute/detail.htm?disputeId={dispute['dispute_id']}")
    page.get_by_role("button", name="拒绝退款").click()
    expect(page.locator("#J_Message")).to_have_text("请填写拒绝原因")
    page.fill("#J_RefuseReason", "商品已发出")
    page.get_by_role("button", name="拒绝退款").click()
    expect(page.locator("#J_Status")).to_have_text("已拒绝退款")
    sb.advance(25 * 60)
    statuses = {d["dispute_id"]: d["status_text"] for d in sb.disputes("rx_shop")}
    assert statuses[dispute["dispute_id"]] == "退款关闭"
    rows = {r["disputeId"]: r for r in dispute_rows(page, sb)}
    assert rows[complaint["dispute_id"]]["serviceType"] == "投诉"
    assert rows[complaint["dispute_id"]]["statusText"] == "投诉待处理"
