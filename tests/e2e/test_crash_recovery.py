"""kill -9 a real worker process with jobs queued and running, start it again: each job completes once.

The guarantee: every job runs to completion exactly once. A job that was running when the process
died starts again from its beginning (its start is seen twice, its completion once); a queued job
starts and completes once, however many queue messages name it.
"""
from __future__ import annotations

from collections import Counter

from huey.storage import SqliteStorage

from dropship.db import db
from dropship.models import Job
from tests.crash_worker import kill_hard, read_runs, spawn
from tests.helpers import make_app, wait_until

JOBS = 8  # two workers, each job ~0.6 s: at the kill some are done, two running, the rest queued


def _settled(data_dir) -> bool:
    """Every job done, nothing left in the queue, nothing running (a duplicate would show here)."""
    states = [j.state for j in Job.select(Job.state)]
    return (len(states) == JOBS and all(s == "done" for s in states)
            and SqliteStorage("dropship", filename=str(data_dir / "queue.db")).queue_size() == 0)


def test_kill_9_with_queued_and_running_jobs_then_restart_runs_each_job_to_completion_once(tmp_path):
    data_dir = tmp_path / "data"
    make_app(data_dir)  # the database exists before the worker starts; this process only reads it
    first = spawn(data_dir, "--record-jobs", str(JOBS))
    try:
        wait_until(lambda: sum(e == "start" for e, _, _ in read_runs(data_dir)) >= 3, what="three jobs started")
    finally:
        kill_hard(first)
    before = read_runs(data_dir)
    started = {j for e, j, _ in before if e == "start"}
    finished = {j for e, j, _ in before if e == "done"}
    running_at_kill = started - finished
    with db.connection_context():
        all_jobs = {j.id for j in Job.select(Job.id)}
    queued_at_kill = all_jobs - started
    assert len(all_jobs) == JOBS and running_at_kill and queued_at_kill and finished, before

    second = spawn(data_dir)
    try:
        with db.connection_context():
            wait_until(lambda: _settled(data_dir), timeout=60, what="every job done and the queue empty")
    finally:
        kill_hard(second)

    runs = read_runs(data_dir)
    completions = Counter(j for e, j, _ in runs if e == "done")
    starts = Counter(j for e, j, _ in runs if e == "start")
    print(f"{JOBS} jobs; at the kill {len(finished)} done, {len(running_at_kill)} running, "
          f"{len(queued_at_kill)} queued; starts {sorted(starts.values())}, completions {sorted(completions.values())}")
    assert completions == Counter(all_jobs), f"completions per job: {dict(completions)}"
    for job_id in all_jobs:
        assert starts[job_id] == (2 if job_id in running_at_kill else 1), (job_id, runs)
