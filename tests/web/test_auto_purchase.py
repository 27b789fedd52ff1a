"""自动采购 on 店铺管理's 开始获取 row: the switch and 取消缓冲 persist per shop, a bad buffer is refused beside its
box (400, nothing changed), and switching it on changes what the 自动采购 scheduler buys."""
from datetime import datetime, timedelta

import pytest

from dropship.db import db
from dropship.models import Job, OrderItem, Purchase, PurchaseAccount, Shop, SkuMapping, SupplierLink
from dropship.platforms.base import Receiver
from dropship.services.receiver import store_receiver
from dropship.tasks import auto_purchase
from dropship.web import shops as shops_web
from tests.helpers import post
from tests.orders_factory import make_account, make_order, make_shop

ITEM = "612345678901"


@pytest.fixture
def no_fetch_jobs(monkeypatch):
    """开始获取's fetch jobs recorded, not run (fetching is the driver tests' business)."""
    monkeypatch.setattr(shops_web, "start_unique_job", lambda kind, title, **kw: None)


@pytest.fixture
def batches(monkeypatch) -> list[dict]:
    """The purchase_batch jobs the scheduler starts, recorded (buying is the task tests' business)."""
    started: list[dict] = []
    monkeypatch.setattr(auto_purchase, "start_job", lambda kind, title, **kw: started.append({"kind": kind, **kw})
                        or Job.create(kind=kind, title=title))
    return started


@pytest.fixture
def shop(signed_in) -> Shop:
    with db.connection_context():
        made = make_shop()
        Shop.update(service_until=datetime.now() + timedelta(days=30)).where(Shop.id == made.id).execute()
        return Shop.get_by_id(made.id)


def start(client, shop: Shop, **form):
    return post(client, "/shops/fetch/start", {"shop_ids": str(shop.id), "days": "3", **form}, token_page="/shops")


def pause(client):
    return post(client, "/shops/fetch/pause", {"all": "1"}, token_page="/shops")


def reload(shop: Shop) -> Shop:
    with db.connection_context():
        return Shop.get_by_id(shop.id)


def test_the_page_offers_the_switch_the_buffer_and_says_what_is_bought(signed_in):
    html = signed_in.get("/shops").get_data(as_text=True)
    assert 'name="auto_purchase"' in html and "自动采购" in html
    assert 'name="auto_purchase_buffer"' in html and 'value="10"' in html and "取消缓冲（分钟）" in html
    assert "付款满“取消缓冲”分钟仍未取消" in html and "规格对应" in html


def test_the_switch_and_buffer_persist_and_show_on_the_fetching_row(signed_in, shop, no_fetch_jobs):
    response = start(signed_in, shop, auto_purchase="1", auto_purchase_buffer="15")
    assert response.status_code == 200
    row = " ".join(response.get_data(as_text=True).split())
    assert "自动发货：关 · 自动采购：开 · 取消缓冲：15分钟" in row
    saved = reload(shop)
    assert (saved.auto_purchase, saved.auto_purchase_buffer) == (True, 15) and saved.auto_purchase_since

    pause(signed_in)
    start(signed_in, shop, auto_purchase="1", auto_purchase_buffer="0")  # still on: since when stays
    again = reload(shop)
    assert (again.auto_purchase_buffer, again.auto_purchase_since) == (0, saved.auto_purchase_since)

    pause(signed_in)
    response = start(signed_in, shop)  # unticked: off
    assert "自动采购：关" in " ".join(response.get_data(as_text=True).split())
    off = reload(shop)
    assert (off.auto_purchase, off.auto_purchase_buffer, off.auto_purchase_since) == (False, 10, None)


@pytest.mark.parametrize("typed", ["-1", "1441", "abc", "", "2.5"])
def test_a_bad_buffer_is_refused_beside_its_box_and_nothing_changes(signed_in, shop, no_fetch_jobs, typed):
    response = start(signed_in, shop, auto_purchase="1", auto_purchase_buffer=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and response.headers["HX-Reswap"] == "none"  # the ticks stay
    error = html[html.index('id="auto-purchase-buffer-error"'):]
    assert 'hx-swap-oob="true"' in error[:80] and "取消缓冲须是 0 到 1440 之间的整数分钟" in error.split("</span></span>")[0]
    saved = reload(shop)
    assert (saved.fetch_state, saved.auto_purchase, saved.auto_purchase_since) == ("stopped", False, None)
    with db.connection_context():
        assert Job.select().count() == 0


def _fetched_due_order(shop: Shop) -> int:
    """An order the fetch just stored, paid 30 minutes ago, with its 下单链接 + 规格对应 and address."""
    with db.connection_context():
        order = make_order(shop, paid_at=datetime.now() - timedelta(minutes=30), fetched_at=datetime.now())
        store_receiver(order, Receiver(name="王小明", phone="13812341234", province="浙江省", city="杭州市",
                                       district="西湖区", address="文三路 90 号"))
        item = OrderItem.get(OrderItem.order == order.id)
        SupplierLink.create(outer_id=item.outer_id, platform="taobao", item_id=ITEM,
                            url=f"https://item.taobao.com/item.htm?id={ITEM}")
        SkuMapping.create(outer_id=item.outer_id, shop_sku=item.sku_text, platform="taobao", item_id=ITEM,
                          sku_id="5001")
        return order.id


def _run_scheduler() -> auto_purchase.Outcome:
    with db.connection_context():
        return auto_purchase.run_once(datetime.now())


def test_switching_it_on_changes_what_the_scheduler_buys(signed_in, shop, no_fetch_jobs, batches):
    with db.connection_context():
        account = make_account(login="13800000001", platform="taobao")
        PurchaseAccount.update(online=True).where(PurchaseAccount.id == account.id).execute()
    start(signed_in, shop)  # 自动采购 off
    before = _fetched_due_order(shop)
    assert _run_scheduler().purchase_ids == [] and batches == []

    pause(signed_in)
    start(signed_in, shop, auto_purchase="1", auto_purchase_buffer="10")
    after = _fetched_due_order(shop)  # fetched once the switch is on
    outcome = _run_scheduler()
    with db.connection_context():
        bought = {p.order_id for p in Purchase.select()}
    assert bought == {after} and before not in bought  # the backlog from before the switch is left alone
    assert batches == [{"kind": "purchase_batch", "target": f"account:{account.id}", "total": 1,
                        "account_id": account.id, "purchase_ids": outcome.purchase_ids, "mode": "auto"}]


def test_the_fetching_row_counts_the_orders_waiting_and_why(signed_in, shop, no_fetch_jobs):
    start(signed_in, shop, auto_purchase="1", auto_purchase_buffer="10")
    with db.connection_context():
        for minutes in (3, 5):
            make_order(shop, paid_at=datetime.now() - timedelta(minutes=minutes), fetched_at=datetime.now())
        make_order(shop, paid_at=datetime.now() - timedelta(minutes=30), fetched_at=datetime.now())
    html = signed_in.get("/shops/table").get_data(as_text=True)
    assert 'data-testid="auto-purchase-waiting"' in html
    assert "自动采购等待：取消缓冲中 2 · 未设置下单链接 1" in html
