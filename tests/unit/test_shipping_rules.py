"""Automatic shipping rules (manual: 发货物流 / 发货方式): the full decision table of choose_shipment,
the Shipment rows plan_shipments writes from stored orders, and the failure texts."""
import itertools

import pytest

from dropship.models import OrderItem, Shipment
from dropship.services.purchase_settings import ShippingSettings
from dropship.services.shipping import (
    BAD_NUMBER,
    NO_PERMISSION,
    USED_NUMBER,
    ItemFacts,
    PurchaseFacts,
    choose_shipment,
    classify_failure,
    plan_shipments,
    retry_delay,
)
from tests.orders_factory import buy, make_order, make_shop, orders_app, orders_db, refund  # noqa: F401

N1, N2, N3 = "4312345678901234", "7312345678901234", "YT1234567890123"

# One order of three sub-orders. A is bought and its supplier shipped (number N1, courier under test);
# B is bought but not shipped yet, or (partly purchased) not bought at all; C is bought and shipped
# (N3) but, in the refunded cases, refunded by the buyer.
CASES = list(itertools.product((True, False), (True, False), ("split", "whole"), (True, False), (True, False)))


def _case(excluded: bool, dual: bool, mode: str, partial: bool, refunded: bool):
    settings = ShippingSettings(excluded=("YUNDA",) if excluded else (), dual_logistics=dual, multi_item=mode)
    items = [ItemFacts("A"), ItemFacts("B"), ItemFacts("C", "refunded" if refunded else "")]
    purchases = [PurchaseFacts(("A",), "YUNDA", N1, 1), PurchaseFacts(("C",), "YTO", N3, 3)]
    if not partial:
        purchases.append(PurchaseFacts(("B",), "", "", 2))
    return choose_shipment("paid", items, purchases, settings)


# What ships, by (拆包/整包, partly purchased, C refunded): (sub-orders, number) per consign, in order.
SHIPS = {
    ("split", False, False): [(("A",), N1), (("C",), N3)],
    ("split", False, True): [(("A",), N1)],
    ("split", True, False): [(("A",), N1), (("C",), N3)],
    ("split", True, True): [(("A",), N1)],
    ("whole", False, False): [(("A", "B", "C"), N1)],  # all bought: the whole order with the first number
    ("whole", False, True): [(("A", "B"), N1)],
    ("whole", True, False): [],  # B is not bought: 整包 waits
    ("whole", True, True): [],
}


@pytest.mark.parametrize("excluded,dual,mode,partial,refunded", CASES)
def test_the_decision_table(excluded, dual, mode, partial, refunded):
    decision = _case(excluded, dual, mode, partial, refunded)
    assert [(p.oids, p.tracking_number) for p in decision.plans] == SHIPS[(mode, partial, refunded)]
    # the route of A's 韵达 parcel: excluded → 双物流 when on, else a person; YTO (never excluded) → supplier
    yunda_route = ("dual" if dual else "manual") if excluded else "supplier"
    for plan in decision.plans:
        assert plan.route == (yunda_route if plan.tracking_number == N1 else "supplier")
        assert bool(plan.reason) == (plan.route == "manual")
        if plan.route == "manual":
            assert "韵达快递" in plan.reason and "需手动发货" in plan.reason
    assert all("C" not in p.oids for p in decision.plans) or not refunded  # a refunded sub-order never ships
    if mode == "whole" and partial:
        assert decision.waiting == "整包发货：还有 1 个子订单未采购"
    elif mode == "split":
        assert decision.waiting == "1 个子订单" + ("未采购" if partial else "等待上家发货")


def test_whole_ships_with_the_first_number_once_everything_is_bought():
    settings = ShippingSettings(multi_item="whole")
    items = [ItemFacts("A"), ItemFacts("B")]
    none_yet = [PurchaseFacts(("A",), "ZTO", "", 1), PurchaseFacts(("B",), "STO", "", 2)]
    assert choose_shipment("paid", items, none_yet, settings).waiting == "等待上家发货"
    both = [PurchaseFacts(("B",), "STO", N2, 2), PurchaseFacts(("A",), "ZTO", N1, 1)]
    (plan,) = choose_shipment("paid", items, both, settings).plans
    assert (plan.oids, plan.courier, plan.tracking_number) == (("A", "B"), "ZTO", N1)


def test_covered_items_unpaid_orders_and_unknown_couriers():
    settings = ShippingSettings()
    bought = [PurchaseFacts(("A",), "ZTO", N1, 1)]
    assert choose_shipment("paid", [ItemFacts("A", covered=True)], bought, settings).plans == ()
    assert choose_shipment("shipped", [ItemFacts("A")], bought, settings).waiting == "订单不是待发货状态"
    assert choose_shipment("paid", [ItemFacts("A", "refunding")], bought, settings).plans == ()
    assert choose_shipment("paid", [ItemFacts("A", "closed")], bought, settings).plans[0].route == "supplier"
    baitong = [PurchaseFacts(("A",), "百通快递", "26227801564", 1)]
    (manual,) = choose_shipment("paid", [ItemFacts("A")], baitong, settings).plans
    assert manual.route == "manual" and "百通快递" in manual.reason
    (dual,) = choose_shipment("paid", [ItemFacts("A")], baitong, ShippingSettings(dual_logistics=True)).plans
    assert dual.route == "dual"


def test_failures_are_specific_and_only_transient_ones_retry():
    platform = "运单号不符合规则或已经被使用"
    assert classify_failure(platform, "ZTO", "123").text == BAD_NUMBER
    assert classify_failure(platform, "ZTO", "73123456789012").text == USED_NUMBER
    assert not classify_failure(platform, "ZTO", "73123456789012").transient
    assert classify_failure("获取发货相关信息失败：您没有发货权限，请联系主账号", "ZTO", "x").text == NO_PERMISSION
    assert classify_failure("网络错误：Failed to fetch", "ZTO", "x").transient
    assert classify_failure("系统繁忙，请稍后再试", "ZTO", "x").transient
    assert [retry_delay(n) for n in range(1, 5)] == [60, 120, 240, None]


# -- stored orders --------------------------------------------------------------------------------

@pytest.fixture
def shipping(request):
    request.getfixturevalue("orders_db")
    return ShippingSettings(excluded=("YUNDA",))


def test_plan_writes_pending_rows_once_and_only_for_auto_ship_shops(shipping):
    shop = make_shop()
    order = make_order(shop, items=2)
    buy(order, (0,), courier="中通快递", tracking_number="73123456789012")
    buy(order, (1,), courier="韵达快递", tracking_number=N1)
    (pending,) = plan_shipments([order.id], shipping)
    assert (pending.courier, pending.tracking_number, pending.mode, pending.state) == (
        "ZTO", "73123456789012", "automatic", "pending")
    manual = Shipment.get((Shipment.order == order.id) & (Shipment.state == "manual"))
    assert manual.original_tracking_number == N1 and "需手动发货" in manual.error
    assert plan_shipments([order.id], shipping) == []  # the same sub-orders and number: never twice
    assert Shipment.select().where(Shipment.order == order.id).count() == 2

    off = make_shop("另一家")
    off.auto_ship = False
    off.save()
    other = make_order(off)
    buy(other, courier="中通快递", tracking_number="73123456789013")
    assert plan_shipments([other.id], shipping) == []


def test_plan_never_ships_a_refunded_sub_order(shipping):
    order = make_order(make_shop(), items=2)
    buy(order, courier="中通快递", tracking_number="73123456789012")
    refund(order, 1, "refunded")
    (pending,) = plan_shipments([order.id], shipping)
    first = OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.id).first()
    assert pending.oids == [first.oid]
