"""数据备份 taken while a real 获取订单 job runs in the worker, restored into a fresh data dir: every order
the backup caught is whole (with its sub-orders), and every secret decrypts with the key that came with it."""
from __future__ import annotations

import threading

import pytest

from dropship.config import load_settings
from dropship.db import db
from dropship.models import Order, OrderItem, PurchaseAccount, Shop
from dropship.queue import start_job
from dropship.restore import make_backup, restore_offline
from dropship.services.jobs import job_target
from dropship.tasks import shops as shop_tasks
from tests.drivers.test_fetch_crash import PAGE, _open_shop
from tests.helpers import make_app
from tests.orders_factory import make_account


@pytest.fixture
def running(desk):
    """The sandbox-wired app; the test starts another on the restored data dir, so the database the
    desk fixture opened its connection context on is put back for that context to close."""
    opened = db.obj
    yield desk
    db.initialize(opened)


def test_a_backup_taken_during_a_running_fetch_restores_every_order_and_secret(running, sb, tmp_path, monkeypatch):
    desk = running
    shop = _open_shop(sb, "backup_shop", count=2 * PAGE)
    account = make_account()
    PurchaseAccount.update(password="buyer-pw", token="pdd-token").where(PurchaseAccount.id == account.id).execute()
    settings = load_settings(data_dir=desk, env={})
    shop_password = Shop.get_by_id(shop.id).password
    taken = []
    real_progress = shop_tasks.progress

    def back_up_after_page_one(job_id, done=None, total=None, message=None):
        real_progress(job_id, done, total, message)
        if done == 1 and total == 2 and not taken:
            # from another thread and connection, as 立即备份 would, while the job holds its own
            copier = threading.Thread(target=lambda: taken.append(make_backup(settings)))
            copier.start()
            copier.join()

    monkeypatch.setattr(shop_tasks, "progress", back_up_after_page_one)
    job = start_job("fetch_orders", "获取订单", target=job_target("shop", shop.id), shop_id=shop.id)
    assert job.state == "done" and len(taken) == 1
    remote = {o["tid"]: o for o in sb.shop_orders("backup_shop")}
    assert Order.select().count() == len(remote) == 2 * PAGE

    fresh = tmp_path / "fresh"
    assert restore_offline(taken[0].path, load_settings(data_dir=fresh, env={})) is None
    make_app(fresh)  # a fresh install started on the restored files
    with db.connection_context():
        orders = list(Order.select())
        assert PAGE <= len(orders) < 2 * PAGE  # caught mid-fetch
        for order in orders:  # every order whole
            oids = sorted(i.oid for i in OrderItem.select().where(OrderItem.order == order))
            assert oids == sorted(i["oid"] for i in remote[order.tid]["items"]), order.tid
        assert Shop.get().password == shop_password  # (loading each order above decrypted its receiver too)
        restored = PurchaseAccount.get()
        assert (restored.password, restored.token) == ("buyer-pw", "pdd-token")
