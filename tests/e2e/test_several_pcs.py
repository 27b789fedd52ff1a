"""Several PCs (issue 17 §2): a web process and two `--worker` processes share PostgreSQL and
redis-server; each worker has its own data dir (another PC) and all share one browser-profiles folder.

200 tasks — a shop login, fetches of four sandbox shops (then a re-fetch of two) and short recorded
jobs — run while worker A is killed mid-run and started again (the PC came back): afterwards every
job ran to completion exactly once and nothing was lost. A shop login stopped at a slider is parked
in a worker process and solved from the 验证中心 pages this (web) process serves.
"""
from __future__ import annotations

import shutil
import time
from collections import Counter

import pytest

from dropship.config import load_settings
from dropship.db import SchemaMigration, db
from dropship.models import Job, Order, ParkedView, RequestSlot, Shop
from dropship.platforms.verification import HUB
from dropship.queue import WORKER_ID, start_job
from dropship.services import shops
from dropship.services.jobs import job_target
from tests import crash_worker, shared_services
from tests.e2e.test_verification_center import _handle_position
from tests.helpers import csrf, register, wait_until

SHOPS = 4
REFETCHES = 2
RECORDED = 200 - 1 - SHOPS - REFETCHES  # short jobs (0.6 s each): with the login and the fetches, 200 tasks
ORDERS = 12
# Worker threads per PC (the `workers` setting): the recorded jobs mostly sleep, and with two threads
# each they held the threads the login, the slider and the fetches need.
THREADS = 6


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    shared_services.require()
    folder = tmp_path_factory.mktemp("services")
    with shared_services.postgres() as database_url, shared_services.redis(folder) as queue_url:
        yield database_url, queue_url


@pytest.fixture
def office(tmp_path, services, sb):
    """The web side in this process (no consumer: `--web-only`), and a way to start worker PCs."""
    from dropship import create_app

    database_url, queue_url = services
    web_dir, profiles = tmp_path / "web", tmp_path / "profiles"
    settings = load_settings(data_dir=web_dir, env={}, database_url=database_url, queue_url=queue_url,
                             sandbox=True, sandbox_port=sb.port, throttle_seconds=0, throttle_jitter=0,
                             requests_per_minute=0)
    app = create_app(settings)
    workers: list = []

    def start_worker(name: str):
        data_dir = tmp_path / name
        data_dir.mkdir(exist_ok=True)
        # every PC needs the office's key: the shop passwords in the shared database are encrypted with it
        shutil.copy(web_dir / "secret.key", data_dir / "secret.key")
        proc = crash_worker.spawn(data_dir, "--sandbox-port", str(sb.port), "--database-url", database_url,
                                  "--queue-url", queue_url, "--profiles-dir", str(profiles), "--workers", str(THREADS))
        workers.append(proc)
        return proc

    yield app, start_worker, tmp_path
    for proc in workers:
        if proc.poll() is None:
            crash_worker.kill_hard(proc)


def _done_runs(tmp_path) -> Counter:
    return Counter(job_id for name in ("pc-a", "pc-b") for event, job_id, _ in crash_worker.read_runs(tmp_path / name)
                   if event == "done")


def _all_finished() -> bool:
    return not Job.select().where(Job.state.in_(Job.ACTIVE)).exists()


def test_web_and_two_worker_pcs_share_postgres_and_redis(office, sb, page):
    app, start_worker, tmp_path = office
    client = app.test_client()
    assert register(client).status_code == 302
    with db.connection_context():
        assert SchemaMigration.select().count() > 10 and db.obj.__class__.__name__ == "PostgresqlDatabase"
        # the request budget compares wall-clock seconds across PCs: kept whole (a `real` rounds to 128 s)
        now = time.time()
        assert RequestSlot.get_by_id(RequestSlot.create(account="probe", host="h", at=now).id).at == now
        # the first shop: _handle_position measures the slider in shop-1's window size
        sb.add_seller("pc_slider", "pw-slider", "taobao", slider_chance=1.0)
        slider_shop = shops.add_shop("taobao", "pc_slider", "pw-slider")
        shop_rows = []
        for n in range(SHOPS):
            info = sb.scenario("shop_with_paid_orders", login=f"pc_shop_{n}", count=ORDERS, days=1)
            sb.update_account(f"pc_shop_{n}", rate_limit_per_min=10_000)
            sb.scenario("decrypt_quota_zero", login=f"pc_shop_{n}")
            shop_rows.append((shops.add_shop("taobao", f"pc_shop_{n}", info["password"]), set(info["tids"])))

    handle = _handle_position(page, sb, "pc_slider")  # where the slider sits in a worker's window
    pc_a, _ = start_worker("pc-a"), start_worker("pc-b")
    with db.connection_context():
        # the login and the fetches first: the slider parked early and the browsers at work, not behind
        # every recorded job in the queue
        login = start_job("authorize_shop", "授权", target=job_target("shop", slider_shop.id), shop_id=slider_shop.id)
        fetches = [start_job("fetch_orders", "获取订单", target=job_target("shop", s.id), shop_id=s.id).id
                   for s, _ in shop_rows]
        recorded = [start_job("test_record_run", f"记录 {n}").id for n in range(RECORDED)]
        # late in the recorded jobs: what the killed worker held is sent again behind those still queued
        wait_until(lambda: len(_done_runs(tmp_path)) >= RECORDED * 3 // 4, 90, "3/4 of the recorded jobs")

    crash_worker.kill_hard(pc_a)  # mid-run: it held jobs (recorded ones, maybe a fetch, maybe the slider)
    start_worker("pc-a")  # the PC comes back: its start takes back what the dead process held

    # 验证中心 here shows the page a worker process parked, and the drag sent from here solves it.
    # A page the killed worker parked still shows as waiting until its frames have been silent for
    # coordination.SILENT_SECONDS; the job's re-run parks a new one in a live worker: that one is solved.
    killed = f"-{pc_a.pid}-"

    def parked_by_a_live_worker():
        with db.connection_context():
            for item in HUB.waiting():
                worker = ParkedView.get_by_id(item.id).worker
                if worker not in ("", WORKER_ID) and killed not in worker:
                    return item
        return None

    item = wait_until(parked_by_a_live_worker, 150, "the slider parked in a live worker")
    assert client.get(f"/verify/{item.id}").status_code == 200
    wait_until(lambda: HUB.get(item.id).frame, 20, "a frame of the parked page")
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    drag = [[x + 10 * i, y + (i % 3), 30 * i] for i in range(31)]
    sent = client.post(f"/verify/{item.id}/input", json={"type": "drag", "points": drag},
                       headers={"X-CSRFToken": csrf(client, "/verify")})
    assert sent.status_code == 200
    wait_until(lambda: HUB.get(item.id).state == "solved", 30, "the slider solved")

    with db.connection_context():
        # once fetched, a re-fetch of two shops: whichever PC runs it finds the shared profile logged in
        wait_until(lambda: all(Job.get_by_id(j).state == "done" for j in fetches), 120, "the fetches")
        refetches = [start_job("fetch_orders", "获取订单", target=job_target("shop", s.id), shop_id=s.id).id
                     for s, _ in shop_rows[:REFETCHES]]
        wait_until(_all_finished, 180, "every job finished")
        jobs = {job.id: job for job in Job.select()}
        tasks = [*recorded, *fetches, *refetches, login.id]
        assert len(tasks) == 200 and {jobs[j].state for j in tasks} == {"done"}, \
            [(j.id, j.kind, j.state, j.error) for j in jobs.values() if j.state != "done"]
        runs = _done_runs(tmp_path)
        assert set(runs) == set(recorded) and set(runs.values()) == {1}  # each ran to completion once
        for shop, tids in shop_rows:
            assert {o.tid for o in Order.select(Order.tid).where(Order.shop == shop.id)} == tids
        assert Shop.get_by_id(slider_shop.id).login_state == "ok"
