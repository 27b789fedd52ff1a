"""去下单 (the `purchase` job) with the REAL 1688 and 拼多多 drivers against the sandbox: the account opened
by tasks/account_session (1688 by password, PDD by token), the driver built there with 采购设置's
拼多多下单方式 and 支付方式, one supplier order each carrying the buyer's receiver and our 采购标记, and
the purchase recording its 采购单号 / 采购金额 / 拍单状态. The 淘宝 driver's run is the kill test's
(tests/drivers/test_purchase_crash.py) and the e2e's (tests/e2e/test_purchase_flow.py)."""
from __future__ import annotations

from datetime import datetime

from dropship.models import Job, OrderItem, Purchase
from dropship.platforms.base import Receiver
from dropship.queue import start_job
from dropship.services.jobs import job_target
from dropship.services.purchase_settings import save_payment
from dropship.services.purchasing.records import begin
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from tests.orders_factory import make_order, make_shop

from .buying import PAY_PASSWORD, authorized_account

RECEIVER = Receiver(name="王小明", phone="13812345678", province="浙江省", city="杭州市", district="西湖区",
                    town="文新街道", address="文一西路100号3栋2单元501室")


def _supplier_item(sb, platform: str) -> tuple[dict, dict]:
    item = next(i for i in sb.supplier_items(platform) if len(i["skus"]) >= 2)
    sku = item["skus"][1]
    sb.update_sku(sku["sku_id"], stock=50)
    return item, sku


def _buy(sb, platform: str, login: str, quantity: int = 2) -> tuple[Purchase, Job, dict]:
    """One fetched-looking order (real receiver known), its purchase in 准备, then the `purchase` job."""
    account = authorized_account(sb, platform, login)
    item, sku = _supplier_item(sb, platform)
    order = make_order(make_shop(f"店-{login}"), items=1, paid=sku["price_fen"] * quantity * 3)
    store_receiver(order, RECEIVER)
    items = list(OrderItem.select().where(OrderItem.order == order.id))
    purchase = begin(Scope.everything(), order, items, account, platform, item["item_id"], sku["sku_id"], quantity)
    sb.advance(max((datetime.now() - sb.now()).total_seconds() / 60, 0))  # the diff's window is wall-clock time
    job = start_job("purchase", "自动下单", target=job_target("purchase", purchase.id), purchase_id=purchase.id,
                    mode="auto")
    return Purchase.get_by_id(purchase.id), job, sku


def _one_supplier_order(sb, login: str, purchase: Purchase, sku: dict, quantity: int) -> dict:
    [placed] = sb.purchase_orders(login=login)
    assert placed["memo"] == f"DS{purchase.id}"  # 采购标记 in the buyer memo
    assert placed["order_id"] == purchase.platform_order_id and placed["paid_fen"] == purchase.amount
    assert [(i["sku_id"], i["quantity"]) for i in placed["items"]] == [(sku["sku_id"], quantity)]
    receiver = placed["receiver"]
    assert (receiver["name"], receiver["mobile"]) == (RECEIVER.name, RECEIVER.phone)
    assert RECEIVER.address in receiver["address"]
    return placed


def test_1688_purchase_job_places_one_order_and_records_it_unpaid(desk, sb):
    purchase, job, sku = _buy(sb, "alibaba1688", "ali_task_1")
    assert job.state == "done", job.error
    assert purchase.state == "unpaid" and purchase.status == "unpaid" and purchase.amount >= sku["price_fen"] * 2
    assert "未开启自动支付" in job.message
    placed = _one_supplier_order(sb, "ali_task_1", purchase, sku, 2)
    assert placed["state"] == "unpaid"


def test_pdd_single_purchase_with_auto_pay_is_paid_by_the_chosen_method(desk, sb):
    set_setting("pay.auto", True)
    save_payment({"pay_method": "alipay_password", "pay_account": "13900000101", "pay_password": PAY_PASSWORD,
                  "pdd_order": "single"}, None)  # the sandbox's 支付宝 account is the buyer's phone
    purchase, job, sku = _buy(sb, "pdd", "13900000101")
    assert job.state == "done", job.error
    assert (purchase.state, purchase.status) == ("paid", "paid"), job.message
    assert 0 < purchase.amount <= sku["price_fen"] * 2  # 采购金额 is what PDD charged (its discounts applied)
    placed = _one_supplier_order(sb, "13900000101", purchase, sku, 2)
    assert placed["state"] == "unshipped" and placed["group_order_id"] == ""


def test_pdd_group_purchase_waits_in_sharing(desk, sb):
    set_setting("pay.auto", True)
    save_payment({"pay_method": "alipay_password", "pay_account": "13900000102", "pay_password": PAY_PASSWORD,
                  "pdd_order": "group"}, None)
    purchase, job, sku = _buy(sb, "pdd", "13900000102")
    assert job.state == "done", job.error
    assert (purchase.state, purchase.status) == ("paid", "sharing"), job.message  # 待分享: paid, not yet formed
    placed = _one_supplier_order(sb, "13900000102", purchase, sku, 2)
    assert placed["group_order_id"]
