"""Money: fen ⇄ yuan exactly, 订单利润, 利润率 per the 利润率计算 setting."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropship.errors import FieldError
from dropship.services.money import margin, parse_yuan, profit, yuan, yuan_number


@pytest.mark.parametrize("fen,text", [(0, "0.00"), (5, "0.05"), (1364, "13.64"), (-253, "-2.53"), (None, "0.00")])
def test_yuan(fen, text):
    assert yuan(fen) == text


@pytest.mark.parametrize("fen,number", [(1364, Decimal("13.64")), (1500, Decimal("15")), (-5, Decimal("-0.05")),
                                        (None, Decimal(0))])
def test_yuan_number_is_exact(fen, number):
    assert yuan_number(fen) == number


@pytest.mark.parametrize("text,fen", [("13.64", 1364), ("13.6", 1360), ("13", 1300), (" ￥1,013.05 ", 101305),
                                      ("¥0.01", 1), ("0", 0)])
def test_typed_yuan_becomes_fen(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.234", "1e3", "-3", "１３", "13.", ".5", "9" * 10, "NaN"])
def test_anything_else_is_refused_beside_its_field(text):
    with pytest.raises(FieldError, match="采购金额请填写元为单位的金额") as caught:
        parse_yuan(text, "purchase_amount", "采购金额")
    assert caught.value.field == "purchase_amount"


@given(st.integers(min_value=-999_999_999, max_value=999_999_999))
def test_fen_survive_the_round_trip_through_yuan_text(fen):
    assert parse_yuan(yuan(fen), allow_negative=True) == fen
    assert yuan_number(fen) == Decimal(yuan(fen))


def test_margin_follows_the_base_and_never_divides_by_zero():
    assert profit(1045, 792) == 253
    assert margin(2, 1, "purchase") == 100.0  # the manual's example: 0.02 − 0.01 = 0.01, 100%
    assert margin(1045, 792, "purchase") == 31.9
    assert margin(1045, 792, "paid") == 24.2
    assert margin(1000, 0, "purchase") is None
    assert margin(0, 500, "paid") is None
