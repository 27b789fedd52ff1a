"""店铺管理 and 批量同步 after a risk cool-down: the label changes and the shop may be synced again."""
from datetime import datetime, timedelta

from dropship.db import db
from dropship.models import Job, Shop
from tests.helpers import post
from tests.orders_factory import fake_shops, make_shop


def _cool_down(shop: Shop, until: datetime) -> None:
    with db.connection_context():
        Shop.update(login_state="risk", login_message="风控（第 1 次，冷却 15 分钟）",
                    cooldown_until=until).where(Shop.id == shop.id).execute()


def _sync(client, shop: Shop):
    return post(client, "/orders/batch-sync", {"shops": str(shop.id), "tab": "all", "days": "7"},
                token_page="/orders")


def test_an_ended_cool_down_shows_and_the_shop_can_be_synced(signed_in, monkeypatch):
    fake_shops(monkeypatch)
    with db.connection_context():
        shop = make_shop("冷却的店")
    _cool_down(shop, datetime.now() + timedelta(minutes=15))
    assert "风控限制" in signed_in.get("/shops/table").get_data(as_text=True)
    refused = _sync(signed_in, shop)
    assert refused.status_code == 400 and "只能同步已登录的店铺" in refused.get_data(as_text=True)

    _cool_down(shop, datetime.now() - timedelta(seconds=1))  # the clock moved past the cool-down
    table = signed_in.get("/shops/table").get_data(as_text=True)
    assert "冷却结束，待重新验证" in table and "风控限制" not in table
    dialog = signed_in.get("/orders/batch-sync").get_data(as_text=True)
    assert f'value="{shop.id}" checked' in dialog and "冷却结束，待重新验证" in dialog
    accepted = _sync(signed_in, shop)
    assert accepted.status_code == 200 and "批量同步已开始" in accepted.get_data(as_text=True)
    with db.connection_context():
        assert Job.select().where(Job.kind == "batch_sync").count() == 1
