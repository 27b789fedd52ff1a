"""任务: the jobs panel (polls while work runs), one job's progress fragment, 重试."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from dropship.models import Job
from dropship.queue import JOB_TASKS, retry_job
from dropship.services.jobs import visible_jobs
from dropship.web.access import requires

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

PANEL_SIZE = 8


def panel_jobs() -> list[Job]:
    """Active jobs first, then the latest finished ones; employees see their own."""
    query = visible_jobs(g.user)
    active = list(query.where(Job.state.in_(Job.ACTIVE)).order_by(Job.id.desc()).limit(PANEL_SIZE))
    rest = list(query.where(Job.state.not_in(Job.ACTIVE)).order_by(Job.id.desc())
                .limit(max(PANEL_SIZE - len(active), 3)))
    return active + rest


def _visible(job_id: int) -> Job:
    job = visible_jobs(g.user).where(Job.id == job_id).first()
    if job is None:
        abort(404)
    return job


@bp.get("/panel")
@requires("*")
def panel():
    return render_template("jobs/_panel.html")


@bp.get("/<dbid:job_id>")
@requires("*")
def show(job_id: int):
    return render_template("jobs/_job.html", job=_visible(job_id), poll=True)


@bp.post("/<dbid:job_id>/retry")
@requires("*")
def retry(job_id: int):
    job = _visible(job_id)
    if job.state != "failed" or job.kind not in JOB_TASKS:
        abort(400, description="只有失败的任务可以重试")
    new_job = retry_job(job, user=g.user)
    return render_template("jobs/_job.html", job=new_job, poll=True), 200, {"HX-Trigger": "jobs-changed"}
