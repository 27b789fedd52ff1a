"""The task queue: one Huey instance, job-task registration, and Job rows driven by Huey signals.

Huey is created at import (tasks decorate functions at import time) in immediate mode with
in-memory storage; `configure_queue()` points it at SQLite or Redis when the app really starts.
A job task takes `job_id` first; the signals below keep its Job row's state in step, so a task
only reports progress.
"""
from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from huey import Huey, signals
from huey.exceptions import RetryTask
from huey.storage import SqliteStorage

from dropship.db import db
from dropship.errors import TryLater, UserError, user_message
from dropship.models import Job, User

huey = Huey("dropship", immediate=True, results=False, utc=False)

JOB_TASKS: dict[str, Any] = {}
stopping = threading.Event()  # set at shutdown: long tasks hand their job back at the next checkpoint


class JobInterrupted(UserError):
    """Raised by `checkpoint()` when the process is stopping; the job resumes at the next start."""

    def __init__(self) -> None:
        super().__init__("程序正在退出，任务将在下次启动后继续")


def configure_queue(data_dir, queue_url: str = "", immediate: bool = False) -> Huey:
    """Point the queue at real storage (or keep it inline for tests)."""
    stopping.clear()
    if immediate:
        huey.immediate = True
        return huey
    if queue_url.startswith("redis://"):
        from huey.storage import RedisStorage

        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": queue_url}
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(data_dir / "queue.db")}
    if huey.immediate:
        huey.immediate = False  # the setter rebuilds storage from storage_class/kwargs
    else:
        huey.storage = huey.create_storage()
    return huey


def job_task(kind: str, **task_options: Any) -> Callable:
    """Register `fn(job_id, **args)` as the task that runs Jobs of this kind."""

    def decorator(fn: Callable) -> Any:
        @functools.wraps(fn)
        def run(job_id: int, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(job_id, *args, **kwargs)
            except TryLater as exc:
                if huey.immediate:  # inline (tests): nothing else could free what we wait for
                    raise
                progress(job_id, message=str(exc))
                raise RetryTask(delay=exc.delay) from exc

        task = huey.task(name=kind, **task_options)(run)
        JOB_TASKS[kind] = task
        return task

    return decorator


def start_job(kind: str, title: str, *, target: str = "", user: User | None = None, total: int = 0,
              **args: Any) -> Job:
    """Create the Job row, then enqueue its task (in tests the task runs inline right here)."""
    if kind not in JOB_TASKS:
        raise KeyError(f"unknown job kind {kind}")
    job = Job.create(kind=kind, title=title, target=target, user=user, total=total, args=args)
    _enqueue(job)
    return Job.get_by_id(job.id)


def start_unique_job(kind: str, title: str, *, target: str, **kwargs: Any) -> Job | None:
    """Like start_job, but None when a job of this kind for this target is still queued or running."""
    if active_job(kind, target) is not None:
        return None
    return start_job(kind, title, target=target, **kwargs)


_worker_exit_hooks: list[Callable[[], None]] = []


def on_worker_exit(hook: Callable[[], None]) -> Callable[[], None]:
    """Run `hook` in each worker thread as it ends (close its Playwright, its DB connection)."""
    _worker_exit_hooks.append(hook)
    return huey.on_shutdown()(hook)


def _enqueue(job: Job) -> None:
    task = JOB_TASKS[job.kind]
    args = job.args or {}
    if not huey.immediate:
        result = task(job.id, **args)
    else:
        # Inline (tests), but in a thread of its own as a worker would run it: its own DB
        # connection and its own Playwright, which must not share the caller's thread.
        box: dict[str, Any] = {}

        def run() -> None:
            db.connect(reuse_if_open=True)
            try:
                box["result"] = task(job.id, **args)
            finally:
                for hook in _worker_exit_hooks:
                    hook()

        worker = threading.Thread(target=run, name=f"inline-{job.kind}")
        worker.start()
        worker.join()
        result = box.get("result")
    Job.update(task_id=getattr(result, "id", "") or "").where(Job.id == job.id).execute()


def retry_job(job: Job, user: User | None = None) -> Job:
    return start_job(job.kind, job.title, target=job.target, user=user, total=job.total, **(job.args or {}))


def active_job(kind: str, target: str) -> Job | None:
    return (Job.select().where(Job.kind == kind, Job.target == target, Job.state.in_(Job.ACTIVE))
            .order_by(Job.id.desc()).first())


def progress(job_id: int, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
    changes: dict[Any, Any] = {}
    if done is not None:
        changes[Job.done] = done
    if total is not None:
        changes[Job.total] = total
    if message is not None:
        changes[Job.message] = message
    if changes:
        Job.update(changes).where(Job.id == job_id).execute()


def checkpoint() -> None:
    """Call between steps of long work: at shutdown it hands the job back instead of holding the exit."""
    if stopping.is_set():
        raise JobInterrupted()


def recover_jobs() -> list[int]:
    """Re-enqueue jobs a previous process left unfinished (crash, or handed back at shutdown)."""
    pending = {t.id for t in huey.pending()} if not huey.immediate else set()
    revived = []
    for job in Job.select().where(Job.state.in_(Job.ACTIVE)):
        if job.task_id and job.task_id in pending:
            continue
        if job.kind not in JOB_TASKS:
            Job.update(state="failed", error="任务类型已不存在", finished_at=datetime.now()).where(
                Job.id == job.id).execute()
            continue
        Job.update(state="queued", message="程序重启后继续执行").where(Job.id == job.id).execute()
        _enqueue(job)
        revived.append(job.id)
    return revived


# -- Huey signals -> Job rows ------------------------------------------------------------------

log = logging.getLogger("dropship.jobs")


class _ExpectedOutcomes(logging.Filter):
    """Huey logs every failed task with a traceback. A UserError is an expected outcome (risk, login
    required, quota, verification, bad input): `_on_error` logs it as one line with the job and its
    shop instead; a traceback stays for bugs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], UserError))


logging.getLogger("huey").addFilter(_ExpectedOutcomes())

def _job_id(task) -> int | None:
    if task is None or task.name not in JOB_TASKS or not task.args:
        return None
    return task.args[0]


@huey.signal(signals.SIGNAL_EXECUTING)
def _on_executing(signal, task, *args) -> None:
    job_id = _job_id(task)
    if job_id is not None:
        Job.update(state="running", started_at=datetime.now(), finished_at=None, error="").where(
            Job.id == job_id).execute()


@huey.signal(signals.SIGNAL_RETRYING)
def _on_retrying(signal, task, *args) -> None:
    job_id = _job_id(task)
    if job_id is not None:
        Job.update(state="queued").where(Job.id == job_id).execute()


@huey.signal(signals.SIGNAL_COMPLETE)
def _on_complete(signal, task, *args) -> None:
    job_id = _job_id(task)
    if job_id is not None:
        job = Job.get_or_none(Job.id == job_id)
        if job is not None:
            Job.update(state="done", finished_at=datetime.now(), done=max(job.done, job.total)).where(
                Job.id == job_id).execute()


@huey.signal(signals.SIGNAL_ERROR, signals.SIGNAL_INTERRUPTED, signals.SIGNAL_LOCKED)
def _on_error(signal, task, exc=None) -> None:
    job_id = _job_id(task)
    if job_id is None:
        return
    if signal == signals.SIGNAL_INTERRUPTED or isinstance(exc, JobInterrupted):
        Job.update(state="queued", task_id="", message=str(JobInterrupted())).where(Job.id == job_id).execute()
        return
    if signal == signals.SIGNAL_LOCKED:
        error = "同一账号已有任务在执行，请稍后重试"
    else:
        error = user_message(exc) if exc else "任务中断"
    Job.update(state="failed", finished_at=datetime.now(), error=error).where(Job.id == job_id).execute()
    if isinstance(exc, UserError):
        job = Job.get_or_none(Job.id == job_id)
        log.warning("任务 #%s %s（%s）未完成：%s", job_id, job.title if job else task.name,
                    job.target if job else "", error)


@huey.on_startup()
def _open_db() -> None:
    db.connect(reuse_if_open=True)


def _close_db() -> None:
    if not db.is_closed():
        db.close()


on_worker_exit(_close_db)
