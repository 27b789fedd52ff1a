"""Employee scope over HTTP: an employee lists, counts, exports and opens only the granted shops' orders
(and 售后 cases and 自动售后日志), and an order, shop or case id of another shop answers 404 on every route
that takes one."""
import io
import re

import pytest
from openpyxl import load_workbook

from dropship.db import db
from dropship.models import AftersaleLog, Dispute, Job, Order, Shop
from dropship.services.team import ALL_CODES
from tests.helpers import become_employee, post
from tests.orders_factory import buy, make_account, make_dispute, make_order, make_shop

CARD = 'class="order-card'


def _tab_counts(html: str) -> dict[str, int]:
    return {m[0]: int(m[1]) for m in re.findall(r'data-tab="(\w+)">[^<]+<span class="count">(\d+)</span>', html)}


@pytest.fixture
def two_shops(signed_in):
    """Shop 东店 with three orders (two to buy, one abnormal), shop 西店 with two; a purchase account each."""
    with db.connection_context():
        east, west = make_shop("东店"), make_shop("西店")
        east_account, west_account = make_account("13800000001"), make_account("13800000002")
        east_orders = [make_order(east, tid="1001"), make_order(east, tid="1002"),
                       make_order(east, tid="1003", abnormal="loss")]
        bought = make_order(west, tid="2001")
        buy(bought, account=west_account)
        west_orders = [bought, make_order(west, tid="2002", abnormal="out_of_stock")]
    return {"client": signed_in, "east": east, "west": west, "east_account": east_account,
            "west_account": west_account, "east_orders": east_orders, "west_orders": west_orders}


def _export(client, search: dict) -> list[str]:
    """The order numbers an export of `search` writes."""
    response = post(client, "/orders/export", search, token_page="/orders")
    assert response.status_code == 200
    with db.connection_context():
        job = Job.select().where(Job.kind == "export_orders").order_by(Job.id.desc()).get()
    assert job.state == "done", job.error
    download = client.get(f"/orders/export/{job.id}.xlsx")
    rows = list(load_workbook(io.BytesIO(download.get_data()), read_only=True).active.iter_rows(values_only=True))
    download.close()
    return sorted(row[0] for row in rows[1:])


def test_the_main_account_sees_every_shop(two_shops):
    client = two_shops["client"]
    html = client.get("/orders").get_data(as_text=True)
    assert html.count(CARD) == 5 and _tab_counts(html)["all"] == 5
    assert _export(client, {}) == ["1001", "1002", "1003", "2001", "2002"]


def test_an_employee_without_grants_sees_no_orders_and_no_shops(two_shops):
    client = two_shops["client"]
    become_employee(client, sorted(ALL_CODES))
    html = client.get("/orders").get_data(as_text=True)
    assert CARD not in html and set(_tab_counts(html).values()) == {0}
    assert "东店" not in html and "西店" not in html and "13800000001" not in html  # the search form's choices
    shops_page = client.get("/shops").get_data(as_text=True)
    assert "东店" not in shops_page and "西店" not in shops_page
    batch = client.get("/orders/batch-sync").get_data(as_text=True)
    assert "东店" not in batch and "西店" not in batch
    assert _export(client, {}) == []


def test_an_employee_with_one_shop_sees_exactly_its_orders_and_counts(two_shops):
    client = two_shops["client"]
    become_employee(client, sorted(ALL_CODES), shops=[two_shops["east"]], accounts=[two_shops["east_account"]])
    html = client.get("/orders").get_data(as_text=True)
    assert html.count(CARD) == 3 and all(o.tid in html for o in two_shops["east_orders"])
    assert _tab_counts(html) == {"all": 3, "to_purchase": 3, "abnormal": 1, "to_ship": 0, "shipped": 0,
                                 "refunding": 0, "closed": 0, "finished": 0, "due_soon": 0}
    assert "西店" not in html and "13800000002" not in html and "东店" in html
    abnormal = client.get("/orders?tab=abnormal").get_data(as_text=True)
    assert abnormal.count(CARD) == 1 and "1003" in abnormal
    # the other shop and account cannot be chosen in the search either: they are 'not there'
    west = client.get(f"/orders?shop={two_shops['west'].id}")
    assert west.status_code == 400 and "店铺不存在" in west.get_data(as_text=True)
    account = client.get(f"/orders?account={two_shops['west_account'].id}")
    assert account.status_code == 400 and "采购账号不存在" in account.get_data(as_text=True)
    assert _export(client, {}) == ["1001", "1002", "1003"]
    shops_page = client.get("/shops").get_data(as_text=True)
    assert "东店" in shops_page and "西店" not in shops_page
    batch = client.get("/orders/batch-sync").get_data(as_text=True)
    assert "东店" in batch and "西店" not in batch


def test_batch_sync_refuses_a_shop_that_is_not_granted(two_shops):
    client = two_shops["client"]
    become_employee(client, ["orders", "orders.sync"], shops=[two_shops["east"]])
    response = post(client, "/orders/batch-sync", {"shops": str(two_shops["west"].id), "tab": "all", "days": "7"},
                    token_page="/orders")
    assert response.status_code == 400 and "店铺不存在" in response.get_data(as_text=True)
    with db.connection_context():
        assert not Job.select().where(Job.kind == "batch_sync").exists()


def _order_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every orders route that names one order in its URL."""
    return [(method, rule.rule) for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("orders.") and "order_id" in rule.arguments
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_forging_another_shops_order_id_is_404_on_every_order_route(app, two_shops):
    client = two_shops["client"]
    become_employee(client, sorted(ALL_CODES), shops=[two_shops["east"]])
    foreign = two_shops["west_orders"][1]
    routes = _order_routes(app)
    assert len(routes) >= 6  # memo (GET, POST), memo-state, address (GET, POST), sync, …
    token_page = "/orders"
    for method, rule in routes:
        url = re.sub(r"<[^>]*order_id>", str(foreign.id), rule)
        data = {"memo": "改", "flag": "1", "name": "李四", "phone": "13912345678", "province": "浙江省",
                "city": "杭州市", "address": "文三路 1 号"}
        response = post(client, url, data, token_page=token_page) if method == "POST" else client.get(url)
        assert response.status_code == 404, (method, url, response.status_code)
    # the bulk routes carry ids in the form or the query string
    ids = {"ids": str(foreign.id)}
    assert client.get(f"/orders/mark?ids={foreign.id}").status_code == 404
    assert client.get(f"/orders/batch-sync?ids={foreign.id}").status_code == 404
    for url, data in (("/orders/ignore", {**ids, "ignored": "1"}), ("/orders/mark", {**ids, "kind": "loss"}),
                      ("/orders/batch-sync", {**ids, "shops": str(two_shops["east"].id), "tab": "all", "days": "7"})):
        assert post(client, url, data, token_page=token_page).status_code == 404, url
    with db.connection_context():
        untouched = Order.get_by_id(foreign.id)
        assert (untouched.ignored, untouched.abnormal, untouched.seller_memo, untouched.address_state) == \
            (False, "out_of_stock", "", "masked")
        assert not Job.select().exists()
    # the granted shop's own orders still open
    own = two_shops["east_orders"][0]
    assert client.get(f"/orders/{own.id}/memo").status_code == 200


def test_forging_another_shops_id_is_404_on_every_shop_route(app, two_shops):
    client = two_shops["client"]
    become_employee(client, sorted(ALL_CODES), shops=[two_shops["east"]])
    west = two_shops["west"]
    routes = [(method, rule.rule) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("shops.") and "shop_id" in rule.arguments
              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(routes) >= 5
    for method, rule in routes:
        url = re.sub(r"<[^>]*shop_id>", str(west.id), rule)
        data = {"platform": "taobao", "login": "西店", "password": "x", "headed": "1"}
        response = post(client, url, data, token_page="/shops") if method == "POST" else client.get(url)
        assert response.status_code == 404, (method, url, response.status_code)
    # ticked ids of another shop are left alone by the toolbar actions
    post(client, "/shops/delete", {"shop_ids": str(west.id)}, token_page="/shops")
    post(client, "/shops/fetch/start", {"shop_ids": str(west.id), "days": "3"}, token_page="/shops")
    with db.connection_context():
        shop = Shop.get_by_id(west.id)
        assert (shop.deleted_at, shop.fetch_state, shop.headed) == (None, "stopped", False)
        assert not Job.select().exists()


@pytest.fixture
def two_shops_cases(two_shops):
    """Three cases in each of 东店 and 西店, one per 售后 tab (仅退款, 退货退款, 退款成功), and a
    自动售后日志 row for each shop."""
    kinds = (("refund_only", "pending"), ("return_refund", "pending"), ("refund_only", "success"))
    with db.connection_context():
        orders = {"east": two_shops["east_orders"], "west": [*two_shops["west_orders"], make_order(two_shops["west"])]}
        cases = {name: [make_dispute(two_shops[name], order, kind=kind, status=status)
                        for order, (kind, status) in zip(orders[name], kinds, strict=True)]
                 for name in ("east", "west")}
        for name in ("east", "west"):
            case = cases[name][0]
            AftersaleLog.create(shop=two_shops[name], dispute=case, tid=case.tid, rule=2, action="agree", ok=True,
                                reason=f"已同意买家退款（{name}）")
    return {**two_shops, "cases": cases}


def _case_rows(client, tab: str) -> set[str]:
    html = client.get(f"/aftersales?tab={tab}").get_data(as_text=True)
    return set(re.findall(r'<tr[^>]*\bid="dispute-(\d+)"', html))


def test_an_employee_sees_only_the_granted_shops_cases_and_log(app, two_shops_cases):
    client, cases = two_shops_cases["client"], two_shops_cases["cases"]
    ids = {name: [str(case.id) for case in cases[name]] for name in ("east", "west")}
    every = {tab: _case_rows(client, tab) for tab in ("refund_only", "return_refund", "refunded")}
    assert every == {"refund_only": {ids["east"][0], ids["west"][0]}, "return_refund": {ids["east"][1], ids["west"][1]},
                     "refunded": {ids["east"][2], ids["west"][2]}}

    become_employee(client, sorted(ALL_CODES), shops=[two_shops_cases["east"]])
    assert {tab: _case_rows(client, tab) for tab in every} == {
        "refund_only": {ids["east"][0]}, "return_refund": {ids["east"][1]}, "refunded": {ids["east"][2]}}
    page = client.get("/aftersales").get_data(as_text=True)
    assert "西店" not in page and "东店" in page
    log = client.get("/aftersales/log").get_data(as_text=True)
    assert "已同意买家退款（east）" in log and "（west）" not in log
    routes = [(method, rule.rule) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("aftersales.") and "dispute_id" in rule.arguments
              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(routes) >= 5  # show, sync, memo (GET, POST), remove
    for method, rule in routes:
        url = re.sub(r"<[^>]*dispute_id>", ids["west"][0], rule)
        response = post(client, url, {"memo": "改"}, token_page="/aftersales") if method == "POST" else client.get(url)
        assert response.status_code == 404, (method, url, response.status_code)
    with db.connection_context():
        untouched = Dispute.get_by_id(cases["west"][0].id)
        assert (untouched.viewed_at, untouched.memo, untouched.removed) == (None, "", False)
        assert not Job.select().exists()


def test_an_employee_without_shop_grants_sees_no_cases(two_shops_cases):
    client = two_shops_cases["client"]
    become_employee(client, sorted(ALL_CODES))
    html = client.get("/aftersales").get_data(as_text=True)
    assert re.findall(r'<span class="count">(\d+)</span>', html) == ["0", "0", "0", "0"]
    assert [_case_rows(client, tab) for tab in ("refund_only", "return_refund", "refunded")] == [set(), set(), set()]
    assert "已同意买家退款" not in client.get("/aftersales/log").get_data(as_text=True)
