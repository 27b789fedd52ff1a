"""辅助下单's live page in 验证中心: the order info panel (请核对订单信息) beside the live view, each value
with its 复制 button; only for a purchase the user may see, and only on a 辅助下单 view."""
from __future__ import annotations

import lxml.html
import pytest

from dropship.db import db
from dropship.models import Job, OrderItem
from dropship.platforms.base import Receiver
from dropship.platforms.verification import HUB
from dropship.services.jobs import job_target
from dropship.services.purchasing.records import begin
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from tests.helpers import become_employee
from tests.orders_factory import make_account, make_order, make_shop
from tests.web.test_pages import Page

BUYER = Receiver(name="王小明", phone="13812341234", province="浙江省", city="杭州市", district="西湖区",
                 town="文新街道", address="文三路 90 号")


@pytest.fixture
def view(signed_in):
    """A 辅助下单 job parked as a live view for a purchase of a decrypted order."""
    with db.connection_context():
        order = make_order(make_shop(), paid=7500, titles=("冻干粉睡眠面膜",))
        store_receiver(order, BUYER)
        account = make_account(platform="taobao")
        account.online = True
        account.save()
        items = list(OrderItem.select().where(OrderItem.order == order.id))
        purchase = begin(Scope.everything(), order, items, account, "taobao", "612345678901", "5001", 2)
        job = Job.create(kind="purchase", title="辅助下单", target=job_target("purchase", purchase.id),
                         state="running", args={"purchase_id": purchase.id, "mode": "assisted", "remote": True})
    item = HUB.open("assist", "淘宝采购账号 13800000001", "taobao-1", 60, state="open", job_id=job.id)
    yield item
    HUB.close(item, "closed")


def test_the_live_page_of_an_assisted_purchase_shows_the_panel_with_copy_buttons(signed_in, view):
    response = signed_in.get(f"/verify/{view.id}")
    html = response.get_data(as_text=True)
    tree = lxml.html.fromstring(html)
    [panel] = tree.xpath('//aside[@aria-label="请核对订单信息"]')
    rows = {row.findtext("dt"): row.findtext("dd") for row in panel.xpath('.//div[@class="assist-row"]')}
    assert rows == {"标题": "冻干粉睡眠面膜", "收件人": "王小明", "地址": "浙江省 杭州市 西湖区 文新街道 文三路 90 号",
                    "电话": "13812341234", "属性": "颜色:黑色", "数量": "2", "卖出价格": "75.00"}
    copies = {b.get("aria-label"): b.get("data-copy") for b in panel.xpath(".//button")}
    assert copies["复制收件人"] == "王小明" and copies["复制卖出价格"] == "75.00" and len(copies) == 7
    assert "辅助下单 · 淘宝采购账号" in html and "关闭辅助下单吗" in html
    assert Page(signed_in.application, html, f"/verify/{view.id}").idle_controls() == []


def test_an_employee_without_the_purchase_sees_no_panel(signed_in, view):
    become_employee(signed_in, ["verify"])
    html = signed_in.get(f"/verify/{view.id}").get_data(as_text=True)
    assert "请核对订单信息" not in html and "王小明" not in html
