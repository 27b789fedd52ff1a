"""A real worker process for crash tests: the app's Runtime (worker only) with a SqliteHuey consumer.

    python -m tests.crash_worker DATA_DIR [--sandbox-port P] [--record-jobs N] [--fetch SHOP_ID]
        [--purchase] [--crash-at STEP] [--standin-buyer CONFIG] [--buyer-cookies FILE]
        [--aftersales SHOP_ID] [--aftersales-crash-at STEP]
        [--database-url URL --queue-url URL --profiles-dir DIR]  (a worker of several PCs)

Before its consumer starts it can queue work: N `test_record_run` jobs (each appends `start` and
`done` lines to DATA_DIR/runs.log and sleeps between), one `fetch_orders` job for a shop, or (with
--purchase) a `purchase` job for each purchase in 准备 that has none. --crash-at names one of
tasks.purchasing.STEPS: the first purchase reaching it kills this process (SIGKILL to its group)
and appends `STEP PURCHASE_ID` to DATA_DIR/purchase-crashes.log first. --standin-buyer buys through
tests/sandbox_buyer.py instead of a browser; --buyer-cookies logs the real driver's browser in (a JSON
object: each purchase account's login → its sandbox cookies, tests/purchase_crash.write_cookies).
--aftersales queues the 自动售后 job for a shop; --aftersales-crash-at names one of
tasks.aftersales.STEPS, killing it likewise (`STEP DISPUTE_ID` to DATA_DIR/aftersales-crashes.log).
Then it serves until it is killed. Tests kill it with SIGKILL, as a crash or a power cut would, and start
it again on the same data dir (tests/e2e/test_crash_recovery.py, tests/drivers/test_fetch_crash.py).
`spawn` starts it as a fork of tests/worker_zygote.py, which has imported the app once: the same main,
arguments and process group, without each start's seconds of imports.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import time
from pathlib import Path

from dropship.config import load_settings
from dropship.queue import checkpoint, job_task, progress, start_job, start_unique_job
from dropship.services.jobs import job_target
from tests.worker_zygote import ForkedWorker, spawn_worker

RUN_LOG = "runs.log"
CRASH_LOG = "purchase-crashes.log"  # `STEP PURCHASE_ID` per --crash-at kill
AFTERSALES_CRASH_LOG = "aftersales-crashes.log"  # `STEP DISPUTE_ID` per --aftersales-crash-at kill
STEPS = 6  # a recorded job sleeps STEP_SECONDS this many times: long enough to be killed mid-run
STEP_SECONDS = 0.1


def record(data_dir: Path, line: str, name: str = RUN_LOG) -> None:
    # One O_APPEND write per line: whole lines survive a SIGKILL (the kernel has them).
    fd = os.open(data_dir / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


def read_runs(data_dir: Path) -> list[tuple[str, int, int]]:
    """(event, job id, pid) per line: event is `start` or `done`."""
    path = data_dir / RUN_LOG
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        event, job_id, pid = line.split()
        rows.append((event, int(job_id), int(pid)))
    return rows


DATA_DIR: Path | None = None


@job_task("test_record_run")
def record_run(job_id: int) -> None:
    assert DATA_DIR is not None
    record(DATA_DIR, f"start {job_id} {os.getpid()}")
    for step in range(STEPS):
        checkpoint()
        time.sleep(STEP_SECONDS)
        progress(job_id, step + 1, STEPS)
    record(DATA_DIR, f"done {job_id} {os.getpid()}")


def spawn(data_dir: Path, *args: str) -> ForkedWorker:
    """Start this script as its own process group (so a hard kill also takes its Chromium): a fork of
    tests/worker_zygote.py, which has the app imported already, with these command-line arguments."""
    log = data_dir.parent / f"worker-{time.monotonic_ns()}.log"  # read it when a test fails
    return spawn_worker([str(data_dir), *args], log)


def kill_hard(proc: ForkedWorker) -> None:
    """SIGKILL the worker and everything it started: nothing gets to clean up, as in a crash."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def install_crash(data_dir: Path, task_module, crash_at: str, log_name: str) -> None:
    """The first row reaching `crash_at` (one of the module's STEPS) kills this process group, after
    appending `STEP ROW_ID` to DATA_DIR/log_name."""
    assert crash_at in task_module.STEPS, crash_at

    def crash(step: str, row_id: int) -> None:
        if step == crash_at:
            record(data_dir, f"{step} {row_id}", log_name)
            os.killpg(os.getpgrp(), signal.SIGKILL)

    task_module.STEP_HOOK = crash


def install_purchase_hooks(data_dir: Path, crash_at: str, standin: Path | None, cookies: Path | None) -> None:
    import json
    from contextlib import contextmanager

    from dropship.tasks import account_session, purchasing

    if crash_at:
        install_crash(data_dir, purchasing, crash_at, CRASH_LOG)
    if standin is not None:
        from tests.sandbox_buyer import SandboxControlBuyer

        @contextmanager
        def open_standin(account, headed):
            yield SandboxControlBuyer(standin)

        purchasing.open_buyer = open_standin
    if cookies is not None:  # the real driver in a profile logged in as the sandbox's buyer
        real_make_driver = account_session.make_driver
        by_login = json.loads(cookies.read_text())

        def make_driver(account, context, key=None):
            context.add_cookies(by_login[account.login])
            return real_make_driver(account, context, key)

        account_session.make_driver = make_driver


def queue_purchases() -> None:
    from dropship.models import Job, Purchase

    queued = {job.args.get("purchase_id") for job in Job.select().where(Job.kind == "purchase")}
    # read before writing: a write inside an open SELECT fails at once once the consumer has written
    for purchase in list(Purchase.select().where(Purchase.state == "preparing").order_by(Purchase.id)):
        if purchase.id not in queued:
            start_job("purchase", f"采购 #{purchase.id}", target=job_target("purchase", purchase.id),
                      purchase_id=purchase.id, mode="auto")


def main() -> None:
    global DATA_DIR
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--sandbox-port", type=int, default=0)
    parser.add_argument("--record-jobs", type=int, default=0)
    parser.add_argument("--fetch", type=int, default=0, help="queue 获取订单 for this shop id first")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--purchase", action="store_true", help="queue 去下单 for every purchase in 准备")
    parser.add_argument("--crash-at", default="", help="kill this process at this purchase step")
    parser.add_argument("--standin-buyer", type=Path, default=None, help="config of tests/sandbox_buyer.py")
    parser.add_argument("--buyer-cookies", type=Path, default=None,
                        help="JSON {login: cookies (Sandbox.login_cookies)} put into each purchase account's browser")
    parser.add_argument("--aftersales", type=int, default=0, help="queue 自动售后 for this shop id")
    parser.add_argument("--aftersales-crash-at", default="", help="kill this process at this 自动售后 step")
    parser.add_argument("--database-url", default="", help="a shared database (postgresql://), as on another PC")
    parser.add_argument("--queue-url", default="", help="a shared queue (redis://)")
    parser.add_argument("--profiles-dir", default="", help="the browser profiles folder all workers share")
    args = parser.parse_args()
    DATA_DIR = args.data_dir
    # what its log shows a test: warnings, and each browser launch (a test may count them)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("dropship.browser").setLevel(logging.INFO)

    from dropship.db import db
    from dropship.runtime import Runtime

    sandbox = {"sandbox": True, "sandbox_port": args.sandbox_port} if args.sandbox_port else {}
    settings = load_settings(data_dir=args.data_dir, env={}, workers=args.workers, throttle_seconds=0,
                             throttle_jitter=0, requests_per_minute=0, database_url=args.database_url,
                             queue_url=args.queue_url, profiles_dir=args.profiles_dir, **sandbox)
    install_purchase_hooks(args.data_dir, args.crash_at, args.standin_buyer, args.buyer_cookies)
    if args.aftersales_crash_at:
        from dropship.tasks import aftersales

        install_crash(args.data_dir, aftersales, args.aftersales_crash_at, AFTERSALES_CRASH_LOG)
    runtime = Runtime(settings, web=False, worker=True)
    runtime.start()
    # Queued while the consumer runs, as the web pages queue work.
    with db.connection_context():
        for n in range(args.record_jobs):
            start_job("test_record_run", f"记录 {n + 1}")
        if args.fetch:
            start_job("fetch_orders", "获取订单", target=job_target("shop", args.fetch), shop_id=args.fetch)
        if args.purchase:
            queue_purchases()
        if args.aftersales:
            start_unique_job("aftersales", "自动售后", target=job_target("shop", args.aftersales), shop_id=args.aftersales)
    print("worker started", flush=True)
    runtime.wait()  # until killed


if __name__ == "__main__":
    # Run as the importable module, so its job kind has the name a web process (the several-PCs test,
    # which imports this module) gives it in queue messages: Huey names a task by its module.
    from tests.crash_worker import main as run_as_module

    run_as_module()
