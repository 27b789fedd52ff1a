"""店铺 jobs end to end against the sandbox: authorize, fetch three pages of orders, re-fetch, expiry, risk,
addresses. Thousands of orders are tests/benchmarks/test_fetch_bench.py's job (`make bench`)."""
from datetime import datetime, timedelta

import pytest

from dropship import secrets
from dropship.models import Job, Order, OrderItem, Shop, ShopDailyStat
from dropship.queue import start_job
from dropship.services import shops
from dropship.services.jobs import job_target
from dropship.services.receiver import real_receiver
from dropship.services.scope import Scope
from tests.decrypt_spent import spend_todays_decrypts


def _job(kind: str, shop: Shop, **args) -> Job:
    return start_job(kind, kind, target=job_target("shop", shop.id), shop_id=shop.id, **args)


def _shop(login: str, password: str, platform: str = "taobao") -> Shop:
    return shops.add_shop(platform, login, password)


def test_authorize_marks_login_ok_or_names_the_failure(desk, sb):
    sb.add_seller("auth_ok", "pw-1")
    sb.add_seller("auth_bad", "pw-1")
    good, bad = _shop("auth_ok", "pw-1"), _shop("auth_bad", "not-it")
    assert _job("authorize_shop", good).state == "done"
    assert Shop.get_by_id(good.id).login_state == "ok" and Shop.get_by_id(good.id).platform_user_id
    failed = _job("authorize_shop", bad)
    assert failed.state == "failed" and "账号名或登录密码不正确" in failed.error
    assert Shop.get_by_id(bad.id).login_state == "bad_password"


PAGED_ORDERS = 65  # three sold-list pages of 30: a full page, another, and a short last one


def test_fetch_pages_of_orders_once_with_multi_item_orders_intact(desk, sb):
    info = sb.scenario("shop_with_paid_orders", login="big_shop", count=PAGED_ORDERS, days=2.5)
    sb.update_account("big_shop", rate_limit_per_min=10_000)  # no throttle in tests: let the detail pages through
    shop = _shop("big_shop", info["password"])
    spend_todays_decrypts(shop.id)  # decrypting after each fetch is the next test's subject
    job = _job("fetch_orders", shop)
    assert job.state == "done", job.error
    assert job.total == 3 and job.done == 3  # 65 orders / 30 per page
    stored = {o.tid for o in Order.select(Order.tid).where(Order.shop == shop.id)}
    assert stored == set(info["tids"])
    multi = 0
    for tid in info["tids"]:
        expected = sb.shop_order(tid)
        order = Order.get(Order.tid == tid)
        assert order.paid_amount == expected["paid_fen"]
        assert sorted(i.oid for i in order.items) == sorted(i["oid"] for i in expected["items"])
        multi += len(expected["items"]) > 1
    assert multi >= 5  # the multi-item orders this test is about are really there
    assert ShopDailyStat.get(shop=shop.id).new_orders == PAGED_ORDERS
    messages = Job.get(Job.kind == "fetch_buyer_messages")
    assert messages.state == "done" and messages.total > 0
    with_message = [t for t in info["tids"] if sb.shop_order(t)["buyer_message"]]
    assert len(with_message) == messages.total
    assert Order.get(Order.tid == with_message[0]).buyer_message == sb.shop_order(with_message[0])["buyer_message"]
    items = OrderItem.select().count()

    again = _job("fetch_orders", shop)
    assert again.state == "done" and "新订单 0 个" in again.message
    assert Order.select().count() == PAGED_ORDERS and OrderItem.select().count() == items
    assert ShopDailyStat.get(shop=shop.id).new_orders == PAGED_ORDERS


def test_expired_service_is_refused_with_a_reason(desk, sb):
    sb.add_seller("old_shop", "pw")
    shop = _shop("old_shop", "pw")
    Shop.update(service_until=datetime.now() - timedelta(days=1), fetch_state="fetching").execute()
    job = _job("fetch_orders", shop)
    assert job.state == "failed" and "服务已到期" in job.error
    assert Shop.get_by_id(shop.id).fetch_state == "stopped" and Order.select().count() == 0


def test_risk_stops_one_shop_and_the_others_go_on(desk, sb):
    calm = sb.scenario("shop_with_paid_orders", login="calm_shop", count=60, days=1)
    busy = sb.scenario("shop_with_paid_orders", login="risky_shop", count=60, days=1)
    sb.update_account("risky_shop", rate_limit_per_min=2)
    calm_shop, busy_shop = _shop("calm_shop", calm["password"]), _shop("risky_shop", busy["password"])
    spend_todays_decrypts(calm_shop.id)
    options = shops.parse_fetch_options("3", "", "", True, False, True)
    shops.start_fetching([calm_shop.id, busy_shop.id], options, Scope.everything())
    blocked = _job("fetch_orders", busy_shop)
    fine = _job("fetch_orders", calm_shop)
    assert blocked.state == "failed" and "风控" in blocked.error
    busy_row = Shop.get_by_id(busy_shop.id)
    assert busy_row.login_state == "risk" and busy_row.cooldown_until > datetime.now()
    assert fine.state == "done" and Order.select().where(Order.shop == calm_shop.id).count() == 60
    due = [s.id for s in shops.due_shops(datetime.now() + shops.FETCH_INTERVAL + timedelta(minutes=1))]
    assert calm_shop.id in due and busy_shop.id not in due  # cooling down, not fetched
    again = _job("fetch_orders", busy_shop)
    assert again.state == "failed" and "风控冷却中" in again.error


def test_addresses_decrypt_within_quota_then_export_with_sms_password(desk, sb):
    info = sb.scenario("shop_with_paid_orders", login="addr_task_shop", count=5, days=1)
    sb.update_shop("addr_task_shop", decrypt_quota=3, decrypt_slider_chance=0)
    shop = _shop("addr_task_shop", info["password"])
    fetch = _job("fetch_orders", shop)
    decrypt = Job.get(Job.kind == "decrypt_addresses")  # queued by the fetch
    assert fetch.state == "done" and decrypt.state == "failed"
    assert "还有 2 个订单地址未解密" in decrypt.error and "地址脱敏导出" in decrypt.error
    assert Order.select().where(Order.address_state == "decrypted").count() == 3
    assert ShopDailyStat.get(shop=shop.id).decrypted == 3

    assert "密码已发送" in _job("address_export_request", shop).message
    code = next(c["code"] for c in sb.sms_codes() if c["purpose"] == "export" and c["login"] == "addr_task_shop")
    export = _job("address_export", shop, password_token=secrets.encrypt(code))
    assert export.state == "done", export.error
    assert code not in str(export.args)  # the SMS password is stored only encrypted
    assert Order.select().where(Order.address_state == "masked").count() == 0
    order = Order.get(Order.tid == info["tids"][0])
    assert real_receiver(order).name == sb.shop_order(info["tids"][0])["receiver"]["name"]


def test_scheduled_tick_fetches_only_shops_that_are_fetching(desk, sb):
    from dropship.tasks.shops import enqueue_due_fetches

    info = sb.scenario("shop_with_paid_orders", login="tick_shop", count=5, days=1)
    on, off = _shop("tick_shop", info["password"]), _shop("tick_off", "pw")
    shops.start_fetching([on.id], shops.parse_fetch_options("3", "", "", True, False, True), Scope.everything())
    enqueue_due_fetches.call_local()
    assert [j.target for j in Job.select().where(Job.kind == "fetch_orders")] == [job_target("shop", on.id)]
    assert Order.select().count() == 5 and Shop.get_by_id(on.id).next_fetch_at > datetime.now()
    shops.pause_fetching(Scope.everything())
    enqueue_due_fetches.call_local()
    assert Job.select().where(Job.kind == "fetch_orders").count() == 1
    assert off.fetch_state == "stopped"


@pytest.mark.parametrize("style", ["html", "sec"])
def test_risk_as_a_page_is_risk_and_never_a_reason_to_log_in_again(desk, sb, style):
    login = f"blocked_{style}"
    info = sb.scenario("shop_with_paid_orders", login=login, count=40, days=1)
    shop = _shop(login, info["password"])
    assert _job("authorize_shop", shop).state == "done"
    attempts = sb.account_state(login)["login_attempts"]
    sb.update_account(login, rate_limit_per_min=1, risk_style=style, risk_cooldown_minutes=60)
    Shop.update(auto_login=True).where(Shop.id == shop.id).execute()  # 店铺筛选自动登录 on
    job = _job("fetch_orders", shop)
    assert job.state == "failed" and "风控" in job.error
    assert Shop.get_by_id(shop.id).login_state == "risk"
    Shop.update(cooldown_until=None).where(Shop.id == shop.id).execute()  # our cool-down over, theirs not
    again = _job("fetch_orders", shop)
    assert again.state == "failed" and "风控" in again.error
    assert sb.account_state(login)["login_attempts"] == attempts  # no login in the middle of a block


def test_unknown_statuses_are_stored_as_other_and_never_to_purchase_or_to_ship(desk, sb):
    from dropship.services.orders.cards import order_cards
    from dropship.services.orders.tabs import TabContext, tab_to_purchase, tab_to_ship

    info = sb.scenario("unusual_statuses", login="unusual_task_shop")
    shop = _shop("unusual_task_shop", info["password"])
    spend_todays_decrypts(shop.id)
    assert _job("fetch_orders", shop).state == "done"
    ctx = TabContext.current()
    to_buy = {o.tid for o in Order.select().where(tab_to_purchase(ctx))}
    to_ship = {o.tid for o in Order.select().where(tab_to_ship(ctx))}
    assert to_buy | to_ship == {info["tids"]["WAIT_SELLER_SEND_GOODS"]}
    forbid = Order.get(Order.tid == info["tids"]["PAID_FORBID_CONSIGN"])
    assert (forbid.status, forbid.status_code) == ("other", "PAID_FORBID_CONSIGN")
    assert order_cards([forbid])[0].status_label == "其他（PAID_FORBID_CONSIGN）"
