"""The task queue: one Huey instance, job-task registration, and the Job row as the record of what ran.

Huey is created at import (tasks decorate functions at import time) in immediate mode with
in-memory storage; `configure_queue()` points it at SQLite or Redis when the app really starts.

A job task takes `job_id` first. A queue message only says "this job may run now": the worker
first claims the Job row (queued -> running, atomically, with its worker id). A message for a job
that is already claimed or finished does nothing, so a duplicate message (recovery re-sending one
still in the queue, two processes recovering at once) can never run a job twice. The task wrapper
is the only writer of a job's state; Huey's signals are not used for it, because a signal cannot
tell a run from a message that was ignored.

In a worker process a job that names a browser account runs on that account's thread (account_threads.py),
which, while it keeps the account's browser open, also takes the account's next queued jobs straight from
the database: the claim makes that as safe as a message, and the job's message then finds it claimed.

While a job runs, its row carries a heartbeat (refreshed by the worker process, by progress() and
by checkpoint()). A restarting worker takes back the running jobs of a dead worker: on this
machine it knows for sure (each worker holds an OS lock on `data/workers/<id>.lock`, which dies
with the process, also on kill -9); a worker elsewhere (another PC sharing PostgreSQL/Redis) is
taken for dead only when its heartbeat is stale. A job taken back starts again from its beginning:
every job runs to completion once; one that was running at a crash has started twice (tasks are
written to be safe to run twice).
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from huey import Huey, crontab
from huey.exceptions import RetryTask
from huey.storage import SqliteStorage
from peewee import Case

from dropship.account_threads import REFUSED, AccountThreads
from dropship.db import db, shared_database
from dropship.errors import TryLater, UserError, user_message
from dropship.file_lock import try_file_lock, unlock_file
from dropship.models import Job, User
from dropship.services.purchasing import locks

log = logging.getLogger("dropship.queue")

huey = Huey("dropship", immediate=True, results=False, utc=False)

JOB_TASKS: dict[str, Any] = {}
stopping = threading.Event()  # set at shutdown: long tasks hand their job back at the next checkpoint

HEARTBEAT_SECONDS = 5.0  # how often a worker process marks its running jobs alive
# A running job whose heartbeat is older than this is taken for orphaned by workers that cannot
# see its worker's lock (other PCs). Far above HEARTBEAT_SECONDS and any clock skew on a LAN.
STALE_AFTER = timedelta(seconds=90)
# An account held by a silent worker of another PC blocks every job of that account: taken over
# sooner (still six missed heartbeats; a worker of this PC that died is taken over at once).
LEASE_STALE_AFTER = timedelta(seconds=30)


_HOST = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:40] or "host"


def new_worker_id() -> str:
    """Who claims jobs in this process (host, pid, a nonce); also the name of its lock file."""
    return f"{_HOST}-{os.getpid()}-{secrets.token_hex(4)}"


WORKER_ID = new_worker_id()

_data_dir: Path | None = None
_lease: int | None = None  # the open, locked file descriptor of this process's lock file
_local = threading.local()  # the job the current worker thread runs, and when it last beat


class JobInterrupted(UserError):
    """Raised by `checkpoint()` when the process is stopping; the job resumes at the next start."""

    def __init__(self) -> None:
        super().__init__("程序正在退出，任务将在下次启动后继续")


def configure_queue(data_dir, queue_url: str = "", immediate: bool = False) -> Huey:
    """Point the queue at real storage (or keep it inline for tests)."""
    global _data_dir
    stopping.clear()
    _data_dir = Path(data_dir)
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


# -- claiming and finishing a job (the only writers of Job.state once it is queued) ----------------

def claim_job(job_id: int) -> bool:
    now = datetime.now()
    return Job.update(state="running", claimed_by=WORKER_ID, heartbeat_at=now, started_at=now, finished_at=None,
                      error="").where(Job.id == job_id, Job.state == "queued").execute() == 1


def _settle(job_id: int, **changes: Any) -> bool:
    """Leave `running`, only while the claim is still ours (a worker taken for dead may have lost it)."""
    return Job.update(**changes).where(Job.id == job_id, Job.state == "running",
                                       Job.claimed_by == WORKER_ID).execute() == 1


def finish_job(job_id: int) -> None:
    _settle(job_id, state="done", finished_at=datetime.now(),
            done=Case(None, [(Job.done < Job.total, Job.total)], Job.done))


def _fail(job_id: int, error: str) -> None:
    _settle(job_id, state="failed", finished_at=datetime.now(), error=error)


def _hand_back(job_id: int, message: str, delay: float) -> None:
    _settle(job_id, state="queued", claimed_by="", message=message,
            retry_at=datetime.now() + timedelta(seconds=delay))


def job_task(kind: str, account: Callable[..., str | None] | None = None, **task_options: Any) -> Callable:
    """Register `fn(job_id, **args)` as the task that runs Jobs of this kind. `account(**args)` names
    the browser account the job works for: a worker process runs it on that account's thread."""

    def decorator(fn: Callable) -> Any:
        @functools.wraps(fn)
        def run(job_id: int, *args: Any, **kwargs: Any) -> Any:
            key = _thread_key(account, kwargs)
            body = functools.partial(_execute, fn, job_id, args, kwargs)
            if key is None:
                with job_permit():
                    delay = body()
            elif not Job.select().where(Job.id == job_id, Job.state == "queued").exists():
                return None  # its account's thread took it already
            elif _kept_elsewhere(key):
                raise RetryTask(delay=ACCOUNT_RECHECK)  # see below
            else:
                with job_permit():
                    delay = ACCOUNTS.run(key, body)
                if delay is REFUSED:
                    # The account's browser is open in another job: its thread (here or on another PC)
                    # takes the job when it is free. This message comes back in case that thread ends first.
                    raise RetryTask(delay=ACCOUNT_RECHECK)
            if delay is not None:
                # This same message comes back after the delay and claims the job again (at shutdown
                # it waits in the queue's schedule for the next start, or for another worker).
                raise RetryTask(delay=delay)
            return None

        task = huey.task(name=kind, **task_options)(run)
        JOB_TASKS[kind] = task
        _JOBS[kind] = fn, account
        return task

    return decorator


_JOBS: dict[str, tuple[Callable, Callable[..., str | None] | None]] = {}  # kind -> (function, account)


def _execute(fn: Callable, job_id: int, args: tuple, kwargs: dict[str, Any]) -> float | None:
    """Claim the job and run it. Returns the delay after which it must be tried again when it was handed
    back, else None (it finished or failed, or was not ours to run). A bug's exception is raised."""
    if not claim_job(job_id):
        log.info("job %s is claimed or finished already: message ignored", job_id)
        return None
    try:
        _run_claimed(fn, job_id, *args, **kwargs)
    except (TryLater, JobInterrupted) as exc:
        if huey.immediate and isinstance(exc, TryLater):  # inline: nothing could free what we wait for
            _fail(job_id, str(exc))
            return None
        delay = exc.delay if isinstance(exc, TryLater) else 0.0
        _hand_back(job_id, str(exc), delay)
        return None if huey.immediate else delay  # inline: the next start's recovery sends it again
    except Exception as exc:
        _fail(job_id, user_message(exc))
        if isinstance(exc, UserError):
            job = Job.get_or_none(Job.id == job_id)
            log.warning("任务 #%s %s（%s）未完成：%s", job_id, job.title if job else fn.__name__,
                        job.target if job else "", user_message(exc))
        raise  # Huey logs the traceback of a bug (expected outcomes are filtered below)
    finish_job(job_id)
    return None


def _run_claimed(fn: Callable, job_id: int, *args: Any, **kwargs: Any) -> None:
    _local.job_id, _local.beat = job_id, time.monotonic()  # for checkpoint(), in the thread that runs it
    try:
        fn(job_id, *args, **kwargs)
    finally:
        _local.job_id = None


# -- account threads: an account's jobs share one thread in a worker process (account_threads.py) --

# A message for a job whose account's thread is busy comes back after this long, in case that thread
# ends without taking it (its browser wanted elsewhere, shutdown); usually the thread took it by then.
ACCOUNT_RECHECK = 3.0


def _not_kept() -> float:
    return 0.0


def _nowhere(key: str) -> bool:
    return False


_keep_seconds: Callable[[], float] = _not_kept
_kept_elsewhere: Callable[[str], bool] = _nowhere
_account_idle_hooks: list[Callable[[], None]] = []


def keep_accounts(seconds: Callable[[], float], elsewhere: Callable[[str], bool] | None = None) -> None:
    """How long an account's thread (and the browser it keeps) outlives its last job; 0 = off.
    `elsewhere(key)`: another worker process keeps that account's browser open (it takes the jobs);
    None where this process is the only worker."""
    global _keep_seconds, _kept_elsewhere
    _keep_seconds, _kept_elsewhere = seconds, elsewhere or _nowhere


def on_account_idle(hook: Callable[[], None]) -> None:
    """Run `hook` in each idle account thread a few times a second (e.g. give up a browser someone wants)."""
    _account_idle_hooks.append(hook)


def _each(hooks: list[Callable[[], None]]) -> None:
    for hook in hooks:
        hook()


def _account_of(kind: str, args: dict[str, Any]) -> str | None:
    """The browser account a job of `kind` with `args` works for (None: it names none, or it is gone)."""
    return _resolve(_JOBS[kind][1], args)


def _resolve(account: Callable[..., str | None] | None, args: dict[str, Any]) -> str | None:
    if account is None:
        return None
    try:
        return account(**args)
    except Exception:  # noqa: BLE001 - e.g. its row is gone: the job itself says so when it runs
        log.debug("no account for %s", args, exc_info=True)
        return None


def _thread_key(account: Callable[..., str | None] | None, kwargs: dict[str, Any]) -> str | None:
    """The account thread to run a job on in a worker process; None (right here) in tests (inline jobs),
    when keeping is off, or when the job names no account."""
    if huey.immediate or _keep_seconds() <= 0:
        return None
    return _resolve(account, kwargs)


TAKE_BATCH = 5  # queued jobs of an account looked at per turn (a few may be for another account now)


class Permits:
    """At most `n` jobs at once in a worker process: the consumer's threads hold one while they run a job,
    and an account's thread holds one for each job it takes itself. A worker thread waiting for one goes
    first: an account with a long queue cannot keep the process's other accounts waiting."""

    def __init__(self, n: int) -> None:
        self._free = threading.Semaphore(n)
        self._mutex = threading.Lock()
        self._waiting = 0  # worker threads blocked in held()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with self._mutex:
            self._waiting += 1
        try:
            self._free.acquire()
        finally:
            with self._mutex:
                self._waiting -= 1
        try:
            yield
        finally:
            self._free.release()

    @property
    def waiting(self) -> int:
        """Worker threads waiting for a permit now."""
        return self._waiting

    def try_take(self) -> bool:
        """One for an account thread's next job, unless none is free or a worker thread waits for one."""
        with self._mutex:
            return self._waiting == 0 and self._free.acquire(blocking=False)

    def give_back(self) -> None:
        self._free.release()


_permits: Permits | None = None  # None: no consumer here (web-only; tests' inline jobs)


def limit_running(workers: int | None) -> None:
    """Run at most `workers` jobs at once in this process (None: no limit)."""
    global _permits
    _permits = None if workers is None else Permits(workers)


@contextlib.contextmanager
def job_permit() -> Iterator[None]:
    """Held while a job runs in a worker thread (waits while `workers` jobs run already)."""
    permits = None if huey.immediate else _permits  # inline jobs may start (and wait for) inline jobs
    if permits is None:
        yield
        return
    with permits.held():
        yield


def take_next_job(key: str) -> Callable[[], None] | None:
    """The oldest queued job of account `key` that may run now, as a call for the account's thread
    (asked by it after each job and while idle): a run of one account's jobs stays on its open browser.
    None also while the process runs as many jobs as it has workers (the job's message runs it later)."""
    permits = _permits
    if permits is not None and not permits.try_take():
        return None
    job = None
    try:
        job = _oldest_waiting(key)
    finally:
        if job is None and permits is not None:
            permits.give_back()
    return None if job is None else functools.partial(_run_taken, job, permits)


def _oldest_waiting(key: str) -> Job | None:
    rows = (Job.select(Job.id, Job.kind, Job.args)
            .where(Job.account == key, Job.state == "queued", Job.retry_at.is_null() | (Job.retry_at <= datetime.now()))
            .order_by(Job.id).limit(TAKE_BATCH))
    # a purchase moved to another account since it was queued belongs to that account's thread
    return next((job for job in rows if job.kind in _JOBS and _account_of(job.kind, job.args or {}) == key), None)


def _run_taken(job: Job, permits: Permits | None) -> None:
    """A job an account's thread took from the database; its queue message, when it comes, finds it claimed."""
    fn = _JOBS[job.kind][0]
    try:
        delay = _execute(fn, job.id, (), job.args or {})
    except Exception:  # noqa: BLE001 - recorded as failed; no Huey here to log it
        log.exception("任务 #%s (%s) failed", job.id, job.kind)
        return
    finally:
        if permits is not None:
            permits.give_back()
    if delay is not None:
        _enqueue(job, delay)  # its own message may have been spent on a claimed job: a new one


ACCOUNTS = AccountThreads(idle_seconds=lambda: _keep_seconds(), stopping=stopping,
                          on_start=lambda: _open_db(), on_idle=lambda: _each(_account_idle_hooks),
                          on_exit=lambda: _each(_worker_exit_hooks), next_job=take_next_job)


def start_job(kind: str, title: str, *, target: str = "", user: User | None = None, total: int = 0,
              **args: Any) -> Job:
    """Create the Job row, then enqueue its task (in tests the task runs inline right here)."""
    if kind not in JOB_TASKS:
        raise KeyError(f"unknown job kind {kind}")
    job = Job.create(kind=kind, title=title, target=target, user=user, total=total, args=args,
                     account=_account_of(kind, args) or "")
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


def _enqueue(job: Job, delay: float = 0) -> None:
    message = JOB_TASKS[job.kind].s(job.id, **(job.args or {}), **({"delay": delay} if delay else {}))
    # Recorded before sending, so recovery can tell a job whose message waits in the queue.
    Job.update(task_id=message.id).where(Job.id == job.id).execute()
    if not huey.immediate:
        huey.enqueue(message)
        return
    # Inline (tests), but in a thread of its own as a worker would run it: its own DB
    # connection and its own Playwright, which must not share the caller's thread.
    def run() -> None:
        db.connect(reuse_if_open=True)
        try:
            huey.enqueue(message)
        finally:
            for hook in _worker_exit_hooks:
                hook()

    worker = threading.Thread(target=run, name=f"inline-{job.kind}")
    worker.start()
    worker.join()


def retry_job(job: Job, user: User | None = None) -> Job:
    return start_job(job.kind, job.title, target=job.target, user=user, total=job.total, **(job.args or {}))


def active_job(kind: str, target: str) -> Job | None:
    return (Job.select().where(Job.kind == kind, Job.target == target, Job.state.in_(Job.ACTIVE))
            .order_by(Job.id.desc()).first())


def _beat(job_id: int) -> None:
    _local.beat = time.monotonic()
    Job.update(heartbeat_at=datetime.now()).where(Job.id == job_id, Job.claimed_by == WORKER_ID).execute()


def progress(job_id: int, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
    changes: dict[Any, Any] = {Job.heartbeat_at: datetime.now()}
    if done is not None:
        changes[Job.done] = done
    if total is not None:
        changes[Job.total] = total
    if message is not None:
        changes[Job.message] = message
    Job.update(changes).where(Job.id == job_id).execute()
    if getattr(_local, "job_id", None) == job_id:
        _local.beat = time.monotonic()


def checkpoint() -> None:
    """Call between steps of long work: keeps the job's heartbeat, and at shutdown hands the job back."""
    if stopping.is_set():
        raise JobInterrupted()
    job_id = getattr(_local, "job_id", None)
    if job_id is not None and time.monotonic() - _local.beat > HEARTBEAT_SECONDS:
        _beat(job_id)


# -- worker liveness -----------------------------------------------------------------------------

def workers_dir() -> Path:
    if _data_dir is None:
        raise RuntimeError("configure_queue() was not called")
    return _data_dir / "workers"


def _lease_alive(worker: str) -> bool | None:
    """Whether a worker of this data dir lives: None when it has no lock file here (another PC)."""
    path = workers_dir() / f"{worker}.lock"
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        if not try_file_lock(fd):
            return True
        unlock_file(fd)  # we only wanted to know; nobody held it
    finally:
        os.close(fd)
    return False


def _forget_dead_workers() -> None:
    """Remove the lock files of dead workers (once their jobs were taken back: they are the evidence)."""
    for path in workers_dir().glob("*.lock"):
        if path.stem != WORKER_ID and _lease_alive(path.stem) is False:
            with contextlib.suppress(OSError):  # another worker removed it first
                path.unlink()


def begin_worker() -> None:
    """Mark this process as a live worker: an OS lock on its file, held until the process exits."""
    global _lease
    folder = workers_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if _lease is None:
        fd = os.open(folder / f"{WORKER_ID}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        if not try_file_lock(fd):
            os.close(fd)
            raise RuntimeError(f"worker lock {WORKER_ID} is held by another process")
        _lease = fd


def end_worker() -> None:
    """This process stops working: drop its lock. The file stays: a job a worker thread still held
    (it overran the stop timeout) is then taken back at the next start, as after a crash."""
    global _lease
    if _lease is not None:
        unlock_file(_lease)
        os.close(_lease)
        _lease = None


def heartbeat() -> int:
    """Mark every job and lease this process holds as alive (every HEARTBEAT_SECONDS, by the runtime)."""
    if shared_database():
        locks.refresh_leases(WORKER_ID)
    return Job.update(heartbeat_at=datetime.now()).where(Job.state == "running",
                                                         Job.claimed_by == WORKER_ID).execute()


def _pid_gone(worker: str) -> bool:
    """Whether `worker` ran on this PC under a pid no process has any more (proof that it died, even
    once its lock file was cleaned away). A live pid proves nothing: the OS may have reused it."""
    host, _, rest = worker.rpartition("-")[0].rpartition("-")
    if host != _HOST or not rest.isdigit() or os.name == "nt":  # Windows' os.kill would kill it
        return False
    try:
        os.kill(int(rest), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # someone else's process: it exists
    return False


def worker_dead(worker: str, heartbeat_at: datetime | None, stale_after: timedelta = STALE_AFTER) -> bool:
    """Whether `worker` is gone: its OS lock is free (this data dir), its pid is gone (this PC), or
    it has not beaten for `stale_after` (another PC)."""
    if worker == WORKER_ID:
        return False
    alive = _lease_alive(worker)
    if alive is not None:
        return not alive
    return _pid_gone(worker) or heartbeat_at is None or heartbeat_at < datetime.now() - stale_after


def _orphaned(job: Job) -> bool:
    if not job.claimed_by:
        return True  # left running before jobs were claimed
    return worker_dead(job.claimed_by, job.heartbeat_at)


def lease_holder_dead(worker: str, heartbeat_at: datetime) -> bool:
    return worker_dead(worker, heartbeat_at, LEASE_STALE_AFTER)


def worker_lease(key: str, busy: str = locks.BUSY_PURCHASE, delay: float = locks.RETRY_SECONDS):
    """Hold `key` for this worker process against every other worker sharing the database: an OS file
    lock on one PC (SQLite), a lease row across PCs (PostgreSQL). See services/purchasing/locks.py."""
    if shared_database():
        return locks.lease(key, WORKER_ID, lease_holder_dead, busy, delay)
    return locks.file_lease(workers_dir().parent / "locks" / f"{key}.lock", busy, delay)


def _messages_in_queue() -> set[str]:
    """Ids of the messages waiting in the queue or its schedule (read raw: any task name)."""
    if huey.immediate:
        return set()
    storage, serializer = huey.storage, huey.serializer
    return {serializer.deserialize(data).id
            for data in [*storage.enqueued_items(), *storage.scheduled_items()]}


def recover_jobs(queued: bool = True) -> list[int]:
    """Send a new message for each job nothing will run: running on a dead worker, or (with `queued`)
    queued with no message left in the queue. A job with a live worker or a waiting message is left alone.
    """
    now = datetime.now()
    waiting = _messages_in_queue() if queued else set()
    revived = []
    states = Job.ACTIVE if queued else ("running",)
    for job in Job.select().where(Job.state.in_(states)).order_by(Job.id):
        if job.kind not in JOB_TASKS:
            Job.update(state="failed", error="任务类型已不存在", finished_at=now).where(
                Job.id == job.id, Job.state.in_(Job.ACTIVE)).execute()
            continue
        if job.state == "running":
            if not _orphaned(job):
                continue
            # Take it back only if nobody else did in the meantime (two workers recovering at once).
            taken = Job.update(state="queued", claimed_by="", message="程序重启后继续执行").where(
                Job.id == job.id, Job.state == "running", Job.claimed_by == job.claimed_by).execute()
            if not taken:
                continue
        elif job.task_id and job.task_id in waiting:
            continue
        _enqueue(job)
        revived.append(job.id)
    if _lease is not None:
        _forget_dead_workers()
    if revived:
        log.info("recovered jobs %s", revived)
    return revived


@huey.periodic_task(crontab(minute="*"))
def recover_orphaned_jobs() -> None:
    """Jobs of a worker that died while this one runs (another PC, another process) are not left hanging."""
    recover_jobs(queued=False)


class _ExpectedOutcomes(logging.Filter):
    """Huey logs every failed task with a traceback. A UserError is an expected outcome (risk, login
    required, quota, verification, bad input): the task wrapper logs it as one line with the job and
    its shop instead; a traceback stays for bugs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], UserError))


logging.getLogger("huey").addFilter(_ExpectedOutcomes())


@huey.on_startup()
def _open_db() -> None:
    db.connect(reuse_if_open=True)


def _close_db() -> None:
    if not db.is_closed():
        db.close()


on_worker_exit(_close_db)
