"""The simulation clock: due events run in order, and a run is reproducible from its seed."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from platform_sandbox import Sandbox

from .conftest import START


def run_world(tmp_path, seed: int) -> tuple[str, list[str]]:
    sb = Sandbox.start(seed=seed, data_dir=tmp_path, start_time=START)
    try:
        sb.add_seller("det_shop", "pw", orders_per_day=40)
        sb.scenario("shop_with_paid_orders", login="det_paid", count=15, days=2)
        for _ in range(3):
            sb.advance(8 * 60)
        first = sb.shop_orders("det_shop", status="WAIT_SELLER_SEND_GOODS")[0]
        sb.open_dispute(first["tid"], "refund_only")
        sb.advance(2 * 24 * 60)
        tids = [o["tid"] for o in sb.shop_orders("det_shop")]
        return sb.digest(), tids
    finally:
        sb.stop()


def test_same_seed_start_and_steps_give_the_same_world(tmp_path):
    one = run_world(tmp_path / "a", seed=11)
    two = run_world(tmp_path / "b", seed=11)
    other = run_world(tmp_path / "c", seed=12)
    assert one == two
    assert len(one[1]) > 20
    assert other[0] != one[0] and set(other[1]).isdisjoint(one[1])


def test_advance_runs_due_events_in_time_order(sb):
    sb.add_seller("sim_shop", "pw", orders_per_day=96)
    before = sb.now()
    result = sb.advance(120)
    assert sb.now() == before + timedelta(minutes=120) and result["now"] == "2026-06-01 12:00:00"
    placed = [line for line in result["ran"] if "新订单" in line]
    assert placed and result["ran"] == sorted(result["ran"])  # lines start with their due time
    orders = sb.shop_orders("sim_shop")
    assert len(orders) == len(placed)
    assert all(before <= datetime.fromisoformat(o["created_at"]) <= sb.now() for o in orders)
    paid = [o for o in orders if o["status"] == "WAIT_SELLER_SEND_GOODS"]
    assert paid and all(o["consign_deadline"] for o in paid)
    sb.update_shop("sim_shop", orders_per_day=0)  # keep the shared sandbox quiet for later tests


def test_shipped_orders_get_confirmed_and_refunds_time_out(sb):
    sb.add_seller("flow_shop", "pw")
    shipped, waiting = sb.place_order("flow_shop")["tid"], sb.place_order("flow_shop")["tid"]
    cookies = {c["name"]: c["value"] for c in sb.login_cookies("flow_shop") if c["domain"] == ".taobao.localhost"}
    page = sb.http("POST", "https://wuliu.taobao.com/user/consign.htm", cookies=cookies, data={
        "_tb_token_": cookies["_tb_token_"], "trade_id": shipped, "event_submit_do_offline_consign": "1",
        "offlineNewFlag": "1", "companyCode": "SF", "mailNo": "SF1234567890123"})
    assert "恭喜您，操作成功" in page.text
    dispute = sb.open_dispute(waiting, "refund_only")
    sb.advance(2 * 24 * 60 + 1)  # the seller did not answer within 48 h: the platform agrees
    assert sb.disputes("flow_shop")[0] == {**sb.disputes("flow_shop")[0], "dispute_id": dispute["dispute_id"],
                                           "status": 5, "status_text": "退款成功"}
    sb.advance(10 * 24 * 60)  # auto-confirm 10 days after shipping at the latest
    order = sb.shop_order(shipped)
    assert order["status"] in ("TRADE_FINISHED", "WAIT_BUYER_CONFIRM_GOODS")
    if order["status"] == "WAIT_BUYER_CONFIRM_GOODS":  # the buyer opened a return instead
        assert order["disputes"] and order["disputes"][0]["kind"] in ("return_refund", "refund_only")
    else:
        assert order["finished_at"] > order["shipped_at"]


def test_advance_rejects_going_back(sb):
    with pytest.raises(ValueError):
        sb.advance(-1)
