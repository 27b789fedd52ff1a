"""手动发货 and 百通一键替换极速 end to end against the sandbox: the app's services and jobs, the seller
driver, the sandbox's checks (a valid number ships; a rejected one fails with the platform's text on
the shipment; 修改运单号 within 24 hours only)."""
import random
from datetime import datetime, timedelta

from dropship.models import Job, Order, Shipment, Shop
from dropship.queue import start_job
from dropship.services import baitong, shops
from dropship.services.jobs import job_target
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from dropship.services.shipping import consign_job
from dropship.services.shipping_manual import create_manual

ALL = Scope.everything()


def _fetched(sb, login: str, count: int) -> list[Order]:
    """A sandbox shop with `count` paid orders, added and fetched into the app."""
    info = sb.scenario("shop_with_paid_orders", login=login, count=count, days=1, multi_ratio=0)
    sb.update_account(login, rate_limit_per_min=10_000)
    sb.scenario("decrypt_quota_zero", login=login)
    shop = shops.add_shop("taobao", login, info["password"])
    job = start_job("fetch_orders", "fetch", target=job_target("shop", shop.id), shop_id=shop.id)
    assert job.state == "done", job.error
    return [Order.get(Order.tid == tid) for tid in info["tids"]]


def _zto(rnd: random.Random) -> str:
    return f"73{rnd.randrange(10**12):012d}"  # the module's sandbox is shared: a number of its own


def _consign(shipment_id: int) -> Job:
    return start_job(**consign_job(Shipment.get_by_id(shipment_id)))


def test_manual_ship_valid_then_rejected_numbers_with_the_platforms_text(desk, sb):
    first, second, third = _fetched(sb, "manual_ship", 3)
    number = _zto(random.Random(13))
    plan = create_manual(ALL, first.id, {"courier": "中通快递", "tracking_number": number})
    assert plan.shipment_id and not plan.warning
    job = _consign(plan.shipment_id)
    assert job.state == "done", job.error
    assert Shipment.get_by_id(plan.shipment_id).state == "done"
    assert [(s["courier_code"], s["tracking_no"]) for s in sb.shop_order(first.tid)["shipments"]] == [("ZTO", number)]
    # the same number on another order: the platform refuses, its verdict lands on the shipment
    reused = create_manual(ALL, second.id, {"courier": "中通快递", "tracking_number": number})
    assert _consign(reused.shipment_id).state == "failed"
    assert Shipment.get_by_id(reused.shipment_id).error == "运单号已被使用"
    # a number unlike 中通's, shipped anyway after the warning: the platform's check is final
    odd = create_manual(ALL, third.id, {"courier": "中通快递", "tracking_number": "123456"})
    assert odd.warning and not odd.shipment_id
    odd = create_manual(ALL, third.id, {"courier": "中通快递", "tracking_number": "123456", "confirm": "123456"})
    assert _consign(odd.shipment_id).state == "failed"
    assert Shipment.get_by_id(odd.shipment_id).error == "运单号不符合规则"
    assert sb.shop_order(second.tid)["shipments"] == [] and sb.shop_order(third.tid)["shipments"] == []


def _baitong_parcel(sb, tid: str, hours_ago: float) -> str:
    """A supplier shipped our purchase with 百通, and the order was consigned with that number back
    when the backend still took 百通; returns the number."""
    sku = sb.supplier_items("pdd")[0]["skus"][0]["sku_id"]
    purchase = sb.buy("pdd", "bt_buyer", sku)
    number = sb.ship_now(purchase["order_id"], courier_code="BTKD")["shipments"][0]["tracking_no"]
    sb.baitong_shipped(tid, number, hours_ago=hours_ago)
    return number


def test_baitong_replacement_modifies_the_consign_and_keeps_the_original(desk, sb):
    sb.add_buyer("pdd", "bt_buyer", "pw-1")
    fresh, old = _fetched(sb, "bt_shop", 2)
    numbers = {fresh.id: _baitong_parcel(sb, fresh.tid, 2), old.id: _baitong_parcel(sb, old.tid, 30)}
    now = datetime.now()
    for order in (fresh, old):  # as the order sync records the shop's parcels (record_parcels)
        Shipment.create(order=order.id, courier="", courier_name="百通快递", tracking_number=numbers[order.id],
                        mode="platform", state="done", created_at=now - timedelta(hours=1))
    Order.update(status="shipped").where(Order.id.in_([fresh.id, old.id])).execute()
    set_setting("ship.dual_app_key", "swl_test_key")
    ids = baitong.start_run(ALL, now - timedelta(hours=2), now)
    job = start_job(baitong.JOB_KIND, "替换极速", total=len(ids), shipment_ids=ids)
    assert job.state == "done", job.error
    rows = {r.tid: r for r in baitong.results(ALL, job.id)}
    assert rows[fresh.tid].state == "done" and rows[fresh.tid].original_number == numbers[fresh.id]
    assert rows[old.tid].state == "failed" and rows[old.tid].error == "发货已超过24小时，不能修改运单号"
    [parcel] = sb.shop_order(fresh.tid)["shipments"]
    assert parcel["courier_code"] != "BTKD" and parcel["tracking_no"] == rows[fresh.tid].tracking_number
    assert sb.shop_order(old.tid)["shipments"][0]["courier_code"] == "BTKD"
    # the app: the replacement is the parcel now, the 百通 one 'replaced' (导入物流单号 on the card)
    states = {s.tracking_number: s.state for s in Shipment.select().where(Shipment.order == fresh.id)}
    assert states == {numbers[fresh.id]: "replaced", parcel["tracking_no"]: "done"}
    assert "成功 1 单，失败 1 单" in Job.get_by_id(job.id).message
    assert Shop.select().count() == 1
