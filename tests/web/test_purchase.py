"""订单采购 over HTTP: the 采购 dialog (下单链接, 规格对应, 切换帐号, 去下单), 添加采购订单信息, 重新下单, 取消下单,
历史, 批量采购, and 设置 › 采购保护. Bad input: 400 beside the field and nothing changed; rows outside the
user's scope: 404; every POST needs its CSRF token."""
import lxml.html
import pytest

from dropship import queue
from dropship.db import db
from dropship.models import (
    AppSetting,
    Job,
    Order,
    OrderItem,
    Purchase,
    PurchaseAccount,
    SettingChange,
    SkuMapping,
    SupplierLink,
)
from dropship.platforms import verification
from dropship.services.settings import get_setting
from tests.helpers import become_employee, csrf, post
from tests.orders_factory import buy, make_account, make_order, make_shop
from tests.web.test_pages import Page

LINK = "https://m.tb.cn.example/x"  # not a product link
ITEM_URL = "https://item.taobao.com/item.htm?spm=a1z10&id=6543210987&scm=track"
CANONICAL = "https://item.taobao.com/item.htm?id=6543210987"


def _db(fn):
    with db.connection_context():
        return fn()


@pytest.fixture
def desk(signed_in):
    """Two shops (an employee gets the first), an order to buy in each, and a usable account per shop side."""
    def build():
        shop, other_shop = make_shop("好物小店"), make_shop("别家小店")
        order = make_order(shop, titles=("保温杯 500ml",), tid="3256650000000000201")
        other = make_order(other_shop, titles=("别家的杯子",), tid="3256650000000000202")
        account = make_account("13800000001", platform="taobao")
        account2 = make_account("13800000002", platform="taobao")
        pdd = make_account("13800000003", platform="pdd")
        for a in (account, account2, pdd):
            a.online = True
            a.save()
        item = OrderItem.get(OrderItem.order == order)
        other_item = OrderItem.get(OrderItem.order == other)
        return {"shop": shop, "order": order, "other": other, "item": item, "other_item": other_item,
                "account": account, "account2": account2, "pdd": pdd}
    return {"client": signed_in, **_db(build)}


def _go(client, path, data=None):
    return post(client, path, data or {}, token_page="/orders")


def _add_link(desk, url=ITEM_URL, note="店里同款"):
    return _go(desk["client"], f"/purchase/items/{desk['item'].id}/links", {"url": url, "note": note})


def _link() -> SupplierLink:
    return _db(lambda: SupplierLink.get())


@pytest.fixture
def task_registered(monkeypatch):
    """The purchase task as registered by its branch: start_job records the agreed call and a Job row."""
    calls = []
    monkeypatch.setitem(queue.JOB_TASKS, "purchase", object())

    def start_job(kind, title, **kwargs):
        calls.append((kind, title, kwargs))
        return Job.create(kind=kind, title=title, target=kwargs["target"], user=kwargs["user"],
                          args={k: v for k, v in kwargs.items() if k not in ("target", "user")})
    monkeypatch.setattr(queue, "start_job", start_job)
    return calls


@pytest.fixture
def task_missing(monkeypatch):
    """This build without the purchase task (it comes from another branch)."""
    monkeypatch.delitem(queue.JOB_TASKS, "purchase", raising=False)


# -- the card ---------------------------------------------------------------------------------------------

def test_card_offers_caigou_per_sub_order_and_manual_info(desk):
    html = desk["client"].get("/orders").get_data(as_text=True)
    assert f'hx-get="/purchase/items/{desk["item"].id}"' in html and ">采购</button>" in html
    assert f'/purchase/orders/{desk["order"].id}/manual' in html and "添加采购订单信息" in html
    assert "🕒 历史" not in html  # no history yet, no 历史 button


def test_bought_card_shows_the_purchase_line_with_its_buttons_and_history(desk):
    def seed():
        buy(desk["order"], amount=1500, platform_order_id="230619-012345678901234", account=desk["pdd"])
        buy(desk["other"], amount=900, active=False, platform_order_id="230619-000000000000001")
    _db(seed)
    html = desk["client"].get("/orders").get_data(as_text=True)
    card = html[html.index(f'id="order-{desk["order"].id}"'):html.index(f'id="order-{desk["other"].id}"')]
    for text in ("采购单号: 拼多多 230619-012345678901234", "采购金额: 15.00", "【拼多多】买手0003", "拍单状态: ",
                 "待发货", "🛒 重新下单", "取消下单", "订单利润: <span class=\"\">10.90"):
        assert text in card, text
    assert 'hx-confirm="确定取消下单' in card and ">采购</button>" not in card
    other = html[html.index(f'id="order-{desk["other"].id}"'):]
    assert "🕒 历史" in other and f'/purchase/orders/{desk["other"].id}/history' in other


def test_purchase_dialog_lists_links_quick_search_and_accounts_of_the_links_platform(desk, task_missing):
    assert _add_link(desk).status_code == 200
    html = desk["client"].get(f"/purchase/items/{desk['item'].id}").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    quick = {a.text_content(): a.get("href") for a in doc.xpath("//nav//a")}
    assert quick["淘宝"] == "https://s.taobao.com/search?q=%E4%BF%9D%E6%B8%A9%E6%9D%AF%20500ml"
    assert quick["拼多多"].startswith("https://mobile.yangkeduo.com/search_result.html?search_key=")
    assert set(quick) == {"淘宝", "天猫", "淘特", "1688", "拼多多"}
    assert all(a.get("target") == "_blank" for a in doc.xpath("//nav//a"))
    assert CANONICAL in html and "店里同款" in html and "删除" in html and "去下单" in html
    options = [o.text_content() for o in doc.xpath("//select[@name='account']/option")]
    assert options == ["【淘宝】买手0001", "【淘宝】买手0002"]  # not the 拼多多 one
    # 自动下单 / 辅助下单 stay 即将开放 while the purchase task is not registered in this branch
    buttons = {b.text_content().replace("即将开放", "").strip(): b for b in doc.xpath("//button")}
    assert buttons["自动下单"].get("disabled") is not None and buttons["辅助下单"].get("disabled") is not None
    assert Page(desk["client"].application, html, "/orders").idle_controls() == []


def test_accounts_offered_are_enabled_online_and_granted(desk):
    _add_link(desk)
    def change():
        desk["account2"].enabled = False
        desk["account2"].save()
    _db(change)
    html = desk["client"].get(f"/purchase/items/{desk['item'].id}").get_data(as_text=True)
    assert "买手0001" in html and "买手0002" not in html


def test_new_link_is_normalised_and_a_bad_one_gets_its_message_in_place(desk):
    response = _add_link(desk, url="https://www.jd.com/item/1.html")
    assert response.status_code == 400 and "只支持淘宝、天猫、淘特、1688、拼多多的商品链接" in response.get_data(as_text=True)
    assert 'value="https://www.jd.com/item/1.html"' in response.get_data(as_text=True)  # what was typed stays
    assert _db(SupplierLink.select().count) == 0
    assert _add_link(desk, url="").status_code == 400
    assert _add_link(desk, note="长" * 101).status_code == 400
    assert _db(SupplierLink.select().count) == 0
    assert _add_link(desk).status_code == 200
    assert _add_link(desk, url="https://item.taobao.com/item.htm?id=6543210987&ali_trackid=9").status_code == 200
    assert _db(lambda: [(link.platform, link.url) for link in SupplierLink.select()]) == [("taobao", CANONICAL)]


def test_delete_link(desk):
    _add_link(desk)
    link = _link()
    response = _go(desk["client"], f"/purchase/items/{desk['item'].id}/links/{link.id}/delete")
    assert response.status_code == 200 and "已删除下单链接" in response.get_data(as_text=True)
    assert _db(SupplierLink.select().count) == 0


def test_sku_mapping_is_remembered_and_bad_multiplier_changes_nothing(desk):
    _add_link(desk)
    link = _link()
    path = f"/purchase/items/{desk['item'].id}/links/{link.id}/sku"
    for bad in ({"sku_id": "5001", "multiplier": "0"}, {"sku_id": "5001", "multiplier": "两"},
                {"sku_id": "", "multiplier": "2"}, {"sku_id": "9" * 41, "multiplier": "2"}):
        response = _go(desk["client"], path, bad)
        assert response.status_code == 400, bad
        assert 'class="field-error"' in response.get_data(as_text=True)
    assert _db(SkuMapping.select().count) == 0
    response = _go(desk["client"], path, {"sku_id": "5001", "sku_text": "1瓶", "multiplier": "2"})
    assert response.status_code == 200 and "颜色:黑色 → 1瓶 × 2" in response.get_data(as_text=True)
    row = _db(SkuMapping.get)
    assert (row.outer_id, row.shop_sku, row.item_id, row.sku_id, row.multiplier) == (
        desk["item"].outer_id, "颜色:黑色", "6543210987", "5001", 2)


def test_go_refuses_while_the_purchase_task_is_not_registered(desk, task_missing):
    _add_link(desk)
    response = _go(desk["client"], f"/purchase/items/{desk['item'].id}/links/{_link().id}/go",
                   {"mode": "auto", "account": desk["account"].id})
    assert response.status_code == 409 and "即将开放" in response.get_data(as_text=True)
    assert _db(Purchase.select().count) == 0 and _db(Job.select().count) == 0


def test_go_begins_the_purchase_and_starts_the_job_with_the_agreed_arguments(desk, task_registered):
    _add_link(desk)
    link = _link()
    _go(desk["client"], f"/purchase/items/{desk['item'].id}/links/{link.id}/sku", {"sku_id": "5001", "multiplier": "2"})
    path = f"/purchase/items/{desk['item'].id}/links/{link.id}/go"
    html = desk["client"].get(f"/purchase/items/{desk['item'].id}").get_data(as_text=True)
    assert Page(desk["client"].application, html, "/orders").idle_controls() == []
    for bad in ({"mode": "auto"}, {"mode": "auto", "account": desk["pdd"].id}, {"mode": "x", "account": desk["account"].id},
                {"mode": "auto", "account": "1e3"}):
        assert _go(desk["client"], path, bad).status_code == 400, bad
    assert _db(Purchase.select().count) == 0 and task_registered == []
    response = _go(desk["client"], path, {"mode": "assisted", "account": desk["account"].id})
    assert response.status_code == 200 and "已开始辅助下单" in response.get_data(as_text=True)
    purchase = _db(Purchase.get)
    assert (purchase.state, purchase.account_id, purchase.platform, purchase.item_id, purchase.sku_id,
            purchase.quantity) == ("preparing", desk["account"].id, "taobao", "6543210987", "5001", 2)
    kind, title, kwargs = task_registered[0]
    assert kind == "purchase" and desk["order"].tid in title
    assert kwargs["target"] == f"purchase:{purchase.id}" and kwargs["purchase_id"] == purchase.id
    assert kwargs["mode"] == "assisted" and kwargs["user"].username == "13912345678"
    # the sub-order is being bought: a second 去下单 gets the reason in the dialog and buys nothing
    response = _go(desk["client"], path, {"mode": "auto", "account": desk["account"].id})
    assert response.status_code == 400 and "不会重复购买" in response.get_data(as_text=True)
    assert _db(Purchase.select().count) == 1 and len(task_registered) == 1


# -- 添加采购订单信息 / 重新下单 / 取消下单 / 历史 -----------------------------------------------------------------

def _manual(desk, **fields):
    data = {"platform": "taobao", "platform_order_id": "2987654321012345678", "amount": "12.50", "account": "", **fields}
    return _go(desk["client"], f"/purchase/orders/{desk['order'].id}/manual", data)


def test_manual_purchase_info_bad_input_then_recorded(desk):
    form = desk["client"].get(f"/purchase/orders/{desk['order'].id}/manual").get_data(as_text=True)
    for text in ("采购平台", "采购单号", "采购金额", "淘宝", "拼多多"):
        assert text in form
    assert Page(desk["client"].application, form, "/orders").idle_controls() == []
    for bad in ({"platform": "jd"}, {"platform_order_id": "12"}, {"amount": "abc"},
                {"account": str(desk["pdd"].id)}, {"account": "99999"}):
        response = _manual(desk, **bad)
        assert response.status_code == 400, bad
        assert 'class="field-error"' in response.get_data(as_text=True)
    assert _db(Purchase.select().count) == 0
    response = _manual(desk, account=str(desk["account"].id))
    assert response.status_code == 200 and "已添加采购订单信息" in response.get_data(as_text=True)
    order = _db(lambda: Order.get_by_id(desk["order"].id))
    assert order.purchase_amount == 1250
    html = desk["client"].get("/orders").get_data(as_text=True)
    assert "采购单号: 淘宝 2987654321012345678" in html and "采购金额: 12.50" in html


def test_repurchase_moves_to_history_and_cancel_returns_to_to_purchase(desk):
    _manual(desk)
    first = _db(Purchase.get)
    response = _go(desk["client"], f"/purchase/purchases/{first.id}/repurchase")
    text = response.get_data(as_text=True)  # the 采购 dialog of the sub-order, to buy it again
    assert response.status_code == 200 and "原采购已移入历史" in text and 'data-testid="purchase-dialog"' in text
    assert "orders-changed" in response.headers["HX-Trigger"]
    assert _db(lambda: Purchase.get_by_id(first.id).active) is False
    history = desk["client"].get(f"/purchase/orders/{desk['order'].id}/history").get_data(as_text=True)
    for text in ("采购平台", "采购单号", "采购时间", "采购账号", "状态", "2987654321012345678"):
        assert text in history
    _manual(desk, platform_order_id="2987654321012345679", amount="13")
    second = _db(lambda: Purchase.get(Purchase.active == True))  # noqa: E712
    # a retired purchase cannot be retired or cancelled again
    assert _go(desk["client"], f"/purchase/purchases/{first.id}/cancel").status_code == 409
    response = _go(desk["client"], f"/purchase/purchases/{second.id}/cancel")
    assert response.status_code == 200 and "回到待采购" in response.get_data(as_text=True)
    assert _db(lambda: Order.get_by_id(desk["order"].id).pending_items) == 1
    html = desk["client"].get("/orders?tab=to_purchase").get_data(as_text=True)
    assert desk["order"].tid in html


# -- 取消下单 at the supplier -----------------------------------------------------------------------------------

SUPPLIER_ORDER = "2987654321012345678"


def _bought_with(desk, account_key: str = "account", **fields) -> Purchase:
    return _db(lambda: buy(desk["order"], account=desk[account_key] if account_key else None, platform="taobao",
                           platform_order_id=fields.pop("platform_order_id", SUPPLIER_ORDER),
                           state=fields.pop("state", "paid"), **fields))


def _card(desk) -> str:
    html = desk["client"].get("/orders").get_data(as_text=True)
    return html[html.index(f'id="order-{desk["order"].id}"'):html.index(f'id="order-{desk["other"].id}"')]


def test_cancel_with_a_supplier_order_starts_the_cancel_job_once(desk, task_registered):
    purchase = _bought_with(desk)
    doc = lxml.html.fromstring(_card(desk))
    [button] = [b for b in doc.xpath("//button") if b.text_content() == "取消下单"]
    assert f"到采购平台取消采购单 {SUPPLIER_ORDER}" in button.get("hx-confirm")
    path = f"/purchase/purchases/{purchase.id}/cancel"
    response = _go(desk["client"], path)
    assert response.status_code == 200 and "正在到采购平台取消采购单" in response.get_data(as_text=True)
    assert "jobs-changed" in response.headers["HX-Trigger"]
    [(kind, title, kwargs)] = task_registered
    assert kind == "cancel_purchase" and kwargs["purchase_id"] == purchase.id and desk["order"].tid in title
    # recorded only once the supplier cancelled (the job's work): the purchase is still the active one
    assert _db(lambda: Purchase.get_by_id(purchase.id).active) is True
    response = _go(desk["client"], path)  # a second click while the job is queued starts nothing
    assert response.status_code == 409 and "正在取消" in response.get_data(as_text=True)
    assert len(task_registered) == 1


def test_cancel_without_a_supplier_order_or_account_is_recorded_and_says_to_cancel_by_hand(desk, task_registered):
    purchase = _bought_with(desk, account_key="", manual=True, state="recorded")
    [button] = [b for b in lxml.html.fromstring(_card(desk)).xpath("//button") if b.text_content() == "取消下单"]
    assert "请到采购平台手动取消" in button.get("hx-confirm")
    response = _go(desk["client"], f"/purchase/purchases/{purchase.id}/cancel")
    assert response.status_code == 200 and "已取消下单" in response.get_data(as_text=True)
    assert task_registered == [] and _db(lambda: Purchase.get_by_id(purchase.id).state) == "cancelled"


def test_cancel_refuses_an_offline_account_or_a_purchase_in_flight_and_changes_nothing(desk, task_registered):
    purchase = _bought_with(desk, account_key="account2")
    _db(lambda: PurchaseAccount.update(online=False).where(PurchaseAccount.id == desk["account2"].id).execute())
    response = _go(desk["client"], f"/purchase/purchases/{purchase.id}/cancel")
    assert response.status_code == 409 and "未启用或已掉线" in response.get_data(as_text=True)
    _db(lambda: Purchase.update(state="paying").where(Purchase.id == purchase.id).execute())
    response = _go(desk["client"], f"/purchase/purchases/{purchase.id}/cancel")
    assert response.status_code == 409 and "请等它结束后再取消下单" in response.get_data(as_text=True)
    assert task_registered == [] and _db(lambda: Purchase.get_by_id(purchase.id).active) is True


def test_an_employee_cancels_only_with_a_granted_account(desk, task_registered):
    theirs = _bought_with(desk, account_key="account2")
    client = desk["client"]
    become_employee(client, ["orders", "orders.purchase"], shops=[desk["shop"]], accounts=[desk["account"]])
    assert _go(client, f"/purchase/purchases/{theirs.id}/cancel").status_code == 404  # shop granted, account not
    assert task_registered == [] and _db(lambda: Purchase.get_by_id(theirs.id).active) is True
    _db(lambda: Purchase.update(account=desk["account"]).where(Purchase.id == theirs.id).execute())
    assert _go(client, f"/purchase/purchases/{theirs.id}/cancel").status_code == 200
    assert [kind for kind, _, _ in task_registered] == ["cancel_purchase"]


def test_the_card_shows_why_the_supplier_refused_to_cancel(desk):
    _bought_with(desk, reason="取消下单未成功：该订单当前状态（卖家已发货）不能取消订单")
    card = lxml.html.fromstring(_card(desk))
    [reason] = card.xpath("//*[@data-testid='purchase-reason']")
    assert "卖家已发货" in reason.text_content()


# -- 批量采购 --------------------------------------------------------------------------------------------------

def test_batch_purchase_is_coming_soon_until_the_task_exists(desk, task_missing):
    html = desk["client"].get("/orders?tab=to_purchase").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    button = next(b for b in doc.xpath("//button") if "批量采购" in b.text_content())
    assert button.get("disabled") is not None and "即将开放" in button.get("title")
    response = _go(desk["client"], "/purchase/batch", {"ids": desk["order"].id})
    assert response.status_code == 409 and _db(Purchase.select().count) == 0


def test_batch_purchase_buys_mapped_orders_and_says_which_it_skipped(desk, task_registered):
    html = desk["client"].get("/orders?tab=to_purchase").get_data(as_text=True)
    assert 'hx-post="/purchase/batch"' in html
    assert Page(desk["client"].application, html, "/orders?tab=to_purchase").idle_controls() == []
    _add_link(desk)
    assert _go(desk["client"], "/purchase/batch", {"ids": desk["order"].id}).status_code == 400  # not mapped
    assert _db(Purchase.select().count) == 0
    _go(desk["client"], f"/purchase/items/{desk['item'].id}/links/{_link().id}/sku", {"sku_id": "5001", "multiplier": "1"})
    response = _go(desk["client"], "/purchase/batch", {"ids": [desk["order"].id, desk["other"].id],
                                                       "account_taobao": desk["account2"].id})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "批量采购已开始 1 笔" in text and desk["other"].tid in text
    purchase = _db(Purchase.get)
    assert purchase.order_id == desk["order"].id and purchase.account_id == desk["account2"].id
    kind, title, args = task_registered[0]
    assert kind == "purchase_batch" and args["purchase_ids"] == [purchase.id] and args["mode"] == "auto"
    assert args["account_id"] == desk["account2"].id and title.startswith("批量采购 · 自动下单 · ")
    assert _go(desk["client"], "/purchase/batch", {"ids": "abc"}).status_code == 400
    assert _go(desk["client"], "/purchase/batch", {}).status_code == 400  # nothing ticked
    assert _go(desk["client"], "/purchase/batch", {"ids": desk["order"].id, "mode": "x"}).status_code == 400
    assert _db(Purchase.select().count) == 1 and len(task_registered) == 1


# -- scope, permissions, CSRF ----------------------------------------------------------------------------------

def test_employee_sees_only_granted_shops_and_accounts_forged_ids_are_404(desk):
    _add_link(desk)
    link = _link()
    other_purchase = _db(lambda: buy(desk["other"], platform_order_id="230619-000000000000009"))
    client = desk["client"]
    become_employee(client, ["orders", "orders.purchase", "orders.add_purchase"], shops=[desk["shop"]],
                    accounts=[desk["account"]])
    html = client.get(f"/purchase/items/{desk['item'].id}").get_data(as_text=True)
    assert "买手0001" in html and "买手0002" not in html
    other_item, other = desk["other_item"].id, desk["other"].id
    assert client.get(f"/purchase/items/{other_item}").status_code == 404
    assert client.get(f"/purchase/orders/{other}/manual").status_code == 404
    assert client.get(f"/purchase/orders/{other}/history").status_code == 404
    for path in (f"/purchase/items/{other_item}/links", f"/purchase/items/{other_item}/links/{link.id}/delete",
                 f"/purchase/orders/{other}/manual", f"/purchase/purchases/{other_purchase.id}/cancel",
                 f"/purchase/purchases/{other_purchase.id}/repurchase"):
        assert _go(client, path, {"url": ITEM_URL}).status_code == 404, path
    assert _go(client, "/purchase/batch", {"ids": other}).status_code == 404
    # a granted order with an ungranted account: refused beside the field, nothing bought
    response = _go(client, f"/purchase/orders/{desk['order'].id}/manual",
                   {"platform": "taobao", "platform_order_id": "2987654321012345678", "amount": "1",
                    "account": str(desk["account2"].id)})
    assert response.status_code == 400
    assert _db(lambda: Purchase.select().where(Purchase.order == desk["order"].id).count()) == 0
    assert _db(lambda: Purchase.get_by_id(other_purchase.id).active) is True
    assert _db(SupplierLink.select().count) == 1


def test_purchase_actions_need_their_permissions(desk):
    client = desk["client"]
    become_employee(client, ["orders"], shops=[desk["shop"]])
    assert client.get(f"/purchase/items/{desk['item'].id}").status_code == 403
    assert client.get(f"/purchase/orders/{desk['order'].id}/manual").status_code == 403
    html = client.get("/orders").get_data(as_text=True)
    assert ">采购</button>" not in html and "添加采购订单信息</button>" not in html


def test_every_purchase_post_needs_the_csrf_token(desk):
    _add_link(desk)
    link = _link()
    purchase = _db(lambda: buy(desk["other"], platform_order_id="230619-000000000000009"))
    item, order = desk["item"].id, desk["order"].id
    for path in (f"/purchase/items/{item}/links", f"/purchase/items/{item}/links/{link.id}/delete",
                 f"/purchase/items/{item}/links/{link.id}/sku", f"/purchase/items/{item}/links/{link.id}/go",
                 f"/purchase/orders/{order}/manual", f"/purchase/purchases/{purchase.id}/repurchase",
                 f"/purchase/purchases/{purchase.id}/cancel", "/purchase/batch", "/settings/purchase/guards"):
        assert desk["client"].post(path, data={"url": ITEM_URL, "ids": order}).status_code == 400, path
    assert _db(SupplierLink.select().count) == 1 and _db(lambda: Purchase.get_by_id(purchase.id).active) is True


# -- 设置 › 采购保护与自动支付 -----------------------------------------------------------------------------------

def test_guard_settings_are_saved_in_fen_and_bad_input_changes_nothing(signed_in):
    html = signed_in.get("/settings/purchase").get_data(as_text=True)
    for text in ("采购保护与自动支付", "最低利润", "最高采购价", "每个采购账号每日采购额", "自动支付", "当前支付方式：支付宝支付"):
        assert text in html, text
    token = csrf(signed_in, "/settings/purchase")
    bad = signed_in.post("/settings/purchase/guards", data={"profit_floor": "abc", "max_price": "-1", "daily_cap": "5",
                                                            "auto_pay": "1"}, headers={"X-CSRFToken": token})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and text.count('class="field-error"') == 2 and 'value="abc"' in text
    assert _db(AppSetting.select().count) == 0
    ok = signed_in.post("/settings/purchase/guards", data={"profit_floor": "-2", "max_price": "80", "daily_cap": "1000.5",
                                                           "auto_pay": "1"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and "已保存" in ok.get_data(as_text=True)
    assert _db(lambda: [get_setting(k) for k in ("purchase.profit_floor", "purchase.max_price", "purchase.daily_cap",
                                                 "pay.auto")]) == [-200, 8000, 100050, True]
    page = signed_in.get("/settings/purchase").get_data(as_text=True)
    assert 'value="-2.00"' in page and 'name="auto_pay" value="1" checked' in page
    signed_in.post("/settings/purchase/guards", data={"profit_floor": "0", "max_price": "0", "daily_cap": "0"},
                   headers={"X-CSRFToken": token})
    assert _db(lambda: get_setting("pay.auto")) is False


def test_freight_insurance_is_off_until_ticked_saved_shown_and_logged(signed_in):
    assert _db(lambda: get_setting("purchase.freight_insurance")) is False
    assert "自动勾选运费险" in signed_in.get("/settings/purchase").get_data(as_text=True)
    token = csrf(signed_in, "/settings/purchase")
    guards = {"profit_floor": "0", "max_price": "0", "daily_cap": "0"}
    ok = signed_in.post("/settings/purchase/guards", data={**guards, "freight_insurance": "1"},
                        headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and 'name="freight_insurance" value="1" checked' in ok.get_data(as_text=True)
    assert _db(lambda: get_setting("purchase.freight_insurance")) is True
    assert _db(lambda: [c.key for c in SettingChange.select()]) == ["purchase.freight_insurance"]
    signed_in.post("/settings/purchase/guards", data=guards, headers={"X-CSRFToken": token})
    assert _db(lambda: get_setting("purchase.freight_insurance")) is False


def test_guard_settings_are_the_main_accounts_alone(signed_in):
    become_employee(signed_in, ["settings"])
    response = post(signed_in, "/settings/purchase/guards", {"profit_floor": "5"}, token_page="/settings/purchase")
    assert response.status_code == 403 and _db(lambda: get_setting("purchase.profit_floor")) == 0


@pytest.mark.parametrize("address,display,remote,live", [
    ("192.168.1.23", True, True, True),  # asked from another PC: bought there, in the live view
    ("127.0.0.1", False, False, True),  # this PC has no screen
    ("127.0.0.1", True, False, False),  # a window opens on this PC
])
def test_assisted_from_another_pc_or_without_a_screen_links_to_the_live_page(desk, task_registered, monkeypatch,
                                                                             address, display, remote, live):
    monkeypatch.setattr(verification, "display_available", lambda: display)
    _add_link(desk)
    path = f"/purchase/items/{desk['item'].id}/links/{_link().id}/go"
    response = post(desk["client"], path, {"mode": "assisted", "account": desk["account"].id}, token_page="/orders",
                    environ_base={"REMOTE_ADDR": address})
    html = response.get_data(as_text=True)
    [(_, _, kwargs)] = task_registered
    job = _db(lambda: Job.get(Job.kind == "purchase"))
    assert response.status_code == 200 and kwargs["remote"] is remote
    link = f'<a href="/verify/job/{job.id}">在此电脑操作：打开实时页面</a>'
    assert (link in html) is live and ("本机的浏览器窗口" in html) is not live


def test_batch_purchase_is_one_job_per_account_with_its_orders_in_turn(desk, task_registered):
    """Two ticked orders of one 商家编码 bought by one account: one purchase_batch job (one browser
    session and lock), not a job per order that would reopen the account's browser each time."""
    def twin():
        order = make_order(desk["shop"], titles=("保温杯 500ml",), tid="3256650000000000203")
        OrderItem.update(outer_id=desk["item"].outer_id, sku_text=desk["item"].sku_text).where(
            OrderItem.order == order).execute()
        return order
    second = _db(twin)
    _add_link(desk)
    _go(desk["client"], f"/purchase/items/{desk['item'].id}/links/{_link().id}/sku", {"sku_id": "5001", "multiplier": "1"})
    response = _go(desk["client"], "/purchase/batch", {"ids": [desk["order"].id, second.id],
                                                       "account_taobao": desk["account"].id})
    assert response.status_code == 200 and "批量采购已开始 2 笔" in response.get_data(as_text=True)
    purchases = _db(lambda: [p.id for p in Purchase.select().order_by(Purchase.id)])
    assert [(kind, args["account_id"], args["purchase_ids"]) for kind, _, args in task_registered] == [
        ("purchase_batch", desk["account"].id, purchases)]
