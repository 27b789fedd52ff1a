"""店铺管理: the shop table, 新增/编辑/删除, 授权, 开始获取/暂停获取, 打开后台, 地址脱敏导出."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, render_template, request

from dropship import secrets
from dropship.errors import FieldError, UserError
from dropship.models import Job, Shop
from dropship.queue import start_job, start_unique_job
from dropship.services import billing, shipping
from dropship.services import shops as service
from dropship.services.jobs import job_target, parse_target
from dropship.services.purchasing import auto
from dropship.web.access import requires
from dropship.web.forms import form as show_form
from dropship.web.inputs import form_ids
from dropship.web.scoping import current_scope, get_or_404
from dropship.web.verify import backend_answer

bp = Blueprint("shops", __name__, url_prefix="/shops")
MAX_SMS_PASSWORD = 12


def _shop_or_404(shop_id: int) -> Shop:
    scope = current_scope()
    return get_or_404(service.active_shops(scope), shop_id, scope)


def _ids() -> list[int]:
    return form_ids("shop_ids", "店铺", 500)


def _table_context() -> dict:
    scope = current_scope()
    rows = list(service.active_shops(scope).order_by(Shop.id))
    ids = [s.id for s in rows]
    targets = [job_target("shop", i) for i in ids]
    # shop ids with a job still queued or running
    running = {parse_target(job.target)[1]
               for job in Job.select(Job.target).where(Job.state.in_(Job.ACTIVE), Job.target.in_(targets))}
    # 自动采购's waiting orders by reason, for the rows of shops that buy automatically
    buying = [s.id for s in rows if s.auto_purchase and s.fetch_state == "fetching"]
    waiting = auto.plan(datetime.now(), buying) if buying else auto.Plan()
    return {"shops": rows, "stats": service.today_stats(ids), "to_purchase": service.to_purchase_counts(ids, scope),
            "auto_waiting": lambda shop: auto.waiting_text(waiting, shop.id),
            "shipping": shipping.today_counts(ids),
            "running": running, "platforms": service.PLATFORMS, "login_states": service.LOGIN_STATES,
            "fetch_states": service.FETCH_STATES, "expired_reason": billing.expired_reason,
            "service_until": billing.service_until,
            "fetch_period": service.fetch_period, "fetch_switches": service.fetch_switches}


def _page_context() -> dict:
    return {**_table_context(), "day_choices": service.FETCH_DAY_CHOICES, "switch_hint": service.FETCH_SWITCH_HINT,
            "auto_ship_hint": service.AUTO_SHIP_HINT,
            "form": {}, "errors": {}, "buffer_default": auto.DEFAULT_BUFFER, "buffer_max": auto.MAX_BUFFER}


def _table(message: str = "", status: int = 200, error: bool = False, trigger: str = "", ask_pause_all: bool = False):
    """The answer to a shop action: the table, and the action's message in its own element beside it.

    The table refreshes itself while shops fetch; the message is not part of it, so it stays until
    the user closes it or acts again (the next action's answer replaces it).
    """
    html = (render_template("shops/_table.html", **_table_context())
            + render_template("shops/_message.html", oob=True, message=message, message_error=error,
                              ask_pause_all=ask_pause_all)
            + render_template("shops/_buffer_error.html", oob=True))
    # Actions are posted from toolbars and dialogs alike; the answer always replaces the table.
    headers = {"HX-Retarget": "#shop-table", "HX-Reswap": "outerHTML"}
    if trigger:
        headers["HX-Trigger"] = trigger
    return html, status, headers


@bp.get("")
@requires("shops")
def index():
    return render_template("shops/index.html", **_page_context())


@bp.get("/table")
@requires("shops")
def table():
    """The table alone: its own refresh and 刷新 leave the message and the ticked boxes (app.js) alone."""
    return render_template("shops/_table.html", **_table_context())


def _form_dialog(name: str, error: FieldError | None = None, **context):
    return show_form(f"shops/_{name}.html", error=error, platforms=service.PLATFORMS, **context)


@bp.post("")
@requires("shops.edit")
def add():
    form = {k: request.form.get(k, "") for k in ("platform", "login", "password")}
    try:
        service.add_shop(form["platform"], form["login"], form["password"])
    except FieldError as exc:
        return _form_dialog("add_form", exc, form=form)
    return _table("店铺已添加，请点“授权”登录店铺后台", trigger="close-dialog")


@bp.get("/<dbid:shop_id>/edit")
@requires("shops.edit")
def edit_form(shop_id: int):
    shop = _shop_or_404(shop_id)
    return _form_dialog("edit_form", shop=shop, form={"platform": shop.platform, "login": shop.login})


@bp.post("/<dbid:shop_id>")
@requires("shops.edit")
def edit(shop_id: int):
    shop = _shop_or_404(shop_id)
    form = {k: request.form.get(k, "") for k in ("platform", "login", "password")}
    try:
        service.edit_shop(shop, form["platform"], form["login"], form["password"],
                          headed=bool(request.form.get("headed")))
    except FieldError as exc:
        return _form_dialog("edit_form", exc, shop=shop, form=form)
    return _table("店铺已修改", trigger="close-dialog")


@bp.post("/delete")
@requires("shops.edit")
def delete():
    try:
        count = service.delete_shops(_ids(), current_scope())
    except UserError as exc:
        return _table(str(exc), 400, error=True)
    return _table(f"已删除 {count} 个店铺（订单保留，标记为已删除店铺）")


def _shop_job(shop_id: int, kind: str, action: str, message: str):
    """Queue one job for one shop and answer with the table (the job shows in 任务)."""
    shop = _shop_or_404(shop_id)
    start_job(kind, f"{action} · {shop.display_name}", target=job_target("shop", shop.id), user=g.user, shop_id=shop.id)
    return _table(message.format(shop=shop.display_name), trigger="jobs-changed")


@bp.post("/<dbid:shop_id>/authorize")
@requires("shops.authorize")
def authorize(shop_id: int):
    return _shop_job(shop_id, "authorize_shop", "授权", "正在授权 {shop}，可在右上角“任务”查看进度")


@bp.post("/<dbid:shop_id>/open-backend")
@requires("shops.open_backend")
def open_backend(shop_id: int):
    """打开后台: a window on the host PC, or 验证中心's live view when it has no screen."""
    shop = _shop_or_404(shop_id)
    job = start_job("open_backend", f"打开后台 · {shop.display_name}", target=job_target("shop", shop.id), user=g.user,
                    shop_id=shop.id)
    return backend_answer(job, shop.display_name, lambda message: _table(message, trigger="jobs-changed"))


@bp.post("/fetch/start")
@requires("shops.fetch")
def start_fetching():
    form = request.form
    try:
        options = service.parse_fetch_options(
            form.get("days", "3"), form.get("start", ""), form.get("end", ""), bool(form.get("auto_login")),
            bool(form.get("auto_sync_deleted_address")), bool(form.get("auto_ship")),
            auto_purchase=bool(form.get("auto_purchase")),
            auto_purchase_buffer=form.get("auto_purchase_buffer", str(auto.DEFAULT_BUFFER)))
        started, refused = service.start_fetching(_ids(), options, current_scope())
    except FieldError as exc:
        if auto.BUFFER_FIELD in exc.errors:  # said beside the box it was typed in; the ticked shops stay ticked
            html = (render_template("shops/_buffer_error.html", oob=True, buffer_error=exc.errors[auto.BUFFER_FIELD])
                    + render_template("shops/_message.html", oob=True))
            return html, 400, {"HX-Reswap": "none"}
        return _table(str(exc), 400, error=True)
    except UserError as exc:
        return _table(str(exc), 400, error=True)
    for shop in started:
        start_unique_job("fetch_orders", service.fetch_job_title(shop), target=job_target("shop", shop.id), user=g.user,
                         shop_id=shop.id)
    parts = [f"已开始获取 {len(started)} 个店铺"] if started else []
    return _table("；".join(parts + refused), 200 if started else 400, error=bool(refused),
                  trigger="jobs-changed" if started else "")


@bp.post("/fetch/pause")
@requires("shops.fetch")
def pause_fetching():
    scope, ids, everything = current_scope(), _ids(), bool(request.form.get("all"))
    if not ids and not everything:
        if not service.any_fetching(scope):
            return _table("没有正在获取的店铺")
        # nothing ticked: pausing every shop is a big step, so ask (its 确定 posts again with all=1)
        return _table(ask_pause_all=True)
    count = service.pause_fetching(scope, None if everything else ids)
    if not count:
        return _table("没有正在获取的店铺" if everything else "勾选的店铺都没有在获取")
    return _table(f"已暂停获取 {count} 个店铺")


@bp.get("/<dbid:shop_id>/ship-failures")
@requires("shops")
def ship_failures(shop_id: int):
    """今日发货失败 of one shop: the orders and the reasons (a dialog)."""
    shop = _shop_or_404(shop_id)
    return render_template("shops/_ship_failures.html", shop=shop,
                           failures=shipping.failed_today(shop, current_scope()))


@bp.post("/<dbid:shop_id>/export/request")
@requires("shops.export")
def export_request(shop_id: int):
    shop = _shop_or_404(shop_id)
    job = start_job("address_export_request", f"地址脱敏导出 · 发送密码 · {shop.display_name}",
                    target=job_target("shop", shop.id), user=g.user, total=1, shop_id=shop.id)
    return *show_form("shops/_export_form.html", shop=shop, job=job), {"HX-Trigger": "jobs-changed"}


@bp.post("/<dbid:shop_id>/export")
@requires("shops.export")
def export(shop_id: int):
    shop = _shop_or_404(shop_id)
    password = request.form.get("password", "").strip()
    if not password or len(password) > MAX_SMS_PASSWORD or not password.isalnum():
        return show_form("shops/_export_form.html", shop=shop, job=None,
                         error=FieldError("password", "请输入短信中的导出密码（数字或字母）"))
    job = start_job("address_export", f"地址脱敏导出 · {shop.display_name}", target=job_target("shop", shop.id),
                    user=g.user, shop_id=shop.id, password_token=secrets.encrypt(password))
    return render_template("jobs/_job.html", job=job, poll=True), 200, {"HX-Trigger": "jobs-changed"}

