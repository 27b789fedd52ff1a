"""Guards before paying: 亏钱, 最高采购价, 每日采购额, 地址未解密, 收货信息不一致 — each refuses with its reason."""
from dataclasses import replace

import pytest

from dropship.platforms.base import Receiver
from dropship.services.purchase_settings import GuardSettings
from dropship.services.purchasing.guards import (
    GuardFacts,
    abnormal_mark,
    check,
    may_pay,
    receiver_differences,
)

BUYER = Receiver(name="张具红", phone="15054852124", province="甘肃省", city="兰州市", district="城关区",
                 town="皋兰路街道", address="皋兰路12号3栋502")
FACTS = GuardFacts(paid=2590, quote=1500, spent_today=0, address_decrypted=True, expected=BUYER, readback=BUYER)
LOOSE = GuardSettings()


def codes(facts=FACTS, settings=LOOSE):
    return [r.code for r in check(facts, settings)]


def test_a_profitable_purchase_with_the_right_receiver_passes():
    assert check(FACTS, GuardSettings(profit_floor=500, max_price=2000, daily_cap=10000)) == []


def test_losing_money_is_refused_below_the_profit_floor_and_allowed_at_it():
    assert codes(replace(FACTS, quote=2591)) == ["loss"]
    assert codes(replace(FACTS, quote=2090), GuardSettings(profit_floor=500)) == []
    refusal = check(replace(FACTS, quote=2091), GuardSettings(profit_floor=500))[0]
    assert refusal.reason == "亏钱：实收金额 25.90 − 采购金额 20.91 = 4.99，低于最低利润 5.00"


def test_a_negative_floor_accepts_a_small_loss():
    assert codes(replace(FACTS, quote=2690), GuardSettings(profit_floor=-100)) == []
    assert codes(replace(FACTS, quote=2691), GuardSettings(profit_floor=-100)) == ["loss"]


def test_the_maximum_purchase_price_refuses_above_it_and_zero_means_no_limit():
    assert codes(settings=GuardSettings(max_price=1499)) == ["max_price"]
    assert codes(settings=GuardSettings(max_price=1500)) == []
    assert codes(replace(FACTS, paid=99999, quote=90000), GuardSettings(max_price=0)) == []


def test_the_daily_cap_counts_what_the_account_spent_today():
    assert codes(replace(FACTS, spent_today=8500), GuardSettings(daily_cap=10000)) == []
    refusals = check(replace(FACTS, spent_today=8501), GuardSettings(daily_cap=10000))
    assert [r.code for r in refusals] == ["daily_cap"]
    assert refusals[0].reason == "超过账号每日采购额：今日已采购 85.01，加上本单 15.00 超过 100.00"


def test_a_masked_address_is_refused_before_any_comparison():
    assert codes(replace(FACTS, address_decrypted=False)) == ["address"]


def test_an_unreadable_checkout_receiver_is_refused():
    assert codes(replace(FACTS, readback=None)) == ["receiver"]


@pytest.mark.parametrize("shown", [
    Receiver(name=" 张具红 ", phone="150 5485 2124", province="甘肃省", city="兰州市", district="城关区",
             town="皋兰路街道", address="皋兰路 12 号 3 栋 502"),
    replace(BUYER, phone="150****2124"),  # checkout pages mask the middle of the phone
    replace(BUYER, province="", city="", district="", town="", address="甘肃省兰州市城关区皋兰路街道皋兰路12号3栋502"),
    replace(BUYER, town="暂不选择"),  # the street picker had no such street
    replace(BUYER, address="皋兰路１２号３栋５０２"),  # full-width digits
])
def test_the_same_receiver_written_differently_is_the_same(shown):
    assert receiver_differences(BUYER, shown) == []


def test_municipality_placeholders_and_repeats_are_ignored():
    beijing = Receiver(name="李四", phone="13912345678", province="北京市", city="北京市", district="朝阳区",
                       address="建国路1号")
    assert receiver_differences(beijing, replace(beijing, city="市辖区")) == []


@pytest.mark.parametrize("shown,different", [
    (replace(BUYER, name="张具"), ["收货人"]),
    (replace(BUYER, phone="15054852125"), ["手机号"]),
    (replace(BUYER, phone="150****2125"), ["手机号"]),
    (replace(BUYER, phone="1505485212"), ["手机号"]),
    (replace(BUYER, address="皋兰路12号3栋503"), ["收货地址"]),
    (replace(BUYER, district="七里河区"), ["收货地址"]),
    (replace(BUYER, town="酒泉路街道"), ["收货地址"]),
    (replace(BUYER, name="王五", address="别处1号"), ["收货人", "收货地址"]),
])
def test_any_real_difference_stops_the_purchase(shown, different):
    assert receiver_differences(BUYER, shown) == different
    refusal = check(replace(FACTS, readback=shown), LOOSE)
    assert [r.code for r in refusal] == ["receiver"]
    assert refusal[0].reason.startswith("收货信息不一致（采购中提示收货地址与买家收货信息不一致）")


def test_several_refusals_are_all_reported_and_loss_marks_the_order_as_losing():
    refusals = check(replace(FACTS, quote=3000, spent_today=9000), GuardSettings(max_price=2000, daily_cap=10000))
    assert [r.code for r in refusals] == ["loss", "max_price", "daily_cap"]
    code, note = abnormal_mark(refusals)
    assert code == "loss" and note.count("；") == 2
    assert abnormal_mark(check(replace(FACTS, readback=None), LOOSE))[0] == "refused"


def test_payment_is_automatic_only_when_switched_on_and_nothing_refused():
    assert may_pay([], GuardSettings(auto_pay=True))
    assert not may_pay([], GuardSettings(auto_pay=False))
    assert not may_pay(check(replace(FACTS, quote=9999), LOOSE), GuardSettings(auto_pay=True))
