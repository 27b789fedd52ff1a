"""What the buyer driver tests (淘宝 / 1688 / 拼多多 purchase) share: a logged-in sandbox account (in
the browser, or authorized as our PurchaseAccount), an item in stock, one purchase in the purchase
task's order of calls, and the SKU refusals."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from dropship.models import PurchaseAccount
from dropship.platforms.base import BuyerDriver, CheckoutReadback, PlatformError, Receiver, SupplierItem
from dropship.queue import start_job
from dropship.services.accounts import add_password_account, add_pdd_account
from dropship.services.jobs import job_target
from dropship.services.purchasing.matching import Found, Park, Want, find_new_order, window

RECEIVER = Receiver(name="王小明", phone="13812345678", province="浙江省", city="杭州市", district="西湖区",
                    town="文新街道", address="文一西路100号3栋2单元501室")
PAY_PASSWORD = "135790"


def authorized_account(sb, platform: str, login: str) -> PurchaseAccount:
    """A sandbox buyer added as our purchase account and 授权 through the account job (1688 / 淘宝 by
    password, 拼多多 by its token): the account is 在线. Needs the app wired to `sb` (tests.helpers.make_app)."""
    if platform == "pdd":
        info = sb.add_buyer("pdd", login, "", pay_password=PAY_PASSWORD)
        account = add_pdd_account(login, token=info["access_token"])
    else:
        sb.add_buyer(platform, login, "buyer-pass-1", pay_password=PAY_PASSWORD)
        account = add_password_account(platform, login, "buyer-pass-1")
    job = start_job("authorize_account", "授权", target=job_target("account", account.id), account_id=account.id)
    assert job.state == "done", job.error
    return PurchaseAccount.get_by_id(account.id)


def log_in(sb, context, platform: str, login: str, password: str = "pw", **options) -> None:
    """A new sandbox purchase account, with the cookies its login leaves put in `context`."""
    sb.add_buyer(platform, login, password, **options)
    context.add_cookies(sb.login_cookies(login, platform=platform))


def stocked_item(sb, platform: str, index: int = 0, stock: int = 50, min_skus: int = 2,
                 offers: tuple[str, ...] = ()) -> dict:
    """The `index`th sandbox item of `platform` with at least `min_skus` SKUs whose checkout has every
    one of `offers` (sandbox purchases.checkout_offers), each SKU set to `stock`."""
    item = [i for i in sb.supplier_items(platform)
            if len(i["skus"]) >= min_skus and all(i["offers"][name] for name in offers)][index]
    for sku in item["skus"]:
        sb.update_sku(sku["sku_id"], stock=stock)
    return sb.supplier_item(item["url"])


def buy(sb, buyer: BuyerDriver, item: dict, sku: dict, quantity: int, receiver: Receiver, memo: str,
        since: datetime) -> tuple[CheckoutReadback, Found | Park]:
    """One automatic purchase in BuyerDriver's order of calls: fill, read back, snapshot, submit, diff
    (the snapshot's list read between read back and submit must leave the checkout where it is)."""
    buyer.fill_checkout(item["item_id"], sku["sku_id"], quantity, receiver, memo)
    readback = buyer.read_checkout()
    before = buyer.order_ids_since(since)
    submitted_at = sb.now()
    buyer.submit()
    found = find_new_order(before, buyer.recent_orders(since), Want(item["item_id"], sku["sku_id"], quantity),
                           window(submitted_at, sb.now()))
    return readback, found


def sold_out_and_changed_skus_are_refused(sb, buyer: BuyerDriver, item: dict) -> tuple[SupplierItem, list[dict]]:
    """A sold-out SKU reads as stock 0 and is not bought; after the supplier renamed a spec, a SKU the
    page no longer lists is refused as 供应商规格已变更. Returns the changed item and the new props."""
    gone, other = item["skus"][0], item["skus"][1]
    sb.update_sku(gone["sku_id"], stock=0)
    opened = buyer.open_item(item["url"])
    assert next(s for s in opened.skus if s.sku_id == gone["sku_id"]).stock == 0
    with pytest.raises(PlatformError, match="售罄"):
        buyer.fill_checkout(item["item_id"], gone["sku_id"], 1, RECEIVER, "")
    renamed = [{**p, "value": p["value"] + "（新）"} for p in other["props"]]
    sb.update_sku(other["sku_id"], props=renamed)
    changed = buyer.open_item(item["url"])
    assert {s.text for s in changed.skus} != {s.text for s in opened.skus}
    with pytest.raises(PlatformError, match="供应商规格已变更"):
        buyer.fill_checkout(item["item_id"], "999999999", 1, RECEIVER, "")
    return changed, renamed


def read_back_after_a_price_rise(sb, buyer: BuyerDriver, item: dict) -> tuple[CheckoutReadback, dict]:
    """The supplier raised the first SKU's price by 10 yuan; 2 pieces filled in and read back (the
    total the guard compares with 最高采购价 before submitting). Returns the read back and the old SKU."""
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], price_fen=sku["price_fen"] + 1000)
    buyer.fill_checkout(item["item_id"], sku["sku_id"], 2, RECEIVER, "")
    return buyer.read_checkout(), sku


def page_lib_mtop(context, answer: dict) -> list[str]:
    """Give every page of `context` a ``lib.mtop`` that answers `answer` (each call's [api, data] kept
    in ``window.__asked``), as the real sites' pages load one. Returns the h5api gateway requests
    seen from now on: a driver that left the call to the page sends none."""
    context.add_init_script(f"""window.lib = {{mtop: {{request: function (params) {{
        window.__asked = (window.__asked || []).concat([[params.api, params.data]]);
        return Promise.resolve({json.dumps(answer, ensure_ascii=False)});
    }}}}}};""")
    gateway: list[str] = []
    context.on("request", lambda request: gateway.append(request.url) if "h5api" in request.url else None)
    return gateway
