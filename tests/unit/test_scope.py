"""Scope: the main account sees everything, an employee the granted shops and accounts, in every query."""
import pytest

from dropship.models import Order, OrderItem, ShopGrant, User
from dropship.services.orders.actions import mark_orders, set_ignored, visible_orders
from dropship.services.orders.queries import order_ids, tab_counts
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TabContext
from dropship.services.scope import Scope
from dropship.services.shops import active_shops
from tests.orders_factory import NOW, make_order, make_shop, orders_app, orders_db, reload  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
CTX = TabContext(NOW, 6)


@pytest.fixture
def staff():
    main = User.create(username="13900000000", password_hash="x")
    return main, User.create(username="13900000000:01", password_hash="x", role="employee", owner=main)


def test_the_main_account_is_unlimited_and_an_employee_starts_with_nothing(staff):
    main, employee = staff
    east = make_shop("东店")
    make_order(east)
    assert Scope.of(main).unlimited and tab_counts(OrderFilter(), CTX, Scope.of(main))["all"] == 1
    assert tab_counts(OrderFilter(), CTX, Scope.of(employee))["all"] == 0
    assert list(active_shops(Scope.of(employee))) == []
    assert tab_counts(OrderFilter(), CTX, Scope.of(None))["all"] == 0  # a job whose user is gone sees nothing


def test_a_grant_counts_from_the_next_query_on(staff):
    _, employee = staff
    east, west = make_shop("东店"), make_shop("西店")
    mine = [make_order(east), make_order(east, abnormal="loss")]
    make_order(west)
    scope = Scope.of(employee)
    ShopGrant.create(user=employee, shop=east)
    counts = tab_counts(OrderFilter(), CTX, scope)
    assert (counts["all"], counts["to_purchase"], counts["abnormal"]) == (2, 2, 1)
    assert sorted(i for (i,) in order_ids(OrderFilter(), CTX, scope).tuples()) == sorted(o.id for o in mine)
    assert [s.id for s in active_shops(scope)] == [east.id]
    ShopGrant.delete().execute()
    assert tab_counts(OrderFilter(), CTX, scope)["all"] == 0


def test_actions_leave_orders_outside_the_scope_alone(staff):
    _, employee = staff
    east, west = make_shop("东店"), make_shop("西店")
    ShopGrant.create(user=employee, shop=east)
    mine, theirs = make_order(east), make_order(west)
    scope = Scope.of(employee)
    assert visible_orders([mine.id, theirs.id, 999], scope) == {mine.id}
    assert set_ignored([mine.id, theirs.id], True, scope) == 1
    assert mark_orders([mine.id, theirs.id], "loss", "", scope) == 1
    assert (reload(theirs).ignored, reload(theirs).abnormal) == (False, "")


def test_a_model_the_scope_does_not_know_fails_closed(staff):
    main, _ = staff
    with pytest.raises(TypeError):
        Scope.of(main).condition(OrderItem)
    assert Scope.of(main).condition(Order) is None
