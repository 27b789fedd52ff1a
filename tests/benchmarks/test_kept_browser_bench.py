"""Ten 获取订单 jobs of one shop in a row through a real consumer: the shop's browser kept open between
jobs (browser_keep_seconds, the default) against a browser launched for every job (0)."""
from __future__ import annotations

import os
import time
from datetime import datetime

import pytest

from dropship.config import load_settings
from dropship.db import db
from dropship.models import Job
from dropship.queue import start_job
from dropship.runtime import Runtime
from dropship.services.jobs import job_target
from dropship.services.shops import add_shop
from dropship.tasks import browsers
from platform_sandbox import Sandbox
from tests.helpers import free_port, wait_until

JOBS = 10


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    sb = Sandbox.start(seed=5, data_dir=tmp_path_factory.mktemp("sb"), start_time=datetime.now())
    yield sb
    sb.stop()


def _finished(job_id: int) -> Job:
    return wait_until(lambda: (row := Job.get_by_id(job_id)).state not in Job.ACTIVE and row, 120, f"job #{job_id}")


def _ten_fetches(sb, data_dir, login: str, keep: float) -> tuple[float, float, int]:
    """Wall seconds, this process's CPU seconds and browser launches for JOBS fetches one after another."""
    info = sb.scenario("shop_with_paid_orders", login=login, count=30, days=1)
    sb.update_account(login, rate_limit_per_min=100_000)
    settings = load_settings(data_dir=data_dir, env={}, port=free_port(), sandbox=True, sandbox_port=sb.port,
                             throttle_seconds=0, throttle_jitter=0, requests_per_minute=0, browser_keep_seconds=keep)
    runtime = Runtime(settings)
    runtime.start()
    try:
        with db.connection_context():
            shop = add_shop("taobao", login, info["password"])
            launches = browsers().launches
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(JOBS):
                done = _finished(start_job("fetch_orders", "bench", target=job_target("shop", shop.id), shop_id=shop.id).id)
                assert done.state == "done", done.error
            return time.perf_counter() - started, time.process_time() - cpu, browsers().launches - launches
    finally:
        runtime.stop()


def test_ten_fetches_of_one_shop_kept_browser_vs_a_launch_per_job(sb, tmp_path, report):
    kept = _ten_fetches(sb, tmp_path / "kept", "kept_bench", keep=10)
    fresh = _ten_fetches(sb, tmp_path / "fresh", "fresh_bench", keep=0)
    assert kept[2] == 1 and fresh[2] >= JOBS  # a fetch may start a follow-up job of the shop (买家留言)
    print(f"\nload average {os.getloadavg()[0]:.1f}; kept: {kept[0]:.1f} s wall, {kept[1]:.1f} s CPU, {kept[2]} launch;"
          f" a launch per job: {fresh[0]:.1f} s wall, {fresh[1]:.1f} s CPU, {fresh[2]} launches")
    report("10 fetches of one shop: kept browser vs launch per job (s)", kept[0], fresh[0], unit="s")
