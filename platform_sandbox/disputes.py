"""售后 lifecycle: a buyer opens a refund / return / complaint, the seller agrees or refuses,
the buyer returns goods; timeouts move stalled cases on as the platform would."""
from __future__ import annotations

from datetime import datetime, timedelta

from . import events, ids, orders
from .models import Dispute, OrderItem

PENDING, REFUSED, WAIT_BUYER_RETURN, WAIT_SELLER_RECEIVE, CLOSED, SUCCESS = 1, 6, 2, 3, 4, 5
OPEN = (PENDING, REFUSED, WAIT_BUYER_RETURN, WAIT_SELLER_RECEIVE)

STATUS_TEXT = {PENDING: "退款待处理", REFUSED: "已拒绝退款", WAIT_BUYER_RETURN: "待买家发货",
               WAIT_SELLER_RECEIVE: "待商家收货", CLOSED: "退款关闭", SUCCESS: "退款成功"}
COMPLAINT_TEXT = {PENDING: "投诉待处理", CLOSED: "投诉已完结"}  # sandbox assumption
KIND_TEXT = {"refund_only": "仅退款", "return_refund": "退货退款", "complaint": "投诉"}
REASONS = {"refund_only": ("不想要了", "拍错了/多拍了", "未按约定时间发货", "快递一直未送到"),
           "return_refund": ("质量问题", "大小/尺寸与商品描述不符", "颜色/款式与商品描述不符", "收到商品破损"),
           "complaint": ("卖家发货慢", "商品与描述不符", "服务态度差")}
SELLER_TIMEOUT = timedelta(days=2)  # an unanswered request is agreed by the platform
RETURN_RECEIVE_TIMEOUT = timedelta(days=7)  # goods sent back and not handled: refunded


class DisputeError(Exception):
    """Shown to the user as is (Chinese)."""


def status_text(dispute: Dispute) -> str:
    table = COMPLAINT_TEXT if dispute.kind == "complaint" else STATUS_TEXT
    return table.get(dispute.status, STATUS_TEXT[dispute.status])


def open_dispute(item: OrderItem, kind: str, at: datetime, reason: str = "", amount_fen: int | None = None) -> Dispute:
    """``amount_fen``: a partial refund (the buyer's 退款金额); the sub-order's whole amount when None."""
    order = item.order
    if kind not in KIND_TEXT:
        raise DisputeError("未知的售后类型")
    if order.status in (orders.WAIT_BUYER_PAY, orders.TRADE_CLOSED):
        raise DisputeError("该订单当前状态不能申请售后")
    if kind == "return_refund" and item.shipment is None:
        raise DisputeError("商品未发货，请申请仅退款")
    if kind != "complaint" and orders.refunded(item):
        raise DisputeError("该商品已退款")
    if amount_fen is not None and not 0 < amount_fen <= item.total_fen:
        raise DisputeError(f"退款金额须大于0且不超过￥{orders.yuan(item.total_fen)}")
    if Dispute.select().where((Dispute.order_item == item) & Dispute.status.in_(OPEN)
                              & ((Dispute.kind == "complaint") == (kind == "complaint"))).exists():
        raise DisputeError("该商品已有进行中的售后")
    dispute = Dispute.create(
        dispute_id=ids.dispute_id(), order=order, order_item=item, kind=kind, status=PENDING,
        reason=reason or REASONS[kind][0],
        amount_fen=0 if kind == "complaint" else item.total_fen if amount_fen is None else amount_fen,
        after_sale=item.shipment is not None, created_at=at, updated_at=at)
    _expect(dispute, SELLER_TIMEOUT if kind != "complaint" else timedelta(days=3))
    return dispute


def _expect(dispute: Dispute, wait: timedelta) -> None:
    """Schedule the platform's move should nobody act on the dispute in its current state."""
    events.schedule("dispute_timeout", dispute.updated_at + wait, dispute_id=dispute.dispute_id,
                    status=dispute.status, since=dispute.updated_at.isoformat())


def _move(dispute: Dispute, status: int, at: datetime) -> None:
    dispute.status, dispute.updated_at = status, at
    dispute.save()
    if status == SUCCESS:
        orders.refresh_status(dispute.order, at)


def agree(dispute: Dispute, at: datetime) -> None:
    """同意退款 (or 同意退货 for a return not yet shipped back)."""
    if dispute.kind == "complaint":
        raise DisputeError("投诉不能同意退款")
    if dispute.status == PENDING and dispute.kind == "return_refund":
        _move(dispute, WAIT_BUYER_RETURN, at)
        if not orders.is_purchase(dispute.order):  # our own returns are sent back by the app
            events.schedule("buyer_return", at + timedelta(hours=20), dispute_id=dispute.dispute_id)
    elif dispute.status in (PENDING, WAIT_SELLER_RECEIVE):
        _move(dispute, SUCCESS, at)
    else:
        raise DisputeError("当前退款状态不能同意")


def refuse(dispute: Dispute, at: datetime, reason: str) -> None:
    if dispute.kind == "complaint" or dispute.status not in (PENDING, WAIT_SELLER_RECEIVE):
        raise DisputeError("当前退款状态不能拒绝")
    if not reason.strip():
        raise DisputeError("请填写拒绝原因")
    dispute.refuse_reason = reason.strip()
    _move(dispute, REFUSED, at)
    events.schedule("buyer_close_dispute", at + timedelta(days=1), dispute_id=dispute.dispute_id)


def buyer_return(dispute: Dispute, at: datetime, courier_code: str, tracking_no: str) -> None:
    if dispute.status != WAIT_BUYER_RETURN:
        raise DisputeError("当前退款状态不能填写退货单号")
    dispute.return_courier, dispute.return_tracking_no = courier_code, tracking_no
    _move(dispute, WAIT_SELLER_RECEIVE, at)
    _expect(dispute, RETURN_RECEIVE_TIMEOUT)


def close(dispute: Dispute, at: datetime) -> None:
    if dispute.status not in OPEN:
        raise DisputeError("售后已结束")
    _move(dispute, CLOSED, at)


def timeout(dispute: Dispute, at: datetime) -> None:
    """The platform acts for a seller who did not: requests are agreed, complaints are closed."""
    if dispute.kind == "complaint":
        close(dispute, at)
    elif dispute.status in (PENDING, WAIT_SELLER_RECEIVE):
        agree(dispute, at)


def seller_operation(dispute: Dispute) -> str:
    """The text the sold list shows on the sub-order."""
    return {PENDING: "请卖家处理", WAIT_SELLER_RECEIVE: "请卖家处理", REFUSED: "请卖家处理",
            WAIT_BUYER_RETURN: "等待买家退货", CLOSED: "退款关闭", SUCCESS: "退款成功"}[dispute.status]
