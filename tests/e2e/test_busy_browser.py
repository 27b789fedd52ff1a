"""A job whose account browser is busy goes back to the queue instead of holding a worker."""
import time

from dropship.db import db
from dropship.models import Job
from dropship.queue import start_job
from dropship.tasks import browsers


def _wait(job_id: int, accept, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.get_by_id(job_id)
        if accept(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} stuck in {Job.get_by_id(job_id).state}: {Job.get_by_id(job_id).message}")


def test_busy_profile_requeues_the_job_and_it_runs_once_free(live_app):
    lock = browsers().lock_for("browser-check")
    lock.acquire()  # as if another task had this profile open
    with db.connection_context():
        try:
            job = start_job("browser_check", "浏览器检测", target="browser", total=3)
            waiting = _wait(job.id, lambda j: "稍后自动继续" in j.message)
            assert waiting.state in ("queued", "running")
            time.sleep(1)
            assert Job.get_by_id(job.id).state != "failed"
            other = start_job("browser_check", "浏览器检测", target="browser", total=3)  # a worker is still free
            assert _wait(other.id, lambda j: "稍后自动继续" in j.message).state != "done"
        finally:
            lock.release()
        assert _wait(job.id, lambda j: j.state == "done").percent == 100
        assert _wait(other.id, lambda j: j.state == "done").state == "done"
