"""自动发货 end to end against the sandbox's shop backend: a supplier parcel read by the purchase-status sync
becomes a consign (tasks.shipping) with the supplier's number, or a 双物流 replacement; the platform's
refusals (bad / reused number, a sub-account without 发货 permission) fail with their specific text and
are not retried; a refunded order or one the seller shipped in 千牛 is not shipped; 今日发货 / 今日发货失败
count what happened."""
from __future__ import annotations

import itertools
from datetime import date

from dropship.models import Job, Order, Shipment, Shop
from dropship.queue import start_job
from dropship.services import shops
from dropship.services.jobs import job_target
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from dropship.services.shipping import (
    BAD_NUMBER,
    NO_PERMISSION,
    NOT_LOGGED_IN,
    USED_NUMBER,
    failed_today,
    today_counts,
)
from dropship.tasks.purchase_sync import ship_parcels
from tests.decrypt_spent import spend_todays_decrypts
from tests.orders_factory import buy

BUYER_PASSWORD = "buyer-pass-1"
_buyers = itertools.count()


def _fetched_shop(sb, login: str, count: int) -> tuple[Shop, list[Order]]:
    info = sb.scenario("shop_with_paid_orders", login=login, count=count, days=1, multi_ratio=0)
    sb.update_account(login, rate_limit_per_min=10_000)
    shop = shops.add_shop("taobao", login, info["password"])
    spend_todays_decrypts(shop.id)
    job = start_job("fetch_orders", "fetch", target=job_target("shop", shop.id), shop_id=shop.id)
    assert job.state == "done", job.error
    return shop, [Order.get(Order.tid == tid) for tid in info["tids"]]


def _supplier_parcel(sb, courier_code: str) -> tuple[str, str]:
    """A real supplier parcel in the sandbox: (courier as the supplier's page names it, number). 百通 is
    only used by 拼多多 / 1688 suppliers."""
    platform = "pdd" if courier_code == "BTKD" else "taobao"
    login = f"ship_buyer_{next(_buyers)}"
    sb.add_buyer(platform, login, BUYER_PASSWORD)
    item = [i for i in sb.supplier_items(platform) if i["skus"]][0]
    sb.update_sku(item["skus"][0]["sku_id"], stock=50)
    bought = sb.buy(platform, login, item["skus"][0]["sku_id"], quantity=1, paid=True)
    shipment = sb.ship_now(bought["order_id"], courier_code=courier_code)["shipments"][0]
    return shipment["courier_name"], shipment["tracking_no"]


def _ship(order: Order, courier: str, number: str) -> Shipment:
    """The purchase-status sync recorded the supplier's parcel: automatic shipping runs."""
    buy(order, courier=courier, tracking_number=number, state="paid", status="shipped")
    ship_parcels([order.id])
    return Shipment.get(Shipment.order == order.id, Shipment.mode == "automatic")


def _shipped_numbers(sb, tid: str) -> list[tuple[str, str]]:
    return [(s["courier_code"], s["tracking_no"]) for s in sb.shop_order(tid)["shipments"]]


def test_auto_ship_with_the_supplier_number_and_what_is_refused_or_left_alone(desk, sb):
    shop, orders = _fetched_shop(sb, "auto_ship_shop", 5)
    good, bad, reused, refunded, elsewhere = orders
    courier, number = _supplier_parcel(sb, "ZTO")

    done = _ship(good, courier, number)
    assert (done.state, done.courier, done.tracking_number, done.error) == ("done", "ZTO", number, "")
    assert _shipped_numbers(sb, good.tid) == [("ZTO", number)]
    assert Order.get_by_id(good.id).status == "shipped"  # re-read after the consign

    failed = _ship(bad, "中通快递", "7312")
    assert (failed.state, failed.error, failed.attempts) == ("failed", BAD_NUMBER, 1)  # never retried
    failed = _ship(reused, "中通快递", number)  # a number already used on a shop backend
    assert (failed.state, failed.error, failed.attempts) == ("failed", USED_NUMBER, 1)
    assert _shipped_numbers(sb, bad.tid) == _shipped_numbers(sb, reused.tid) == []
    assert Job.get(Job.target == f"shipment:{failed.id}").error == f"发货失败：{USED_NUMBER}"

    sb.open_dispute(refunded.tid, "refund_only")  # the buyer asks for a refund before we ship
    skipped = _ship(refunded, courier, _supplier_parcel(sb, "ZTO")[1])
    assert skipped.state == "skipped" and "退款" in skipped.error
    assert _shipped_numbers(sb, refunded.tid) == []

    by_hand = sb.seller_ship(elsewhere.tid, courier_code="YTO")  # the seller shipped it in 千牛 meanwhile
    skipped = _ship(elsewhere, courier, _supplier_parcel(sb, "ZTO")[1])
    assert skipped.state == "skipped" and "不是本软件发的" in skipped.error
    assert len(sb.shop_order(elsewhere.tid)["shipments"]) == 1  # not shipped twice
    recorded = Shipment.get(Shipment.order == elsewhere.id, Shipment.mode == "platform")
    assert recorded.tracking_number == by_hand["shipments"][0]["tracking_no"]

    assert today_counts([shop.id]) == {shop.id: (1, 2)}
    assert [(s.order.tid, s.error) for s in failed_today(shop, Scope.everything())] == [
        (reused.tid, USED_NUMBER), (bad.tid, BAD_NUMBER)]


def test_dual_logistics_ships_with_the_providers_replacement_once_its_key_is_set(desk, sb):
    _, (keyless, order) = _fetched_shop(sb, "dual_shop", 2)
    set_setting("ship.dual_logistics", True)
    courier, number = _supplier_parcel(sb, "BTKD")  # 百通: not on the shop backend's list
    shipment = _ship(keyless, courier, number)
    assert shipment.state == "failed" and "双物流账号未设置" in shipment.error
    assert _shipped_numbers(sb, keyless.tid) == []

    set_setting("ship.dual_app_key", "swl_desk_key")
    courier, number = _supplier_parcel(sb, "BTKD")
    shipment = _ship(order, courier, number)
    assert shipment.state == "done", shipment.error
    assert (shipment.original_courier, shipment.original_tracking_number) == ("BTKD", number)
    assert shipment.courier != "BTKD" and shipment.tracking_number != number
    assert _shipped_numbers(sb, order.tid) == [(shipment.courier, shipment.tracking_number)]


def test_a_sub_account_without_permission_and_a_shop_that_cannot_log_in(desk, sb):
    shop, (first, second) = _fetched_shop(sb, "no_perm_shop", 2)
    sb.update_account("no_perm_shop", can_ship=False)
    courier, number = _supplier_parcel(sb, "ZTO")
    shipment = _ship(first, courier, number)
    assert (shipment.state, shipment.error) == ("failed", NO_PERMISSION)
    assert _shipped_numbers(sb, first.tid) == []

    sb.expire_sessions("no_perm_shop")
    Shop.update(password="wrong-password").where(Shop.id == shop.id).execute()  # encrypted by the field
    shipment = _ship(second, courier, _supplier_parcel(sb, "ZTO")[1])
    assert (shipment.state, shipment.error) == ("failed", NOT_LOGGED_IN)
    assert today_counts([shop.id], date.today()) == {shop.id: (0, 2)}
