"""The purchasing codes and their Chinese labels: 采购平台, 拍单状态, and the purchase's own states.

Their one home (the order list, export and memo template import them from here). A leaf module:
the memo service imports these labels and the state machine imports the memo service.
"""
from __future__ import annotations

PURCHASE_PLATFORMS: dict[str, str] = {"taobao": "淘宝", "tmall": "天猫", "taote": "淘特",
                                      "alibaba1688": "1688", "pdd": "拼多多"}
# 拍单状态 as the glossary lists them; unknown codes are shown as stored
PURCHASE_STATUS_LABELS: dict[str, str] = {
    "unpaid": "待支付", "sharing": "待分享", "paid": "待发货", "shipped": "待收货", "received": "已签收",
    "cancelled": "已取消", "refunding": "退款中", "refunded": "已退款",
}
STATES: dict[str, str] = {
    "preparing": "准备", "submitted": "已提交", "unpaid": "待付款", "paying": "支付中", "paid": "已支付",
    "recorded": "已录入", "parked": "需人工", "refused": "已拒绝", "cancelled": "已取消", "refunded": "已退款",
}


def state_label(state: str) -> str:
    return STATES.get(state, state)
