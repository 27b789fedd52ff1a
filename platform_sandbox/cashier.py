"""cashier.alipay.com: the 支付宝 收银台 that 淘宝/天猫/淘特 and 1688 purchases are paid on.

A confirm page creates the order(s) unpaid and sends the buyer here with a one-off token in
``orderId`` (sandbox assumption: the real cashier URL carries opaque trade tokens as well). The
buyer types the account's 支付密码 (``pay_password``); three wrong tries lock the token, as
支付宝 locks payment after repeated wrong passwords. Success marks the orders paid and returns to
the site's order page.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request

from . import clock, ids, orders, purchases
from .hosts import origin, sandbox_host
from .models import Account, Challenge, Order

bp = Blueprint("cashier", __name__)
CASHIER = sandbox_host("cashier.alipay.com")
PAGE = "/standard/lightpay/lightPayCashier.htm"
MAX_TRIES = 3


def pay_url(account: Account, order: Order, return_url: str, extra: Mapping[str, str] | None = None) -> str:
    """A one-off cashier URL; ``extra`` = query parameters the sending site adds (1688's ``orderIds``
    / ``returnURL``), shown in the URL only, ahead of the token."""
    challenge = Challenge.create(token=ids.token("cashier"), kind="pay", purpose="cashier", account=account,
                                 created_at=clock.now(), data={"tid": order.tid, "return": return_url, "failures": 0})
    head = f"{urlencode(extra)}&" if extra else ""
    return f"{origin('cashier.alipay.com')}{PAGE}?{head}orderId={challenge.token}"


def _challenge() -> Challenge | None:
    return Challenge.get_or_none((Challenge.token == request.values.get("orderId", "")) & (Challenge.kind == "pay"))


def _render(challenge: Challenge, error: str = "", status: int = 200):
    order = Order.get(Order.tid == challenge.data["tid"])
    return render_template("cashier.html", challenge=challenge, order=order, error=error,
                           amount=orders.yuan(orders.paid_fen(order)), locked=challenge.used), status


@bp.get(PAGE, host=CASHIER)
def cashier_page():
    challenge = _challenge()
    if challenge is None:
        return render_template("message.html", title="收银台", text="交易不存在或已失效"), 404
    return _render(challenge)


@bp.post(PAGE, host=CASHIER)
def cashier_pay():
    challenge = _challenge()
    if challenge is None or challenge.used:
        return render_template("message.html", title="收银台", css="error",
                               text="支付密码错误次数过多，请3小时后再试" if challenge else "交易不存在或已失效"), 400
    order = Order.get(Order.tid == challenge.data["tid"])
    account = challenge.account
    if not account.pay_password or request.form.get("payPassword", "") != account.pay_password:
        failures = challenge.data["failures"] + 1
        challenge.data = {**challenge.data, "failures": failures}
        challenge.used = failures >= MAX_TRIES
        challenge.save()
        left = MAX_TRIES - failures
        return _render(challenge, f"支付密码不正确，还有{left}次机会" if left else "支付密码错误次数过多，请3小时后再试", 400)
    try:
        purchases.pay(order, clock.now(), "alipay")
    except purchases.PurchaseError as exc:
        return _render(challenge, str(exc), 400)
    challenge.used = True
    challenge.save()
    return redirect(challenge.data["return"])
