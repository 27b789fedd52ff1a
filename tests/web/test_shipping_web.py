"""店铺管理's 今日发货 / 今日发货失败 count today's Shipment rows of each shop; clicking 今日发货失败 lists them
with their reasons; another shop's (or an ungranted shop's) failures are not shown."""
import re
from datetime import datetime, timedelta

from dropship.db import db
from dropship.models import Shipment
from dropship.services.shipping import BAD_NUMBER, NO_PERMISSION
from tests.helpers import become_employee
from tests.orders_factory import make_order, make_shop


def _shipment(order, state, error="", mode="automatic", finished=None, number="73123456789012"):
    return Shipment.create(order=order, courier="ZTO", courier_name="中通快递", tracking_number=number, mode=mode,
                           state=state, error=error, finished_at=finished or datetime.now())


def _cells(html: str, testid: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(rf'data-testid="{testid}">(.*?)</td>', html, flags=re.S)]


def test_today_counts_and_the_failure_list(signed_in):
    with db.connection_context():
        busy, quiet = make_shop("忙店"), make_shop("闲店")
        orders = [make_order(busy, tid=f"38610000000000000{n}") for n in range(5)]
        _shipment(orders[0], "done")
        _shipment(orders[1], "failed", BAD_NUMBER, number="7312")
        _shipment(orders[2], "failed", NO_PERMISSION)
        _shipment(orders[3], "failed", BAD_NUMBER, finished=datetime.now() - timedelta(days=1))  # yesterday
        _shipment(orders[4], "done", mode="platform")  # shipped in 千牛: not ours
        _shipment(make_order(quiet, tid="3861000000000000099"), "pending")
        busy_id, quiet_id = busy.id, quiet.id
    html = signed_in.get("/shops/table").get_data(as_text=True)
    assert _cells(html, "shipped-today") == ["1", "0"]
    assert _cells(html, "ship-failed-today") == ["2", "0"]
    assert f'hx-get="/shops/{busy_id}/ship-failures"' in html and f"/shops/{quiet_id}/ship-failures" not in html

    dialog = signed_in.get(f"/shops/{busy_id}/ship-failures").get_data(as_text=True)
    assert "今日发货失败 2 单" in dialog and BAD_NUMBER in dialog and NO_PERMISSION in dialog
    assert "386100000000000001" in dialog and "386100000000000002" in dialog
    assert "386100000000000003" not in dialog  # yesterday's failure is not today's

    become_employee(signed_in, ["shops"], shops=[quiet_id])
    assert signed_in.get(f"/shops/{busy_id}/ship-failures").status_code == 404


def test_the_order_card_says_what_shipping_did(signed_in):
    with db.connection_context():
        shop = make_shop()
        failed, manual, dual = (make_order(shop, tid=f"38620000000000000{n}") for n in range(3))
        _shipment(failed, "failed", BAD_NUMBER, number="7312")
        Shipment.create(order=manual, courier="YUNDA", tracking_number="4312345678901234", mode="automatic",
                        state="manual", error="上家发韵达快递，该快递已设置为不使用上家物流单号，且未开启双物流，需手动发货",
                        original_courier="YUNDA", original_tracking_number="4312345678901234")
        Shipment.create(order=dual, courier="STO", courier_name="申通快递", tracking_number="77123456789012",
                        mode="automatic", state="done", original_courier="BTKD", original_tracking_number="26227801564")
    html = signed_in.get("/orders?tab=all").get_data(as_text=True)
    notes = [re.sub(r"\s+", " ", n).strip() for n in re.findall(r'data-testid="ship-note">(.*?)</div>', html, re.S)]
    assert sorted(notes) == sorted([f"发货失败：{BAD_NUMBER}",
                                    "需手动发货：上家发韵达快递，该快递已设置为不使用上家物流单号，且未开启双物流，需手动发货",
                                    "双物流发货，替换上家 百通快递 26227801564"])
