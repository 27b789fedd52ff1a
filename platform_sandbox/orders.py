"""Shop orders: placing, shipping (consign) and the status rules shared by every page."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from . import events, ids, people
from .couriers import BY_CODE
from .models import Dispute, Item, Order, OrderItem, Shipment, Shop, Sku, current_database

WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
WAIT_SELLER_SEND_GOODS = "WAIT_SELLER_SEND_GOODS"
SELLER_CONSIGNED_PART = "SELLER_CONSIGNED_PART"
WAIT_BUYER_CONFIRM_GOODS = "WAIT_BUYER_CONFIRM_GOODS"
TRADE_FINISHED = "TRADE_FINISHED"
TRADE_CLOSED = "TRADE_CLOSED"
# Statuses the TOP model documents besides the usual ones (idx 6039083273, 30415476304). Their list
# texts are sandbox assumptions; PAID_FORBID_CONSIGN's reads like a paid order on purpose: it is
# paid and must not be shipped (拼团 / 淘特 orders), and a text matcher would take it for 买家已付款.
PAID_FORBID_CONSIGN = "PAID_FORBID_CONSIGN"
PAY_PENDING = "PAY_PENDING"
WAIT_PRE_AUTH_CONFIRM = "WAIT_PRE_AUTH_CONFIRM"
TRADE_NO_CREATE_PAY = "TRADE_NO_CREATE_PAY"
UNUSUAL = (PAID_FORBID_CONSIGN, PAY_PENDING, WAIT_PRE_AUTH_CONFIRM, TRADE_NO_CREATE_PAY)

STATUS_TEXT = {
    WAIT_BUYER_PAY: "等待买家付款",
    WAIT_SELLER_SEND_GOODS: "买家已付款，等待商家发货",
    SELLER_CONSIGNED_PART: "卖家部分发货",  # sandbox assumption: no capture of the partial text
    WAIT_BUYER_CONFIRM_GOODS: "商家已发货，等待买家确认",
    TRADE_FINISHED: "交易成功",
    TRADE_CLOSED: "交易关闭",
    PAID_FORBID_CONSIGN: "买家已付款，拼团中",
    PAY_PENDING: "付款确认中",
    WAIT_PRE_AUTH_CONFIRM: "0元购合约中",
    TRADE_NO_CREATE_PAY: "未创建支付宝交易",
}
UNSHIPPED = (WAIT_SELLER_SEND_GOODS, SELLER_CONSIGNED_PART)
TAOBAO_FAMILY = ("taobao", "tmall", "taote")
CONSIGN_HOURS = 48  # 发货时限 after payment
AUTO_CONFIRM_DAYS = 10


class ConsignError(Exception):
    """Shown to the seller as is (Chinese)."""


def place_order(shop: Shop, at: datetime, rnd: random.Random, *, paid: bool = True,
                lines: list[tuple[Sku, int]] | None = None, message: str | None = None,
                multi: bool | None = None, listings: list[tuple[Item, list[Sku]]] | None = None) -> Order:
    """A buyer orders from ``shop`` (and pays at ``at`` when ``paid``). ~20% of orders hold several items.

    ``lines`` fixes what is bought; otherwise it is picked from ``listings`` (default: the shop's).
    """
    if lines is None:
        lines = _pick_lines(shop, rnd, multi, listings)
    at = at.replace(microsecond=0)  # platform times have whole seconds
    receiver = people.receiver(rnd)
    created = at - timedelta(minutes=rnd.randint(1, 15)) if paid else at
    first_total = lines[0][0].price_fen * lines[0][1]
    discount = rnd.choice((0, 0, 0, 100, 200, 300)) if first_total > 1000 else 0
    return create_order(
        shop, lines, receiver, first_discount_fen=discount, buyer_nick=people.buyer_nick(rnd),
        buyer_uid=ids.user_id(), status=WAIT_SELLER_SEND_GOODS if paid else WAIT_BUYER_PAY, created_at=created,
        paid_at=at if paid else None, consign_deadline=at + timedelta(hours=CONSIGN_HOURS) if paid else None,
        buyer_message=people.buyer_message(rnd) if message is None else message)


def create_order(shop: Shop, lines: list[tuple[Sku, int]], receiver: people.Receiver, *, tid: str | None = None,
                 first_discount_fen: int = 0, unit_prices: list[int] | None = None, **fields: object) -> Order:
    """An order with its sub-orders (shop orders and purchases alike); ``fields`` are Order columns.
    ``unit_prices`` overrides the SKU prices (拼多多 拼单 price)."""
    order = Order.create(
        tid=tid or ids.trade_id(), shop=shop, receiver_name=receiver.name, receiver_mobile=receiver.mobile,
        receiver_province=receiver.province, receiver_city=receiver.city, receiver_district=receiver.district,
        receiver_town=receiver.town, receiver_address=receiver.address, receiver_zip=receiver.zip,
        logistics_order_id=ids.logistics_order_id(), **fields)
    for index, (sku, quantity) in enumerate(lines):
        item = sku.item
        OrderItem.create(
            # A single-item order's sub-order id equals the order id, as on Taobao.
            oid=order.tid if len(lines) == 1 else ids.sub_order_id(), order=order, item=item, sku=sku,
            title=item.title, sku_text=sku.props, outer_id=item.outer_id, pic=item.pic, item_url=item.url,
            price_fen=unit_prices[index] if unit_prices else sku.price_fen, quantity=quantity,
            discount_fen=first_discount_fen if index == 0 else 0)
    return order


_catalogues: WeakKeyDictionary = WeakKeyDictionary()  # database -> {shop id: listings}


def catalogue(shop: Shop) -> list[tuple[Item, list[Sku]]]:
    """The shop's listings with their SKUs. A shop's listings never change once stocked, so they
    are loaded once per database and reused for every order the simulation places."""
    cache = _catalogues.setdefault(current_database(), {})
    if shop.id not in cache:
        cache[shop.id] = _load_catalogue(shop)
    return cache[shop.id]


def _load_catalogue(shop: Shop) -> list[tuple[Item, list[Sku]]]:
    items = list(Item.select(Item, Shop).join(Shop).where(Item.shop == shop).order_by(Item.id))
    skus: dict[int, list[Sku]] = {}
    for sku in Sku.select().where(Sku.item.in_([i.id for i in items])).order_by(Sku.id):
        skus.setdefault(sku.item_id, []).append(sku)
    for item in items:
        for sku in skus.get(item.id, []):
            sku.item = item
    return [(item, skus.get(item.id, [])) for item in items]


def _pick_lines(shop: Shop, rnd: random.Random, multi: bool | None,
                listings: list[tuple[Item, list[Sku]]] | None) -> list[tuple[Sku, int]]:
    listings = listings if listings is not None else catalogue(shop)
    if not listings:
        raise ValueError(f"店铺 {shop.name} 没有上架商品")
    if multi is None:
        multi = rnd.random() < 0.2
    count = min(len(listings), rnd.choice((2, 2, 3)) if multi else 1)
    return [(rnd.choice(skus), 1 if rnd.random() < 0.85 else rnd.randint(2, 3))
            for _, skus in rnd.sample(listings, count)]


def pay(order: Order, at: datetime) -> None:
    order.status, order.paid_at = WAIT_SELLER_SEND_GOODS, at
    order.consign_deadline = at + timedelta(hours=CONSIGN_HOURS)
    order.save()


def paid_fen(order: Order) -> int:
    return sum(i.total_fen for i in order.items) + order.post_fee_fen + order.insurance_fen + order.card_fen


def is_purchase(order: Order) -> bool:
    """One of our purchase accounts bought it (from a supplier): no simulated buyer acts on it."""
    return order.buyer_account_id is not None


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def refunded(item: OrderItem) -> bool:
    return Dispute.select().where((Dispute.order_item == item) & (Dispute.status == 5)
                                  & (Dispute.kind != "complaint")).exists()


def tracking_used(number: str) -> bool:
    """Already on an order of a shop backend. A supplier's number does not count: dropshipping
    ships the shop order with the very number the supplier used."""
    return (Shipment.select().join(Order).join(Shop)
            .where((Shipment.tracking_no == number.upper()) & (Shop.kind == "seller")).exists())


def consign(order: Order, at: datetime, *, courier_code: str = "", tracking_no: str = "",
            oids: list[str] | None = None, dummy: bool = False) -> Shipment:
    """Ship all unshipped sub-orders, or only ``oids`` (拆单). Raises ConsignError with the platform's text."""
    if order.status not in UNSHIPPED:
        raise ConsignError("当前订单状态不能发货")
    pending = [i for i in order.items if i.shipment is None and not refunded(i)]
    if oids:
        chosen = [i for i in pending if i.oid in set(oids)]
        if len(chosen) != len(set(oids)):
            raise ConsignError("子订单不存在或已发货")
    else:
        chosen = pending
    if not chosen:
        raise ConsignError("没有需要发货的子订单")
    tracking_no = tracking_no.strip().upper()
    if not dummy:
        courier = BY_CODE.get(courier_code)
        if courier is None or (order.shop.platform in TAOBAO_FAMILY and not courier.on_taobao):
            raise ConsignError("请选择物流公司")
        if not courier.accepts(tracking_no) or tracking_used(tracking_no):
            raise ConsignError("运单号不符合规则或已经被使用")
    shipment = Shipment.create(order=order, courier_code="" if dummy else courier_code,
                               tracking_no="" if dummy else tracking_no, dummy=dummy, created_at=at)
    OrderItem.update(shipment=shipment).where(OrderItem.id.in_([i.id for i in chosen])).execute()
    refresh_status(order, at)
    return shipment


def refresh_status(order: Order, at: datetime) -> None:
    """Derive the trade status after a shipment or a refund changed the sub-orders."""
    order = Order.get_by_id(order.id)
    active = [i for i in order.items if not refunded(i)]
    if not active:
        order.status = TRADE_CLOSED
    elif order.status in UNSHIPPED:
        shipped = [i for i in active if i.shipment is not None]
        if len(shipped) == len(active):
            order.status, order.shipped_at = WAIT_BUYER_CONFIRM_GOODS, at
            if not is_purchase(order):
                events.schedule("buyer_follow_up", at + timedelta(days=3), tid=order.tid)
            events.schedule("auto_confirm", at + timedelta(days=AUTO_CONFIRM_DAYS), tid=order.tid)
        elif shipped:
            order.status = SELLER_CONSIGNED_PART
    order.save()


def confirm_receipt(order: Order, at: datetime) -> bool:
    """The buyer confirms (or the platform auto-confirms); not while a refund is open."""
    if order.status != WAIT_BUYER_CONFIRM_GOODS:
        return False
    if Dispute.select().where((Dispute.order == order) & Dispute.status.in_((1, 2, 3, 6))).exists():
        return False
    order.status, order.finished_at = TRADE_FINISHED, at
    order.save()
    return True


def masked_address(order: Order) -> str:
    """What the seller sees before decrypting: 张**，138****1234，浙江省 杭州市 西湖区 ****，310000."""
    return (f"{people.mask_name(order.receiver_name)}，{people.mask_mobile(order.receiver_mobile)}，"
            f"{order.receiver_province} {order.receiver_city} {order.receiver_district} ****，{order.receiver_zip}")


def full_address(order: Order) -> str:
    """The receiver as the buyer's own pages show it (张三，13812341234，浙江省 杭州市 西湖区 … ，310000)."""
    return (f"{order.receiver_name}，{order.receiver_mobile}，{order.receiver_province} {order.receiver_city} "
            f"{order.receiver_district} {order.receiver_town} {order.receiver_address}，{order.receiver_zip}")


def receiver_of(order: Order) -> people.Receiver:
    return people.Receiver(order.receiver_name, order.receiver_mobile, order.receiver_province, order.receiver_city,
                           order.receiver_district, order.receiver_town, order.receiver_address, order.receiver_zip)


def receiver_dict(order: Order) -> dict[str, str]:
    return {"name": order.receiver_name, "mobile": order.receiver_mobile, "province": order.receiver_province,
            "city": order.receiver_city, "district": order.receiver_district, "town": order.receiver_town,
            "address": order.receiver_address, "zip": order.receiver_zip}
