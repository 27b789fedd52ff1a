"""辅助下单's order info panel (请核对订单信息): the manual's rows, the receiver the task types (or the
masked one, said so), every SKU of a purchase covering several sub-orders, 卖出价格 exact in yuan."""
from __future__ import annotations

import pytest

from dropship.models import Order, OrderItem
from dropship.platforms.base import Receiver
from dropship.services.purchasing.assist import NOT_DECRYPTED, assist_panel
from dropship.services.purchasing.records import begin
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from tests.orders_factory import make_account, make_order, make_shop, orders_app, orders_db  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
BUYER = Receiver(name="王小明", phone="13812341234-567", province="浙江省", city="杭州市", district="西湖区",
                 town="文新街道", address="文三路 90 号 1 幢 301")


def _purchase(items: int = 1, paid: int = 7500, quantity: int = 1, titles: tuple[str, ...] = ("冻干粉睡眠面膜",)):
    order = make_order(make_shop(), items=items, paid=paid, titles=titles)
    lines = list(OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.id))
    account = make_account(platform="taobao")
    account.online = True
    account.save()
    # the order read again: a receiver stored meanwhile is on the row, not on this instance
    return order, lines, lambda: begin(Scope.everything(), Order.get_by_id(order.id), lines, account, "taobao",
                                       "612345678901", "5001", quantity)


def test_the_panel_shows_the_receiver_the_task_types_with_the_manuals_rows():
    order, _, start = _purchase(quantity=2)
    store_receiver(order, BUYER)
    panel = assist_panel(start())
    assert panel["heading"] == "请核对订单信息" and panel["note"] == ""
    # the privacy extension goes into the address, as the task types it (自定义收货信息 不修改)
    assert dict(panel["rows"]) == {
        "标题": "冻干粉睡眠面膜", "收件人": "王小明", "地址": "浙江省 杭州市 西湖区 文新街道 文三路 90 号 1 幢 301 [拨打后输入分机号567]",
        "电话": "13812341234", "属性": "颜色:黑色", "数量": "2", "卖出价格": "75.00"}
    assert [label for label, _ in panel["rows"]] == ["标题", "收件人", "地址", "电话", "属性", "数量", "卖出价格"]


def test_an_address_not_decrypted_shows_the_masked_receiver_and_says_so():
    _, _, start = _purchase()
    panel = assist_panel(start())
    rows = dict(panel["rows"])
    assert panel["note"] == NOT_DECRYPTED
    assert (rows["收件人"], rows["电话"], rows["地址"]) == ("张**", "138****1234", "浙江省 杭州市 西湖区 文三路****")


def test_a_fixed_receiver_is_shown_even_before_decryption():
    set_setting("receiver.mode", "fixed")
    for key, value in {"fix_name": "仓库收", "fix_phone": "13900001111", "fix_province": "广东省", "fix_city": "广州市",
                       "fix_district": "白云区", "fix_address": "机场路 1 号"}.items():
        set_setting(f"receiver.{key}", value)
    _, _, start = _purchase()
    rows = dict(assist_panel(start())["rows"])
    assert (rows["收件人"], rows["电话"], rows["地址"]) == ("仓库收", "13900001111", "广东省 广州市 白云区 机场路 1 号")


def test_several_sub_orders_list_every_sku_and_add_up_the_sold_price_exactly():
    order, lines, start = _purchase(items=2, paid=3333, titles=("保温杯", "保温杯"))
    OrderItem.update(sku_text="颜色:白色；容量:500ml", paid_amount=1667).where(OrderItem.id == lines[1].id).execute()
    store_receiver(order, BUYER)
    rows = dict(assist_panel(start())["rows"])
    assert rows["属性"] == "颜色:黑色；颜色:白色；容量:500ml" and rows["标题"] == "保温杯"
    assert rows["卖出价格"] == "33.33"  # 1666 + 1667 fen, no float rounding
