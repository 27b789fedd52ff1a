"""services.disputes: storing the shop's 售后 list (idempotent, news turns red again, the order roll-up
follows), which purchase a case is about, and the daily total the cap counts."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from dropship.models import AftersaleLog, Dispute
from dropship.platforms.base import RemoteDispute
from dropship.services import disputes
from dropship.services.aftersales import Action, RuleSettings, colour
from dropship.services.scope import Scope
from tests.orders_factory import NOW, buy, make_account, make_order, make_shop, orders_app, orders_db, reload  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")


def remote(order, status: str = "pending", kind: str = "refund_only") -> RemoteDispute:
    item = order.items[0]
    return RemoteDispute(dispute_id="2002000000000000001", tid=order.tid, oid=item.oid, kind=kind, status=status,
                         status_text="", amount=item.paid_amount, reason="不想要了", created_at=NOW, updated_at=NOW)


def test_upsert_is_idempotent_and_a_status_change_is_news_again():
    shop = make_shop()
    order = make_order(shop)
    case = remote(order)
    assert disputes.upsert_disputes(shop, [case, case]) == 1
    assert disputes.upsert_disputes(shop, [case]) == 0
    row = Dispute.get()
    assert (row.order_id, colour(row)) == (order.id, "red")
    assert reload(order).refund_state == "refunding"
    disputes.mark_viewed(row)
    assert colour(Dispute.get()) == "yellow"
    disputes.upsert_disputes(shop, [case])  # nothing new: stays yellow
    assert colour(Dispute.get()) == "yellow"
    disputes.upsert_disputes(shop, [replace(case, status="wait_seller_receive")])
    assert colour(Dispute.get()) == "red"
    disputes.upsert_disputes(shop, [replace(case, status="success")])
    assert colour(Dispute.get()) == "" and reload(order).refund_state == "refunded"


def test_a_complaint_leaves_the_order_alone_and_counts_in_its_tab():
    shop = make_shop()
    order = make_order(shop)
    disputes.upsert_disputes(shop, [remote(order, kind="complaint")])
    assert reload(order).refund_state == ""
    assert disputes.tab_counts(Scope.everything()) == {"refund_only": 0, "return_refund": 0, "refunded": 0,
                                                       "complaint": 1}


def test_the_case_is_about_the_active_purchase_of_its_sub_order():
    shop = make_shop()
    order = make_order(shop, items=2)
    old = buy(order, (0,), active=False, state="cancelled", status="cancelled")
    assert disputes.purchase_of(Dispute.create(shop=shop, order=order, dispute_id="1", tid=order.tid,
                                               oid=order.items[0].oid, kind="refund_only", status="pending",
                                               created_at=NOW, updated_at=NOW)).id == old.id
    current = buy(order, (0,), account=make_account())
    buy(order, (1,))  # another sub-order's purchase is not this case's
    assert disputes.purchase_of(Dispute.get(Dispute.dispute_id == "1")).id == current.id


def test_agreed_today_counts_successful_agrees_of_the_shop_and_day_only():
    shop, other = make_shop(), make_shop("别家")
    disputes.upsert_disputes(shop, [remote(make_order(shop))])
    case = Dispute.get()
    today = datetime(2026, 11, 20, 9, 0)
    disputes.log_action(case, Action(2, "agree", 1000), True, "ok", today)
    disputes.log_action(case, Action(2, "agree", 700), False, "超过上限", today)
    disputes.log_action(case, Action(2, "agree", 700), False, "超过上限", today)  # the same failure: once
    disputes.log_action(case, Action(2, "agree", 500), True, "ok", today - timedelta(days=1))
    AftersaleLog.create(shop=other, tid="x", rule=2, action="agree", amount=9999, ok=True, at=today)
    assert disputes.agreed_today(shop.id, today.date()) == 1000
    assert AftersaleLog.select().where(AftersaleLog.ok == False).count() == 1  # noqa: E712


def test_the_rules_look_at_open_cases_of_the_last_30_days_and_unapplied_refunded_ones():
    shop = make_shop()
    rules = RuleSettings(on=frozenset({1, 2}))
    fresh, old, refunded = (make_order(shop) for _ in range(3))
    buy(refunded, account=make_account(), state="paid")
    for order, status, opened in ((fresh, "pending", NOW), (old, "pending", NOW - timedelta(days=31)),
                                  (refunded, "success", NOW)):
        disputes.upsert_disputes(shop, [replace(remote(order, status), dispute_id=order.tid, created_at=opened)])
    due = disputes.due_cases([shop.id], rules, NOW + timedelta(minutes=1))
    assert {(case.dispute.tid, tuple(a.rule for a in actions)) for case, actions in due} == {
        (fresh.tid, (2,)), (refunded.tid, (1,))}
