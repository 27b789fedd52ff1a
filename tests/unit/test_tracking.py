"""物流状态 (在途 / 已签收 / 异常) from the supplier order, and the 物流异常 filter's rule in SQL."""
from datetime import datetime, timedelta

import pytest

from dropship.models import Order, Purchase
from dropship.platforms.base import SupplierOrder, TraceStep
from dropship.platforms.taobao_buyer import parse_trace
from dropship.services.orders.queries import order_ids
from dropship.services.orders.search import parse_filter
from dropship.services.orders.tabs import TabContext
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from dropship.services.tracking import abnormal_condition, classify, record_tracking
from tests.orders_factory import buy, make_order, make_shop, orders_app, orders_db  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
T0 = datetime(2026, 11, 20, 8, 0)


def steps(*texts: str) -> tuple[TraceStep, ...]:
    return tuple(TraceStep(T0 + timedelta(hours=i), text) for i, text in enumerate(texts))


def test_classify_reads_the_latest_step_and_the_status():
    assert classify("shipped", ()) == ("in_transit", None)
    assert classify("received", ()) == ("signed", None)
    assert classify("shipped", steps("已揽收", "【杭州市】已到达 杭州转运中心")) == ("in_transit", T0 + timedelta(hours=1))
    assert classify("shipped", steps("已揽收", "您的快件已签收，签收人：本人签收")) == ("signed", T0 + timedelta(hours=1))
    assert classify("shipped", steps("已揽收", "快件异常：收件人拒收，正在退回")) == ("exception", T0 + timedelta(hours=1))
    # the steps may come newest first (as the real pages list them): the latest by time counts
    assert classify("shipped", tuple(reversed(steps("派件中", "疑难件：地址不详"))))[0] == "exception"


def test_parse_trace_of_transit_step():
    body = ('{"isSuccess":"true","expressName":"中通快递","expressId":"73123456789012","address":['
            '{"place":"已签收","time":"2026-11-21 10:00:00"},{"place":"已揽收","time":"2026-11-20 08:00:00"},'
            '{"place":"没有时间"}]}')
    assert parse_trace(body) == (TraceStep(datetime(2026, 11, 20, 8), "已揽收"), TraceStep(datetime(2026, 11, 21, 10), "已签收"))
    assert parse_trace('{"isSuccess":"false"}') == ()


def _bought(days_ago: float, number: str = "", **fields) -> Purchase:
    order = make_order(make_shop(f"店{days_ago}{number}"))
    return buy(order, state="paid", tracking_number=number, purchased_at=datetime.now() - timedelta(days=days_ago),
               **fields)


def test_record_tracking_stores_state_arrival_and_movement():
    purchase = _bought(1, "73123456789012")
    order = SupplierOrder("1", T0, "shipped", 100, tracking_number="73123456789012", trace=steps("已揽收"))
    assert record_tracking(purchase, order, now=T0 + timedelta(hours=2)) is True
    stored = Purchase.get_by_id(purchase.id)
    assert (stored.tracking_state, stored.tracking_at, stored.tracking_moved_at) == ("in_transit", T0 + timedelta(hours=2), T0)
    assert record_tracking(stored, order, now=T0 + timedelta(hours=3)) is False  # nothing new: nothing written
    nothing = _bought(1)
    assert record_tracking(nothing, SupplierOrder("2", T0, "paid", 100)) is False  # no number yet


def abnormal(now: datetime, days: int = 3, hours: int = 72) -> set[int]:
    return {o.id for o in Order.select().where(abnormal_condition(now, days, hours))}


def test_abnormal_rule_late_stuck_trouble():
    now = datetime.now()
    late = _bought(4)  # bought 4 days ago, still no number
    fresh = _bought(1)  # bought yesterday, no number yet: not late
    stuck = _bought(5, "73123456789011", tracking_state="in_transit", tracking_at=now - timedelta(days=4),
                    tracking_moved_at=now - timedelta(hours=80))
    moving = _bought(5, "73123456789012", tracking_state="in_transit", tracking_at=now - timedelta(days=4),
                     tracking_moved_at=now - timedelta(hours=5))
    signed = _bought(9, "73123456789013", tracking_state="signed", tracking_at=now - timedelta(days=8),
                     tracking_moved_at=now - timedelta(days=6))
    trouble = _bought(1, "73123456789014", tracking_state="exception", tracking_at=now - timedelta(hours=3),
                      tracking_moved_at=now - timedelta(hours=1))
    cancelled = _bought(10, status="cancelled")
    unmoved = _bought(5, "73123456789015", tracking_at=now - timedelta(hours=100))  # number, never a trace
    found = abnormal(now)
    assert found == {late.order_id, stuck.order_id, trouble.order_id, unmoved.order_id}
    assert not found & {fresh.order_id, moving.order_id, signed.order_id, cancelled.order_id}
    # the settings decide: 5 days and 100+ hours leave only the parcel in trouble and the 5-day-old one
    assert abnormal(now, days=5, hours=101) == {trouble.order_id}
    # a closed order is not 物流异常 whatever its purchase says
    Order.update(status="closed").where(Order.id == late.order_id).execute()
    assert late.order_id not in abnormal(now)


def test_filter_pages_in_sql_and_follows_the_settings():
    late = _bought(4)
    fresh = _bought(2)
    args = {"created_from": "", "logistics": "abnormal"}
    search = parse_filter(args, Scope.everything())
    ctx = TabContext(datetime.now(), 6)

    def ids():
        return {i for (i,) in order_ids(search, ctx, Scope.everything()).tuples()}
    assert ids() == {late.order_id}
    set_setting("logistics.no_tracking_days", "1")
    assert ids() == {late.order_id, fresh.order_id}
    with pytest.raises(Exception, match="物流状态只能选择"):
        parse_filter({"logistics": "lost"}, Scope.everything())
