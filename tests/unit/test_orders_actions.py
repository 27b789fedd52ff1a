"""忽略 / 标记, the order card view-model (a bounded number of queries), 批量同步's selection."""
from datetime import timedelta

import pytest

from dropship.db import db
from dropship.errors import FieldError
from dropship.models import Order
from dropship.platforms.base import Receiver
from dropship.services.orders.actions import mark_orders, parse_sync_selection, record_sync, set_ignored
from dropship.services.orders.cards import order_cards
from dropship.services.orders.queries import orders_by_ids, tab_counts
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TabContext
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from tests.orders_factory import (  # noqa: F401
    NOW,
    buy,
    make_account,
    make_order,
    make_shop,
    orders_app,
    orders_db,
    refund,
    reload,
    ship,
)

pytestmark = pytest.mark.usefixtures("orders_db")
CTX = TabContext(NOW, 6)
ALL = Scope.everything()


def test_ignore_moves_orders_to_the_ignored_view_and_back():
    shop = make_shop()
    a, b = make_order(shop), make_order(shop)
    assert set_ignored([a.id, b.id, a.id], True, ALL) == 2
    assert set_ignored([a.id], True, ALL) == 0  # already ignored: nothing to do
    assert tab_counts(OrderFilter(), CTX, ALL)["all"] == 0
    assert tab_counts(OrderFilter(show="ignored"), CTX, ALL)["all"] == 2
    assert set_ignored([b.id], False, ALL) == 1
    assert tab_counts(OrderFilter(), CTX, ALL)["all"] == 1


def test_selection_must_not_be_empty_or_huge():
    with pytest.raises(FieldError, match="请先勾选订单"):
        set_ignored([], True, ALL)
    with pytest.raises(FieldError, match="一次最多操作 500 个订单"):
        set_ignored(range(1, 502), True, ALL)


def test_mark_moves_orders_into_abnormal_and_normal_takes_them_out():
    order = make_order(make_shop())
    assert mark_orders([order.id], "no_source", " 上家下架 ", ALL) == 1
    marked = reload(order)
    assert (marked.abnormal, marked.mark_note) == ("no_source", "上家下架")
    assert tab_counts(OrderFilter(), CTX, ALL)["abnormal"] == 1
    mark_orders([order.id], "", "已找到新货源", ALL)
    cleared = reload(order)
    assert (cleared.abnormal, cleared.mark_note) == ("", "")
    assert tab_counts(OrderFilter(), CTX, ALL)["abnormal"] == 0


def test_bad_marks_change_nothing():
    order = make_order(make_shop(), abnormal="loss", mark_note="亏 3 元")
    with pytest.raises(FieldError, match="请选择标记类型") as caught:
        mark_orders([order.id], "broken", "", ALL)
    assert caught.value.field == "kind"
    with pytest.raises(FieldError, match="备注最多 300 个字，当前 301 个字"):
        mark_orders([order.id], "out_of_stock", "长" * 301, ALL)
    assert (reload(order).abnormal, reload(order).mark_note) == ("loss", "亏 3 元")


def _queries(fn):
    count = 0
    original = type(db.obj).execute_sql

    def counting(self, *args, **kwargs):
        nonlocal count
        count += 1
        return original(self, *args, **kwargs)

    type(db.obj).execute_sql = counting
    try:
        result = fn()
    finally:
        type(db.obj).execute_sql = original
    return result, count


def test_cards_cover_every_sub_order_in_a_bounded_number_of_queries():
    shop, account = make_shop(), make_account()
    orders = []
    for n in range(10):
        order = make_order(shop, items=1 + n % 3, paid=2590)
        if n % 2:
            buy(order, (0,), amount=1500, account=account, tracking_number="73123456789012", courier="ZTO")
            buy(order, (0,), amount=999, active=False)
        if n == 4:
            ship(order)
        orders.append(order)
    cards, queries = _queries(lambda: order_cards(orders_by_ids([o.id for o in orders])))
    assert queries <= 8  # orders + shops + items + purchases + accounts + lines + shipments + the margin setting
    assert [c.order.id for c in cards] == [o.id for o in orders]
    assert [len(c.lines) for c in cards] == [1 + n % 3 for n in range(10)]
    bought = cards[1]
    assert bought.purchased and bought.history == 1
    assert bought.lines[0].purchase.account.id == account.id and bought.lines[1].purchase is None
    assert (bought.profit, bought.margin) == (1090, 72.7)
    assert cards[4].shipped and not cards[2].shipped
    assert (cards[0].profit, cards[0].margin) == (0, None)  # nothing bought yet: as the manual shows 0.00


def test_card_labels_receiver_and_margin_setting():
    order = make_order(make_shop(), items=2, abnormal="out_of_stock")
    buy(order, amount=2000)
    refund(order, 1, "refunding")
    store_receiver(order, Receiver("李四", "13912345678", "浙江省", "杭州市", "西湖区", "", "文三路 1 号"))
    set_setting("profit.margin_base", "paid")
    card = order_cards(orders_by_ids([order.id]))[0]
    assert card.status_label == "买家已付款（退款中）"
    assert card.mark_label == "缺货"
    assert card.lines[1].refund_label == "退款中"
    assert card.decrypted and card.receiver.name == "李四"
    assert card.margin == 22.8  # (2590 − 2000) ÷ 2590


def test_masked_receiver_when_not_decrypted():
    card = order_cards(orders_by_ids([make_order(make_shop()).id]))[0]
    assert not card.decrypted and (card.receiver.name, card.receiver.phone) == ("张**", "138****1234")


# -- 批量同步 selection ------------------------------------------------------------------------------------

def test_sync_selection_needs_logged_in_shops_and_valid_conditions():
    ready, offline = make_shop("在线店"), make_shop("掉线店", login_state="expired")
    with pytest.raises(FieldError, match="请勾选要同步的店铺"):
        parse_sync_selection([], "all", "7", ALL)
    with pytest.raises(FieldError, match="只能同步已登录的店铺"):
        parse_sync_selection([str(ready.id), str(offline.id)], "all", "7", ALL)
    with pytest.raises(FieldError, match="店铺选择无效"):
        parse_sync_selection(["x"], "all", "7", ALL)
    with pytest.raises(FieldError, match="请选择要同步的订单分类"):
        parse_sync_selection([str(ready.id)], "abnormal", "7", ALL)
    with pytest.raises(FieldError, match="请选择成交时间范围"):
        parse_sync_selection([str(ready.id)], "all", "2", ALL)
    selection = parse_sync_selection([str(ready.id)], "to_ship", "3", ALL)
    assert (selection.shop_ids, selection.tab, selection.days, selection.order_ids) == ((ready.id,), "to_ship", 3, ())


def test_sync_selection_selects_by_tab_and_days_or_by_ticked_orders():
    shop, other = make_shop(), make_shop("别的店")
    recent = make_order(shop, created_at=NOW - timedelta(days=1))
    old = make_order(shop, created_at=NOW - timedelta(days=10))
    shipped = make_order(shop, status="shipped", created_at=NOW - timedelta(days=1))
    make_order(other, created_at=NOW - timedelta(days=1))
    by_tab = parse_sync_selection([str(shop.id)], "to_purchase", "7", ALL)
    assert [i for i, _ in by_tab.query(CTX).tuples()] == [recent.id]
    by_days = parse_sync_selection([str(shop.id)], "all", "15", ALL)
    assert {i for i, _ in by_days.query(CTX).tuples()} == {recent.id, old.id, shipped.id}
    ticked = parse_sync_selection([str(shop.id)], "all", "1", ALL, [str(old.id)])
    assert [i for i, _ in ticked.query(CTX).tuples()] == [old.id]


def test_sync_selection_skips_orders_a_resumed_job_already_synced():
    shop = make_shop()
    done, todo = make_order(shop, created_at=NOW), make_order(shop, created_at=NOW)
    record_sync([done.id], [], now=NOW + timedelta(minutes=1))
    selection = parse_sync_selection([str(shop.id)], "all", "1", ALL)
    assert [i for i, _ in selection.query(CTX, not_synced_since=NOW).tuples()] == [todo.id]


def test_record_sync_says_when_the_shop_lost_an_order():
    shop = make_shop()
    kept, lost = make_order(shop), make_order(shop)
    record_sync([kept.id], [lost.id], now=NOW)
    assert Order.get_by_id(kept.id).sync_message == "已同步"
    assert Order.get_by_id(lost.id).sync_message == "店铺后台没有找到该订单"
    assert Order.get_by_id(lost.id).synced_at == NOW
