import os
from datetime import datetime, timedelta

import pytest

from dropship import queue
from dropship.errors import UserError
from dropship.models import Job
from dropship.queue import JOB_TASKS, job_task, progress, recover_jobs, retry_job, start_job
from tests.helpers import wait_until

RUNS: list[int] = []


@job_task("test_count")
def count_to(job_id: int, n: int) -> None:
    RUNS.append(job_id)
    for i in range(n):
        progress(job_id, i + 1, n, f"第 {i + 1} 步")


@job_task("test_fail")
def always_fail(job_id: int, reason: str) -> None:
    progress(job_id, 1, 3)
    raise UserError(reason)


@job_task("test_crash")
def crash(job_id: int) -> None:
    raise KeyError("boom")


@pytest.fixture(autouse=True)
def _db(app):
    from dropship.db import db

    RUNS.clear()
    with db.connection_context():
        yield


def test_job_runs_and_reports_progress():
    job = start_job("test_count", "数数", total=4, n=4)
    assert job.state == "done" and job.done == 4 and job.percent == 100
    assert job.message == "第 4 步" and job.started_at and job.finished_at


def test_failed_job_keeps_chinese_error_and_can_be_retried():
    job = start_job("test_fail", "会失败的任务", reason="店铺登录已失效，请重新授权")
    assert job.state == "failed" and job.error == "店铺登录已失效，请重新授权"
    assert job.done == 1 and job.percent == 33
    again = retry_job(job)
    assert again.id != job.id and again.kind == job.kind and again.args == {"reason": "店铺登录已失效，请重新授权"}


def test_unexpected_errors_are_labelled_in_chinese():
    job = start_job("test_crash", "崩溃")
    assert job.state == "failed" and job.error.startswith("程序错误（KeyError）")


def test_recover_requeues_jobs_left_running_by_a_dead_process():
    orphan = Job.create(kind="test_count", title="中断的任务", state="running", args={"n": 2}, task_id="gone")
    stale = Job.create(kind="no_such_kind", title="旧任务", state="queued")
    assert recover_jobs() == [orphan.id]
    assert Job.get_by_id(orphan.id).state == "done"  # immediate mode runs it right away
    assert Job.get_by_id(stale.id).state == "failed"


def test_a_second_message_for_a_claimed_or_finished_job_does_nothing():
    job = start_job("test_count", "数数", n=2)
    assert job.state == "done" and RUNS.count(job.id) == 1
    JOB_TASKS["test_count"].call_local(job.id, n=2)  # a duplicate message, as an old recovery sent
    assert RUNS.count(job.id) == 1 and Job.get_by_id(job.id).state == "done"
    Job.update(state="running", claimed_by="other-pc-1-abcd").where(Job.id == job.id).execute()
    JOB_TASKS["test_count"].call_local(job.id, n=2)
    assert RUNS.count(job.id) == 1 and Job.get_by_id(job.id).claimed_by == "other-pc-1-abcd"


def test_a_finishing_worker_does_not_overwrite_a_job_taken_back_from_it():
    job = start_job("test_count", "数数", n=1)
    Job.update(state="queued", claimed_by="").where(Job.id == job.id).execute()
    assert queue.claim_job(job.id)
    Job.update(state="queued", claimed_by="").where(Job.id == job.id).execute()  # taken back meanwhile
    queue.finish_job(job.id)
    assert Job.get_by_id(job.id).state == "queued"


@pytest.fixture
def worker(app):
    queue.begin_worker()
    yield
    queue.end_worker()


def _lock_file(name: str, held: bool) -> int | None:
    """A worker's lock file on this machine: `held` as by a live process, or left by a dead one."""
    folder = queue.workers_dir()
    fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    if held:
        assert queue.try_file_lock(fd)
        return fd
    os.close(fd)
    return None


def _running(claimed_by: str, beat_ago: timedelta | None) -> Job:
    beat = None if beat_ago is None else datetime.now() - beat_ago
    return Job.create(kind="test_count", title=claimed_by, state="running", args={"n": 1}, claimed_by=claimed_by,
                      heartbeat_at=beat)


def test_recovery_takes_back_only_jobs_whose_worker_is_gone(worker):
    live_fd = _lock_file("vm-101-live", held=True)
    _lock_file("vm-102-dead", held=False)
    try:
        live_here = _running("vm-101-live", beat_ago=timedelta(hours=1))  # alive: its lock is held
        dead_here = _running("vm-102-dead", beat_ago=timedelta(seconds=1))  # killed: its lock is free
        other_pc_busy = _running("pc2-7-aaaa", beat_ago=timedelta(seconds=3))
        other_pc_gone = _running("pc3-8-bbbb", beat_ago=queue.STALE_AFTER + timedelta(seconds=5))
        assert recover_jobs() == [dead_here.id, other_pc_gone.id]
        assert Job.get_by_id(dead_here.id).state == "done" and Job.get_by_id(other_pc_gone.id).state == "done"
        assert Job.get_by_id(live_here.id).state == "running" and Job.get_by_id(other_pc_busy.id).state == "running"
        # the dead worker's mark is swept once its jobs are back; the live one's stays
        assert sorted(p.name for p in queue.workers_dir().glob("*.lock")) == sorted(
            ["vm-101-live.lock", f"{queue.WORKER_ID}.lock"])
    finally:
        os.close(live_fd)


def test_heartbeat_keeps_this_workers_running_jobs_fresh(worker):
    mine = _running(queue.WORKER_ID, beat_ago=timedelta(hours=1))
    other = _running("pc2-7-aaaa", beat_ago=timedelta(hours=1))
    assert queue.heartbeat() == 1
    assert Job.get_by_id(mine.id).heartbeat_at > datetime.now() - timedelta(seconds=5)
    assert Job.get_by_id(other.id).heartbeat_at < datetime.now() - timedelta(minutes=59)
    assert recover_jobs() == [other.id]  # never its own


def test_unknown_kind_is_refused():
    with pytest.raises(KeyError):
        start_job("nope", "x")
    assert "browser_check" in JOB_TASKS


@job_task("test_busy")
def busy(job_id: int) -> None:
    from dropship.errors import TryLater

    raise TryLater("该账号的浏览器正被其他任务使用，稍后自动继续")


def test_try_later_inline_fails_with_its_message():
    # With a consumer the job is re-queued (see tests/e2e/test_busy_browser.py); inline nothing could free it.
    job = start_job("test_busy", "忙")
    assert job.state == "failed" and job.error == "该账号的浏览器正被其他任务使用，稍后自动继续"


def test_recovery_leaves_a_queued_job_whose_message_still_waits_in_the_queue(app, tmp_path):
    from huey.storage import SqliteStorage

    queue.configure_queue(tmp_path / "q", immediate=False)  # real storage, no consumer
    try:
        waiting = start_job("test_count", "排队中", n=1)
        lost = Job.create(kind="test_count", title="消息丢失", state="queued", args={"n": 1})  # died before sending
        assert queue.recover_jobs() == [lost.id]
        assert SqliteStorage("dropship", filename=str(tmp_path / "q" / "queue.db")).queue_size() == 2
        assert Job.get_by_id(waiting.id).state == "queued" and RUNS == []
    finally:
        queue.configure_queue(tmp_path / "q", immediate=True)


def test_the_periodic_recovery_takes_back_only_running_jobs():
    queued = Job.create(kind="test_count", title="排队中", state="queued", args={"n": 1}, task_id="somewhere")
    gone = _running("pc3-8-bbbb", beat_ago=queue.STALE_AFTER * 2)
    queue.recover_orphaned_jobs.call_local()
    assert Job.get_by_id(gone.id).state == "done" and Job.get_by_id(queued.id).state == "queued"


@job_task("test_account_job", account=lambda owner, **_: owner)
def account_job(job_id: int, owner: str, busy: bool = False) -> None:
    from dropship.account_threads import current_account
    from dropship.errors import TryLater

    if busy:
        raise TryLater("该账号正忙，稍后自动继续", delay=30)
    RUNS.append(job_id)
    TAKEN_ON.append(current_account())


TAKEN_ON: list[str | None] = []


def _take_all(key: str) -> None:
    while (call := queue.take_next_job(key)) is not None:
        call()


def test_an_accounts_thread_takes_its_queued_jobs_oldest_first_when_they_may_run(tmp_path):
    queue.configure_queue(tmp_path / "q", immediate=False)  # real storage, no consumer: messages wait
    queue.keep_accounts(lambda: 0.3)  # (the next test's app configures it anew)
    try:
        later = start_job("test_account_job", "稍后再试", owner="shop-1")
        Job.update(retry_at=datetime.now() + timedelta(minutes=1)).where(Job.id == later.id).execute()
        moved = start_job("test_account_job", "换了账号", owner="shop-3")
        Job.update(account="shop-1").where(Job.id == moved.id).execute()  # e.g. a purchase given another account
        mine = [start_job("test_account_job", "本账号", owner="shop-1") for _ in range(2)]
        other = start_job("test_account_job", "别的账号", owner="shop-2")
        assert [job.account for job in mine] == ["shop-1", "shop-1"] and other.account == "shop-2"
        _take_all("shop-1")
        assert [job.id for job in mine] == RUNS and {Job.get_by_id(j.id).state for j in mine} == {"done"}
        assert [Job.get_by_id(j.id).state for j in (later, moved, other)] == ["queued"] * 3
        # a taken job handed back gets a message of its own (the first may be spent) and waits its delay
        busy = start_job("test_account_job", "忙", owner="shop-1", busy=True)
        queue.take_next_job("shop-1")()
        row = Job.get_by_id(busy.id)
        assert row.state == "queued" and row.message == "该账号正忙，稍后自动继续" and row.task_id != busy.task_id
        assert row.retry_at > datetime.now() + timedelta(seconds=20) and queue.take_next_job("shop-1") is None
        # each message, when it comes, finds its job done and does nothing
        for job in mine:
            JOB_TASKS["test_account_job"].call_local(job.id, owner="shop-1")
        assert [job.id for job in mine] == RUNS
    finally:
        queue.configure_queue(tmp_path / "q", immediate=True)


def test_a_message_for_an_account_kept_elsewhere_leaves_the_job_to_its_keeper(tmp_path):
    from huey.exceptions import RetryTask

    queue.configure_queue(tmp_path / "q", immediate=False)
    queue.keep_accounts(lambda: 0.3)  # (the next test's app configures it anew)
    try:
        job = start_job("test_account_job", "在别处打开", owner="shop-1")
        queue.keep_accounts(lambda: 0.3, elsewhere=lambda key: key == "shop-1")
        with pytest.raises(RetryTask):
            JOB_TASKS["test_account_job"].call_local(job.id, owner="shop-1")
        assert Job.get_by_id(job.id).state == "queued" and RUNS == []  # not claimed: its keeper takes it
        # nobody keeps it any more: the message runs it, on the account's thread of this process
        queue.keep_accounts(lambda: 0.3)
        JOB_TASKS["test_account_job"].call_local(job.id, owner="shop-1")
        assert Job.get_by_id(job.id).state == "done" and [job.id] == RUNS and TAKEN_ON[-1] == "shop-1"
    finally:
        queue.stopping.set()
        queue.ACCOUNTS.join(5)
        queue.stopping.clear()
        queue.configure_queue(tmp_path / "q", immediate=True)


def test_an_accounts_thread_takes_a_job_only_while_the_process_runs_fewer_than_its_workers(tmp_path):
    queue.configure_queue(tmp_path / "q", immediate=False)
    queue.limit_running(1)
    try:
        jobs = [start_job("test_account_job", "本账号", owner="shop-1") for _ in range(2)]
        with queue.job_permit():  # a worker thread runs another job
            assert queue.take_next_job("shop-1") is None
        first = queue.take_next_job("shop-1")
        assert first is not None and queue.take_next_job("shop-1") is None  # the job taken holds the one
        first()
        queue.take_next_job("shop-1")()
        assert [Job.get_by_id(job.id).state for job in jobs] == ["done", "done"]
    finally:
        queue.limit_running(None)
        queue.configure_queue(tmp_path / "q", immediate=True)


def test_a_worker_thread_waiting_for_a_permit_goes_before_an_account_threads_next_job():
    import threading

    permits, done = queue.Permits(1), threading.Event()

    def worker_thread() -> None:  # with a message to run
        with permits.held():
            done.wait(5)

    assert permits.try_take()  # an account's thread runs a job it took
    waiting = threading.Thread(target=worker_thread)
    waiting.start()
    wait_until(lambda: permits.waiting == 1, 5, "the worker thread waiting")
    permits.give_back()
    assert not permits.try_take()  # the account's next job waits: the worker thread gets the permit
    wait_until(lambda: permits.waiting == 0, 5, "the worker thread running")
    assert not permits.try_take()
    done.set()
    waiting.join(5)
    assert permits.try_take()
