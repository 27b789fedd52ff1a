"""The seller's 千牛 售后 pages over plain HTTP (no browser): the disputelistv2 mtop list with the page's
filters, the detail page's embedded row, 同意退款's checks, and who may see what."""
from __future__ import annotations

import json
import re

from platform_sandbox import Sandbox

from .conftest import cookies_of, mtop_http

LIST_API = "mtop.alibaba.refundface2.disputeservice.qianniu.pc.disputelistv2"
DETAIL = "https://qn.taobao.com/home.htm/trade-platform/refund-list/detail"


def grid(sb: Sandbox, cookies: dict, **params) -> dict:
    answer = mtop_http(sb, cookies, "h5api.m.taobao.com", LIST_API, {"params": json.dumps(params)},
                       sb.origin("myseller.taobao.com") + "/home.htm/trade-platform/refund-list")
    assert answer["ret"] == ["SUCCESS::调用成功"], answer["ret"]
    return answer["data"]["result"]


def test_list_filters_detail_and_agree(sb):
    sb.add_seller("qn_shop", "pw")
    sb.add_seller("qn_other", "pw")
    cookies = cookies_of(sb, "qn_shop")
    tids = [sb.place_order("qn_shop")["tid"] for _ in range(3)]
    sb.seller_ship(tids[1])
    refund = sb.open_dispute(tids[0], "refund_only")
    sb.advance(10)
    ret = sb.open_dispute(tids[1], "return_refund")
    complaint = sb.open_dispute(tids[2], "complaint")
    sb.open_dispute(sb.place_order("qn_other")["tid"], "refund_only")  # another shop's: never listed

    everything = grid(sb, cookies, pageNo=1, pageSize=20, refundStatusSelect="-9999")
    rows = everything["disputeGridVOList"]
    assert [r["disputeId"] for r in rows] == [complaint["dispute_id"], ret["dispute_id"], refund["dispute_id"]]
    assert everything["pagination"] == {"current": "1", "pageSize": "20", "total": "3", "totalPage": "1"}
    first = next(r for r in rows if r["disputeId"] == refund["dispute_id"])
    assert (first["bizOrderId"], first["bizClaimType"], first["refundStatus"], first["statusDesc"],
            first["refundPhase"]) == (tids[0], "1", "1", "退款待处理", "onsale")
    assert first["disputeBodyVO"]["refundFee"] == f"{refund['amount_fen'] / 100:.2f}"
    assert [r["bizClaimType"] for r in grid(sb, cookies, bizClaimTypeSelect="[2]")["disputeGridVOList"]] == ["2"]
    assert grid(sb, cookies, pageSize=2, pageNo=2)["pagination"] == {"current": "2", "pageSize": "2", "total": "3",
                                                                  "totalPage": "2"}
    since = int(first["gmtCreate"]) + 60_000
    assert len(grid(sb, cookies, applyDateTimePickerStartTime=since)["disputeGridVOList"]) == 2

    page = sb.http("GET", DETAIL, params={"disputeId": refund["dispute_id"], "type": 1}, cookies=cookies)
    embedded = json.loads(re.search(r"var disputeDetail = (\{.*?\});", page.text).group(1))
    assert embedded["disputeId"] == refund["dispute_id"] and "同意退款" in page.text
    assert sb.http("GET", DETAIL, params={"disputeId": refund["dispute_id"]},
                   cookies=cookies_of(sb, "qn_other")).status == 404
    ret_page = sb.http("GET", DETAIL, params={"disputeId": ret["dispute_id"]}, cookies=cookies)
    assert "同意退货" in ret_page.text and "同意退款" not in ret_page.text

    agree = "https://qn.taobao.com/home.htm/trade-platform/refund-list/agree"
    form = {"disputeId": refund["dispute_id"], "action": "同意退款"}
    assert sb.http("POST", agree, data=form, cookies=cookies).status == 403  # no _tb_token_
    form["_tb_token_"] = cookies["_tb_token_"]
    stale = sb.http("POST", agree, data={**form, "disputeId": ret["dispute_id"]}, cookies=cookies)
    assert "error=" in stale.header("Location")  # 同意退款 asked of a case that offers 同意退货
    assert next(d for d in sb.disputes("qn_shop") if d["dispute_id"] == ret["dispute_id"])["status"] == 1
    done = sb.http("POST", agree, data=form, cookies=cookies)
    assert "msg=" in done.header("Location")
    assert next(d for d in sb.disputes("qn_shop") if d["dispute_id"] == refund["dispute_id"])["status"] == 5
    assert [r["disputeId"] for r in grid(sb, cookies, refundStatusSelect="[5]")["disputeGridVOList"]] == [
        refund["dispute_id"]]


def test_only_a_seller_session_may_list(sb):
    sb.add_buyer("taobao", "qn_buyer", "pw")
    answer = mtop_http(sb, cookies_of(sb, "qn_buyer"), "h5api.m.taobao.com", LIST_API, {"params": "{}"},
                       sb.origin("myseller.taobao.com") + "/home.htm")
    assert answer["ret"][0].startswith("FAIL_BIZ_NO_PERMISSION")
    assert mtop_http(sb, {}, "h5api.m.taobao.com", LIST_API, {"params": "{}"},
                     sb.origin("myseller.taobao.com"))["ret"][0].startswith("FAIL_SYS_SESSION_EXPIRED")
