"""trade.taobao.com / trade.tmall.com / myseller.taobao.com: 已卖出的宝贝, order details, memos."""
from __future__ import annotations

import math
from datetime import timedelta

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request
from peewee import fn

from . import clock, disputes, orders
from .auth import seller_view, token_ok
from .charset import decoded_form, gbk_page
from .hosts import origin, sandbox_host
from .models import Dispute, Order
from .trade_json import js_json_parse_call, js_object_literal, main_order, taobao_detail, tmall_detail

bp = Blueprint("seller_trade", __name__)
TRADE = sandbox_host("trade.taobao.com")
TMALL_TRADE = sandbox_host("trade.tmall.com")
MYSELLER = sandbox_host("myseller.taobao.com")

TAB_TO_STATUS = {"waitBuyerPay": "NOT_PAID", "waitSend": "PAID", "haveSendGoods": "SEND", "success": "SUCCESS",
                 "refunding": "REFUNDING", "closed": "CLOSE", "latest3Months": "ALL"}
STATUS_FILTER = {"NOT_PAID": (orders.WAIT_BUYER_PAY,), "PAID": orders.UNSHIPPED,
                 "SEND": (orders.WAIT_BUYER_CONFIRM_GOODS,), "SUCCESS": (orders.TRADE_FINISHED,),
                 "CLOSE": (orders.TRADE_CLOSED,)}
TABS = (("latest3Months", "近三个月订单"), ("waitBuyerPay", "等待买家付款"), ("waitSend", "等待发货"),
        ("haveSendGoods", "已发货"), ("refunding", "退款中"), ("success", "成功的订单"), ("closed", "关闭的订单"))
BATCH_LIMIT = 50
MEMO_LIMIT_BYTES = 1000  # counted in GB18030 (the site is GBK-era: a Chinese character is 2 bytes)


def _taote_without_frame() -> bool:
    """淘特 shops see their orders only inside the 淘特 seller frame (isFrame=true&from=tejia)."""
    framed = request.args.get("from") == "tejia" and request.args.get("isFrame") == "true"
    return g.shop.platform == "taote" and not framed


def _ms(name: str, values) -> int:
    try:
        return int(values.get(name) or 0)
    except ValueError:
        return 0


def sold_query(values) -> tuple[object, str]:
    """The orders an asyncSold form asks for, newest first, and an error text ('' if none)."""
    query = Order.select().where(Order.shop == g.shop)
    batch = values.get("isBatchSearch") == "true" and values.get("batchType") == "bizOrderId"
    if batch and not g.shop.lost_batch_filter:
        wanted = [t.strip() for t in values.get("bizOrderId", "").split(",") if t.strip()]
        if len(wanted) > BATCH_LIMIT:
            return query.where(False), f"批量查询最多支持{BATCH_LIMIT}个订单号"
        # The batch lookup only covers the last three months (idx 70248213259): older orders are absent.
        return (query.where(Order.tid.in_(wanted) & (Order.created_at >= clock.now() - timedelta(days=92)))
                .order_by(Order.created_at.desc(), Order.tid.desc())), ""
    status = values.get("orderStatus") or TAB_TO_STATUS.get(values.get("tabCode", ""), "ALL")
    if status == "REFUNDING":
        refunding = Dispute.select(Dispute.order).where(Dispute.status.in_(disputes.OPEN) & (Dispute.kind != "complaint"))
        query = query.where(Order.id.in_(refunding))
    elif status in STATUS_FILTER:
        query = query.where(Order.status.in_(STATUS_FILTER[status]))
    else:
        query = query.where(Order.created_at >= clock.now() - timedelta(days=92))
    for field, low, high in ((Order.created_at, "dateBegin", "dateEnd"), (Order.paid_at, "payDateBegin", "payDateEnd")):
        if _ms(low, values):
            query = query.where(field >= clock.from_epoch_ms(_ms(low, values)))
        if _ms(high, values):
            query = query.where(field <= clock.from_epoch_ms(_ms(high, values)))
    if values.get("buyerNick"):
        query = query.where(Order.buyer_nick == values["buyerNick"].strip())
    return query.order_by(Order.created_at.desc(), Order.tid.desc()), ""


LOST_FILTER_TOTAL = 625_012  # what a lookup that lost its filter reports (20,000+ pages, idx 53864089098)


def sold_page(values) -> dict:
    query, error = sold_query(values)
    page_size = 30 if values.get("pageSize") == "30" else 15
    total = query.count()
    lost = values.get("isBatchSearch") == "true" and g.shop.lost_batch_filter
    if lost:
        total = LOST_FILTER_TOTAL  # the pages past the shop's own orders come back empty
    total_pages = max(1, math.ceil(total / page_size))
    page_num = min(max(1, _ms("pageNum", values) or 1), total_pages)
    rows = query.paginate(page_num, page_size)
    return {"error": error, "extra": {},
            "page": {"currentPage": page_num, "pageSize": page_size, "prefetchCount": 31, "totalNumber": total,
                     "totalPage": total_pages, "queryForTitle": False},
            "mainOrders": [main_order(o, hide_nick=values.get("isHideNick") == "true") for o in rows]}


@bp.get("/home.htm", host=MYSELLER)
@seller_view()
def seller_home():
    counts = dict(Order.select(Order.status, fn.COUNT(Order.id)).where(Order.shop == g.shop)
                  .group_by(Order.status).tuples())
    frame = "&isFrame=true&from=tejia" if g.shop.platform == "taote" else ""
    return render_template("seller_home.html", account=g.account, shop=g.shop, counts=counts,
                           status_text=orders.STATUS_TEXT, frame=frame, trade=origin("trade.taobao.com"),
                           refund=origin("refund2.taobao.com"))


@bp.get("/trade/itemlist/list_sold_items.htm", host=TRADE)
@seller_view()
def sold_list():
    if _taote_without_frame():
        data = {"error": "请从淘特商家工作台进入（isFrame=true&from=tejia）", "page": {}, "mainOrders": []}
    else:
        data = sold_page(request.args)
    frame = "&isFrame=true&from=tejia" if g.shop.platform == "taote" else ""
    return render_template("sold_list.html", data=data, data_js=js_object_literal(data), tabs=TABS,
                           tab=request.args.get("tabCode", "latest3Months"), frame=frame, shop=g.shop,
                           session=g.session)


@bp.post("/trade/itemlist/asyncSold.htm", host=TRADE)
@seller_view(json=True)
def async_sold():
    if request.args.get("event_submit_do_query") != "1" or request.form.get("action") != "itemlist/SoldQueryAction":
        return jsonify({"error": "参数错误", "mainOrders": []}), 400
    if _taote_without_frame():
        return jsonify({"error": "请从淘特商家工作台进入", "page": {}, "mainOrders": []})
    return jsonify(sold_page(request.form))


def _own_order(tid: str | None) -> Order:
    order = Order.get_or_none((Order.tid == (tid or "")) & (Order.shop == g.shop))
    if order is None:
        abort(404)
    return order


@bp.get("/trade/detail/trade_order_detail.htm", host=TRADE)
@seller_view()
def taobao_order_detail():
    order = _own_order(request.args.get("biz_order_id"))
    if order.shop.platform == "tmall":  # 天猫 orders live on trade.tmall.com (idx 71024333579)
        return redirect(f"{origin('trade.tmall.com')}/detail/orderDetail.htm?bizOrderId={order.tid}")
    # a GBK page, as some real detail pages are: a client must decode by the declared charset
    return gbk_page("order_detail.html", order=order, var_name="data",
                    script=js_json_parse_call(taobao_detail(order)), **_detail_context(order))


@bp.get("/detail/orderDetail.htm", host=TMALL_TRADE)
@seller_view()
def tmall_order_detail():
    order = _own_order(request.args.get("bizOrderId"))
    return render_template("order_detail.html", order=order, var_name="detailData",
                           script=js_object_literal(tmall_detail(order)), **_detail_context(order))


def _detail_context(order: Order) -> dict:
    return {"masked": orders.masked_address(order), "status_text": orders.STATUS_TEXT[order.status],
            "paid": orders.yuan(orders.paid_fen(order)), "fmt": clock.fmt, "yuan": orders.yuan,
            "wuliu": origin("wuliu.taobao.com"), "can_ship": order.status in orders.UNSHIPPED}


@bp.get("/trade/json/memoInfo.htm", host=TRADE)
@seller_view(json=True)
def memo_info():
    order = Order.get_or_none((Order.tid == request.args.get("orderid", "")) & (Order.shop == g.shop))
    if order is None:
        return jsonify({"tip": "", "error": "订单不存在"})
    # Only the memo text: no evidence has a flag here (shoperp TaobaoOrderSellerCommentResponse.cs);
    # the flag is read from the sold list (extra.sellerFlag).
    return jsonify({"tip": order.seller_memo})


@bp.get("/trade/memo/updateSellMemo.htm", host=TRADE)
@seller_view()
def memo_form():
    order = _own_order(request.args.get("bizOrderId"))
    return gbk_page("memo_form.html", order=order, session=g.session, return_url=request.args.get("returnUrl", ""))


@bp.post("/trade/memo/update_sell_memo.htm", host=TRADE)
@seller_view()
def memo_update():
    """A legacy (GBK) form: the fields are read as GBK unless ``_input_charset=utf-8`` is sent."""
    form = decoded_form()

    def refused(text: str, status: int):
        return gbk_page("message.html", status, title="操作失败", css="error", text=text)

    if not token_ok(form.get("_tb_token_")):
        return refused("非法请求，请刷新页面后重试", 403)
    if form.get("action") != "memo/UpdateSellMemoAction" or form.get("event_submit_do_query") != "1":
        return refused("参数错误", 400)
    order = _own_order(form.get("biz_order_id"))
    memo = form.get("memo", "")
    if len(memo.encode("gb18030")) > MEMO_LIMIT_BYTES:
        return refused(f"备注内容不能超过{MEMO_LIMIT_BYTES}个字节", 400)
    flag = form.get("flag", str(order.seller_flag))
    if flag not in {"0", "1", "2", "3", "4", "5"}:
        return refused("旗帜参数错误", 400)
    order.seller_memo, order.seller_flag = memo, int(flag)
    order.save()
    return redirect(form.get("returnUrl") or f"{origin('trade.taobao.com')}/trade/itemlist/list_sold_items.htm")
