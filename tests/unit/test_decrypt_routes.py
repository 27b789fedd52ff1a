"""地址解密 线路1–4: the same platform decrypt; the routes differ in our daily cap and in whether a
slider goes to a person (验证中心) or ends the round. One test per route."""
from contextlib import contextmanager

import pytest

from dropship.db import db
from dropship.models import Order
from dropship.platforms.base import NeedsVerification, Receiver
from dropship.queue import start_job
from dropship.services.settings import set_setting
from dropship.tasks import shops as shop_tasks
from tests.orders_factory import make_order, make_shop


@pytest.fixture(autouse=True)
def _db(app):
    with db.connection_context():
        yield


class SliderBackend:
    """Decrypts every order; the `slider_at`-th call shows a slider that a person can pass."""

    def __init__(self, slider_at: int | None) -> None:
        self.slider_at, self.calls, self.asked = slider_at, 0, 0
        self.verifier = object()  # open_shop_backend gives one that parks in 验证中心

    def decrypt_receiver(self, tid: str, route: int = 1) -> Receiver:
        self.calls += 1
        if self.calls == self.slider_at:
            if self.verifier is None:
                raise NeedsVerification("slider", "地址解密需要滑块验证")
            self.asked += 1  # a person passed it in 验证中心
        return Receiver(name="张三", phone="13812341234", province="浙江省", city="杭州市", district="西湖区",
                        address=f"文三路 {tid[-3:]} 号")


def _run(monkeypatch, route: int, orders: int, slider_at: int | None = None):
    backend = SliderBackend(slider_at)

    @contextmanager
    def fake_open(shop):
        yield backend

    monkeypatch.setattr(shop_tasks, "open_shop_backend", fake_open)
    set_setting("address.decrypt_route", route)
    shop = make_shop()
    for _ in range(orders):
        make_order(shop)
    job = start_job("decrypt_addresses", "地址解密", shop_id=shop.id)
    decrypted = Order.select().where(Order.shop == shop.id, Order.address_state == "decrypted").count()
    return job, decrypted, backend, shop


def test_route_1_no_cap_and_a_slider_ends_the_round(monkeypatch):
    job, decrypted, backend, _ = _run(monkeypatch, 1, 30)
    assert decrypted == 30  # more than any capped route
    job, decrypted, backend, _ = _run(monkeypatch, 1, 10, slider_at=4)
    assert job.state == "failed" and "遇到滑块，本轮暂停（已解密 3 个）" in job.error
    assert (decrypted, backend.asked) == (3, 0)


def test_route_2_stops_at_20_a_day_and_a_slider_ends_the_round(monkeypatch):
    job, decrypted, _, shop = _run(monkeypatch, 2, 30)
    assert (job.state, decrypted) == ("done", 20)
    again = start_job("decrypt_addresses", "地址解密", shop_id=shop.id)
    assert again.message == "线路 2 今日额度已用完"
    job, decrypted, backend, _ = _run(monkeypatch, 2, 10, slider_at=2)
    assert job.state == "failed" and (decrypted, backend.asked) == (1, 0)


def test_route_3_no_cap_and_a_slider_goes_to_a_person(monkeypatch):
    job, decrypted, backend, _ = _run(monkeypatch, 3, 30, slider_at=4)
    assert (job.state, decrypted, backend.asked) == ("done", 30, 1)


def test_route_4_stops_at_50_a_day_and_a_slider_goes_to_a_person(monkeypatch):
    job, decrypted, backend, _ = _run(monkeypatch, 4, 60, slider_at=10)
    assert (job.state, decrypted, backend.asked) == ("done", 50, 1)

