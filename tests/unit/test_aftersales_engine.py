"""自动售后's rule engine, pure: every rule, its delay, a case cancelled before the delay, a supplier that
already refunded, and the daily cap."""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from dropship.platforms.alibaba_buyer import AlibabaBuyer
from dropship.platforms.pdd_buyer import PddBuyer
from dropship.platforms.taobao_buyer import TaobaoBuyer
from dropship.services.aftersales import (
    SUPPLIER_REFUND_PLATFORMS,
    Action,
    RuleSettings,
    actions,
    automated_platforms,
    cap_allows,
    colour,
    supplier_side,
    todo,
    waits_on_supplier,
)

OPENED = datetime(2026, 11, 20, 10, 0)
ORDER = SimpleNamespace(id=1)


def case(kind: str = "refund_only", status: str = "pending", **fields) -> SimpleNamespace:
    values = {"kind": kind, "status": status, "amount": 2590, "created_at": OPENED, "removed": False,
              "return_tracking_number": "", "supplier_refund_id": "", "supplier_refund_kind": "",
              "supplier_refund_status": "", "supplier_return_number": "", "supplier_return_address": "",
              "viewed_at": None}
    return SimpleNamespace(**{**values, **fields})


def bought(state: str = "paid", status: str = "paid", tracking: str = "", **fields) -> SimpleNamespace:
    return SimpleNamespace(**{"state": state, "status": status, "tracking_number": tracking, "manual": False,
                              "account_id": 7, **fields})


def rules(*on: int, minutes: int = 30, agree: tuple[int, ...] = (), cap: int = 0) -> RuleSettings:
    return RuleSettings(on=frozenset(on), minutes=tuple((r, minutes) for r in (2, 3, 4, 5)),
                        agree=frozenset(agree), daily_cap=cap)


def at(minutes: int) -> datetime:
    return OPENED + timedelta(minutes=minutes)


ALL = rules(1, 2, 3, 4, 5, 6, 7, agree=(3, 4))


# -- rule 1: 仅退款成功，已采购 → 到上家申请退款 -------------------------------------------------------

def test_rule1_applies_at_the_supplier_once_the_refund_succeeded():
    assert actions(case(status="success"), ORDER, bought(), rules(1), at(0)) == [Action(1, "supplier_refund")]
    assert actions(case(status="success"), ORDER, bought(status="shipped"), rules(1), at(0)) == [
        Action(1, "supplier_refund")]


def test_rule1_does_nothing_when_off_applied_unbought_or_refunded():
    assert actions(case(status="success"), ORDER, bought(), rules(2, 3), at(0)) == []
    assert actions(case(status="success", supplier_refund_id="R1"), ORDER, bought(), rules(1), at(0)) == []
    assert actions(case(status="success"), ORDER, None, rules(1), at(0)) == []
    assert actions(case(status="success"), ORDER, bought(state="refunded", status="refunded"), rules(1), at(0)) == []


# -- rule 2: 仅退款，未采购 → N 分钟后同意 ------------------------------------------------------------------

def test_rule2_agrees_after_its_minutes_with_the_amount():
    assert actions(case(), ORDER, None, rules(2), at(29)) == []
    assert actions(case(), ORDER, None, rules(2), at(30)) == [Action(2, "agree", 2590)]


def test_rule2_counts_a_cancelled_purchase_as_not_bought_and_waits_for_one_under_way():
    assert actions(case(), ORDER, bought(state="cancelled", status="cancelled"), rules(2), at(60)) == [
        Action(2, "agree", 2590)]
    assert actions(case(), ORDER, bought(state="unpaid", status="unpaid"), rules(2), at(60)) == []


def test_rule2_zero_minutes_acts_at_once():
    assert actions(case(), ORDER, None, rules(2, minutes=0), at(0)) == [Action(2, "agree", 2590)]


@pytest.mark.parametrize("status", ["closed", "refused", "success"])
def test_a_case_cancelled_before_the_delay_proposes_nothing(status):
    for purchase in (None, bought(), bought(status="shipped")):
        assert actions(case(status=status), ORDER, purchase, rules(2, 3, 4), at(600)) == []


def test_an_order_not_fetched_yet_or_a_removed_case_or_a_complaint_proposes_nothing():
    assert actions(case(), None, None, ALL, at(600)) == []
    assert actions(case(removed=True), ORDER, None, ALL, at(600)) == []
    assert actions(case(kind="complaint"), ORDER, None, ALL, at(600)) == []


# -- rules 3 and 4: 已采购 未发货 / 已发货 → N 分钟后到上家申请仅退款 (+ 自动同意) ---------------------------

def test_rule3_applies_at_the_supplier_after_its_minutes_when_not_shipped():
    assert actions(case(), ORDER, bought(), rules(3), at(29)) == []
    assert actions(case(), ORDER, bought(), rules(3), at(30)) == [Action(3, "supplier_refund")]
    assert actions(case(), ORDER, bought(), rules(4), at(300)) == []  # rule 4 is for shipped ones


def test_rule4_applies_when_the_supplier_shipped_with_its_own_minutes():
    settings = RuleSettings(on=frozenset({3, 4}), minutes=((3, 5), (4, 90)))
    shipped = bought(status="shipped", tracking="YT1234567890")
    assert actions(case(), ORDER, shipped, settings, at(60)) == []
    assert actions(case(), ORDER, shipped, settings, at(90)) == [Action(4, "supplier_refund")]
    assert actions(case(), ORDER, bought(), settings, at(5)) == [Action(3, "supplier_refund")]


def test_rules3_4_apply_once():
    applied = case(supplier_refund_id="R9", supplier_refund_kind="refund_only", supplier_refund_status="pending")
    assert actions(applied, ORDER, bought(), ALL, at(600)) == []


@pytest.mark.parametrize("purchase,rule", [(bought(state="refunded", status="refunded"), 3),
                                           (bought(state="refunded", status="refunded", tracking="YT1"), 4)])
def test_supplier_already_refunded_agrees_only_with_the_ticked_agree(purchase, rule):
    assert actions(case(), ORDER, purchase, rules(3, 4, agree=(3, 4)), at(0)) == [Action(rule, "agree", 2590)]
    assert actions(case(), ORDER, purchase, rules(3, 4), at(600)) == []  # 未勾选: a person decides
    # and never applies a second time at the supplier
    assert all(a.kind == "agree" for a in actions(case(), ORDER, purchase, ALL, at(600)))


def test_supplier_refund_success_read_on_the_case_counts_as_refunded():
    done = case(supplier_refund_id="R9", supplier_refund_kind="refund_only", supplier_refund_status="success")
    assert actions(done, ORDER, bought(), rules(3, agree=(3,)), at(1)) == [Action(3, "agree", 2590)]


def test_manual_purchases_are_left_to_a_person():
    manual = bought(state="recorded", manual=True, account_id=None)
    assert supplier_side(manual, case()) == "manual"
    assert actions(case(), ORDER, manual, ALL, at(600)) == []


# -- rules 5–7: 退货退款 -------------------------------------------------------------------------------

def test_rule5_applies_a_return_at_the_supplier_after_its_minutes():
    assert actions(case("return_refund"), ORDER, bought(status="shipped"), rules(5), at(29)) == []
    assert actions(case("return_refund"), ORDER, bought(status="shipped"), rules(5), at(30)) == [
        Action(5, "supplier_return")]
    assert actions(case("return_refund", status="closed"), ORDER, bought(), rules(5), at(600)) == []


def test_rule5_leaves_a_to_do_for_the_return_address():
    waiting = case("return_refund", supplier_refund_id="R1", supplier_refund_kind="return_refund",
                   supplier_refund_status="wait_buyer_return", supplier_return_address="浙江省杭州市 上家仓库")
    assert "填写上家退货地址" in todo(waiting) and "上家仓库" in todo(waiting)
    assert todo(case("return_refund")) == ""
    assert todo(case("return_refund", status="wait_buyer_return", supplier_refund_kind="return_refund",
                     supplier_refund_status="wait_buyer_return")) == ""


def test_rule6_fills_the_buyers_return_number_once():
    sent = case("return_refund", status="wait_seller_receive", return_tracking_number="SF1234567890",
                supplier_refund_id="R1", supplier_refund_kind="return_refund",
                supplier_refund_status="wait_buyer_return")
    assert actions(sent, ORDER, bought(status="shipped"), rules(6), at(0)) == [Action(6, "fill_return")]
    sent.supplier_return_number = "SF1234567890"
    assert actions(sent, ORDER, bought(status="shipped"), rules(6), at(0)) == []
    not_yet = case("return_refund", status="wait_buyer_return", supplier_refund_id="R1",
                   supplier_refund_kind="return_refund", supplier_refund_status="wait_buyer_return")
    assert actions(not_yet, ORDER, bought(), rules(6), at(0)) == []


def test_rule7_agrees_once_the_supplier_refunded_the_return():
    received = case("return_refund", status="wait_seller_receive", supplier_refund_id="R1",
                    supplier_refund_kind="return_refund", supplier_refund_status="success")
    assert actions(received, ORDER, bought(status="shipped"), rules(7), at(0)) == [Action(7, "agree", 2590)]
    assert actions(received, ORDER, bought(status="shipped"), rules(5, 6), at(0)) == []
    received.status = "success"
    assert actions(received, ORDER, bought(status="shipped"), rules(7), at(0)) == []


# -- guard, colours, platforms -----------------------------------------------------------------------

def test_the_daily_cap_counts_what_was_agreed_today():
    assert cap_allows(0, 50000, 50000)
    assert not cap_allows(30000, 20001, 50000)
    assert cap_allows(10**9, 10**9, 0)  # 0 = 不限


def test_colours_red_until_viewed_then_yellow_and_none_once_handled():
    assert colour(case()) == "red"
    assert colour(case(viewed_at=OPENED)) == "yellow"
    assert colour(case(status="success")) == "" == colour(case(status="closed", viewed_at=None))


def _implements_refunds(driver: type) -> bool:
    return all(name in vars(driver) for name in ("apply_refund", "refunds", "fill_return"))


def test_the_automated_platforms_are_the_drivers_that_implement_supplier_refunds():
    drivers = {"taobao": TaobaoBuyer, "tmall": TaobaoBuyer, "taote": TaobaoBuyer, "alibaba1688": AlibabaBuyer,
               "pdd": PddBuyer}
    assert set(SUPPLIER_REFUND_PLATFORMS) == {p for p, d in drivers.items() if _implements_refunds(d)}
    assert automated_platforms(2) is None  # acts at the shop only: any purchase platform
    assert automated_platforms(3) == SUPPLIER_REFUND_PLATFORMS


def test_open_applications_wait_on_the_supplier_only_for_rules_that_need_its_answer():
    applied = case(supplier_refund_id="R1", supplier_refund_kind="refund_only", supplier_refund_status="pending")
    assert waits_on_supplier(applied, rules(3, agree=(3,)))
    assert not waits_on_supplier(applied, rules(3))  # 未勾选自动同意: a person decides anyway
    assert not waits_on_supplier(case(), rules(3, agree=(3,)))  # nothing applied
    assert not waits_on_supplier(case(status="closed", supplier_refund_id="R1"), rules(3, agree=(3,)))
    returned = case("return_refund", supplier_refund_id="R2", supplier_refund_status="wait_buyer_return")
    assert waits_on_supplier(returned, rules(6)) and not waits_on_supplier(returned, rules(5))
