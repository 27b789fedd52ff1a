"""订单管理 renders byte for byte as before: a guard for work on the page's speed (queries, templates).

A fixed set of orders covering every part of a card (several sub-orders, purchases with accounts and
history, every kind of parcel, a consign under way, memo states, flags, marks, masked and decrypted
receivers, a deleted shop) is rendered as the full page, as the list fragment of another tab, and as
the ignored orders; the HTML, with CSRF tokens blanked, must equal the files under tests/web/golden/
(made from the code before the speed work). A change meant to show something new regenerates them:
`DROPSHIP_WRITE_GOLDEN=1 pytest tests/web/test_orders_golden.py`, and the diff is reviewed.
"""
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

from dropship.db import db
from dropship.models import Job, Order, OrderItem, Purchase, PurchaseAccount, PurchaseItem, Shipment, Shop
from dropship.platforms.base import Receiver
from dropship.services.receiver import store_receiver
from dropship.services.rollups import refresh_rollups

GOLDEN = Path(__file__).parent / "golden"
T0 = datetime(2026, 3, 14, 9, 30, 15)
VIEWS = {  # golden file -> (url, headers)
    "orders_all.html": ("/orders?created_from=", {}),
    "orders_to_ship_list.html": ("/orders?created_from=&tab=to_ship",
                                 {"HX-Request": "true", "HX-Target": "order-list"}),
    "orders_ignored_list.html": ("/orders?created_from=&show=ignored",
                                 {"HX-Request": "true", "HX-Target": "order-list"}),
}


def _order(shop: Shop, n: int, items: int = 1, **fields) -> Order:
    tid = f"32566500000000{n:05d}"
    order = Order.create(shop=shop, tid=tid, status=fields.pop("status", "paid"), buyer_nick=f"tb{n:06d}",
                         paid_amount=fields.pop("paid", 2590), created_at=T0 - timedelta(hours=n),
                         receiver_name=fields.pop("receiver_name", "张**"), receiver_phone="138****1234",
                         receiver_region="浙江省 杭州市 西湖区", receiver_address="文三路****", **fields)
    for i in range(items):
        OrderItem.create(order=order, oid=f"{tid}{i}", title=f"商品<{n}-{i}> & 配件", sku_text="颜色:黑色" if i else "",
                         outer_id=f"SKU-{n}-{i}" if i else "", quantity=i + 1, paid_amount=order.paid_amount // items,
                         status=order.status, pic=f"https://img.alicdn.com/{n}-{i}.jpg" if i == 0 else "",
                         item_url=f"https://item.taobao.com/item.htm?id={n}{i}" if n % 2 else "")
    return order


def _buy(order: Order, account: PurchaseAccount | None, n: int, items: int | None = None, **fields) -> Purchase:
    lines = list(OrderItem.select().where(OrderItem.order == order).order_by(OrderItem.id))[:items]
    purchase = Purchase.create(order=order, account=account, platform=fields.pop("platform", "pdd"),
                               platform_order_id=f"261120-{n:015d}", amount=fields.pop("amount", 1500),
                               created_at=T0 + timedelta(minutes=n), **fields)
    for item in lines:
        PurchaseItem.create(purchase=purchase, item=item, active=purchase.active)
    return purchase


def seed() -> None:
    shop = Shop.create(platform="taobao", login="好物小店", password="pw", nick="好物小店", login_state="ok")
    gone = Shop.create(platform="pdd", login="旧店", password="pw", nick="", login_state="ok", deleted_at=T0)
    pdd = PurchaseAccount.create(platform="pdd", login="13800000001", nick="买手0001")
    ali = PurchaseAccount.create(platform="1688", login="ali-buyer", nick="")
    job = Job.create(kind="consign", title="发货 3256650000000000005", state="running", done=3, total=10)
    plain = _order(shop, 1, items=3, buyer_message="请尽快发货 <谢谢>", ship_deadline=T0 - timedelta(hours=1))
    _buy(plain, pdd, 1, items=1, status="paid", state="done", purchased_at=T0, courier="YTO",
         tracking_number="YT123", tracking_state="exception", tracking_moved_at=T0)
    _buy(plain, ali, 2, items=1, active=False, status="cancelled", state="cancelled", reason="价格变了")
    shipped = _order(shop, 2, items=2, status="shipped", seller_memo="已发 <顺丰>", seller_flag=3,
                     memo_state="synced", synced_at=T0, sync_message="已同步")
    _buy(shipped, ali, 3, platform="1688", status="", state="preparing", reason="等待付款")
    Shipment.create(order=shipped, courier="ZTO", courier_name="中通快递", tracking_number="7312", state="done",
                    mode="replace", original_courier="YTO", original_tracking_number="YT999")
    Shipment.create(order=shipped, courier="", tracking_number="", state="done", mode="platform")
    odd = _order(shop, 3, abnormal="out_of_stock", mark_note="上家缺货", seller_flag=9, memo_state="failed",
                 memo_error="备注太长", status="other", status_code="WAIT_X", refund_state="refunding")
    OrderItem.update(refund_status="refunding").where(OrderItem.order == odd).execute()
    real = _order(shop, 4, ship_deadline=T0 + timedelta(days=3650), memo_state="syncing", seller_memo="备注")
    store_receiver(real, Receiver(name="李四", phone="13912345678", province="广东省", city="广州市",
                                  district="天河区", address="体育西路 1 号 & 2 号"))
    consigning = _order(shop, 5, items=2, status="paid", address_state="manual")
    _buy(consigning, None, 5, status="paid", state="done", purchased_at=T0)
    Shipment.create(order=consigning, courier="STO", courier_name="申通快递", tracking_number="77", job=job)
    Shipment.create(order=consigning, courier="STO", tracking_number="78", state="failed", error="单号无效")
    _order(gone, 6, status="finished", paid=0)
    _order(shop, 7, ignored=True, status="closed")
    _order(shop, 8, receiver_name="")
    refresh_rollups([o.id for o in Order.select(Order.id)])


def _normalised(html: str) -> str:
    html = re.sub(r'(name="csrf_token" value=")[^"]+', r"\1-", html)
    return re.sub(r'("X-CSRFToken": ")[^"]+', r"\1-", html)


def render_views(client) -> dict[str, str]:
    with db.connection_context():
        seed()
    pages = {}
    for name, (url, headers) in VIEWS.items():
        response = client.get(url, headers=headers)
        assert response.status_code == 200, name
        pages[name] = _normalised(response.get_data(as_text=True))
    return pages


def test_orders_pages_render_as_the_golden_files(signed_in):
    pages = render_views(signed_in)
    if os.environ.get("DROPSHIP_WRITE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        for name, html in pages.items():
            (GOLDEN / name).write_text(html, encoding="utf-8")
    for name, html in pages.items():
        assert html == (GOLDEN / name).read_text(encoding="utf-8"), f"{name} changed (see the module's docstring)"
