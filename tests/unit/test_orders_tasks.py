"""订单 jobs against a fake shop backend: memo push with read-back, 同步状态, 批量同步; each safe to run twice."""
import logging

import pytest

from dropship import queue
from dropship.db import db
from dropship.models import Job, Order, OrderItem, Shop
from dropship.platforms.base import (
    LoginRequired,
    Memo,
    Parcel,
    PlatformError,
    Receiver,
    RemoteOrder,
    RiskBlocked,
)
from dropship.queue import start_job
from dropship.services.memo import save_memo
from dropship.services.orders.cards import order_cards
from dropship.services.receiver import store_receiver
from dropship.services.settings import set_setting
from dropship.tasks import orders as tasks
from tests.orders_factory import buy, fake_shops, make_order, make_shop, reload, ship


@pytest.fixture(autouse=True)
def _db(app):
    # Jobs run in a worker thread with its own connection: rows must be committed, not rolled back.
    with db.connection_context():
        yield


@pytest.fixture
def shop_backend(monkeypatch):
    return fake_shops(monkeypatch)


def _push(order: Order) -> Job:
    return start_job("push_memo", f"云端备注 · {order.tid}", order_id=order.id)


# -- push_memo ------------------------------------------------------------------------------------

def test_memo_is_written_then_read_back_and_marked_synced(shop_backend):
    order = make_order(make_shop())
    save_memo(order.id, "已拍 拼多多", 1)
    job = _push(order)
    assert job.state == "done" and job.message == "备注已同步到店铺后台"
    assert shop_backend.calls == [("set_memo", order.tid, "已拍 拼多多", 1), ("get_memo", order.tid)]
    assert reload(order).memo_state == "synced"


def test_pushing_twice_writes_once(shop_backend):
    order = make_order(make_shop())
    save_memo(order.id, "备注", 2)
    _push(order)
    again = _push(order)
    assert again.state == "done" and again.message == "备注已是最新"
    assert shop_backend.kinds().count("set_memo") == 1


def test_a_read_back_that_differs_fails_the_push(shop_backend):
    order = make_order(make_shop())
    save_memo(order.id, "新备注", 1)
    shop_backend.echo = Memo("旧备注", 1)
    job = _push(order)
    assert job.state == "failed" and "读回的备注与本地不一致" in job.error
    failed = reload(order)
    assert failed.memo_state == "failed" and failed.memo_error == "店铺后台读回的备注与本地不一致，请重试"


def test_a_platform_refusal_is_shown_on_the_card(shop_backend):
    order = make_order(make_shop())
    save_memo(order.id, "备注", 5)
    shop_backend.memo_error = PlatformError("备注同步失败：旗帜参数错误")
    job = _push(order)
    assert job.state == "failed" and job.error == "备注同步失败：备注同步失败：旗帜参数错误"
    assert reload(order).memo_error == "备注同步失败：旗帜参数错误"


def test_a_shop_that_cannot_be_opened_fails_the_memo_with_the_reason(shop_backend):
    shop = make_shop()
    order = make_order(shop)
    save_memo(order.id, "备注", 0)
    shop_backend.refuse(shop, LoginRequired("店铺登录已失效，请点“授权”"))
    job = _push(order)
    assert job.state == "failed" and job.error == "店铺登录已失效，请点“授权”"
    assert (reload(order).memo_state, reload(order).memo_error) == ("failed", "店铺登录已失效，请点“授权”")
    assert shop_backend.calls == []


# -- sync_order -----------------------------------------------------------------------------------

def test_sync_state_pushes_a_waiting_memo_then_reads_the_shop(shop_backend):
    order = make_order(make_shop(), items=2)
    save_memo(order.id, "待同步", 1)
    shop_backend.serve(reload(order), status="shipped", status_text="卖家已发货")
    job = start_job("sync_order", "同步状态", order_id=order.id)
    assert job.state == "done" and job.message == "已同步 1 个订单"
    # shipped in the shop backend with no parcel of ours: its detail page gives the 物流信息
    assert shop_backend.kinds() == ["set_memo", "get_memo", "get_orders", "order_from_detail"]
    synced = reload(order)
    assert (synced.status, synced.memo_state, synced.sync_message) == ("shipped", "synced", "已同步")
    assert synced.synced_at is not None


def test_sync_state_refreshes_refunds_and_the_roll_ups(shop_backend):
    order = make_order(make_shop(), items=2)
    first = OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.id).first()
    shop_backend.serve(order, **{"refund_" + first.oid: "refunding"})
    start_job("sync_order", "同步状态", order_id=order.id)
    assert reload(order).refund_state == "refunding"


def test_sync_state_of_an_order_the_shop_no_longer_has(shop_backend):
    order = make_order(make_shop())
    job = start_job("sync_order", "同步状态", order_id=order.id)
    assert job.state == "failed" and job.error == "已同步 0 个订单，1 个在店铺后台没有找到"
    assert reload(order).sync_message == "店铺后台没有找到该订单"


def test_sync_state_when_the_shop_is_logged_out(shop_backend):
    shop = make_shop()
    order = make_order(shop)
    shop_backend.refuse(shop, LoginRequired("店铺登录已失效"))
    job = start_job("sync_order", "同步状态", order_id=order.id)
    assert job.state == "failed" and reload(order).sync_message == "同步失败：店铺登录已失效"


def test_sync_applies_the_memo_template_when_purchase_data_changed(shop_backend):
    set_setting("memo.fields", ["purchase_order"])
    set_setting("memo.flag", "4")
    order = make_order(make_shop())
    buy(order, platform_order_id="230314-540")
    shop_backend.serve(reload(order), seller_flag=4)
    start_job("sync_order", "同步状态", order_id=order.id)
    assert shop_backend.memos[order.tid] == Memo("拼多多230314-540", 4)
    assert reload(order).memo_state == "synced"


# -- batch_sync -----------------------------------------------------------------------------------

def _batch(shops, **args) -> Job:
    return start_job("batch_sync", "批量同步", shop_ids=[s.id for s in shops], **args)


def test_batch_sync_reads_in_batches_of_50_and_reports_progress(shop_backend):
    shop = make_shop()
    orders = [make_order(shop) for _ in range(120)]
    for order in orders:
        shop_backend.serve(order, status="finished")
    job = _batch([shop], tab="all", days=30)
    assert job.state == "done" and (job.done, job.total) == (120, 120)
    assert job.message == "已同步 120 个订单"
    assert [len(c[1]) for c in shop_backend.calls if c[0] == "get_orders"] == [50, 50, 20]
    assert Order.select().where(Order.status == "finished").count() == 120


def test_batch_sync_goes_on_when_one_shop_fails(shop_backend):
    good, bad = make_shop("好店"), make_shop("坏店")
    ok = [make_order(good) for _ in range(3)]
    for order in ok:
        shop_backend.serve(order)
    make_order(bad)
    shop_backend.refuse(bad, LoginRequired("店铺登录已失效"))
    job = _batch([good, bad], tab="all", days=30)
    assert job.state == "done" and (job.done, job.total) == (4, 4)
    assert job.message == "已同步 3 个订单；坏店：店铺登录已失效"


def test_batch_sync_fails_when_no_shop_could_be_synced(shop_backend):
    bad = make_shop("坏店")
    make_order(bad)
    shop_backend.refuse(bad, LoginRequired("店铺登录已失效"))
    job = _batch([bad], tab="all", days=30)
    assert job.state == "failed" and job.error == "已同步 0 个订单；坏店：店铺登录已失效"


def test_batch_sync_of_ticked_orders_pushes_their_waiting_memos(shop_backend):
    shop = make_shop()
    ticked, other = make_order(shop), make_order(shop)
    for order in (ticked, other):
        save_memo(order.id, "批量", 3)
        shop_backend.serve(reload(order), seller_flag=3)
    job = _batch([shop], order_ids=[ticked.id])
    assert job.state == "done" and job.total == 1
    assert shop_backend.memos == {ticked.tid: Memo("批量", 3)}
    assert reload(other).memo_state == "syncing"


def test_batch_sync_run_again_skips_what_it_already_synced(shop_backend):
    shop = make_shop()
    for _ in range(3):
        shop_backend.serve(make_order(shop))
    job = _batch([shop], tab="all", days=30)
    calls = len(shop_backend.calls)
    Job.update(state="queued").where(Job.id == job.id).execute()  # as recovery hands it back after a crash
    tasks.batch_sync.call_local(job.id, [shop.id], "all", 30)  # the same job again, as after a restart
    assert len(shop_backend.calls) == calls
    assert Job.get_by_id(job.id).message == "没有需要同步的订单"


def test_batch_sync_hands_the_job_back_at_shutdown(shop_backend):
    shop = make_shop()
    shop_backend.serve(make_order(shop))
    queue.stopping.set()
    try:
        job = _batch([shop], tab="all", days=30)
    finally:
        queue.stopping.clear()
    assert job.state == "queued" and "下次启动后继续" in job.message
    assert shop_backend.calls == []


# -- 订单同步 线路1 / 线路2, 删除地址自动同步 ------------------------------------------------------------

def test_the_sync_route_decides_which_pages_are_read(shop_backend):
    shop = make_shop()
    orders = [make_order(shop) for _ in range(3)]
    for n, order in enumerate(orders):
        ship(order, tracking=f"7312345678901{n}")  # our parcels: nothing for a detail page to add
        shop_backend.serve(order, status="shipped", status_text="卖家已发货")
    set_setting("orders.sync_route", 1)  # the sold list's batch lookup: one call for the three
    start_job("batch_sync", "批量同步", shop_ids=[shop.id], order_ids=[o.id for o in orders])
    assert shop_backend.kinds() == ["get_orders"]
    assert {reload(o).status for o in orders} == {"shipped"}
    shop_backend.calls.clear()
    for order in orders:
        shop_backend.serve(reload(order), status="finished", status_text="交易成功")
    set_setting("orders.sync_route", 2)  # each order's detail page
    start_job("batch_sync", "批量同步 2", shop_ids=[shop.id], order_ids=[o.id for o in orders])
    assert sorted(shop_backend.calls) == sorted(("order_from_detail", o.tid) for o in orders)
    assert {reload(o).status for o in orders} == {"finished"}


MASKED_OLD = Receiver(name="张**", phone="138****1234", province="浙江省", city="杭州市", district="西湖区", address="文三路****")
MASKED_NEW = Receiver(name="李**", phone="139****5678", province="广东省", city="深圳市", district="南山区", address="****")


def _changed_address(shop_backend, auto: bool, bought: bool) -> Order:
    set_setting("orders.sync_route", 2)  # the detail page shows the (masked) receiver
    shop = make_shop()
    Shop.update(auto_sync_deleted_address=auto).where(Shop.id == shop.id).execute()
    order = make_order(shop)
    shop_backend.serve(order, receiver=MASKED_OLD)
    start_job("sync_order", "同步状态", order_id=order.id)
    store_receiver(reload(order), Receiver(name="张三", phone="13812341234", province="浙江省", city="杭州市",
                                           district="西湖区", address="文三路 1 号"), "decrypted")
    if bought:
        buy(reload(order))
    shop_backend.serve(reload(order), receiver=MASKED_NEW)  # the buyer changed the address on the platform
    start_job("sync_order", "同步状态 2", order_id=order.id)
    return reload(order)


def test_a_changed_address_is_decrypted_again_when_the_switch_is_on(shop_backend, monkeypatch):
    started = []
    monkeypatch.setattr(tasks, "start_unique_job", lambda kind, title, **kw: started.append((kind, kw["shop_id"])))
    order = _changed_address(shop_backend, auto=True, bought=False)
    assert (order.address_state, order.receiver_real, order.abnormal) == ("masked", None, "")
    assert (order.receiver_name, order.receiver_region) == ("李**", "广东省 深圳市 南山区")
    assert started == [("decrypt_addresses", order.shop_id)]


def test_a_changed_address_of_a_bought_order_goes_to_abnormal(shop_backend, monkeypatch):
    monkeypatch.setattr(tasks, "start_unique_job", lambda *a, **kw: None)
    order = _changed_address(shop_backend, auto=True, bought=True)
    assert (order.abnormal, order.mark_note, order.address_state) == ("address_changed", "买家已修改地址", "masked")
    assert order_cards([order])[0].mark_label == "买家已修改地址"


def test_with_the_switch_off_only_the_masked_text_follows(shop_backend, monkeypatch):
    started = []
    monkeypatch.setattr(tasks, "start_unique_job", lambda *a, **kw: started.append(a))
    order = _changed_address(shop_backend, auto=False, bought=True)
    assert (order.address_state, order.abnormal, order.receiver_name) == ("decrypted", "", "李**")
    assert started == []


# -- logging: expected outcomes are one line, bugs keep their traceback ----------------------------

def test_an_expected_platform_outcome_is_one_line_with_shop_and_job(shop_backend, caplog):
    shop = make_shop("风控小店")
    order = make_order(shop)
    shop_backend.refuse(shop, RiskBlocked("平台风控限制（访问过于频繁），已暂停该店铺"))
    with caplog.at_level(logging.INFO):
        job = start_job("sync_order", f"同步状态 · {shop.display_name}", target=f"shop:{shop.id}", order_id=order.id)
    assert job.state == "failed"
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in failures] == [
        f"任务 #{job.id} 同步状态 · 风控小店（shop:{shop.id}）未完成：平台风控限制（访问过于频繁），已暂停该店铺"]
    assert not any(r.exc_info for r in caplog.records)


def test_a_bug_keeps_its_traceback(shop_backend, caplog):
    order = make_order(make_shop())
    save_memo(order.id, "备注", 1)
    shop_backend.memo_error = KeyError("a bug")
    with caplog.at_level(logging.INFO):
        job = _push(order)
    assert job.state == "failed"
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [KeyError]


# -- 物流信息 of orders the seller shipped in the shop backend, masked receivers ------------------------

def _sync(order: Order, route: int = 1) -> Job:
    set_setting("orders.sync_route", route)  # 线路1 (the sold list) unless a test says otherwise
    return start_job("sync_order", "同步状态", order_id=order.id)


def test_an_order_shipped_in_the_shop_backend_shows_its_courier_and_number(shop_backend):
    order = make_order(make_shop())
    shop_backend.serve(order, status="shipped", parcels=None)  # the sold list names no parcel
    detail = RemoteOrder(**{**vars(shop_backend.remote[order.tid]),
                            "parcels": [Parcel("中通快递", "73123456789012")]})
    shop_backend.detail = {order.tid: detail}
    assert _sync(order).state == "done"
    card = order_cards([reload(order)])[0]
    assert [(p.text, p.tracking_number, p.outside) for p in card.parcels] == [("中通快递", "73123456789012", True)]
    assert card.shipped
    _sync(order)  # known now: no second page, no second parcel
    assert shop_backend.kinds().count("order_from_detail") == 1
    assert len(order_cards([reload(order)])[0].parcels) == 1


def test_no_logistics_is_shown_as_such(shop_backend):
    order = make_order(make_shop())
    shop_backend.serve(order, status="shipped")
    shop_backend.detail = {order.tid: RemoteOrder(**{**vars(shop_backend.remote[order.tid]),
                                                     "parcels": [Parcel("无需物流", dummy=True)]})}
    _sync(order)
    assert [p.text for p in order_cards([reload(order)])[0].parcels] == ["不需要发货（无需物流）"]


def test_a_parcel_we_shipped_ourselves_is_not_doubled(shop_backend):
    order = make_order(make_shop())
    ship(order, tracking="73123456789012")
    shop_backend.serve(order, status="shipped", parcels=[Parcel("中通快递", "73123456789012")])
    _sync(order, route=2)  # the detail page shows every parcel, ours too
    card = order_cards([reload(order)])[0]
    assert [(p.tracking_number, p.outside) for p in card.parcels] == [("73123456789012", False)]


def test_a_masked_receiver_the_list_lacks_is_read_once_and_shown(shop_backend):
    order = make_order(make_shop(), receiver_name="", receiver_phone="")
    Order.update(receiver_region="", receiver_address="").where(Order.id == order.id).execute()
    shop_backend.serve(reload(order))
    masked = Receiver(name="张**", phone="138****1234", province="广东省", city="广州市", district="天河区",
                      address="****")
    shop_backend.detail = {order.tid: RemoteOrder(**{**vars(shop_backend.remote[order.tid]), "receiver": masked})}
    _sync(order)
    card = order_cards([reload(order)])[0]
    assert card.masked and card.receiver.name == "张**" and card.receiver.phone == "138****1234"
    assert card.receiver.region == "广东省 广州市 天河区"
    _sync(order)
    assert shop_backend.kinds().count("order_from_detail") == 1
