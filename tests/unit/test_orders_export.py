"""导出订单: the current search as .xlsx with Chinese headers, one row per order, readable by Excel."""
import os
import stat
import time
from datetime import datetime

import pytest
from openpyxl import load_workbook

from dropship.models import OrderItem, PurchaseAccount, Shipment, Shop
from dropship.platforms.base import Receiver
from dropship.services import order_export
from dropship.services.order_export import HEADERS, export_file, export_orders, sweep_exports
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TabContext
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from tests import orders_factory
from tests.orders_factory import buy, make_account, make_order, make_shop, orders_app, orders_db, refund, ship  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
CTX = TabContext(orders_factory.NOW, 6)
ALL = Scope.everything()


def _rows(path):
    sheet = load_workbook(path, read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_export_writes_every_field_with_chinese_headers(tmp_path):
    shop = make_shop("好物小店")
    order = make_order(shop, items=2, titles=("保温杯", "杯套"), paid=2590, tid="3259041876394582217",
                       buyer_message="请周五前发货\x0b谢谢", seller_memo="已拍", seller_flag=1, abnormal="loss",
                       mark_note="亏 1 元")
    buy(order, amount=1500, account=make_account("13800009917"), platform_order_id="230314-540",
        tracking_number="4628000000003", courier="YUNDA", status="shipped")
    store_receiver(order, Receiver("李四", "13912345678", "浙江省", "杭州市", "西湖区", "", "文三路 1 号"))
    path = tmp_path / "orders.xlsx"
    assert export_orders(OrderFilter(), CTX, ALL, path, real_receivers=True) == 1
    header, rows = _rows(path)
    assert tuple(header) == HEADERS and header[:3] == ["订单编号", "店铺名称", "平台"]
    row = rows[0]
    assert row["订单编号"] == "3259041876394582217"  # text: 19 digits would lose precision as a number
    assert (row["店铺名称"], row["平台"], row["订单状态"]) == ("好物小店", "淘宝", "买家已付款")
    assert (row["商品标题"], row["购买数量"]) == ("保温杯；杯套", 2)
    assert (row["实收金额"], row["采购金额"], row["订单利润"], row["利润率"]) == (25.9, 15, 10.9, "72.7%")
    assert row["用户留言"] == "请周五前发货谢谢"  # control characters are not allowed in xlsx
    assert (row["收货人姓名"], row["收货人手机号"], row["收货地址"]) == ("李四", "13912345678", "浙江省 杭州市 西湖区 文三路 1 号")
    assert (row["采购单号"], row["采购账号"], row["拍单状态"]) == ("拼多多 230314-540", "买手9917", "待收货")
    assert (row["物流公司"], row["物流单号"], row["发货状态"]) == ("韵达快递", "4628000000003", "未发货")
    assert (row["旗帜颜色"], row["备注"], row["标记类型"], row["标记备注"]) == ("红", "已拍", "亏钱", "亏 1 元")


def test_export_follows_the_search_and_tab_and_pages_through_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(order_export, "CHUNK", 3)
    shop, other = make_shop(), make_shop("别的店")
    wanted = [make_order(shop) for _ in range(7)]
    make_order(other)
    make_order(shop, ignored=True)
    shipped = make_order(shop, status="shipped")
    ship(shipped)
    path = tmp_path / "orders.xlsx"
    assert export_orders(OrderFilter(shop=shop.id, tab="to_purchase"), CTX, ALL, path) == 7
    _, rows = _rows(path)
    assert [r["订单编号"] for r in rows] == [o.tid for o in reversed(wanted)]  # newest first
    assert export_orders(OrderFilter(tab="shipped"), CTX, ALL, path) == 1
    assert _rows(path)[1][0]["发货状态"] == "已发货"


def test_export_of_nothing_is_a_sheet_with_headers_only(tmp_path):
    path = tmp_path / "orders.xlsx"
    assert export_orders(OrderFilter(tab="closed"), CTX, ALL, path) == 0
    header, rows = _rows(path)
    assert tuple(header) == HEADERS and rows == []


def test_decrypted_receivers_are_exported_only_when_allowed(tmp_path):
    order = make_order(make_shop())
    store_receiver(order, Receiver("李四", "13912345678", "浙江省", "杭州市", "西湖区", "", "文三路 1 号"))
    path = tmp_path / "orders.xlsx"
    export_orders(OrderFilter(), CTX, ALL, path)
    row = _rows(path)[1][0]
    assert (row["收货人姓名"], row["收货人手机号"], row["收货地址"]) == ("张**", "138****1234", "浙江省 杭州市 西湖区 文三路****")
    export_orders(OrderFilter(), CTX, ALL, path, real_receivers=True)
    assert _rows(path)[1][0]["收货人手机号"] == "13912345678"


def test_export_file_is_private_to_our_user(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # as an older version left it
    path = folder / "orders-1.xlsx"
    path.write_bytes(b"stale")
    path.chmod(0o644)
    export_orders(OrderFilter(), CTX, ALL, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert _rows(path)[0] == list(HEADERS)


@pytest.mark.parametrize("keep_minutes,kept", [(10, False), (120, True)])
def test_the_keep_setting_decides_when_an_export_is_swept(tmp_path, keep_minutes, kept):
    set_setting("exports.keep_minutes", keep_minutes)
    path = export_file(tmp_path, 7)
    export_orders(OrderFilter(), CTX, ALL, path)
    fresh = export_file(tmp_path, 8)
    export_orders(OrderFilter(), CTX, ALL, fresh)
    half_an_hour_later = time.time() + 30 * 60
    os.utime(fresh, (half_an_hour_later, half_an_hour_later))  # written just now, at the sweep's time
    assert sweep_exports(tmp_path, now=half_an_hour_later) == (0 if kept else 1)
    assert path.exists() == kept and fresh.exists()


def _every_column_fixture() -> None:
    """Orders that reach every column's rule: several lines (one refunded), a cancelled purchase, an account
    without a nick, our consign and the supplier's parcel, 其他 status, system and manual marks, a real and a
    masked receiver, characters XML does not allow."""
    shop = make_shop("好物小店")
    sub = Shop.create(platform="tmall", login="天猫旗舰:客服", password="pw", nick="", login_state="ok")
    first = make_order(shop, items=3, titles=("保温杯\x07 500ml", "杯套", "杯刷"), paid=5990,
                       created_at=datetime(2026, 11, 20, 9, 30, 5), tid="3259041876394582217",
                       buyer_nick="tb\x1f小王", buyer_message="请周五前发货\x0b谢谢", seller_memo="已拍\x00",
                       seller_flag=4, abnormal="out_of_stock", mark_note="等补货")
    refund(first, 1, "refunded")
    buy(first, amount=900, platform="taobao", platform_order_id="old-1", active=False,
        created_at=datetime(2026, 11, 20, 9, 40))
    buy(first, item_index=(0, 1), amount=2100, account=make_account("13800009917"), platform_order_id="230314-540",
        status="shipped", courier="ZTO", tracking_number="4628000000003", created_at=datetime(2026, 11, 20, 10, 0))
    nameless = PurchaseAccount.create(platform="alibaba1688", login="wangwang-7", nick="")
    buy(first, item_index=(2,), amount=700, account=nameless, platform="alibaba1688", platform_order_id="88001",
        status="weird_code", created_at=datetime(2026, 11, 20, 11, 0))
    Shipment.create(order=first, courier="YTO", tracking_number="YT9000001", state="done")
    Shipment.create(order=first, courier="ZTO", courier_name="中通快递", tracking_number="73999", state="pending")
    store_receiver(first, Receiver("李四", "13912345678", "浙江省", "杭州市", "西湖区", "", "文三路 1 号"))
    other = make_order(sub, items=1, titles=("遮阳帽",), paid=1000, status="other", status_code="TRADE_X",
                       created_at=datetime(2026, 11, 21, 8, 0, 0), tid="9000000000000000002", buyer_nick="tb2")
    refund(other, 0, "refunding")
    buy(other, amount=600, active=False, platform_order_id="gone-2", created_at=datetime(2026, 11, 21, 8, 30))
    shipped = make_order(shop, items=2, titles=("抽纸", "抽纸"), paid=800, status="shipped", buyer_nick="tb3",
                         created_at=datetime(2026, 11, 22, 23, 59, 59), tid="9000000000000000003",
                         abnormal="address_changed")
    buy(shipped, amount=800, status="received", courier="JTSD", tracking_number="JT0001", platform_order_id="261123-1",
        created_at=datetime(2026, 11, 23, 0, 0, 1))
    for n, item in enumerate(OrderItem.select().order_by(OrderItem.id)):
        OrderItem.update(outer_id=f"SKU-{n}").where(OrderItem.id == item.id).execute()


MASKED = ["张**", "138****1234", "浙江省 杭州市 西湖区 文三路****"]


def _every_column_rows(first_receiver: list[str]) -> list[list]:
    """The cells as the export wrote them before it read rows as tuples (empty text reads back as None)."""
    return [
        ["9000000000000000003", "好物小店", "淘宝", "2026-11-22 23:59:59", "卖家已发货", "抽纸；抽纸", "SKU-4；SKU-5",
         "颜色:黑色；颜色:黑色", 2, 8, 8, 0, "0.0%", "tb3", None, *MASKED, "拼多多 261123-1", "2026-11-23 00:00:01",
         None, "已签收", "极兔速递", "JT0001", "已发货", "灰", None, "买家已修改地址", None],
        ["9000000000000000002", "天猫旗舰:客服", "天猫", "2026-11-21 08:00:00", "其他（TRADE_X）（退款中）", "遮阳帽", "SKU-3",
         "颜色:黑色", 1, 10, 0, 0, None, "tb2", None, *MASKED, None, None, None, None, None, None, "未发货", "灰",
         None, None, None],
        ["3259041876394582217", "好物小店", "淘宝", "2026-11-20 09:30:05", "买家已付款", "保温杯 500ml；杯套；杯刷",
         "SKU-0；SKU-1；SKU-2", "颜色:黑色；颜色:黑色；颜色:黑色", 3, 59.9, 28, 31.9, "113.9%", "tb小王", "请周五前发货谢谢",
         *first_receiver, "拼多多 230314-540；1688 88001", "2026-11-20 10:00:00", "买手9917；wangwang-7",
         "待收货；weird_code", "圆通速递", "YT9000001", "已发货", "蓝", "已拍", "缺货", "等补货"],
    ]


@pytest.mark.parametrize("real", [True, False], ids=["明文收货人", "脱敏收货人"])
def test_every_column_keeps_its_rule(tmp_path, real):
    _every_column_fixture()
    path = tmp_path / "orders.xlsx"
    assert export_orders(OrderFilter(), CTX, ALL, path, real_receivers=real) == 3
    sheet = load_workbook(path, read_only=True).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == list(HEADERS)
    assert rows == _every_column_rows(["李四", "13912345678", "浙江省 杭州市 西湖区 文三路 1 号"] if real else MASKED)


def test_times_and_text_read_as_sqlite_or_postgresql_return_them():
    # SQLite hands back the stored text, PostgreSQL a datetime: the same cell either way
    assert {order_export.time_cell(v) for v in ("2026-11-20 09:30:05.250000", datetime(2026, 11, 20, 9, 30, 5, 250000),
                                            "2026-11-20T09:30:05")} == {"2026-11-20 09:30:05"}
    assert order_export.time_cell("2026-11-20") == "2026-11-20 00:00:00" and order_export.time_cell(None) == ""
    # a line break is unprintable but allowed in xlsx: kept; a vertical tab is not
    assert order_export.xml_safe(["第一行\n第二行", 3]) == ["第一行\n第二行", 3]
    assert order_export.xml_safe(["a\x0bb\n", 3]) == ["ab\n", 3]
