"""services.by_ids: the rows peewee would read, from SQL text built once per shape."""
import pytest

from dropship.models import Order, OrderItem
from dropship.services.by_ids import by_ids, rows_by_key
from tests.orders_factory import make_order, make_shop, orders_app, orders_db  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")


def _items(ids: list[int]):
    return OrderItem.select().where(OrderItem.order.in_(ids)).order_by(OrderItem.id.desc())


def test_reads_the_rows_peewee_reads_whatever_the_number_of_ids():
    shop = make_shop()
    orders = [make_order(shop, items=2) for _ in range(9)]
    for count in (1, 8, 9):
        ids = [o.id for o in orders[:count]]
        assert [i.id for i in by_ids(_items, ids)] == [i.id for i in _items(ids)]
        assert sorted(o.tid for o in rows_by_key(Order, ids)) == sorted(o.tid for o in orders[:count])
    assert list(by_ids(_items, [])) == []


def test_one_text_per_padded_size():
    shop = make_shop()
    ids = [make_order(shop).id for _ in range(9)]
    built = []

    def newest(ids: list[int]):  # a shape of its own, whatever other tests have read
        built.append(len(ids))
        return Order.select().where(Order.id.in_(ids))

    for count in range(1, 10):  # sizes 1…8 share a text, 9 has its own
        assert len(list(by_ids(newest, ids[:count]))) == count
    assert built == [8, 16]


def test_a_query_with_other_parameters_is_refused():
    with pytest.raises(ValueError):
        by_ids(lambda ids: Order.select().where(Order.id.in_(ids), Order.status == "paid"), [1])
