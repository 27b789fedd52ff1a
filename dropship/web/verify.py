"""验证中心: parked sliders / SMS codes / QR logins, shown live and answered from any PC of the LAN;
打开后台 on a PC without a screen, the backend shown live and used the same way; and 辅助下单 from
another PC (or without a screen), the supplier page shown live beside the order info panel."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from markupsafe import Markup

from dropship.models import Job
from dropship.models import Purchase as PurchaseRow
from dropship.platforms.verification import HUB, STATES, BadCommand, Verification, display_available
from dropship.services.jobs import visible_jobs
from dropship.services.purchasing import records
from dropship.services.purchasing.assist import assist_panel
from dropship.web.access import requires
from dropship.web.scoping import current_scope

bp = Blueprint("verify", __name__, url_prefix="/verify")
KINDS = {"slider": "滑块验证", "sms": "短信验证码", "qr": "扫码登录", "backend": "打开后台", "assist": "辅助下单"}


def _item(item_id: str):
    item = HUB.get(item_id)
    if item is None:
        abort(404, description="该验证已结束或不存在")
    return item


@bp.get("")
@requires("verify")
def index():
    return render_template("verify/index.html", items=HUB.recent(), kinds=KINDS, states=STATES)


@bp.get("/list")
@requires("verify")
def listing():
    return render_template("verify/_list.html", items=HUB.recent(), kinds=KINDS, states=STATES)


def waiting_count() -> int:
    """Verifications waiting for a person: the header badge's number."""
    return len(HUB.waiting())


@bp.get("/badge")
@requires("verify")
def badge():
    return str(waiting_count() or "")


def _purchase_of(item: Verification) -> PurchaseRow | None:
    """The purchase a 辅助下单 view is buying, when the user may see its job and the purchase."""
    if item.kind != "assist" or item.job_id is None:
        return None
    job = visible_jobs(g.user).where(Job.id == item.job_id).first()
    purchase_id = (job.args or {}).get("purchase_id") if job is not None else None
    return records.get_purchase(current_scope(), purchase_id) if isinstance(purchase_id, int) else None


@bp.get("/<item_id>")
@requires("verify")
def show(item_id: str):
    item = _item(item_id)
    purchase = _purchase_of(item)
    return render_template("verify/show.html", item=item, kinds=KINDS, states=STATES,
                           panel=assist_panel(purchase) if purchase is not None else None)


@bp.get("/<item_id>/status")
@requires("verify")
def status(item_id: str):
    return render_template("verify/_status.html", item=_item(item_id), states=STATES)


@bp.get("/<item_id>/frame.jpg")
@requires("verify")
def frame(item_id: str):
    item = _item(item_id)
    if not item.frame:
        return Response(status=204)
    return Response(item.frame, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})


@bp.post("/<item_id>/input")
@requires("verify")
def relay(item_id: str):
    item = _item(item_id)
    command = request.get_json(silent=True)
    if not isinstance(command, dict):
        abort(400, description="操作格式不正确")
    try:
        sent = HUB.send(item.id, command)
    except BadCommand as exc:
        abort(400, description=f"操作无效：{exc}")
    if not sent:
        abort(409, description="该验证已结束")
    return {"ok": True}


@bp.post("/<item_id>/skip")
@requires("verify")
def skip(item_id: str):
    item = _item(item_id)
    HUB.skip(item.id)
    return render_template("verify/_status.html", item=item, states=STATES)


@bp.post("/<item_id>/close")
@requires("verify")
def close(item_id: str):
    """关闭 a live 打开后台 view: the job ends and the account's browser is free again."""
    item = _item(item_id)
    HUB.close_view(item.id)
    return render_template("verify/_status.html", item=item, states=STATES)


# -- 打开后台 on a PC without a screen ------------------------------------------------------------

def backend_view(job: Job) -> Verification | None:
    """The live view of a running 打开后台 job, for its link in 任务 (None when there is none)."""
    item = HUB.for_job(job.id) if job.active else None
    return item if item is not None and item.live else None


def backend_answer(job: Job, name: str, table: Callable[[str], tuple]) -> tuple:
    """打开后台's answer, one for shops and 采购账号. From 任务 (a 授权 that succeeded offers it) the new
    job's progress; from a table the table, its message saying where the backend opens."""
    if request.form.get("from") == "job":
        return render_template("jobs/_job.html", job=job, poll=True), 200, {"HX-Trigger": "jobs-changed"}
    if display_available():
        return table(f"正在本机打开 {name} 的后台")
    link = url_for("verify.for_job", job_id=job.id)
    return table(Markup('正在打开 {} 的后台：这台电脑没有屏幕，<a href="{}">到验证中心查看和操作</a>').format(name, link))


@bp.get("/job/<dbid:job_id>")
@requires("verify")
def for_job(job_id: int):
    """Where 打开后台 sends the user: its live view once the backend is open, until then a page that waits."""
    job = visible_jobs(g.user).where(Job.id == job_id).first()
    if job is None:
        abort(404, description="该任务不存在")
    item = HUB.for_job(job.id)
    if item is not None:
        url = url_for("verify.show", item_id=item.id)
        return ("", 200, {"HX-Redirect": url}) if request.headers.get("HX-Request") else redirect(url)
    template = "verify/_opening.html" if request.headers.get("HX-Request") else "verify/opening.html"
    return render_template(template, job=job)
