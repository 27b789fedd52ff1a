import pytest

from dropship.errors import UserError
from dropship.models import Job
from dropship.queue import JOB_TASKS, job_task, progress, recover_jobs, retry_job, start_job


@job_task("test_count")
def count_to(job_id: int, n: int) -> None:
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
