"""自动售后 rules 1 and 4–7 end to end: the real sandbox, the real seller and 1688 drivers, the real rules
job (rules 2 and 3 are tests/drivers/test_aftersales_flow.py). Three orders of one shop, each bought at
a 1688 supplier, and one case on each, opened by the buyers at once; the sandbox clock then runs the
suppliers' and the buyers' moves between three runs of the rules job (each run's log rows are exactly
the new actions: nothing done twice):

  A  仅退款 a person already agreed in 千牛, our purchase not shipped  → rule 1 applies at the 上家
  B  仅退款, our purchase shipped                                      → rule 4 applies, then agrees
  C  退货退款, our purchase shipped → rule 5 applies for a return (a 待办 for the person, who agrees
     the return in 千牛); the buyer sends it back → rule 6 fills its number in at the 上家; the 上家
     receives it and refunds → rule 7 agrees.
"""
from __future__ import annotations

from dropship.models import AftersaleLog, Dispute, Order, Shop
from dropship.queue import start_job
from dropship.services import aftersales, shops
from dropship.services.jobs import job_target
from dropship.services.settings import set_setting
from tests.decrypt_spent import spend_todays_decrypts
from tests.drivers import buying
from tests.orders_factory import buy

QN_AGREE = "https://qn.taobao.com/home.htm/trade-platform/refund-list/agree"


def _rules() -> None:
    for rule in (1, 4, 5, 6, 7):
        set_setting(aftersales.on_key(rule), True)
    for rule in (4, 5):
        set_setting(aftersales.minutes_key(rule), 0)  # the delays are unit tested; here the clock is the sandbox's
    set_setting(aftersales.agree_key(4), True)
    set_setting(aftersales.CAP_KEY, 0)  # the daily cap is unit tested; the sandbox's prices are not ours


def _run_rules(shop: Shop) -> list[tuple[str, int, str, bool]]:
    """One run of the rules job; the log rows it wrote, as (tid, rule, action, ok)."""
    before = AftersaleLog.select().count()
    job = start_job("aftersales", "自动售后", target=job_target("shop", shop.id), shop_id=shop.id)
    assert job.state == "done", job.error
    rows = AftersaleLog.select().order_by(AftersaleLog.id).offset(before)
    return sorted((row.tid, row.rule, row.action, row.ok) for row in rows)


def _case(tid: str) -> Dispute:
    return Dispute.get(Dispute.tid == tid)


def test_rules_1_and_4_to_7_act_on_the_sandbox_seller_and_supplier(desk, sb):
    login = "aft_rules_shop"
    info = sb.scenario("shop_with_paid_orders", login=login, count=3, days=1, multi_ratio=0)
    sb.update_account(login, rate_limit_per_min=10_000)
    a, b, c = info["tids"]
    sb.seller_ship(c)  # a 退货退款 needs goods to send back
    account = buying.authorized_account(sb, "alibaba1688", "aft_rules_buyer")
    sku = buying.stocked_item(sb, "alibaba1688", min_skus=1)["skus"][0]["sku_id"]
    supplier = {tid: sb.buy("alibaba1688", account.login, sku, quantity=1, paid=True)["order_id"] for tid in (a, b, c)}
    shipped = {tid: sb.ship_now(supplier[tid])["shipments"][0]["tracking_no"] for tid in (b, c)}
    opened = {tid: sb.open_dispute(tid, kind)["dispute_id"]
              for tid, kind in ((a, "refund_only"), (b, "refund_only"), (c, "return_refund"))}
    seller = {c["name"]: c["value"] for c in sb.login_cookies(login)}
    agreed = sb.http("POST", QN_AGREE, data={"disputeId": opened[a], "action": "同意退款",
                                             "_tb_token_": seller["_tb_token_"]}, cookies=seller)
    assert "msg=" in agreed.header("Location")  # a person agreed A in 千牛 before the rules were on

    shop = shops.add_shop("taobao", login, info["password"])
    spend_todays_decrypts(shop.id)
    fetch = start_job("fetch_orders", "fetch", target=job_target("shop", shop.id), shop_id=shop.id)
    assert fetch.state == "done", fetch.error
    assert (_case(a).status, _case(b).status, _case(c).status) == ("success", "pending", "pending")
    for tid in (a, b, c):
        buy(Order.get(Order.tid == tid), account=account, platform="alibaba1688", platform_order_id=supplier[tid],
            state="paid", status="shipped" if tid in shipped else "paid", tracking_number=shipped.get(tid, ""))
    Shop.update(fetch_state="fetching").where(Shop.id == shop.id).execute()  # the rules run while 正在获取
    _rules()

    assert _run_rules(shop) == sorted([(a, 1, "supplier_refund", True), (b, 4, "supplier_refund", True),
                                       (c, 5, "supplier_return", True)])
    assert [(r["kind"], r["status_text"]) for tid in (a, b, c) for r in sb.supplier_refunds(supplier[tid])] == [
        ("refund_only", "退款待处理"), ("refund_only", "退款待处理"), ("return_refund", "退款待处理")]
    assert aftersales.todo(_case(c)).startswith("待办：到店铺后台填写上家退货地址")
    assert aftersales.todo(_case(b)) == ""

    sb.advance(6 * 60)  # the suppliers answer within hours: A and B refunded, C's return agreed
    assert sb.supplier_refunds(supplier[c])[0]["return_address"]
    back = sb.http("POST", QN_AGREE, data={"disputeId": opened[c], "action": "同意退货",
                                           "_tb_token_": seller["_tb_token_"]}, cookies=seller)
    assert "msg=" in back.header("Location")  # the person's 待办: agree the return in 千牛
    returned = sb.return_goods(opened[c])["return_tracking_no"]
    assert _run_rules(shop) == sorted([(b, 4, "agree", True), (c, 6, "fill_return", True)])
    assert sb.shop_order(b)["status"] == "TRADE_CLOSED"
    assert sb.supplier_refunds(supplier[c])[0]["return_tracking_no"] == returned
    assert sb.shop_order(c)["disputes"][0]["status"] == 3  # 待商家收货: waits for the 上家's refund

    sb.advance(72 * 60)  # the 上家 receives the parcel and refunds
    assert _run_rules(shop) == [(c, 7, "agree", True)]
    assert [r["status"] for tid in (a, b, c) for r in sb.supplier_refunds(supplier[tid])] == [5, 5, 5]
    assert [sb.shop_order(tid)["disputes"][0]["status"] for tid in (a, b, c)] == [5, 5, 5]
    assert {d.status for d in Dispute.select()} == {"success"}
    assert all(row.ok for row in AftersaleLog.select())
