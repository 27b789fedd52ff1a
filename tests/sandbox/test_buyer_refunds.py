"""Refunds of our purchases over plain HTTP (no browser): 淘宝's applyRouter + React apply form + refund
list + 填写退货单号, 1688's refund mtop, 拼多多's after-sales list; bad input changes nothing."""
from __future__ import annotations

import json
import re

from .conftest import cookies_of, mtop_http

REFUND2 = "https://refund2.taobao.com"


def purchase(sb, platform: str, login: str, shipped: bool) -> dict:
    sb.add_buyer(platform, login, "pw")
    sku = next(i for i in sb.supplier_items(platform) if i["skus"][0]["stock"] > 0)["skus"][0]
    order = sb.buy(platform, login, sku["sku_id"])
    if shipped:
        sb.ship_now(order["order_id"])
    return sb.purchase_order(order["order_id"])


def test_taobao_apply_form_checks_and_list(sb):
    order = purchase(sb, "taobao", "rf_tb", shipped=False)
    oid, total = order["items"][0]["oid"], order["items"][0]["total_fen"]
    cookies = cookies_of(sb, "rf_tb")
    router = sb.http("GET", f"{REFUND2}/dispute/applyRouter.htm", params={"bizOrderId": oid}, cookies=cookies)
    assert "我要退款（无需退货）" in router.text and "我要退货退款" not in router.text  # not shipped yet
    form = sb.http("GET", f"{REFUND2}/dispute/apply.htm", params={"bizOrderId": oid, "type": 1}, cookies=cookies).text
    assert 'class="mod-select-pc"' in form and f'id="applyRefundFeeInput_1-input" value="{total / 100:.2f}"' in form
    sb.add_buyer("taobao", "rf_other_tb", "pw")
    assert sb.http("GET", f"{REFUND2}/dispute/apply.htm", params={"bizOrderId": oid},
                   cookies=cookies_of(sb, "rf_other_tb")).status == 404  # another account's order

    post = {"bizOrderId": oid, "type": "1", "reason": "不想要了", "refundFee": f"{total / 100 + 1:.2f}"}
    assert sb.http("POST", f"{REFUND2}/dispute/apply.htm", data=post, cookies=cookies).status == 403  # no token
    post["_tb_token_"] = cookies["_tb_token_"]
    too_much = sb.http("POST", f"{REFUND2}/dispute/apply.htm", data=post, cookies=cookies)
    assert too_much.status == 400 and "退款金额须大于0且不超过" in too_much.text
    wrong_reason = sb.http("POST", f"{REFUND2}/dispute/apply.htm", data={**post, "reason": "质量问题", "refundFee": ""},
                           cookies=cookies)
    assert wrong_reason.status == 400 and "请选择退款原因" in wrong_reason.text
    assert sb.supplier_refunds(order["order_id"]) == []

    done = sb.http("POST", f"{REFUND2}/dispute/apply.htm", data={**post, "refundFee": "1.5"}, cookies=cookies)
    assert done.status == 302 and "buyerDetail.htm" in done.header("Location")
    [seen] = sb.supplier_refunds(order["order_id"])
    assert (seen["kind"], seen["status_text"], seen["amount_fen"], seen["reason"]) == ("refund_only", "退款待处理", 150, "不想要了")
    again = sb.http("GET", f"{REFUND2}/dispute/applyRouter.htm", params={"bizOrderId": oid}, cookies=cookies)
    assert again.status == 302 and seen["dispute_id"] in again.header("Location")  # the open case, not a new form

    listed = sb.http("GET", f"{REFUND2}/dispute/buyerDisputeList.htm", cookies=cookies).text
    data = json.loads(re.search(r"var disputeData=(\{.*?\});</script>", listed).group(1))
    rows = [v["fields"] for k, v in data["data"].items() if k.startswith("listItem_")]
    assert [(r["bizOrderId"], r["status"], r["refundFee"]) for r in rows] == [(order["order_id"], "1", "1.50")]


def test_taobao_return_number_is_checked(sb):
    order = purchase(sb, "taobao", "rf_tb_ret", shipped=True)
    cookies = cookies_of(sb, "rf_tb_ret")
    post = {"bizOrderId": order["items"][0]["oid"], "type": "3", "reason": "质量问题", "_tb_token_": cookies["_tb_token_"]}
    assert sb.http("POST", f"{REFUND2}/dispute/apply.htm", data=post, cookies=cookies).status == 302
    [case] = sb.supplier_refunds(order["order_id"])
    assert case["return_address"] == ""  # only once the supplier agreed
    sb.advance(6 * 60)
    [case] = sb.supplier_refunds(order["order_id"])
    assert case["status_text"] == "待买家发货" and "售后部" in case["return_address"]
    detail = sb.http("GET", f"{REFUND2}/dispute/buyerDetail.htm", params={"disputeId": case["dispute_id"]}, cookies=cookies)
    assert case["return_address"] in detail.text and 'id="return-form"' in detail.text
    fill = {"disputeId": case["dispute_id"], "companyCode": "YTO", "mailNo": "YT1", "_tb_token_": cookies["_tb_token_"]}
    bad = sb.http("POST", f"{REFUND2}/dispute/fillReturnLogistics.htm", data=fill, cookies=cookies)
    assert "error=" in bad.header("Location") and sb.supplier_refunds(order["order_id"])[0]["status"] == 2
    good = sb.http("POST", f"{REFUND2}/dispute/fillReturnLogistics.htm", data={**fill, "mailNo": "YT1234567890123"},
                   cookies=cookies)
    assert "msg=" in good.header("Location")
    assert sb.supplier_refunds(order["order_id"])[0]["return_tracking_no"] == "YT1234567890123"


def test_1688_refund_mtop(sb):
    order = purchase(sb, "alibaba1688", "rf_ali", shipped=False)
    other = sb.buy("alibaba1688", "rf_ali", order["items"][0]["sku_id"])
    sb.open_dispute(order["order_id"], "refund_only", reason="不想要了")
    sb.open_dispute(other["order_id"], "refund_only", reason="拍错了/多拍了")
    cookies = cookies_of(sb, "rf_ali", "alibaba1688")
    referer = sb.origin("air.1688.com") + "/app/ctf-page/trade-order-list/buyer-order-list.html"

    def call(data: dict) -> dict:
        return mtop_http(sb, cookies, "h5api.m.1688.com", "mtop.1688.dw.refund.list", data, referer)

    answer = call({"orderIds": [order["order_id"]], "page": 1, "pageSize": 20})
    [row] = answer["data"]["result"]["data"]["refundList"]
    assert (row["orderId"], row["status"], row["disputeRequest"], row["applyPayment"]) == (
        order["order_id"], "waitselleragree", "refund", str(order["items"][0]["total_fen"]))
    assert answer["data"]["result"]["data"]["totalCount"] == "1"
    assert call({"orderIds": ",".join(["1"] * 51)})["ret"][0].startswith("FAIL_BIZ_PARAM_ERROR")
    assert len(call({})["data"]["result"]["data"]["refundList"]) == 2  # no ids: every refund of the account


def test_pdd_after_sales_list(sb):
    order = purchase(sb, "pdd", "13700000411", shipped=True)
    sb.open_dispute(order["order_id"], "return_refund", reason="质量问题")
    url = "https://mobile.yangkeduo.com/proxy/api/after_sales/list"
    assert sb.http("POST", url, json={"order_sns": [order["order_id"]]}).status == 401
    listed = sb.http("POST", url, json={"order_sns": [order["order_id"]]}, cookies=cookies_of(sb, "13700000411", "pdd"))
    [row] = listed.json()["after_sales_list"]
    assert (row["order_sn"], row["after_sales_type"], row["after_sales_status"], row["status_desc"]) == (
        order["order_id"], 2, 1, "退款待处理")
    assert isinstance(row["refund_amount"], int) and row["return_address"] == ""
