"""自动采购's rule (services.purchasing.auto) on real rows with the clock injected: which orders are due,
which account buys each, and why the others wait."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dropship.errors import FieldError
from dropship.models import Job, Order, OrderItem, PurchaseAccount, Shop, SkuMapping, SupplierLink
from dropship.platforms.base import Receiver
from dropship.services.purchasing import auto
from dropship.services.receiver import store_receiver
from dropship.services.settings import set_setting
from tests.orders_factory import buy, make_account, make_order, make_shop, orders_app, orders_db, refund  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
NOW = datetime(2026, 11, 27, 12, 0)
BUYER = Receiver(name="王小明", phone="13812341234", province="浙江省", city="杭州市", district="西湖区",
                 address="文三路 90 号")
ITEM = "612345678901"


def switched_on(buffer: int = 10, login: str = "好物小店") -> Shop:
    shop = make_shop(login=login)
    Shop.update(auto_purchase=True, auto_purchase_buffer=buffer, fetch_state="fetching",
                auto_purchase_since=NOW - timedelta(days=1)).where(Shop.id == shop.id).execute()
    return Shop.get_by_id(shop.id)


def online(login: str = "13800000001", platform: str = "taobao", enabled: bool = True) -> PurchaseAccount:
    account = make_account(login=login, platform=platform)
    PurchaseAccount.update(online=True, enabled=enabled).where(PurchaseAccount.id == account.id).execute()
    return PurchaseAccount.get_by_id(account.id)


def link(item: OrderItem, mapped: bool = True, platform: str = "taobao", multiplier: int = 2) -> None:
    SupplierLink.create(outer_id=item.outer_id, platform=platform, item_id=ITEM,
                        url=f"https://item.taobao.com/item.htm?id={ITEM}")
    if mapped:
        SkuMapping.create(outer_id=item.outer_id, shop_sku=item.sku_text, platform=platform, item_id=ITEM,
                          sku_id="5001", multiplier=multiplier)


def paid_order(shop: Shop, minutes_ago: float = 15, items: int = 1, mapped: bool = True, linked: bool = True,
               decrypted: bool = True, **fields) -> Order:
    order = make_order(shop, items=items, paid_at=NOW - timedelta(minutes=minutes_ago),
                       fetched_at=NOW - timedelta(minutes=min(minutes_ago, 60)), **fields)
    if linked:
        for item in OrderItem.select().where(OrderItem.order == order.id):
            link(item, mapped)
    if decrypted:
        store_receiver(order, BUYER)
    return Order.get_by_id(order.id)


def plan(now: datetime = NOW) -> auto.Plan:
    return auto.plan(now)


def test_a_due_order_is_bought_by_an_online_account_with_the_mapped_sku_and_quantity():
    shop, account = switched_on(), online()
    order = paid_order(shop)
    (item,) = OrderItem.select().where(OrderItem.order == order.id)
    result = plan()
    assert result.steps == [auto.Step(order.id, item.id, account.id, "taobao", ITEM, "5001", 2)]
    assert result.waiting == {}


def test_the_buffer_boundary_paid_exactly_buffer_minutes_ago_is_due_a_second_later_is_not():
    shop = switched_on(buffer=10)
    online()
    exactly, almost = paid_order(shop, minutes_ago=10), paid_order(shop, minutes_ago=10 - 1 / 60)
    result = plan()
    assert [s.order_id for s in result.steps] == [exactly.id]
    assert result.waiting == {almost.id: auto.BUFFERING}
    assert [s.order_id for s in plan(NOW + timedelta(seconds=1)).steps] == [exactly.id, almost.id]


def test_a_zero_buffer_buys_at_once():
    shop = switched_on(buffer=0)
    online()
    order = paid_order(shop, minutes_ago=0)
    assert [s.order_id for s in plan().steps] == [order.id]


def test_without_a_link_or_a_sku_mapping_the_order_waits_and_says_which():
    shop = switched_on()
    online()
    no_link, unmapped = paid_order(shop, linked=False), paid_order(shop, mapped=False)
    result = plan()
    assert result.steps == []
    assert result.waiting == {no_link.id: auto.NO_LINK, unmapped.id: auto.NO_MAPPING}
    assert result.reasons() == {"未设置下单链接": 1, "规格未对应": 1}


def test_one_unmapped_sub_order_holds_the_whole_order():
    shop = switched_on()
    online()
    order = paid_order(shop, items=2, linked=False)
    first, second = OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.id)
    link(first)
    link(second, mapped=False)
    assert plan().waiting == {order.id: auto.NO_MAPPING} and plan().steps == []


def test_an_order_the_buyer_cancelled_within_the_buffer_is_never_bought():
    shop = switched_on()
    online()
    order = paid_order(shop, minutes_ago=5)
    assert plan().waiting == {order.id: auto.BUFFERING}
    Order.update(status="closed").where(Order.id == order.id).execute()  # the next fetch saw it 交易关闭
    later = plan(NOW + timedelta(minutes=30))
    assert later.steps == [] and later.waiting == {}


def test_an_order_already_purchased_or_being_bought_is_left_alone():
    shop = switched_on()
    online()
    bought = paid_order(shop)
    buy(bought, platform="taobao", status="paid")
    busy = paid_order(shop)
    purchase = buy(busy, platform="taobao", active=False, state="refused")  # refused, its job still ending
    Job.create(kind="purchase", title="采购", state="running", args={"purchase_id": purchase.id})
    result = plan()
    assert result.steps == [] and result.waiting == {busy.id: auto.BUSY}


def test_refunding_abnormal_and_ignored_orders_wait_with_their_reason():
    shop = switched_on()
    online()
    refunding = paid_order(shop)
    refund(refunding, 0)
    abnormal, ignored = paid_order(shop, abnormal="loss"), paid_order(shop, ignored=True)
    assert plan().waiting == {refunding.id: auto.REFUND, abnormal.id: auto.ABNORMAL, ignored.id: auto.IGNORED}


def test_a_masked_address_waits_unless_the_fixed_receiver_is_used():
    shop = switched_on()
    online()
    order = paid_order(shop, decrypted=False)
    assert plan().waiting == {order.id: auto.NOT_DECRYPTED}
    set_setting("receiver.mode", "fixed")
    assert [s.order_id for s in plan().steps] == [order.id]


def test_no_online_account_of_the_links_platform_means_waiting():
    shop = switched_on()
    online(login="pdd-1", platform="pdd")  # buys only on 拼多多
    offline = make_account(login="13800000002", platform="taobao")  # never authorized: 掉线
    online(login="13800000003", platform="taobao", enabled=False)  # 启用 off
    order = paid_order(shop)
    assert plan().waiting == {order.id: "没有可用的淘宝采购账号"} and plan().steps == []
    PurchaseAccount.update(online=True).where(PurchaseAccount.id == offline.id).execute()
    assert [s.account_id for s in plan().steps] == [offline.id]


def test_a_tmall_login_buys_taobao_links_too():
    shop = switched_on()
    account = online(platform="tmall")
    paid_order(shop)
    assert [s.account_id for s in plan().steps] == [account.id]


def test_orders_are_spread_over_the_accounts_least_used_today_first():
    shop = switched_on()
    busy, idle = online(login="13800000001"), online(login="13800000002")
    earlier = paid_order(shop, minutes_ago=300)
    buy(earlier, account=busy, platform="taobao", created_at=NOW - timedelta(hours=4))  # busy started one today
    buy(paid_order(shop), account=idle, platform="taobao", created_at=NOW - timedelta(days=1))  # idle: yesterday
    orders = [paid_order(shop, minutes_ago=30 - i) for i in range(3)]
    steps = plan().steps
    assert [s.order_id for s in steps] == [o.id for o in orders]  # the longest waiting first
    assert [s.account_id for s in steps] == [idle.id, busy.id, idle.id]


def test_only_shops_switched_on_and_fetching_and_only_orders_fetched_since():
    shop = switched_on()
    online()
    old = paid_order(shop, minutes_ago=60)
    Order.update(fetched_at=shop.auto_purchase_since - timedelta(seconds=1)).where(Order.id == old.id).execute()
    off = make_shop(login="关店")
    Shop.update(fetch_state="fetching", auto_purchase_since=NOW - timedelta(days=1)).where(Shop.id == off.id).execute()
    paid_order(off)
    paused = switched_on(login="暂停店")
    Shop.update(fetch_state="stopped").where(Shop.id == paused.id).execute()
    paid_order(paused)
    fresh = paid_order(shop)
    assert [s.order_id for s in plan().steps] == [fresh.id] and plan().waiting == {}


def test_decide_alone_is_pure():
    line = auto.Line(1, True, "taobao", ITEM, "5001", 1)
    candidate = auto.Candidate(7, NOW - timedelta(minutes=10), 10, (line,))
    assert auto.decide(candidate, NOW) is None
    assert auto.decide(candidate, NOW - timedelta(microseconds=1)) == auto.BUFFERING
    assert auto.decide(auto.Candidate(7, NOW, 0, (auto.Line(1, False),)), NOW) == auto.NO_LINK
    assert auto.decide(auto.Candidate(7, NOW, 0, (line,), busy=True, refund=True), NOW) == auto.BUSY


@pytest.mark.parametrize("typed,value", [("0", 0), ("10", 10), (" 1440 ", 1440), (15, 15)])
def test_buffer_accepts_whole_minutes_up_to_a_day(typed, value):
    assert auto.parse_buffer(typed) == value


@pytest.mark.parametrize("typed", ["", "-1", "1441", "2.5", "十", "²", "abc", "99999", None])
def test_buffer_refuses_anything_else_by_its_field(typed):
    with pytest.raises(FieldError) as caught:
        auto.parse_buffer(typed)
    assert caught.value.field == "auto_purchase_buffer" and "0 到 1440" in str(caught.value)
