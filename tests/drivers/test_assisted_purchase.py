"""辅助下单 with the REAL 淘宝 buyer driver against the sandbox (headless): the `purchase` job fills the
receiver, puts the order info panel on the supplier's page and parks it as a live view in 验证中心; the
test plays the person at another PC — it looks at the page, as a person looks at the picture, and
acts only through the hub (the channel the live page's clicks and typing travel): 提交订单, then the
pay password at the cashier. The job finds the order by the diff, records it 已支付 and ends the view."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from dropship.models import OrderItem, Purchase, PurchaseAccount
from dropship.platforms.base import Receiver
from dropship.platforms.taobao_buyer import CASHIER_PATH, CONFIRM_PATHS, TaobaoBuyer
from dropship.platforms.verification import HUB
from dropship.queue import start_job
from dropship.services.accounts import add_password_account
from dropship.services.jobs import job_target
from dropship.services.purchasing.records import begin
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.tasks import purchasing
from tests.orders_factory import make_order, make_shop

RECEIVER = Receiver(name="王小明", phone="13812345678", province="浙江省", city="杭州市", district="西湖区",
                    town="文新街道", address="文一西路100号3栋2单元501室")
LOGIN, PAY_PASSWORD = "tb_assist_1", "135790"
PANEL = "[data-ds-panel]"  # the panel's box, inside its shadow root (Playwright's CSS pierces open roots)


class Person:
    """Someone at another PC using the live view. `look` runs in the worker thread between frames
    (each read of the order list): it reads the page as the picture shows it and sends at most one
    step of commands through the hub, like the live page's script does."""

    def __init__(self) -> None:
        self.page = None
        self.done: list[str] = []
        self.panels: dict[str, str] = {}  # page kind -> the panel's text there
        self.posted: list[str] = []  # every form the supplier's page sent
        self.overlaps_submit = None

    def center(self, selector: str) -> dict:
        box = self.page.locator(selector).bounding_box()
        return {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}

    def look(self) -> None:
        view = next((v for v in HUB.recent() if v.kind == "assist" and v.live), None)
        if view is None or self.page is None or self.page.locator(PANEL).count() == 0:
            return
        path = urlsplit(self.page.url).path
        if path in CONFIRM_PATHS and "submit" not in self.done and self.page.locator("#J_Go").is_enabled():
            self.page.on("request", lambda r: self.posted.append(r.post_data or "") if r.method == "POST" else None)
            self.panels["confirm"] = self.page.locator(PANEL).inner_text()
            panel, go = self.page.locator(PANEL).bounding_box(), self.page.locator("#J_Go").bounding_box()
            self.overlaps_submit = (panel["x"] < go["x"] + go["width"] and go["x"] < panel["x"] + panel["width"]
                                    and panel["y"] < go["y"] + go["height"] and go["y"] < panel["y"] + panel["height"])
            self.page.locator("#J_Go").scroll_into_view_if_needed()  # as the person's wheel would
            HUB.send(view.id, {"type": "click", **self.center("#J_Go")})
            self.done.append("submit")
        elif CASHIER_PATH in self.page.url and "pay" not in self.done:
            self.panels["cashier"] = self.page.locator(PANEL).inner_text()
            HUB.send(view.id, {"type": "click", **self.center("#payPassword_rsainput")})
            HUB.send(view.id, {"type": "text", "text": PAY_PASSWORD})
            HUB.send(view.id, {"type": "click", **self.center("#J_authSubmit")})
            self.done.append("pay")


def test_assisted_purchase_bought_by_a_person_through_the_live_view_is_found_and_recorded(desk, sb, monkeypatch):
    sb.add_buyer("taobao", LOGIN, "buyer-pass-1", pay_password=PAY_PASSWORD)
    account = add_password_account("taobao", LOGIN, "buyer-pass-1")
    assert start_job("authorize_account", "授权", target=job_target("account", account.id),
                     account_id=account.id).state == "done"
    item = next(i for i in sb.supplier_items("taobao") if len(i["skus"]) >= 2)
    sku = item["skus"][1]
    sb.update_sku(sku["sku_id"], stock=50)
    order = make_order(make_shop("店-assist"), items=1, paid=sku["price_fen"] * 3, titles=("店里的保温杯",))
    store_receiver(order, RECEIVER)
    purchase = begin(Scope.everything(), order, list(OrderItem.select().where(OrderItem.order == order.id)),
                     PurchaseAccount.get_by_id(account.id), "taobao", item["item_id"], sku["sku_id"], 1)
    sb.advance(max((datetime.now() - sb.now()).total_seconds() / 60, 0))  # the diff's window is wall-clock time

    person = Person()
    shown = TaobaoBuyer.assist_page

    def assist_page(driver, panel):
        person.page = shown(driver, panel)
        return person.page

    listed = TaobaoBuyer.recent_orders

    def recent_orders(driver, since):
        person.look()
        return listed(driver, since)

    monkeypatch.setattr(TaobaoBuyer, "assist_page", assist_page)
    monkeypatch.setattr(TaobaoBuyer, "recent_orders", recent_orders)
    monkeypatch.setattr(purchasing, "ASSIST_POLL_SECONDS", 0)  # read the list between every two frames
    job = start_job("purchase", "辅助下单", target=job_target("purchase", purchase.id), purchase_id=purchase.id,
                    mode="assisted", remote=True)

    assert job.state == "done", job.error
    row = Purchase.get_by_id(purchase.id)
    [placed] = sb.purchase_orders(login=LOGIN)
    assert person.done == ["submit", "pay"] and placed["state"] == "unshipped"  # paid by the person
    assert (row.state, row.status, row.platform_order_id, row.amount) == ("paid", "paid", placed["order_id"],
                                                                         placed["paid_fen"])
    assert placed["memo"] == f"DS{purchase.id}" and placed["receiver"]["name"] == RECEIVER.name
    view = HUB.for_job(job.id)
    assert (view.kind, view.state) == ("assist", "solved")
    # the panel on both pages the person used (shown again after the navigation), never over 提交订单,
    # and nothing of it in what the page sent to the supplier
    for text in person.panels.values():
        assert "请核对订单信息" in text and "王小明" in text and "13812345678" in text and "店里的保温杯" in text
    assert set(person.panels) == {"confirm", "cashier"} and person.overlaps_submit is False
    assert person.posted and not any("店里的保温杯" in body or "请核对" in body for body in person.posted)
