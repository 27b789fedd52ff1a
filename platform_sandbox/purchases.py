"""Purchases: our purchase accounts buying supplier products on 淘宝/天猫/淘特, 1688 and 拼多多.

A purchase is an ``Order`` on a supplier ``Shop`` whose ``buyer_account`` is the purchase
account. The buyer memo (买家留言) is stored as typed: the app puts its purchase marker there and
reads it back from the order lists. Every platform's pages call these functions, so the rules
(stock, coupons, what may be cancelled or refunded) are the same everywhere.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from . import accounts, disputes, ids, orders, supply
from .clock import rng
from .couriers import BY_CODE
from .models import Account, CouponClaim, Dispute, Item, Order, OrderItem, Shop, Sku
from .people import Receiver

MEMO_LIMIT = 200  # characters; sandbox choice for every platform's buyer message box
MAX_QUANTITY = 999
FREIGHT_INSURANCE_FEN = 90  # 运费险 on the 淘宝 confirm page (sandbox figure)
# 拼多多 checkout upsell: 开通省钱月卡 for MONEY_CARD_FEN, 本单立减 MONEY_CARD_OFF_FEN (sandbox figures)
MONEY_CARD_FEN, MONEY_CARD_OFF_FEN = 290, 100
PAY_METHODS = {"alipay": "支付宝", "wechat": "微信支付", "unionpay": "云闪付", "alipay_password": "支付宝账号密码"}
MOBILE = re.compile(r"1\d{10}(-\d{1,4})?")  # a privacy number may carry an extension: 188xxxx1111-123
RECEIVER_FIELDS = (("fullName", "收货人姓名"), ("mobile", "手机号码"), ("province", "省份"), ("city", "城市"),
                   ("district", "区/县"), ("addressDetail", "详细地址"))

# What a purchase looks like to its buyer, whatever the platform calls it.
UNPAID, GROUPING, UNSHIPPED, SHIPPED, FINISHED, CLOSED = "unpaid", "grouping", "unshipped", "shipped", "finished", "closed"


# The status a buyer sees, per account site (1688's codes are in buyer_1688; 拼多多 adds refunds).
STATUS_TEXT = {
    "taobao": {UNPAID: "等待买家付款", UNSHIPPED: "买家已付款", SHIPPED: "卖家已发货", FINISHED: "交易成功",
               CLOSED: "交易关闭"},
    "alibaba1688": {UNPAID: "待付款", UNSHIPPED: "待发货", SHIPPED: "待收货", FINISHED: "交易成功", CLOSED: "交易取消"},
    "pdd": {UNPAID: "待支付", GROUPING: "待分享", UNSHIPPED: "待发货", SHIPPED: "待收货", FINISHED: "交易成功",
            CLOSED: "交易已取消"},
}
PDD_REFUND_TEXT = {"refunding": "退款中", "refunded": "退款成功"}


class PurchaseError(Exception):
    """Shown to the buyer as is (Chinese)."""


ERRORS = (PurchaseError, disputes.DisputeError, orders.ConsignError)


def receiver_from(values: Mapping[str, str]) -> tuple[Receiver | None, dict[str, str]]:
    """The receiver typed into a checkout address form, or the error of each bad field."""
    clean = {key: (values.get(key) or "").strip() for key, _ in (*RECEIVER_FIELDS, ("town", ""))}
    errors = {key: f"请填写{label}" for key, label in RECEIVER_FIELDS if not clean[key]}
    if clean["mobile"] and not MOBILE.fullmatch(clean["mobile"]):
        errors["mobile"] = "手机号码格式不正确"
    if errors:
        return None, errors
    return Receiver(clean["fullName"], clean["mobile"], clean["province"], clean["city"], clean["district"],
                    clean["town"], clean["addressDetail"], "000000"), {}


def group_price_fen(sku: Sku) -> int:
    """拼多多 拼单 price: 12 % below 单独购买, in whole jiao."""
    return sku.price_fen * 88 // 100 // 10 * 10


def carriage_fen(shop: Shop) -> int:
    """1688 suppliers charge carriage per order (运费); the others ship free (包邮)."""
    return rng("carriage", shop.id).choice((0, 300, 350, 500, 800)) if shop.platform == "alibaba1688" else 0


def coupon_of(shop: Shop) -> tuple[int, int]:
    """The supplier's shop coupon: (threshold, amount) in fen; threshold 0 = 无门槛."""
    rnd = rng("coupon", shop.id)
    amount = rnd.choice((200, 300, 500))
    return amount * rnd.choice((0, 5, 10)), amount


def coupon_text(shop: Shop) -> str:
    threshold, amount = coupon_of(shop)
    head = f"满{threshold // 100}元减" if threshold else "无门槛券 减"
    return f"{head}{amount // 100}元"


def checkout_offers(item: Item) -> dict:
    """What the item's checkout offers beside the shop coupon (per item, fixed for the world):
    ``insurance`` 运费险 paid by the buyer (淘宝 / 天猫 / 淘特, some sellers); on 拼多多
    ``platform_coupon`` a platform coupon in fen applied without asking (0 = none), ``return_shipping``
    退货包运费 (the merchant's, free to the buyer) and ``money_card`` the 省钱月卡 upsell, ticked when
    the page opens. 1688 offers none of them. Which items, the amounts and the ticked upsell are
    sandbox choices (README, fidelity matrix)."""
    rnd = rng("offers", item.item_id)
    taobao, pdd = item.shop.platform in ("taobao", "tmall", "taote"), item.shop.platform == "pdd"
    insurance, coupon, returns, card = (rnd.random() < 0.5 for _ in range(4))
    return {"insurance": taobao and insurance, "platform_coupon": rnd.choice((100, 200)) if pdd and coupon else 0,
            "return_shipping": pdd and returns, "money_card": pdd and card}


def claim_coupon(account: Account, shop: Shop, at: datetime) -> CouponClaim:
    """领取: one unused coupon per account and shop; claiming again returns it."""
    claim = CouponClaim.get_or_none((CouponClaim.account == account) & (CouponClaim.shop == shop)
                                    & CouponClaim.order.is_null())
    return claim or CouponClaim.create(account=account, shop=shop, claimed_at=at)


def claimed_coupon(account: Account, shop: Shop) -> CouponClaim | None:
    return CouponClaim.get_or_none((CouponClaim.account == account) & (CouponClaim.shop == shop)
                                   & CouponClaim.order.is_null())


def place(account: Account, lines: list[tuple[Sku, int]], receiver: Receiver, at: datetime, *, memo: str = "",
          group: bool = False, use_coupon: bool = False, insurance: bool = False, platform_coupon: bool = False,
          money_card: bool = False, pay_method: str = "") -> Order:
    """Place an unpaid purchase of ``lines`` (SKUs of one supplier shop). Raises PurchaseError."""
    if account.risk_blocked:
        raise PurchaseError("系统繁忙，请稍后再试")
    if len(memo) > MEMO_LIMIT:
        raise PurchaseError(f"留言不能超过{MEMO_LIMIT}个字")
    if not lines:
        raise PurchaseError("请选择商品规格")
    shop = lines[0][0].item.shop
    if shop.kind != "supplier" or any(sku.item.shop_id != shop.id for sku, _ in lines):
        raise PurchaseError("商品不存在")
    if accounts.site_of(shop.platform) != account.site:
        raise PurchaseError("该商品不能用此账号购买")
    if group and shop.platform != "pdd":
        raise PurchaseError("该商品不支持拼单")
    for sku, quantity in lines:
        if not 1 <= quantity <= MAX_QUANTITY:
            raise PurchaseError("购买数量不正确")
        stock = Sku.get_by_id(sku.id).stock  # fresh: another order may have taken it
        if stock < quantity:
            raise PurchaseError("该规格已售罄" if stock <= 0 else "库存不足")
    prices = [group_price_fen(sku) if group else sku.price_fen for sku, _ in lines]
    subtotal = sum(price * quantity for price, (_, quantity) in zip(prices, lines, strict=True))
    coupon = claimed_coupon(account, shop) if use_coupon else None
    threshold, amount = coupon_of(shop)
    if coupon is not None and subtotal < max(threshold, amount):
        coupon = None  # not reached: the page shows it as 不可用
    offers = checkout_offers(lines[0][0].item)
    if (insurance and not offers["insurance"]) or (money_card and not offers["money_card"]):
        raise PurchaseError("该商品不提供所选服务")
    discount = (amount if coupon else 0) + (offers["platform_coupon"] if platform_coupon else 0)
    at = at.replace(microsecond=0)
    order = orders.create_order(
        shop, lines, receiver, tid=ids.pdd_order_sn(at.date()) if shop.platform == "pdd" else None,
        unit_prices=prices, first_discount_fen=discount, buyer_account=account,
        buyer_nick=account.nick, buyer_uid=account.uid, status=orders.WAIT_BUYER_PAY, created_at=at,
        buyer_memo=memo, post_fee_fen=carriage_fen(shop), insurance_fen=FREIGHT_INSURANCE_FEN if insurance else 0,
        card_fen=MONEY_CARD_FEN - MONEY_CARD_OFF_FEN if money_card else 0,
        pay_method=pay_method, group_order_id=ids.pdd_group_order_id() if group else "")
    if coupon is not None:
        coupon.order = order
        coupon.save()
    supply.take_stock(lines)
    supply.expect_payment(order)
    return order


def pay(order: Order, at: datetime, method: str = "") -> None:
    if order.status != orders.WAIT_BUYER_PAY:
        raise PurchaseError("订单已付款或已关闭")
    orders.pay(order, at)
    if method:
        order.pay_method = method
        order.save()
    supply.after_payment(order, at)


def cancel(order: Order, at: datetime) -> None:
    """取消订单: an unpaid order closes; a paid one the supplier has not shipped is refunded at
    once (sandbox assumption: the platform's 未发货秒退)."""
    if order.status == orders.WAIT_BUYER_PAY:
        supply.close_unpaid(order)
        return
    if order.status not in orders.UNSHIPPED or any(i.shipment_id for i in order.items):
        raise PurchaseError("卖家已发货，不能取消订单，请申请退款")
    for item in order.items.order_by(OrderItem.id):
        if not orders.refunded(item):
            disputes.agree(disputes.open_dispute(item, "refund_only", at, "不想要了"), at)
    supply.release_stock(order)


def apply_refund(item: OrderItem, kind: str, reason: str, at: datetime, amount_fen: int | None = None) -> Dispute:
    """申请退款 (仅退款 / 退货退款), of ``amount_fen`` or the whole sub-order; the supplier answers within hours."""
    if kind not in ("refund_only", "return_refund"):
        raise PurchaseError("请选择退款类型")
    dispute = disputes.open_dispute(item, kind, at, reason, amount_fen)
    supply.answer_refund(dispute, at)
    return dispute


def fill_return(dispute: Dispute, courier_code: str, tracking_no: str, at: datetime) -> None:
    """填写退货单号 after the supplier agreed to a 退货退款."""
    courier = BY_CODE.get(courier_code)
    tracking_no = tracking_no.strip().upper()
    if courier is None:
        raise PurchaseError("请选择物流公司")
    if not courier.accepts(tracking_no):
        raise PurchaseError("运单号不符合规则")
    disputes.buyer_return(dispute, at, courier_code, tracking_no)
    supply.receive_return(dispute, at)


def refunds_of(account: Account, order_ids: list[str]) -> list[Dispute]:
    """The account's refund applications (no complaints) on these purchases, or on all when none named;
    newest first."""
    query = (Dispute.select().join(Order)
             .where((Order.buyer_account == account) & (Dispute.kind != "complaint")))
    if order_ids:
        query = query.where(Order.tid.in_(order_ids))
    return list(query.order_by(Dispute.created_at.desc(), Dispute.id.desc()))


def state(order: Order) -> str:
    if order.status == orders.WAIT_BUYER_PAY:
        return UNPAID
    if order.status == orders.TRADE_CLOSED:
        return CLOSED
    if order.status == orders.TRADE_FINISHED:
        return FINISHED
    if order.status == orders.WAIT_BUYER_CONFIRM_GOODS:
        return SHIPPED
    return GROUPING if order.group_status == supply.GROUP_WAITING else UNSHIPPED


def status_text(order: Order) -> str:
    """The status as the purchase's own platform words it (拼多多 shows refunds instead)."""
    site = order.buyer_account.site
    if site == "pdd" and refund_state(order) and state(order) in (UNSHIPPED, GROUPING, CLOSED):
        return PDD_REFUND_TEXT[refund_state(order)]
    return STATUS_TEXT[site][state(order)]


def refund_state(order: Order) -> str:
    """'' / 'refunding' (a refund is open) / 'refunded' (some item was refunded)."""
    codes = {d.status for d in order.disputes if d.kind != "complaint"}
    if codes & set(disputes.OPEN):
        return "refunding"
    return "refunded" if disputes.SUCCESS in codes else ""


def account_purchases(account: Account):
    """The account's purchases, newest first (the order every bought list uses)."""
    return (Order.select().where(Order.buyer_account == account)
            .order_by(Order.created_at.desc(), Order.id.desc()))


def own_purchase(account: Account, order_id: str | None) -> Order | None:
    return Order.get_or_none((Order.tid == (order_id or "")) & (Order.buyer_account == account))
