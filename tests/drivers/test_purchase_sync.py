"""拍单状态 sync through the real buyer drivers against the sandbox: the supplier ships a 淘宝 purchase
(待收货 with its tracking number), a 拼多多 拼单 fills up (待分享 → 待发货)."""
from __future__ import annotations

from dropship.db import db
from dropship.models import Job, Purchase, PurchaseAccount
from dropship.queue import start_job
from platform_sandbox.taobao_bought import SHAPES, shape_of
from tests.helpers import post
from tests.orders_factory import buy, make_order, make_shop

PASSWORD = "buyer-pass-1"


def _in_stock_sku(sb, platform: str) -> str:
    item = [i for i in sb.supplier_items(platform) if i["skus"]][0]
    for sku in item["skus"]:
        sb.update_sku(sku["sku_id"], stock=50)
    return item["skus"][-1]["sku_id"]


def _purchase(account: PurchaseAccount, supplier_order: dict, state: str, status: str) -> Purchase:
    """Our order and its purchase, as the purchase task leaves them once the supplier order is found."""
    return buy(make_order(make_shop()), account=account, platform=supplier_order["platform"],
               platform_order_id=supplier_order["order_id"], amount=supplier_order["paid_fen"], state=state,
               status=status)


def _sync(account: PurchaseAccount) -> Job:
    job = start_job("sync_purchase_status", "同步采购状态", target=f"account:{account.id}", account_id=account.id)
    assert job.state == "done", job.error
    return job


def _login_with_list_shape(sb, shape: str) -> str:
    """A 淘宝 buyer whose first 已买到的宝贝 page comes in `shape` (the sandbox rotates shapes by uid)."""
    for n in range(len(SHAPES)):
        login = f"tb_sync{n}"
        if shape_of(sb.add_buyer("taobao", login, PASSWORD)["uid"], 1) == shape:
            return login
    raise AssertionError(f"no buyer gets the {shape} shape")


def test_a_shipped_taobao_purchase_shows_dai_shou_huo_with_its_tracking_number(desk_client, sb):
    # the asyncBought ("result") shape has no logistics: the number must come from the order's detail
    login = _login_with_list_shape(sb, "result")
    post(desk_client, "/accounts", {"platform": "taobao", "login": login, "password": PASSWORD, "tag": "permanent"},
         token_page="/accounts")
    sku = _in_stock_sku(sb, "taobao")
    paid = sb.buy("taobao", login, sku, quantity=1, paid=True)
    unpaid = sb.buy("taobao", login, sku, quantity=2, paid=False)
    with db.connection_context():
        account = PurchaseAccount.get(PurchaseAccount.login == login)
        assert account.online
        shipped = _purchase(account, paid, "paid", "paid")
        waiting = _purchase(account, unpaid, "unpaid", "unpaid")
        sb.ship_now(paid["order_id"])
        [parcel] = sb.purchase_order(paid["order_id"])["shipments"]

        _sync(account)

        row = Purchase.get_by_id(shipped.id)
        assert (row.status, row.state, row.tracking_number) == ("shipped", "paid", parcel["tracking_no"])
        assert row.courier  # the supplier's courier, for 发货 (issue 13)
        assert (Purchase.get_by_id(waiting.id).status, Purchase.get_by_id(waiting.id).state) == ("unpaid", "unpaid")


def test_a_pdd_group_purchase_goes_from_dai_fen_xiang_to_dai_fa_huo(desk_client, sb):
    buyer = sb.add_buyer("pdd", "13901000091", "")
    post(desk_client, "/accounts/pdd", {"phone": "13901000091", "token": buyer["access_token"], "tag": "permanent"},
         token_page="/accounts")
    sku = _in_stock_sku(sb, "pdd")
    group = sb.buy("pdd", "13901000091", sku, quantity=1, paid=True, group=True)
    with db.connection_context():
        account = PurchaseAccount.get(PurchaseAccount.login == "13901000091")
        assert account.online
        purchase = _purchase(account, group, "paid", "")

        _sync(account)
        assert Purchase.get_by_id(purchase.id).status == "sharing"  # 待分享

        sb.complete_group(group["order_id"])
        _sync(account)
        row = Purchase.get_by_id(purchase.id)
        assert (row.status, row.state) == ("paid", "paid")  # 待发货
