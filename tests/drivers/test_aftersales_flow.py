"""自动售后 end to end against the sandbox: buyers open 仅退款 on our shop, the order fetch stores the cases
with the orders; an unbought order is agreed at once (rule 2), a bought one is applied for at the
1688 supplier (rule 3), and once the supplier refunded (the clock advances) the buyer is agreed too.
Every action shows on the sandbox's seller and supplier sides and in 自动售后日志."""
from __future__ import annotations

from dropship.models import AftersaleLog, Dispute, Job, Order, Shop
from dropship.queue import start_job
from dropship.services import aftersales, shops
from dropship.services.jobs import job_target
from dropship.services.settings import set_setting
from tests.decrypt_spent import spend_todays_decrypts
from tests.drivers import buying
from tests.orders_factory import buy


def _rules() -> None:
    for rule in (2, 3):
        set_setting(aftersales.on_key(rule), True)
        set_setting(aftersales.minutes_key(rule), 0)  # the delays are unit tested; here the clock is the sandbox's
    set_setting(aftersales.agree_key(3), True)


def _log() -> list[tuple[int, str, bool]]:
    return [(row.rule, row.action, row.ok) for row in AftersaleLog.select().order_by(AftersaleLog.id)]


def test_refunds_are_agreed_or_applied_for_at_the_supplier_then_agreed(desk, sb):
    login = "aft_flow_shop"
    info = sb.scenario("shop_with_paid_orders", login=login, count=2, days=1, multi_ratio=0)
    sb.update_account(login, rate_limit_per_min=10_000)
    for tid in info["tids"]:
        sb.open_dispute(tid, "refund_only")
    shop = shops.add_shop("taobao", login, info["password"])
    spend_todays_decrypts(shop.id)
    fetch = start_job("fetch_orders", "fetch", target=job_target("shop", shop.id), shop_id=shop.id)
    assert fetch.state == "done", fetch.error
    assert "新售后 2 个" in Job.get_by_id(fetch.id).message  # read in the order fetch's session
    bought, unbought = (Order.get(Order.tid == tid) for tid in info["tids"])

    Shop.update(fetch_state="fetching").where(Shop.id == shop.id).execute()  # the rules run while 正在获取
    account = buying.authorized_account(sb, "alibaba1688", "aft_flow_buyer")
    item = buying.stocked_item(sb, "alibaba1688", min_skus=1)
    supplier_order = sb.buy("alibaba1688", account.login, item["skus"][0]["sku_id"], quantity=1, paid=True)["order_id"]
    buy(bought, account=account, platform="alibaba1688", platform_order_id=supplier_order, state="paid", status="paid")
    _rules()
    rules_job = start_job("aftersales", "自动售后", target=job_target("shop", shop.id), shop_id=shop.id)
    assert rules_job.state == "done", rules_job.error
    assert sorted(_log()) == [(2, "agree", True), (3, "supplier_refund", True)]
    assert sb.shop_order(unbought.tid)["status"] == "TRADE_CLOSED"
    [applied] = sb.supplier_refunds(supplier_order)
    assert applied["status_text"] == "退款待处理"
    assert Order.get_by_id(unbought.id).refund_state == "refunded"

    sb.advance(6 * 60)  # the 1688 supplier refunds within hours
    job = start_job("aftersales", "自动售后", target=job_target("shop", shop.id), shop_id=shop.id)
    assert job.state == "done", job.error
    assert _log()[2:] == [(3, "agree", True)]
    assert sb.shop_order(bought.tid)["status"] == "TRADE_CLOSED"
    assert {d.status for d in Dispute.select()} == {"success"}
    assert Order.get_by_id(bought.id).refund_state == "refunded"
