"""商品标题 search by the trigram index (services.orders.titles): exact after every write, bounded below 3 characters."""
import itertools
from datetime import timedelta

import pytest

from dropship.db import db
from dropship.models import Order, OrderItem
from dropship.services.orders import queries, titles
from dropship.services.orders.search import SORTS, OrderFilter
from dropship.services.orders.tabs import TabContext
from dropship.services.scope import Scope
from tests.orders_factory import NOW, make_order, make_shop, orders_app, orders_db  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
CTX = TabContext(NOW, 6)


def found(text: str) -> set[str]:
    search = OrderFilter(title=text)
    return {o.tid for o in Order.select(Order.tid).where(*search.conditions(Scope.everything()))}


@pytest.fixture
def world():
    shop = make_shop()
    make_order(shop, items=2, titles=("304不锈钢保温杯", "Bamboo 收纳盒"), tid="1")
    make_order(shop, titles=("遮阳帽",), tid="2")
    return shop


def test_the_index_is_there_and_matches_substrings(world):
    assert titles.indexed()
    assert found("保温杯") == {"1"}
    assert found("bamboo 收") == {"1"}  # case-insensitive, across the space, as LIKE was
    assert found("遮阳帽") == {"2"}
    assert found("保温杯盖") == set()


def test_two_titles_never_match_as_one(world):
    assert found("温杯B") == set() and found("杯Bam") == set()


def test_query_syntax_is_text(world):
    assert found('"保温 OR') == set()
    assert found("AND") == set()


def test_editing_and_deleting_titles_keeps_the_index_exact(world):
    item = OrderItem.get(OrderItem.title == "遮阳帽")
    OrderItem.update(title="折叠雨伞").where(OrderItem.id == item.id).execute()
    assert found("遮阳帽") == set() and found("折叠雨") == {"2"}
    OrderItem.delete().where(OrderItem.title == "Bamboo 收纳盒").execute()
    assert found("收纳盒") == set() and found("保温杯") == {"1"}
    Order.delete().where(Order.tid == "2").execute()  # its items go by the cascade
    assert found("折叠雨") == set()
    assert not titles.drift()


def test_one_or_two_characters_search_only_the_newest_orders(world, monkeypatch):
    make_order(world, titles=("旧款帽子",), tid="3", created_at=NOW - timedelta(days=400))
    assert found("帽") == {"2", "3"}
    monkeypatch.setattr(titles, "SHORT_QUERY_ORDERS", 2)
    assert found("帽") == {"2"}
    assert found("旧款帽") == {"3"}  # three characters and more: every order


def test_a_short_search_is_text_case_insensitive_and_keeps_to_the_window(world):
    make_order(world, titles=("100%纯棉_T恤",), tid="3", created_at=NOW - timedelta(days=3))
    assert found("Ba") == {"1"} and found("%") == {"3"} and found("_T") == {"3"}
    assert hits("杯") == {"1"} and hits("帽", NOW - timedelta(days=1)) == {"2"}
    assert hits("棉", NOW - timedelta(days=1)) == set() and hits("棉") == {"3"}


def test_rebuild_repairs_a_drifted_index(world):
    db.execute_sql(f"DELETE FROM {titles.TABLE}")
    assert titles.drift() and found("保温杯") == set()
    assert titles.ensure_title_index()
    assert not titles.drift() and found("保温杯") == {"1"}


def test_startup_puts_back_a_trigger_a_table_copy_dropped(world):
    db.execute_sql(f'DROP TRIGGER "{titles.TRIGGER_PREFIX}update"')
    assert titles.ensure_title_index()
    OrderItem.update(title="新标题").where(OrderItem.title == "遮阳帽").execute()
    assert found("新标题") == {"2"}


def hits(text: str, since=None, until=None) -> set[str]:
    """What the index read alone returns, without the search's own 成交时间 conditions."""
    return {o.tid for o in Order.select(Order.tid).where(titles.title_condition(text, since, until))}


def test_a_window_reads_only_its_own_hits_and_follows_a_changed_time(world):
    old = make_order(world, titles=("旧款保温杯",), tid="3", created_at=NOW - timedelta(days=400))
    recent = Order.get(Order.tid == "1").created_at
    assert hits("保温杯") == {"1", "3"}
    assert hits("保温杯", NOW - timedelta(days=1)) == {"1"}
    assert hits("保温杯", until=NOW - timedelta(days=300)) == {"3"}
    assert hits("保温杯", recent, recent) == {"1"}  # both ends inclusive, to the second
    assert hits("保温杯", recent + timedelta(seconds=1)) == set()
    Order.update(created_at=NOW).where(Order.id == old.id).execute()  # a re-fetch corrects 成交时间
    assert hits("保温杯", NOW - timedelta(days=1)) == {"1", "3"} and not titles.drift()
    Order.delete().where(Order.id == old.id).execute()
    assert hits("保温杯") == {"1"} and not titles.drift()


def test_a_title_list_walks_the_hits_in_the_sorts_own_order(world):
    for days, tid in ((3, "3"), (1, "4"), (7, "5")):
        make_order(world, titles=(f"保温杯 {tid}号",), tid=tid, created_at=NOW - timedelta(days=days))
    same_second = Order.get(Order.tid == "4").created_at
    make_order(world, titles=("保温杯 6号",), tid="6", created_at=same_second)  # ties go by id, as the sort does
    for sort, text in itertools.product(("newest", "oldest"), ("保温杯", "杯")):  # 1 character: the newest orders
        search = OrderFilter(title=text, sort=sort)
        listed = queries.order_ids(search, CTX, Scope.everything())
        assert "JOIN \"ordertitle\"" in listed.sql()[0]  # read from the index in order, not collected and sorted
        expected = (Order.select(Order.id).where(*search.conditions(Scope.everything()))
                    .order_by(*SORTS[sort][1]))
        assert [i for (i,) in listed.tuples()] == [i for (i,) in expected.tuples()]
    window = OrderFilter(title="保温杯", created_from=NOW - timedelta(days=2), tab="shipped")
    Order.update(status="shipped").where(Order.tid.in_(("4", "5"))).execute()
    assert [i for (i,) in queries.order_ids(window, CTX, Scope.everything()).tuples()] == [Order.get(tid="4").id]
    assert "JOIN \"ordertitle\"" not in queries.order_ids(OrderFilter(title="保温杯", sort="amount"), CTX, Scope.everything()).sql()[0]
