"""An account's browser outlives its job in a worker process (dropship/account_threads.py): the shop's
next jobs reuse it, whichever worker thread takes them, and anyone else who needs the profile gets it.
"""
from __future__ import annotations

import os
import threading

from dropship.db import db
from dropship.models import Job, Order
from dropship.queue import start_job
from dropship.services import shops
from dropship.services.jobs import job_target
from dropship.tasks import browsers
from dropship.tasks.shop_session import account_key
from tests.decrypt_spent import spend_todays_decrypts
from tests.helpers import wait_until

JOBS = 3



def _run(kind: str, shop) -> Job:
    job = start_job(kind, kind, target=job_target("shop", shop.id), shop_id=shop.id)
    return wait_until(lambda: (row := Job.get_by_id(job.id)).state not in Job.ACTIVE and row, 60, f"{kind} #{job.id}")


def _new_shop(sb, login: str, orders: int):
    info = sb.scenario("shop_with_paid_orders", login=login, count=orders, days=1)
    return shops.add_shop("taobao", login, info["password"]), info


def test_a_shops_jobs_share_one_browser_and_others_get_it_when_they_need_it(live_desk, sb):
    manager = browsers()
    with db.connection_context():
        shop, info = _new_shop(sb, "kept_shop", 3)
        before = manager.launches
        jobs = [_run("fetch_orders", shop) for _ in range(JOBS)] + [_run("authorize_shop", shop)]
        assert [job.state for job in jobs] == ["done"] * (JOBS + 1), [job.error for job in jobs]
        assert {o.tid for o in Order.select(Order.tid).where(Order.shop == shop.id)} == set(info["tids"])
        # four jobs, two worker threads, one browser: each job found the shop's browser still open
        assert manager.launches - before == 1

        # Another thread (not the shop's) waits for the profile: the idle shop thread lets it go at once,
        # well within the wait (no "浏览器正被其他任务使用"), and the next job launches a browser again.
        opened: list[int] = []

        def elsewhere() -> None:
            try:
                with manager.session(account_key(shop), wait=2.0) as context:
                    opened.append(len(context.pages))
            finally:
                manager.stop_thread()

        other = threading.Thread(target=elsewhere)
        other.start()
        other.join(30)
        assert opened == [1] and manager.launches - before == 2
        assert _run("fetch_orders", shop).state == "done"
        assert manager.launches - before == 3


def test_jobs_queued_while_the_shops_thread_works_run_on_it_next_in_order(live_desk, sb):
    manager = browsers()
    with db.connection_context():
        shop, _ = _new_shop(sb, "queued_shop", 3)
        before = manager.launches
        # all at once: the worker threads that get the later ones leave them to the shop's thread
        queued = [start_job("fetch_orders", "获取订单", target=job_target("shop", shop.id), shop_id=shop.id)
                  for _ in range(JOBS)]
        rows = [wait_until(lambda j=j: (row := Job.get_by_id(j.id)).state not in Job.ACTIVE and row, 60, f"#{j.id}")
                for j in queued]
        assert [row.state for row in rows] == ["done"] * JOBS, [row.error for row in rows]
        assert all(a.finished_at <= b.started_at for a, b in zip(rows, rows[1:], strict=False))  # in turn
        assert manager.launches - before == 1


def test_with_keeping_off_each_job_closes_the_browser_it_opened(live_desk_unkept, sb):
    manager = browsers()
    with db.connection_context():
        shop, _ = _new_shop(sb, "unkept_shop", 2)
        spend_todays_decrypts(shop.id)  # the 地址解密 a fetch queues ends at once, without a browser
        lock = manager.profile_dir(account_key(shop)) / "SingletonLock"  # Chromium's, while it runs
        before = manager.launches
        for _ in range(2):
            assert _run("fetch_orders", shop).state == "done"
            wait_until(lambda: not Job.select().where(Job.state.in_(Job.ACTIVE)).exists(), 60, "its follow-ups")
            assert not os.path.lexists(lock)  # closed at each job's end, not kept for the next one
        # every job of the shop but the 地址解密 (nothing left to decrypt today) opened a browser of its own
        jobs = Job.select().where(Job.account == account_key(shop), Job.kind != "decrypt_addresses")
        assert manager.launches - before == jobs.count() >= 2
