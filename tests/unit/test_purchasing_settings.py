"""采购保护 settings: stored as fen, typed as yuan, and changing one changes what the guards decide."""
import pytest

from dropship.errors import FieldError
from dropship.platforms.base import Receiver
from dropship.services.purchase_settings import GuardSettings, load_guards
from dropship.services.purchasing.guards import GuardFacts, check, may_pay
from dropship.services.settings import set_setting
from tests.orders_factory import orders_app, orders_db  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
BUYER = Receiver(name="张三", phone="13912345678", province="浙江省", city="杭州市", district="西湖区", address="文三路1号")
FACTS = GuardFacts(paid=2000, quote=1800, spent_today=0, address_decrypted=True, expected=BUYER, readback=BUYER)


def test_defaults_refuse_only_losing_money_and_never_pay_automatically():
    assert load_guards() == GuardSettings(profit_floor=0, max_price=0, daily_cap=0, auto_pay=False)
    assert check(FACTS, load_guards()) == [] and not may_pay([], load_guards())


def test_changing_each_setting_changes_the_outcome():
    set_setting("purchase.profit_floor", "2.01")
    assert [r.code for r in check(FACTS, load_guards())] == ["loss"]
    set_setting("purchase.profit_floor", "-1")
    set_setting("purchase.max_price", "17.99")
    assert [r.code for r in check(FACTS, load_guards())] == ["max_price"]
    set_setting("purchase.max_price", "0")
    with pytest.raises(FieldError):
        set_setting("purchase.daily_cap", "１７.９９")  # full-width digits: refused, nothing stored
    assert load_guards().daily_cap == 0 and check(FACTS, load_guards()) == []


def test_the_daily_cap_and_auto_pay_are_read_back():
    set_setting("purchase.daily_cap", "￥17.99")
    set_setting("pay.auto", "on")
    guards = load_guards()
    assert (guards.daily_cap, guards.auto_pay) == (1799, True)
    assert [r.code for r in check(FACTS, guards)] == ["daily_cap"]
    assert may_pay([], guards)


@pytest.mark.parametrize("key,value", [("purchase.max_price", "-1"), ("purchase.daily_cap", "abc"),
                                       ("purchase.profit_floor", "1.234")])
def test_a_bad_amount_is_refused_beside_its_setting(key, value):
    with pytest.raises(FieldError) as caught:
        set_setting(key, value)
    assert caught.value.field == key and "元为单位" in str(caught.value)
