"""Finding the order we created by diffing: exactly one new match, or park it — never "the latest"."""
from datetime import datetime, timedelta

import pytest

from dropship.platforms.base import SupplierLine, SupplierOrder
from dropship.services.purchasing import matching
from dropship.services.purchasing.states import TRANSITIONS

T0 = datetime(2026, 11, 20, 12, 0, 0)
WANT = matching.Want("612345678901", "5001", 2)
WITHIN = matching.window(T0, T0 + timedelta(minutes=1))


def order(order_id: str, minutes: float = 0.5, item_id: str = "612345678901", sku_id: str = "5001",
          quantity: int = 2, status: str = "unpaid") -> SupplierOrder:
    return SupplierOrder(order_id=order_id, created_at=T0 + timedelta(minutes=minutes), status=status, amount=1500,
                         lines=(SupplierLine(item_id=item_id, sku_id=sku_id, quantity=quantity),))


def test_the_one_new_matching_order_is_found():
    result = matching.find_new_order({"A", "B"}, [order("A"), order("B"), order("C")], WANT, WITHIN)
    assert result == matching.Found(order("C"))


def test_an_order_listed_twice_across_pages_is_one_order():
    assert isinstance(matching.find_new_order(set(), [order("C"), order("C")], WANT, WITHIN), matching.Found)


def test_an_order_paid_just_before_the_submit_is_in_the_snapshot_and_not_new():
    # the snapshot holds every order since the window's start, not only unpaid ones
    earlier = order("A", minutes=-1, status="paid")
    assert matching.find_new_order({"A"}, [earlier, order("C")], WANT, WITHIN) == matching.Found(order("C"))


@pytest.mark.parametrize("other", [
    order("X", item_id="999"),  # another item
    order("X", sku_id="5002"),  # another SKU
    order("X", quantity=1),  # another quantity
    order("X", minutes=-10),  # created long before the submit
    order("X", minutes=30),  # created long after
])
def test_a_new_order_of_something_else_is_not_ours(other):
    result = matching.find_new_order(set(), [other], WANT, WITHIN)
    assert isinstance(result, matching.Park) and "没有找到新的采购订单" in result.reason


def test_no_new_order_parks_it():
    result = matching.find_new_order({"A"}, [order("A")], WANT, WITHIN)
    assert isinstance(result, matching.Park) and "新订单 0 个" in result.reason


def test_two_new_matches_park_it_and_never_take_the_latest():
    result = matching.find_new_order(set(), [order("C", minutes=0.2), order("D", minutes=0.9)], WANT, WITHIN)
    assert isinstance(result, matching.Park)
    assert "2 个" in result.reason and "C" in result.reason and "D" in result.reason


def test_a_list_without_sku_ids_matches_on_item_quantity_and_window():
    assert isinstance(matching.find_new_order(set(), [order("C", sku_id="")], WANT, WITHIN), matching.Found)


def test_every_state_has_a_recovery_rule_and_submitted_never_submits_again():
    assert set(matching.RECOVERY) == set(TRANSITIONS)
    assert matching.recovery_action("submitted") == "rediff"
    assert matching.recovery_action("preparing") == "restart"
    assert {matching.recovery_action(s) for s in ("unpaid", "paying")} == {"reread"}


def test_rediff_after_a_crash_uses_the_saved_snapshot():
    after = [order("A"), order("C")]
    assert matching.rediff(["A"], after, WANT, T0, T0 + timedelta(minutes=1)) == matching.Found(order("C"))
    assert isinstance(matching.rediff(["A", "C"], after, WANT, T0, T0 + timedelta(minutes=1)), matching.Park)


def test_rediff_without_a_snapshot_parks_it():
    result = matching.rediff(None, [order("C")], WANT, T0, T0)
    assert isinstance(result, matching.Park) and "快照" in result.reason
