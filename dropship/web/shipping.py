"""物流发货 by hand: the card's 手动发货 dialog and 百通一键替换极速.

手动发货 records a pending Shipment (services.shipping_manual) and hands it to the one `consign` job,
which executes it through the seller driver; the dialog answers with its errors beside their fields
(400, nothing written), or with the pattern warning and 「仍然发货」 (nothing written until the user
confirms). 百通一键替换极速 starts the `replace_baitong` job over a 同步时间 range and shows its
result list. Until a job kind is registered in this process its button is 即将开放 and the route
refuses with 409, creating nothing.
"""
from __future__ import annotations

import json

from flask import Blueprint, abort, g, render_template, request

from dropship import queue
from dropship.errors import FieldError
from dropship.models import Job, Order, OrderItem, Shipment, Shop
from dropship.services import baitong, shipping_manual
from dropship.services.jobs import job_target
from dropship.services.shipping import CONSIGN_JOB, consign_job
from dropship.web.access import requires
from dropship.web.forms import form as show_form
from dropship.web.scoping import current_scope

bp = Blueprint("shipping", __name__, url_prefix="/shipping")
NOT_YET = "发货功能即将开放"


def consign_ready() -> bool:
    """Whether the `consign` job (the one consign path, tasks.shipping) is registered in this process."""
    return CONSIGN_JOB in queue.JOB_TASKS


def baitong_ready() -> bool:
    return baitong.JOB_KIND in queue.JOB_TASKS


def _message(text: str, status: int = 200, error: bool = False, events: tuple[str, ...] = ()):
    headers = {"HX-Retarget": "#order-message", "HX-Reswap": "innerHTML"}
    if events:
        headers["HX-Trigger"] = json.dumps(dict.fromkeys(events, True))
    return render_template("orders/_message.html", text=text, error=error), status, headers


def _order_or_404(order_id: int) -> Order:
    order = current_scope().apply(Order.select(Order, Shop).join(Shop).where(Order.id == order_id)).first()
    if order is None:
        abort(404, description="订单不存在")
    return order


def _manual_form(order: Order, typed: dict | None = None, error: FieldError | None = None, warning: str = "",
                 status: int | None = None):
    items = list(OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.id))
    open_oids = {item.oid for item in shipping_manual.shippable_items(order)}
    return show_form("shipping/_manual_form.html", error=error, status=status, order=order, items=items,
                     open_oids=open_oids, couriers=shipping_manual.courier_choices(), form=typed or {},
                     warning=warning, ready=consign_ready(), not_yet=NOT_YET)


def _typed() -> dict:
    return {"courier": request.form.get("courier", ""), "tracking_number": request.form.get("tracking_number", ""),
            "oids": request.form.getlist("oids"), "confirm": request.form.get("confirm", "")}


@bp.get("/orders/<dbid:order_id>/manual")
@requires("orders.ship")
def manual_form(order_id: int):
    return _manual_form(_order_or_404(order_id))


@bp.post("/orders/<dbid:order_id>/manual")
@requires("orders.ship")
def manual(order_id: int):
    """手动发货: checked, then (warning confirmed with 「仍然发货」) one pending Shipment + its consign job."""
    order = _order_or_404(order_id)
    if not consign_ready():
        return _message(NOT_YET, 409, error=True)
    typed = _typed()
    try:
        plan = shipping_manual.create_manual(current_scope(), order.id, typed)
    except FieldError as exc:
        return _manual_form(order, typed, exc)
    if not plan.shipment_id:
        return _manual_form(order, typed, warning=plan.warning)
    job = queue.start_job(**consign_job(Shipment.get_by_id(plan.shipment_id)), user=g.user)
    shipping_manual.attach_job(plan.shipment_id, job.id)
    return _message(f"已提交发货：{plan.courier.name} {plan.tracking_number}（订单 {order.tid}），结果见订单的物流信息",
                    events=("close-dialog", "orders-changed", "jobs-changed"))


# -- 百通一键替换极速 -------------------------------------------------------------------------------------

@bp.get("/baitong")
@requires("orders.baitong")
def baitong_form():
    return show_form("shipping/_baitong_form.html", form={}, ready=baitong_ready(), not_yet=NOT_YET)


@bp.post("/baitong")
@requires("orders.baitong")
def baitong_start():
    """替换极速: the 百通 parcels of the 同步时间 range, re-consigned with the replacement courier by a job."""
    typed = {"synced_from": request.form.get("synced_from", ""), "synced_to": request.form.get("synced_to", "")}
    if not baitong_ready():
        return _message(NOT_YET, 409, error=True)
    try:
        begin, end = baitong.parse_range(typed["synced_from"], typed["synced_to"])
        ids = baitong.start_run(current_scope(), begin, end)
    except FieldError as exc:
        return show_form("shipping/_baitong_form.html", error=exc, form=typed, ready=True, not_yet=NOT_YET)
    job = queue.start_job(baitong.JOB_KIND, f"百通一键替换极速 · {len(ids)} 单", target=job_target("user", g.user.id),
                          user=g.user, total=len(ids), shipment_ids=ids)
    return render_template("shipping/_baitong_results.html", job=Job.get_by_id(job.id),
                           results=baitong.results(current_scope(), job.id))


@bp.get("/baitong/jobs/<dbid:job_id>")
@requires("orders.baitong")
def baitong_results(job_id: int):
    """The result list (成功 / 失败 + reason) of one 替换极速 run, polled while it runs."""
    job = Job.get_or_none(Job.id == job_id, Job.kind == baitong.JOB_KIND)
    if job is None or (job.user_id != g.user.id and not g.user.is_main):
        abort(404, description="任务不存在")
    return render_template("shipping/_baitong_results.html", job=job, results=baitong.results(current_scope(), job.id))
