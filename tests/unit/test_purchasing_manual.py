"""添加采购订单信息 / 重新下单 / 取消下单 by hand: bad input changes nothing; 订单利润 follows the active purchase."""
from datetime import datetime

import pytest

from dropship.errors import FieldError
from dropship.models import Order, Purchase, ShopGrant, User
from dropship.services import money
from dropship.services.orders.cards import order_cards
from dropship.services.purchasing.manual import add_manual, cancel, clean_order_id, repurchase
from dropship.services.purchasing.records import history
from dropship.services.purchasing.states import advance
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from tests.orders_factory import make_account, make_order, make_shop, orders_app, orders_db, refund, reload  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
ALL = Scope.everything()
PDD_ID = "230619-012345678901234"
FORM = {"platform": "pdd", "platform_order_id": PDD_ID, "amount": "18.90"}


@pytest.fixture
def order():
    return make_order(make_shop(), items=2, paid=2457)


def card(order: Order):
    return order_cards([reload(order)])[0]


def test_recording_a_purchase_covers_the_order_and_sets_profit(order):
    add_manual(ALL, order.id, FORM)
    shown = card(order)
    assert (shown.order.pending_items, shown.order.purchase_amount) == (0, 1890)
    assert shown.profit == 567 and shown.margin == 30.0  # 24.57 − 18.90 = 5.67; ÷ 采购金额
    purchase = Purchase.get()
    assert (purchase.state, purchase.manual, purchase.platform_order_id) == ("recorded", True, PDD_ID)


@pytest.mark.parametrize("platform,typed,kept", [
    ("pdd", " 230619-012345678901234 ", "230619-012345678901234"),
    ("pdd", "２３０６１９-０１２３４５６７８９０１２３４", "230619-012345678901234"),  # full-width
    ("taobao", "3256650000000000001", "3256650000000000001"),
    ("tmall", "191897976123456", "191897976123456"),
    ("alibaba1688", "3512345678901234567", "3512345678901234567"),
])
def test_each_platforms_order_number_format_is_accepted(platform, typed, kept):
    assert clean_order_id(platform, typed) == kept


@pytest.mark.parametrize("form,field", [
    ({**FORM, "platform": "jd"}, "platform"),
    ({**FORM, "platform_order_id": ""}, "platform_order_id"),
    ({**FORM, "platform_order_id": "230619012345678901234"}, "platform_order_id"),  # PDD without its dash
    ({**FORM, "platform": "taobao"}, "platform_order_id"),  # a PDD number typed as 淘宝
    ({**FORM, "platform": "alibaba1688", "platform_order_id": "12345"}, "platform_order_id"),
    ({**FORM, "amount": "-1"}, "amount"),
    ({**FORM, "amount": "18.905"}, "amount"),
    ({**FORM, "amount": "十八"}, "amount"),
    ({**FORM, "amount": ""}, "amount"),
    ({**FORM, "account": "999"}, "account"),
    ({**FORM, "account": "abc"}, "account"),
])
def test_bad_input_names_its_field_and_changes_nothing(order, form, field):
    with pytest.raises(FieldError) as caught:
        add_manual(ALL, order.id, form)
    assert field in caught.value.errors
    assert Purchase.select().count() == 0 and reload(order).pending_items == 2


def test_a_zero_amount_is_allowed_and_every_error_is_reported_at_once(order):
    with pytest.raises(FieldError) as caught:
        add_manual(ALL, order.id, {"platform": "pdd", "platform_order_id": "x", "amount": "abc"})
    assert set(caught.value.errors) == {"platform_order_id", "amount"}
    add_manual(ALL, order.id, {**FORM, "amount": "0"})
    assert reload(order).purchase_amount == 0


def test_the_account_must_buy_on_that_platform(order):
    taobao = make_account("tb_buyer", platform="taobao")
    with pytest.raises(FieldError) as caught:
        add_manual(ALL, order.id, {**FORM, "account": str(taobao.id)})
    assert caught.value.errors == {"account": "这个采购账号不能在所选采购平台下单"}
    add_manual(ALL, order.id, {"platform": "tmall", "platform_order_id": "191897976123456", "amount": "5",
                               "account": str(taobao.id)})
    assert Purchase.get().account_id == taobao.id


def test_one_supplier_order_cannot_be_recorded_on_two_orders(order):
    add_manual(ALL, order.id, FORM)
    other = make_order(make_shop("另一家"), items=1)
    with pytest.raises(FieldError) as caught:
        add_manual(ALL, other.id, FORM)
    assert caught.value.errors["platform_order_id"] == f"这个采购单号已记录在订单 {order.tid} 的采购中"
    assert reload(other).pending_items == 1


def test_a_fully_bought_order_takes_no_second_record(order):
    add_manual(ALL, order.id, FORM)
    with pytest.raises(FieldError, match="已全部采购"):
        add_manual(ALL, order.id, {**FORM, "platform_order_id": "230619-012345678901235"})
    assert Purchase.select().count() == 1


def test_refunded_sub_orders_are_not_recorded_as_bought(order):
    refund(order, 0, "refunded")
    add_manual(ALL, order.id, FORM)
    assert len(Purchase.get().lines) == 1


def test_repurchase_moves_the_old_purchase_to_history_and_profit_follows_the_new_one(order):
    add_manual(ALL, order.id, FORM)
    old = Purchase.get()
    repurchase(ALL, old.id)
    assert card(order).profit == 0 and reload(order).pending_items == 2  # 待采购 again
    add_manual(ALL, order.id, {**FORM, "platform_order_id": "230620-012345678901234", "amount": "20.00"})
    shown = card(order)
    assert shown.profit == 457 and shown.history == 1
    assert [p.platform_order_id for p in history(ALL, order.id)] == [PDD_ID]


def test_the_same_supplier_order_may_be_recorded_again_once_the_old_one_is_history(order):
    add_manual(ALL, order.id, FORM)
    repurchase(ALL, Purchase.get().id)
    add_manual(ALL, order.id, FORM)
    assert Purchase.select().count() == 2


def test_cancel_returns_the_order_to_be_bought(order):
    add_manual(ALL, order.id, FORM)
    purchase = Purchase.get()
    cancel(ALL, purchase.id)
    stored = Purchase.get_by_id(purchase.id)
    assert (stored.state, stored.active) == ("cancelled", False)
    assert (reload(order).pending_items, reload(order).purchase_amount) == (2, 0)
    with pytest.raises(FieldError, match="找不到这笔采购"):
        cancel(ALL, purchase.id)  # already cancelled


def test_a_purchase_in_flight_cannot_be_cancelled_or_replaced_by_hand(order):
    from dropship.errors import UserError
    from dropship.services.purchasing.records import begin

    account = make_account()
    account.online = True
    account.save()
    purchase = begin(ALL, order, list(order.items), account, "pdd", "1", "", 1)
    advance(purchase, "submitted", orders_before=[], submitted_at=datetime.now())
    for action in (cancel, repurchase):
        with pytest.raises(UserError):
            action(ALL, purchase.id)
    assert Purchase.get_by_id(purchase.id).state == "submitted"


def test_the_memo_template_follows_manual_changes(order):
    set_setting("memo.fields", ["purchase_order", "purchase_amount"])
    assert add_manual(ALL, order.id, FORM) is True
    assert "拼多多230619-012345678901234 采购18.90" in reload(order).seller_memo
    assert cancel(ALL, Purchase.get().id) is True
    assert "230619" not in reload(order).seller_memo


def test_an_employee_records_only_on_orders_of_granted_shops(order):
    main = User.create(username="13900000000", password_hash="x")
    employee = User.create(username="13900000000:01", password_hash="x", role="employee", owner=main)
    with pytest.raises(FieldError, match="找不到这个订单"):
        add_manual(Scope.of(employee), order.id, FORM)
    ShopGrant.create(user=employee, shop=order.shop)
    add_manual(Scope.of(employee), order.id, FORM)
    assert money.profit(reload(order).paid_amount, reload(order).purchase_amount) == 567
