"""手动发货's checks and 百通一键替换极速's selection, as services (the web tests cover the forms)."""
from datetime import datetime, timedelta

import pytest

from dropship.errors import FieldError
from dropship.models import Job, Shipment
from dropship.services import baitong
from dropship.services.scope import Scope
from dropship.services.shipping_manual import check_manual, clean_number, parse_courier, shippable_items
from tests.orders_factory import make_order, make_shop, orders_app, orders_db, refund, ship  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
ALL = Scope.everything()
AT = datetime(2026, 11, 20, 9, 0)


def test_courier_by_name_or_code_only_from_the_table():
    assert parse_courier("中通快递").code == "ZTO" and parse_courier(" zto ").code == "ZTO"
    assert parse_courier("ＹＴＯ").code == "YTO"  # full-width typed
    for bad, message in (("", "请选择物流公司"), ("火星快递", "没有这个物流公司"), ("百通快递", "没有这个物流公司")):
        with pytest.raises(FieldError, match=message):
            parse_courier(bad)


def test_number_is_folded_and_checked():
    assert clean_number(" yt1234567890123 ") == "YT1234567890123"
    assert clean_number("７３１２３４５６７８９０１２") == "73123456789012"
    for bad, message in (("", "请填写物流单号"), ("73 12", "不能包含空格"), ("7" * 41, "最多 40 个字符"),
                         ("73_12", "只能包含字母、数字和 -")):
        with pytest.raises(FieldError, match=message):
            clean_number(bad)


def test_pattern_is_a_warning_not_an_error():
    order = make_order(make_shop())
    assert check_manual(ALL, order.id, {"courier": "ZTO", "tracking_number": "73123456789012"}).warning == ""
    assert "不像中通快递的单号" in check_manual(ALL, order.id, {"courier": "ZTO", "tracking_number": "123"}).warning
    # 百世 has no known pattern: nothing to warn about
    assert check_manual(ALL, order.id, {"courier": "HTKY", "tracking_number": "123"}).warning == ""


def test_refunded_and_shipped_sub_orders_are_not_offered_and_whole_means_no_oids():
    order = make_order(make_shop(), items=3)
    oids = [i.oid for i in order.items.order_by("id")]
    refund(order, 2, status="refunded")
    assert [i.oid for i in shippable_items(order)] == oids[:2]
    plan = check_manual(ALL, order.id, {"courier": "ZTO", "tracking_number": "73123456789012", "oids": oids[:2]})
    assert plan.oids == []  # every open sub-order: the whole order, as the backend ships it
    Shipment.create(order=order, courier="ZTO", tracking_number="73123456789013", oids=oids[:1], state="pending")
    assert [i.oid for i in shippable_items(order)] == oids[1:2]
    plan = check_manual(ALL, order.id, {"courier": "ZTO", "tracking_number": "73123456789012", "oids": oids[1:2]})
    assert plan.oids == oids[1:2]  # after a split parcel: only the rest, named
    with pytest.raises(FieldError, match="所选子订单不存在或已发货"):
        check_manual(ALL, order.id, {"courier": "ZTO", "tracking_number": "73123456789012", "oids": oids[:1]})


def _parcel(order, number, courier="BTKD", name="百通快递", state="done", at=AT) -> Shipment:
    return Shipment.create(order=order, courier=courier, courier_name=name, tracking_number=number, state=state,
                           created_at=at, mode="platform")


def test_baitong_selection_range_done_in_scope_not_twice():
    shop, other = make_shop("甲"), make_shop("乙")
    a, b, c, d, e = (make_order(shop, status="shipped") for _ in range(5))
    in_range = _parcel(a, "26227801561")
    by_name = _parcel(b, "26227801562", courier="")  # read from the shop: only the name
    _parcel(c, "26227801563", at=AT - timedelta(days=2))  # outside the range
    _parcel(d, "73123456789012", courier="ZTO", name="中通快递")  # not 百通
    _parcel(e, "26227801565", state="failed")  # never consigned
    theirs = _parcel(make_order(other, status="shipped"), "26227801566")
    begin, end = AT - timedelta(hours=1), AT + timedelta(hours=1)
    assert [s.id for s in baitong.candidates(ALL, begin, end)] == [in_range.id, by_name.id, theirs.id]
    employee = Scope.of(None)  # granted nothing: sees nothing
    assert baitong.candidates(employee, begin, end) == []
    ids = baitong.start_run(ALL, begin, end)
    assert baitong.candidates(ALL, begin, end) == []  # under way: not selected again
    with pytest.raises(FieldError, match="没有用百通快递发货"):
        baitong.start_run(ALL, begin, end)
    run = Job.create(kind=baitong.JOB_KIND, title="百通一键替换极速")
    rows = baitong.pending_replacements(run.id, ids)
    baitong.set_replacement(rows[0], "STO", "申通快递", "77147630430461")
    baitong.settle(rows[0])
    baitong.settle(rows[1], "发货已超过24小时，不能修改运单号")
    assert Shipment.get_by_id(in_range.id).state == "replaced" and Shipment.get_by_id(by_name.id).state == "done"
    assert [(r.label, r.error) for r in baitong.results(ALL, run.id)] == [
        ("成功", ""), ("失败", "发货已超过24小时，不能修改运单号"), ("处理中", "")]


@pytest.mark.parametrize(("start", "end", "message"), [
    ("", "2026-11-20 10:00", "请选择同步开始时间"), ("2026-11-20 10:00", "x", "格式不正确"),
    ("2026-11-20 10:00", "2026-11-20 09:00", "不能早于"), ("2026-10-01", "2026-11-20", "最多选择 31 天"),
])
def test_baitong_range(start, end, message):
    with pytest.raises(FieldError, match=message):
        baitong.parse_range(start, end)
    assert baitong.parse_range("2026-11-20", "2026-11-20T23:00") == (datetime(2026, 11, 20), datetime(2026, 11, 20, 23))
