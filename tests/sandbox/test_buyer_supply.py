"""The suppliers' side of purchases, through the Python API and HTTP: shipping delays and
couriers, purchases that never ship, 双物流 numbers the shop backend accepts, scenarios, the
admin buttons, and determinism with purchases included."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from platform_sandbox import Sandbox

from .conftest import COURIER_PATTERNS, START

DUAL = "https://api.shuangwuliu.com/api/waybill/replace"
KEY = "swl_test_key"  # the invented provider takes any key of its shape


def in_stock(sb, platform, count):
    skus = [s for i in sb.supplier_items(platform) for s in i["skus"]][:count]
    for sku in skus:
        sb.update_sku(sku["sku_id"], stock=100)
    return skus


def test_suppliers_ship_after_a_delay_with_pattern_valid_numbers(sb):
    sb.add_buyer("pdd", "13911110000", "pw")
    sb.add_buyer("taobao", "sp_tb", "pw")
    bought = [sb.buy("pdd", "13911110000", s["sku_id"]) for s in in_stock(sb, "pdd", 30)]
    bought += [sb.buy("taobao", "sp_tb", s["sku_id"]) for s in in_stock(sb, "taobao", 20)]
    sb.advance(29)
    assert all(not sb.purchase_order(p["order_id"])["shipments"] for p in bought)  # not within 30 minutes
    sb.advance(2 * 24 * 60)
    after = [sb.purchase_order(p["order_id"]) for p in bought]
    shipped = [p for p in after if p["shipments"]]
    stuck = [p for p in after if p["never_ships"]]
    assert {p["order_id"] for p in stuck} == {p["order_id"] for p in after if not p["shipments"]}
    assert 1 <= len(stuck) <= 10 and len(shipped) == len(after) - len(stuck)
    couriers = set()
    for purchase in shipped:
        [shipment] = purchase["shipments"]
        couriers.add(shipment["courier_code"])
        assert re.fullmatch(COURIER_PATTERNS[shipment["courier_code"]], shipment["tracking_no"])
        assert purchase["state"] == "shipped" and purchase["status_text"] in ("待收货", "卖家已发货")
        if purchase["platform"] == "taobao":
            assert shipment["courier_code"] != "BTKD"
    assert couriers <= set(COURIER_PATTERNS) and len(couriers) >= 5
    sb.ship_now(stuck[0]["order_id"])  # the admin's 立即发货 still works on them
    assert sb.purchase_order(stuck[0]["order_id"])["shipments"]


def test_stuck_purchase_dual_logistics_and_consign(sb):
    stuck = sb.scenario("supplier_never_ships", login="dl_shop", platform="pdd", hours_ago=40)
    shop_order = sb.shop_order(stuck["tid"])
    assert shop_order["status"] == "WAIT_SELLER_SEND_GOODS" and shop_order["consign_deadline"] == stuck["consign_deadline"]
    purchase = sb.purchase_order(stuck["order_id"])
    assert purchase["never_ships"] and purchase["memo"] == f"代发 {stuck['tid']}"
    assert purchase["receiver"] == shop_order["receiver"]
    sb.advance(3 * 24 * 60)
    assert sb.purchase_order(stuck["order_id"])["shipments"] == []

    # The supplier finally ships with 百通, which the shop backend does not take …
    shipped = sb.ship_now(stuck["order_id"], courier_code="BTKD")["shipments"][0]
    assert re.fullmatch(r"2\d{10}", shipped["tracking_no"])
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("dl_shop") if c["domain"] == ".taobao.localhost"}

    def consign(code, number):
        return sb.http("POST", "https://wuliu.taobao.com/user/consign.htm", cookies=cookies, data={
            "_tb_token_": cookies["_tb_token_"], "trade_id": stuck["tid"], "event_submit_do_offline_consign": "1",
            "offlineNewFlag": "1", "companyCode": code, "mailNo": number}).text

    assert "请选择物流公司" in consign("BTKD", shipped["tracking_no"])
    # … so a 双物流 provider issues a replacement number of another courier.
    keyless = sb.http("POST", DUAL, json={"courier_code": "BTKD", "tracking_no": shipped["tracking_no"]})
    assert keyless.status == 401 and "app_key" in keyless.json()["message"]
    unknown = sb.http("POST", DUAL, json={"app_key": KEY, "courier_code": "BTKD", "tracking_no": "20000000000"})
    assert unknown.status == 400 and not unknown.json()["success"]
    answer = sb.http("POST", DUAL, json={"app_key": KEY, "courier_code": "BTKD", "tracking_no": shipped["tracking_no"]}).json()
    again = sb.http("POST", DUAL, data={"app_key": KEY, "courier_code": "btkd", "tracking_no": shipped["tracking_no"]}).json()
    assert answer == again and answer["success"]
    new = answer["data"]
    assert new["courier_code"] != "BTKD" and re.fullmatch(COURIER_PATTERNS[new["courier_code"]], new["tracking_no"])
    assert new["original"] == {"courier_code": "BTKD", "tracking_no": shipped["tracking_no"]}
    assert "恭喜您，操作成功" in consign(new["courier_code"], new["tracking_no"])
    assert sb.shop_order(stuck["tid"])["shipments"][0]["tracking_no"] == new["tracking_no"]


def test_a_supplier_number_can_ship_the_shop_order(sb):
    """Dropshipping: the shop ships with the very number the supplier used."""
    sb.add_seller("same_no_shop", "pw")
    tid = sb.place_order("same_no_shop")["tid"]
    sb.add_buyer("taobao", "same_no_buyer", "pw")
    [sku] = in_stock(sb, "tmall", 1)
    purchase = sb.ship_now(sb.buy("tmall", "same_no_buyer", sku["sku_id"])["order_id"])
    shipment = purchase["shipments"][0]
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("same_no_shop") if c["domain"] == ".taobao.localhost"}
    page = sb.http("POST", "https://wuliu.taobao.com/user/consign.htm", cookies=cookies, data={
        "_tb_token_": cookies["_tb_token_"], "trade_id": tid, "event_submit_do_offline_consign": "1",
        "offlineNewFlag": "1", "companyCode": shipment["courier_code"], "mailNo": shipment["tracking_no"]})
    assert "恭喜您，操作成功" in page.text


def test_supplier_changed_skus_show_on_the_product_pages(page, sb):
    sb.add_seller("chg_shop", "pw", items=28)
    changes = {c["change"]: c for c in sb.scenario("supplier_changed_skus", login="chg_shop")["changes"]}
    sold_out = sb.supplier_item(changes["sold_out"]["url"])
    gone = next(s for s in sold_out["skus"] if s["sku_id"] == changes["sold_out"]["sku_id"])
    assert gone["stock"] == 0
    renamed = changes["renamed"]
    for change in (changes["sold_out"], renamed):
        url = change["url"]
        for real, local in (("https://item.taobao.com", "item.taobao.com"), ("https://detail.tmall.com", "detail.tmall.com"),
                            ("https://detail.1688.com", "detail.1688.com")):
            url = url.replace(real, sb.origin(local))
        if change["platform"] == "pdd":
            continue  # goods pages need a logged-in 拼多多 account; the sold-out rule is the same panel
        page.goto(url)
        skus = page.evaluate("() => JSON.parse(document.querySelector('.sku-panel').dataset.skus)")
        by_id = {s["skuId"]: s for s in skus}
        if change is renamed:
            assert by_id[renamed["sku_id"]]["props"] == renamed["props"]
            expect(page.locator(".sku-panel")).to_contain_text("（新款）")
        else:
            assert by_id[gone["sku_id"]]["stock"] == 0


def test_admin_lists_purchases_ships_and_completes_groups(page, sb):
    sb.add_buyer("pdd", "13922220000", "pw")
    skus = in_stock(sb, "pdd", 2)
    group = sb.buy("pdd", "13922220000", skus[0]["sku_id"], group=True, memo="DS#ADMIN-G")
    single = sb.buy("pdd", "13922220000", skus[1]["sku_id"], memo="DS#ADMIN-S")
    assert group["status_text"] == "待分享" and single["status_text"] == "待发货"
    page.goto(sb.admin_url)
    expect(page.locator('.buyer-row[data-login="13922220000"]')).to_contain_text("拼多多")
    row = page.locator(f'.purchase-row[data-order-id="{group["order_id"]}"]')
    row.locator(".group-form button").click()
    expect(page.locator("#admin-message")).to_contain_text("拼单已成团")
    expect(row.locator(".purchase-status")).to_have_text("待发货")
    row = page.locator(f'.purchase-row[data-order-id="{single["order_id"]}"]')
    row.locator(".ship-form button").click()
    expect(page.locator("#admin-message")).to_contain_text("上家已发货")
    expect(row.locator(".purchase-status")).to_have_text("待收货")
    listed = sb.http("GET", "/__sandbox/purchases", params={"login": "13922220000"}).json()
    assert [p["memo"] for p in listed] == ["DS#ADMIN-G", "DS#ADMIN-S"]
    assert sb.http("POST", "/__sandbox/purchases/group", json={"order_id": single["order_id"]}).status == 400


def run_world(tmp_path, seed: int) -> tuple[str, list[dict]]:
    sb = Sandbox.start(seed=seed, data_dir=tmp_path, start_time=START)
    try:
        sb.scenario("demo", days=1)
        sb.add_buyer("pdd", "13933330000", "pw")
        skus = [s for i in sb.supplier_items("pdd")[:3] for s in i["skus"] if s["stock"]][:4]
        for n, sku in enumerate(skus):
            sb.buy("pdd", "13933330000", sku["sku_id"], group=n % 2 == 0, memo=f"DS#{n}")
        sb.advance(12 * 60)
        first = sb.purchase_orders(login="13933330000")[0]
        if first["shipments"]:
            shipment = first["shipments"][0]
            sb.http("POST", DUAL, json={"app_key": KEY, "courier_code": shipment["courier_code"], "tracking_no": shipment["tracking_no"]})
        sb.advance(2 * 24 * 60)
        return sb.digest(), sb.purchase_orders()
    finally:
        sb.stop()


def test_same_seed_gives_the_same_purchases(tmp_path):
    one, two, other = (run_world(tmp_path / name, seed) for name, seed in (("a", 5), ("b", 5), ("c", 6)))
    assert one == two
    assert len(one[1]) > 20 and any(p["shipments"] for p in one[1])
    assert other[0] != one[0]
    assert {"buyer_tb", "13933330000"} <= {p["login"] for p in one[1]}
