"""After a risk cool-down the next job proves the session against the sandbox: another risk answer is
the next, longer cool-down; a clean answer makes the shop 正常 again."""
from datetime import datetime, timedelta

from dropship.models import Job, Shop
from dropship.queue import start_job
from dropship.services import shops
from dropship.services.jobs import job_target


def _fetch(shop: Shop) -> Job:
    return start_job("fetch_orders", "fetch_orders", target=job_target("shop", shop.id), shop_id=shop.id)


def _end_cool_down(shop: Shop) -> Shop:
    """Move our clock past the cool-down (the row's end time into the past) instead of waiting it out."""
    Shop.update(cooldown_until=datetime.now() - timedelta(seconds=1)).where(Shop.id == shop.id).execute()
    row = Shop.get_by_id(shop.id)
    assert shops.effective_login_state(row) == "cooled" and shops.session_usable(row)
    return row


def test_the_job_after_a_cool_down_decides_the_login_state(desk, sb):
    info = sb.scenario("shop_with_paid_orders", login="cooling_shop", count=3, days=1)
    sb.update_account("cooling_shop", rate_limit_per_min=1)
    shop = shops.add_shop("taobao", "cooling_shop", info["password"])
    assert _fetch(shop).state == "failed"
    first = Shop.get_by_id(shop.id)
    assert (first.login_state, first.risk_strikes) == ("risk", 1)

    again = _fetch(_end_cool_down(shop))  # the platform still blocks: the next strike, twice as long
    assert again.state == "failed" and "风控冷却中" not in again.error
    second = Shop.get_by_id(shop.id)
    assert (second.login_state, second.risk_strikes) == ("risk", 2)
    assert second.cooldown_until - second.last_risk_at == timedelta(minutes=30)

    sb.lift_risk("cooling_shop")
    sb.update_account("cooling_shop", rate_limit_per_min=10_000)
    done = _fetch(_end_cool_down(shop))
    assert done.state == "done", done.error
    assert Shop.get_by_id(shop.id).login_state == "ok"
