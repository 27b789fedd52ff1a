"""手动发货 and 百通一键替换极速 over HTTP: bad input 400 beside the field with nothing written, the
pattern warning and 「仍然发货」, CSRF, scope (an order of a shop not granted is a 404), 即将开放 without
the job, and the card's lines (job under way, the platform's refusal, 导入物流单号)."""
from datetime import datetime, timedelta

import lxml.html
import pytest

from dropship import queue
from dropship.db import db
from dropship.models import Job, Order, Shipment
from tests.helpers import become_employee, post
from tests.orders_factory import buy, make_order, make_shop, ship
from tests.web.test_pages import Page

ZTO = "73123456789012"


def _db(fn):
    with db.connection_context():
        return fn()


@pytest.fixture
def desk(signed_in):
    def build():
        shop, other_shop = make_shop("好物小店"), make_shop("别家小店")
        return {"shop": shop, "order": make_order(shop, items=2, titles=("保温杯", "杯套")),
                "single": make_order(shop, titles=("水壶",)), "other": make_order(other_shop)}
    return {"client": signed_in, **_db(build)}


@pytest.fixture
def consign_job(monkeypatch):
    """The `consign` job as s-auto registers it: start_job records the call and a Job row."""
    calls = []
    monkeypatch.setitem(queue.JOB_TASKS, "consign", object())
    monkeypatch.setitem(queue.JOB_TASKS, "replace_baitong", object())

    def start_job(kind, title, **kwargs):
        calls.append((kind, kwargs))
        return Job.create(kind=kind, title=title, target=kwargs["target"], user=kwargs["user"], total=kwargs["total"],
                          args={k: v for k, v in kwargs.items() if k not in ("target", "user", "total")})
    monkeypatch.setattr(queue, "start_job", start_job)
    return calls


def _ship(desk, order="single", **data):
    return post(desk["client"], f"/shipping/orders/{desk[order].id}/manual", data, token_page="/orders")


def _shipments():
    return _db(lambda: list(Shipment.select().order_by(Shipment.id)))


def test_dialog_offers_the_courier_list_and_the_sub_orders(desk, consign_job):
    html = desk["client"].get(f"/shipping/orders/{desk['order'].id}/manual").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    assert "中通快递" in [o.get("value") for o in doc.xpath("//datalist/option")]
    assert doc.xpath("//input[@name='courier']/@list") == ["ship-couriers"]
    assert len(doc.xpath("//input[@name='oids']")) == 2
    card = desk["client"].get("/orders").get_data(as_text=True)
    assert f'/shipping/orders/{desk["order"].id}/manual' in card and ">手动发货</button>" in card
    assert Page(desk["client"].application, card, "/orders").idle_controls() == []


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"courier": "", "tracking_number": ZTO}, "courier", "请选择物流公司"),
    ({"courier": "火星快递", "tracking_number": ZTO}, "courier", "没有这个物流公司"),
    ({"courier": "中通快递", "tracking_number": "  "}, "tracking_number", "请填写物流单号"),
    ({"courier": "中通快递", "tracking_number": "7312 3456789012"}, "tracking_number", "不能包含空格"),
    ({"courier": "中通快递", "tracking_number": "7" * 41}, "tracking_number", "最多 40 个字符"),
    ({"courier": "中通快递", "tracking_number": "7312<b>"}, "tracking_number", "只能包含字母、数字和 -"),
])
def test_bad_input_is_400_beside_the_field_and_writes_nothing(desk, consign_job, data, field, message):
    response = _ship(desk, **data)
    assert response.status_code == 400
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    assert message in doc.xpath(f"//input[@name='{field}']/following-sibling::div[@role='alert']")[0].text_content()
    assert _shipments() == [] and consign_job == []


def test_several_sub_orders_need_a_choice(desk, consign_job):
    response = _ship(desk, "order", courier="中通快递", tracking_number=ZTO)
    assert response.status_code == 400 and "请勾选要发货的子订单" in response.get_data(as_text=True)
    assert _ship(desk, "order", courier="中通快递", tracking_number=ZTO, oids="999").status_code == 400
    assert _shipments() == []


def test_valid_number_creates_a_pending_manual_shipment_and_its_consign_job(desk, consign_job):
    response = _ship(desk, courier="中通快递", tracking_number=ZTO.replace("7", "７", 1))  # full-width typed
    assert response.status_code == 200 and "已提交发货" in response.get_data(as_text=True)
    [shipment] = _shipments()
    assert (shipment.courier, shipment.courier_name, shipment.tracking_number, shipment.oids, shipment.mode,
            shipment.state) == ("ZTO", "中通快递", ZTO, [], "manual", "pending")
    [(kind, kwargs)] = consign_job
    assert kind == "consign" and kwargs["shipment_id"] == shipment.id
    assert shipment.job_id is not None
    # the same order again: its only sub-order is under way, nothing more to ship
    again = _ship(desk, courier="中通快递", tracking_number=ZTO)
    assert again.status_code == 400 and "没有待发货的子订单" in again.get_data(as_text=True)
    card = desk["client"].get("/orders").get_data(as_text=True)
    assert f"正在发货：中通快递 {ZTO}" in card and f"任务：发货 · {desk['single'].tid} · 排队中" in card


def test_partial_shipment_of_chosen_sub_orders(desk, consign_job):
    order = desk["order"]
    oid = _db(lambda: order.items.order_by("id")[0].oid)
    assert _ship(desk, "order", courier="ZTO", tracking_number=ZTO, oids=oid).status_code == 200
    assert _shipments()[0].oids == [oid]
    html = desk["client"].get(f"/shipping/orders/{order.id}/manual").get_data(as_text=True)
    boxes = lxml.html.fromstring(html).xpath("//input[@name='oids']")
    assert [b.get("disabled") is not None for b in boxes] == [True, False]


def test_number_unlike_the_courier_warns_and_ships_only_when_confirmed(desk, consign_job):
    response = _ship(desk, courier="圆通速递", tracking_number=ZTO)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "不像圆通速递的单号" in html and "仍然发货" in html
    assert _shipments() == []
    # 「仍然发货」 confirms that number only: a changed number is checked again
    assert "不像圆通速递" in _ship(desk, courier="圆通速递", tracking_number="YT123", confirm=ZTO).get_data(as_text=True)
    assert _shipments() == []
    assert _ship(desk, courier="圆通速递", tracking_number=ZTO, confirm=ZTO).status_code == 200
    assert [(s.courier, s.tracking_number) for s in _shipments()] == [("YTO", ZTO)]


def test_failed_shipment_shows_the_platforms_text_on_the_card(desk, consign_job):
    _db(lambda: Shipment.create(order=desk["single"], courier="ZTO", courier_name="中通快递", tracking_number=ZTO,
                                mode="manual", state="failed", error="运单号不符合规则或已经被使用"))
    html = desk["client"].get("/orders").get_data(as_text=True)
    assert "发货失败：运单号不符合规则或已经被使用" in html


def test_shipped_order_cannot_be_shipped_again(desk, consign_job):
    order: Order = _db(lambda: make_order(desk["shop"], status="shipped"))
    response = post(desk["client"], f"/shipping/orders/{order.id}/manual", {"courier": "ZTO", "tracking_number": ZTO},
                    token_page="/orders")
    assert response.status_code == 400 and "不能发货" in response.get_data(as_text=True)


def test_without_the_consign_job_it_is_not_yet_open(desk, monkeypatch):
    monkeypatch.delitem(queue.JOB_TASKS, "consign", raising=False)
    html = desk["client"].get(f"/shipping/orders/{desk['single'].id}/manual").get_data(as_text=True)
    assert "即将开放" in html and "type=\"submit\"" not in html
    assert _ship(desk, courier="中通快递", tracking_number=ZTO).status_code == 409
    assert _shipments() == []


def test_post_needs_csrf(desk, consign_job):
    response = desk["client"].post(f"/shipping/orders/{desk['single'].id}/manual",
                                   data={"courier": "中通快递", "tracking_number": ZTO})
    assert response.status_code in (400, 403) and _shipments() == []


def test_employee_without_the_shop_grant_gets_404(desk, consign_job):
    become_employee(desk["client"], ["orders", "orders.ship"], shops=(desk["shop"],))
    assert desk["client"].get(f"/shipping/orders/{desk['other'].id}/manual").status_code == 404
    response = post(desk["client"], f"/shipping/orders/{desk['other'].id}/manual",
                    {"courier": "中通快递", "tracking_number": ZTO}, token_page="/orders")
    assert response.status_code == 404 and _shipments() == []
    assert desk["client"].get(f"/shipping/orders/{desk['single'].id}/manual").status_code == 200


def test_employee_without_the_ship_permission_is_refused(desk, consign_job):
    become_employee(desk["client"], ["orders"], shops=(desk["shop"],))
    assert desk["client"].get(f"/shipping/orders/{desk['single'].id}/manual").status_code == 403
    assert ">手动发货</button>" not in desk["client"].get("/orders").get_data(as_text=True)


# -- 百通一键替换极速 --------------------------------------------------------------------------------------

def _baitong(desk, **data):
    return post(desk["client"], "/shipping/baitong", data, token_page="/orders")


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"synced_from": "", "synced_to": "2026-11-20T10:00"}, "synced_from", "请选择同步开始时间"),
    ({"synced_from": "2026-11-20T10:00", "synced_to": "昨天"}, "synced_to", "格式不正确"),
    ({"synced_from": "2026-11-20T10:00", "synced_to": "2026-11-19T10:00"}, "synced_to", "不能早于开始时间"),
    ({"synced_from": "2026-01-01T10:00", "synced_to": "2026-11-19T10:00"}, "synced_to", "最多选择 31 天"),
    ({"synced_from": "2026-11-01T10:00", "synced_to": "2026-11-02T10:00"}, "synced_from", "没有用百通快递发货"),
])
def test_baitong_range_errors_are_400_and_start_nothing(desk, consign_job, data, field, message):
    response = _baitong(desk, **data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert consign_job == [] and _shipments() == []


def test_baitong_starts_a_run_over_the_baitong_parcels_of_the_range_in_scope(desk, consign_job):
    at = datetime(2026, 11, 20, 9, 0)

    def seed():
        mine = ship(desk["single"], tracking="26227801564", courier="BTKD")
        theirs = ship(desk["other"], tracking="26227801565", courier="BTKD")
        zto = ship(desk["order"], tracking=ZTO)
        for s in (mine, theirs, zto):
            Shipment.update(created_at=at).where(Shipment.id == s.id).execute()
        return mine
    mine = _db(seed)
    become_employee(desk["client"], ["orders", "orders.baitong"], shops=(desk["shop"],))
    window = {"synced_from": (at - timedelta(hours=1)).isoformat(), "synced_to": (at + timedelta(hours=1)).isoformat()}
    response = _baitong(desk, **window)
    assert response.status_code == 200 and "替换结果" in response.get_data(as_text=True)
    [(kind, kwargs)] = consign_job
    [replacement] = [s for s in _shipments() if s.mode == "replace"]
    assert kind == "replace_baitong" and kwargs["shipment_ids"] == [replacement.id]
    assert (replacement.order_id, replacement.original_tracking_number, replacement.state) == (mine.order_id, "26227801564",
                                                                                     "pending")
    # under way: the same range again finds nothing more to replace
    assert _baitong(desk, **window).status_code == 400


def test_card_shows_the_parcels_tracking_status_and_the_logistics_filter(desk, consign_job):
    _db(lambda: buy(desk["single"], state="paid", tracking_number=ZTO, tracking_state="exception",
                    tracking_at=datetime.now() - timedelta(hours=5), tracking_moved_at=datetime.now() - timedelta(hours=1)))
    html = desk["client"].get("/orders?created_from=").get_data(as_text=True)
    assert "物流状态：异常" in html
    found = desk["client"].get("/orders?created_from=&logistics=abnormal").get_data(as_text=True)
    assert f'data-tid="{desk["single"].tid}"' in found and f'data-tid="{desk["order"].tid}"' not in found
    assert desk["client"].get("/orders?logistics=lost").status_code == 400
