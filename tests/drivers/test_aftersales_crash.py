"""自动售后 killed at each write, then restarted: every case agreed once, every 上家 refund applied once,
every return number filled once, and 自动售后日志 tells the truth.

A real worker process (tests/crash_worker.py --aftersales) runs the rules job of one sandbox shop with
the real seller and 1688 drivers; it is started again and again with --aftersales-crash-at naming one of
tasks.aftersales.STEPS in turn, and the first case reaching that step SIGKILLs it (before or after the
site was asked). The next start's recovery re-runs the job. Then the sandbox's own records decide.

  A1 A2  仅退款, not bought        → rule 2 agrees          (killed before, then after 同意退款)
  B1 B2  仅退款, bought at 1688     → rule 3 applies there   (killed before, then after apply_refund)
  C      退货退款, bought, shipped   → rule 5 applies for a return; the 上家 agrees, the buyer sends the
                                      parcel back → rule 6 fills its number (killed before, then after)
"""
from __future__ import annotations

from collections import Counter

from dropship.models import AftersaleLog, Dispute, Job, Order, Shop
from dropship.queue import start_job
from dropship.services import aftersales, disputes, shops
from dropship.services.jobs import job_target
from dropship.services.settings import set_setting
from dropship.tasks.aftersales import STEPS
from tests.crash_worker import AFTERSALES_CRASH_LOG, kill_hard, spawn
from tests.decrypt_spent import spend_todays_decrypts
from tests.drivers import buying
from tests.helpers import wait_until
from tests.orders_factory import buy
from tests.purchase_crash import run_until_it_kills_itself

QN_AGREE = "https://qn.taobao.com/home.htm/trade-platform/refund-list/agree"


def _rules() -> None:
    for rule in (2, 3, 5, 6):
        set_setting(aftersales.on_key(rule), True)
    for rule in (2, 3, 5):
        set_setting(aftersales.minutes_key(rule), 0)  # the delays are unit tested
    set_setting(aftersales.CAP_KEY, 0)


def _killed_then_finished(sb, desk, shop: Shop, steps: tuple[str, ...]) -> None:
    common = ("--sandbox-port", str(sb.port), "--workers", "1", "--aftersales", str(shop.id))
    for step in steps:
        run_until_it_kills_itself(sb, desk, *common, "--aftersales-crash-at", step)
    last = spawn(desk, *common)
    try:
        wait_until(lambda: not Job.select().where(Job.kind == "aftersales", Job.state.in_(Job.ACTIVE)).exists(),
                   timeout=120, what="the 自动售后 job finished")
    finally:
        kill_hard(last)


def _ok_rows() -> Counter:
    return Counter((row.tid, row.action) for row in AftersaleLog.select().where(AftersaleLog.ok == True))  # noqa: E712


def test_aftersales_killed_at_every_write_acts_exactly_once(desk, sb):
    login = "aft_kill_shop"
    info = sb.scenario("shop_with_paid_orders", login=login, count=5, days=1, multi_ratio=0)
    sb.update_account(login, rate_limit_per_min=10_000)
    a1, a2, b1, b2, c = info["tids"]
    sb.seller_ship(c)  # a 退货退款 needs goods to send back
    account = buying.authorized_account(sb, "alibaba1688", "aft_kill_buyer")
    sku = buying.stocked_item(sb, "alibaba1688", min_skus=1)["skus"][0]["sku_id"]
    supplier = {tid: sb.buy("alibaba1688", account.login, sku, quantity=1, paid=True)["order_id"] for tid in (b1, b2, c)}
    shipped = sb.ship_now(supplier[c])["shipments"][0]["tracking_no"]
    opened = {tid: sb.open_dispute(tid, "return_refund" if tid == c else "refund_only")["dispute_id"]
              for tid in info["tids"]}
    shop = shops.add_shop("taobao", login, info["password"])
    spend_todays_decrypts(shop.id)
    fetch = start_job("fetch_orders", "fetch", target=job_target("shop", shop.id), shop_id=shop.id)
    assert fetch.state == "done", fetch.error
    for tid in (b1, b2, c):
        buy(Order.get(Order.tid == tid), account=account, platform="alibaba1688", platform_order_id=supplier[tid],
            state="paid", status="shipped" if tid == c else "paid", tracking_number=shipped if tid == c else "")
    Shop.update(fetch_state="fetching").where(Shop.id == shop.id).execute()
    _rules()

    _killed_then_finished(sb, desk, shop, STEPS[:4])
    assert [sb.shop_order(tid)["status"] for tid in (a1, a2)] == ["TRADE_CLOSED"] * 2
    assert [len(sb.supplier_refunds(supplier[tid])) for tid in (b1, b2, c)] == [1, 1, 1]  # none applied twice

    sb.advance(6 * 60)  # the 上家 agrees C's return; the person agrees it in 千牛; the buyer sends it back
    seller = {k["name"]: k["value"] for k in sb.login_cookies(login)}
    back = sb.http("POST", QN_AGREE, data={"disputeId": opened[c], "action": "同意退货",
                                           "_tb_token_": seller["_tb_token_"]}, cookies=seller)
    assert "msg=" in back.header("Location")
    returned = sb.return_goods(opened[c])["return_tracking_no"]
    _killed_then_finished(sb, desk, shop, STEPS[4:])
    [applied] = sb.supplier_refunds(supplier[c])
    assert applied["return_tracking_no"] == returned

    crashes = [line.split()[0] for line in (desk / AFTERSALES_CRASH_LOG).read_text().splitlines()]
    assert crashes == list(STEPS)  # each step killed a worker once
    # 自动售后日志: one 成功 per action the sites show done, none unsettled, no 成功 for anything else
    assert _ok_rows() == Counter({(a1, "agree"): 1, (a2, "agree"): 1, (b1, "supplier_refund"): 1,
                                  (b2, "supplier_refund"): 1, (c, "supplier_return"): 1, (c, "fill_return"): 1})
    assert not AftersaleLog.select().where(AftersaleLog.reason == disputes.PENDING).exists()
    assert Dispute.get(Dispute.tid == c).supplier_return_number == returned
