"""订单管理: tabs with counts, the search form, order cards; 忽略, 标记, 备注, 修改地址信息, 同步, 导出.

The list (tabs, cards, pager) is one block of `orders/index.html`: htmx asks for just that block and
the server pushes the canonical URL, so every view of the list is bookmarkable and the back button
works; the search form comes along out-of-band to show its errors and keep the current tab.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta

from flask import Blueprint, abort, current_app, g, render_template, request, send_file, url_for
from markupsafe import escape

from dropship.models import Job, Order, PurchaseAccount, Shop
from dropship.platforms.base import Receiver
from dropship.queue import start_job, start_unique_job
from dropship.services import memo as memo_service
from dropship.services import orders as service
from dropship.services.order_export import export_file
from dropship.services.receiver import ReceiverError, real_receiver, store_receiver, validate_manual
from dropship.services.shops import LOGIN_STATES, PLATFORMS, active_shops
from dropship.web.access import requires
from dropship.web.paging import page_args, paginate

bp = Blueprint("orders", __name__, url_prefix="/orders")
TEMPLATE = "orders/index.html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _triggers(*events: str) -> dict[str, str]:
    return {"HX-Trigger": json.dumps(dict.fromkeys(events, True))}


def _wants_list() -> bool:
    """htmx asking for the list alone (a history restore wants the whole page)."""
    return (request.headers.get("HX-Target") == "order-list"
            and not request.headers.get("HX-History-Restore-Request"))


def _search_options() -> dict[str, list[tuple[str, str]]]:
    """(value, text) pairs for the search form's selects (plain tuples: this runs on every list view)."""
    shops = active_shops().select(Shop.id, Shop.platform, Shop.nick, Shop.login).order_by(Shop.id).tuples()
    accounts = (PurchaseAccount.select(PurchaseAccount.id, PurchaseAccount.platform, PurchaseAccount.nick,
                                       PurchaseAccount.login)
                .order_by(PurchaseAccount.platform, PurchaseAccount.id).tuples())
    return {
        "shop": [(str(i), f"{PLATFORMS.get(platform, '')} {nick or login}") for i, platform, nick, login in shops],
        "account": [(str(i), f"【{service.PURCHASE_PLATFORMS.get(platform, platform)}】{nick or login}")
                    for i, platform, nick, login in accounts],
        "sort": [(code, label) for code, (label, _) in service.SORTS.items()],
        "flag": [(str(i), f"{name}色") for i, name in enumerate(service.FLAG_NAMES)],
        "show": list(service.SHOW_CHOICES.items()),
    }


def _per_page(per_page: int) -> dict[str, int]:
    return {} if per_page == 10 else {"per_page": per_page}  # the default stays out of the URL


def _page_context() -> tuple[dict, int]:
    try:
        search, errors = service.parse_filter(request.args), {}
    except service.FilterErrors as exc:
        search, errors = service.OrderFilter(), exc.errors
    number, per_page = page_args()
    context = {"search": search, "errors": errors, "tabs": service.TABS, "options": _search_options(),
               # the form shows what was typed when it was wrong, else the canonical values
               "values": request.args if errors else {**search.args(), **_per_page(per_page)}}
    if errors:
        return {**context, "counts": None, "page": None, "cards": []}, 400
    ctx = service.TabContext.current()
    counts = service.tab_counts(search, ctx)
    page = paginate(service.order_ids(search, ctx).tuples(), number, per_page, total=counts[search.tab])
    paging = {**_per_page(page.per_page), **({"page": page.number} if page.number > 1 else {})}
    orders = service.orders_by_ids([order_id for (order_id,) in page.items])
    return {**context, "counts": counts, "page": page, "cards": service.order_cards(orders),
            "list_url": url_for("orders.index", **search.args(), **paging),
            "memo_states": memo_service.MEMO_STATES, "flag_names": service.FLAG_NAMES, "platforms": PLATFORMS,
            "purchase_platforms": service.PURCHASE_PLATFORMS,
            "purchase_states": service.PURCHASE_STATUS_LABELS, "open_statuses": service.OPEN_STATUSES,
            "soon_before": ctx.now + timedelta(hours=ctx.soon_hours)}, 200


@bp.get("")
@requires("orders")
def index():
    context, status = _page_context()
    if not _wants_list():
        return render_template(TEMPLATE, **context), status
    headers = {"Vary": "HX-Request, HX-Target"}
    if status == 200 and not request.headers.get("X-Orders-Refresh"):
        headers["HX-Push-Url"] = context["list_url"]
    return render_template("orders/_list.html", fragment=True, **context), status, headers


def _message(text: str, status: int = 200, error: bool = False, headers: dict | None = None):
    html = render_template("orders/_message.html", text=text, error=error)
    return html, status, {"HX-Retarget": "#order-message", "HX-Reswap": "innerHTML", **(headers or {})}


def _selected() -> list[int]:
    values = request.values.getlist("ids")
    try:
        return [int(v) for v in values][:service.MAX_SELECTION + 1]
    except ValueError:
        abort(400, description="订单选择无效")


def _order_or_404(order_id: int) -> Order:
    order = Order.select(Order, Shop).join(Shop).where(Order.id == order_id).first()
    if order is None:
        abort(404)
    return order


# -- 忽略订单 / 取消忽略 ------------------------------------------------------------------------------

@bp.post("/ignore")
@requires("orders.edit")
def ignore():
    ignored = request.form.get("ignored", "1") == "1"
    try:
        count = service.set_ignored(_selected(), ignored)
    except service.OrderError as exc:
        return _message(str(exc), 400, error=True)
    text = f"已忽略 {count} 个订单（在“显示：忽略订单”中查看）" if ignored else f"已取消忽略 {count} 个订单"
    return _message(text, headers=_triggers("orders-changed"))


# -- 标记 ------------------------------------------------------------------------------------------

def _mark_form(ids: list[int], form: dict, errors: dict, status: int = 200):
    orders = list(Order.select(Order.id, Order.tid, Order.abnormal, Order.mark_note).where(Order.id.in_(ids)))
    if len(orders) == 1 and not form:
        form = {"kind": orders[0].abnormal, "note": orders[0].mark_note}
    return render_template("orders/_mark_form.html", orders=orders, form=form, errors=errors,
                        mark_types=service.MARK_TYPES), status


@bp.get("/mark")
@requires("orders.edit")
def mark_form():
    ids = _selected()
    if not ids:
        return _mark_form([], {}, {"ids": "请先勾选订单"}, 400)
    return _mark_form(ids, {}, {})


@bp.post("/mark")
@requires("orders.edit")
def mark():
    ids = _selected()
    form = {"kind": request.form.get("kind", ""), "note": request.form.get("note", "")}
    try:
        count = service.mark_orders(ids, form["kind"], form["note"])
    except service.OrderError as exc:
        return _mark_form(ids, form, {exc.field: str(exc)}, 400)
    label = service.MARK_TYPES[form["kind"]]
    return _message(f"已将 {count} 个订单标记为“{label}”", headers=_triggers("close-dialog", "orders-changed"))


# -- 备注 (云端备注) ----------------------------------------------------------------------------------

def _memo_form(order: Order, form: dict, errors: dict, status: int = 200):
    return render_template("orders/_memo_form.html", order=order, form=form, errors=errors,
                        flag_names=service.FLAG_NAMES, limit=memo_service.MEMO_LIMIT_BYTES), status


@bp.get("/<int:order_id>/memo")
@requires("orders.edit")
def memo_form(order_id: int):
    order = _order_or_404(order_id)
    return _memo_form(order, {"memo": order.seller_memo, "flag": str(order.seller_flag)}, {})


@bp.post("/<int:order_id>/memo")
@requires("orders.edit")
def save_memo(order_id: int):
    order = _order_or_404(order_id)
    form = {"memo": request.form.get("memo", ""), "flag": request.form.get("flag", "")}
    try:
        memo_service.save_memo(order.id, form["memo"], form["flag"])
    except memo_service.MemoError as exc:
        return _memo_form(order, form, {exc.field: str(exc)}, 400)
    start_job("push_memo", f"云端备注 · {order.tid}", target=f"order:{order.id}", user=g.user, total=1,
              order_id=order.id)
    return _message(f"备注已保存，正在同步到店铺后台（订单 {order.tid}）",
                    headers=_triggers("close-dialog", "orders-changed", "jobs-changed"))


@bp.get("/<int:order_id>/memo-state")
@requires("orders")
def memo_state(order_id: int):
    return render_template("orders/_memo_state.html", order=_order_or_404(order_id),
                           memo_states=memo_service.MEMO_STATES)


# -- 修改地址信息 ------------------------------------------------------------------------------------

def _address_form(order: Order, form: dict, errors: dict, status: int = 200):
    return render_template("orders/_address_form.html", order=order, form=form, errors=errors), status


@bp.get("/<int:order_id>/address")
@requires("orders.edit")
def address_form(order_id: int):
    order = _order_or_404(order_id)
    return _address_form(order, asdict(real_receiver(order) or Receiver()), {})


@bp.post("/<int:order_id>/address")
@requires("orders.edit")
def save_address(order_id: int):
    order = _order_or_404(order_id)
    form = {name: request.form.get(name, "") for name in asdict(Receiver())}
    try:
        receiver = validate_manual(form)
    except ReceiverError as exc:
        return _address_form(order, form, {exc.field: str(exc)}, 400)
    store_receiver(order, receiver, "manual")
    return _message(f"订单 {order.tid} 的收货地址已修改", headers=_triggers("close-dialog", "orders-changed"))


# -- 同步状态 / 批量同步 ---------------------------------------------------------------------------------

@bp.post("/<int:order_id>/sync")
@requires("orders.sync")
def sync(order_id: int):
    order = _order_or_404(order_id)
    job = start_unique_job("sync_order", f"同步状态 · {order.tid}", target=f"order:{order.id}", user=g.user,
                           total=1, order_id=order.id)
    if job is None:
        return _message(f"订单 {order.tid} 正在同步中", 409, error=True)
    return _message(f"正在同步订单 {order.tid}，可在右上角“任务”查看进度", headers=_triggers("jobs-changed"))


def _batch_form(ids: list[int], form: dict, errors: dict, status: int = 200):
    shops = list(active_shops().order_by(Shop.id))
    if "shops" not in form:  # first open: the logged-in shops (of the ticked orders, if any) are ticked
        wanted = {o.shop_id for o in Order.select(Order.shop).where(Order.id.in_(ids))} if ids else None
        form = {**form, "shops": [str(s.id) for s in shops
                                  if s.login_state == "ok" and (wanted is None or s.id in wanted)]}
    return render_template("orders/_batch_form.html", ids=ids, shops=shops, form=form, errors=errors,
                        login_states=LOGIN_STATES, platforms=PLATFORMS, tabs=service.TAB_BY_CODE,
                        sync_tabs=service.SYNC_TABS, day_choices=service.SYNC_DAY_CHOICES), status


@bp.get("/batch-sync")
@requires("orders.sync")
def batch_form():
    return _batch_form(_selected(), {"tab": "all", "days": "7"}, {})


@bp.post("/batch-sync")
@requires("orders.sync")
def batch_sync():
    ids = _selected()
    form = {"shops": request.form.getlist("shops"), "tab": request.form.get("tab", ""),
            "days": request.form.get("days", "")}
    try:
        scope = service.parse_sync_scope(form["shops"], form["tab"], form["days"], [str(i) for i in ids])
    except service.OrderError as exc:
        return _batch_form(ids, form, {exc.field: str(exc)}, 400)
    job = start_unique_job("batch_sync", "批量同步", target="orders:batch", user=g.user, shop_ids=list(scope.shop_ids),
                           tab=scope.tab, days=scope.days, order_ids=list(scope.order_ids))
    if job is None:
        return _batch_form(ids, form, {"shops": "已有批量同步在进行，请等它完成"}, 409)
    return _message("批量同步已开始，可在右上角“任务”查看进度", headers=_triggers("close-dialog", "jobs-changed"))


# -- 导出订单 ------------------------------------------------------------------------------------------

@bp.post("/export")
@requires("orders.export")
def export():
    """Start 导出订单 for the current search; the answer is the job, which offers 下载 when done."""
    try:
        search = service.parse_filter(request.form)
    except service.FilterErrors as exc:
        return f'<div class="alert alert-error" role="alert">搜索条件有误：{escape(str(exc))}</div>', 400
    job = start_job("export_orders", "导出订单", target=f"user:{g.user.id}", user=g.user, search=search.args())
    return render_template("jobs/_job.html", job=job, poll=True), 200, {"HX-Trigger": "jobs-changed"}


@bp.get("/export/<int:job_id>.xlsx")
@requires("orders.export")
def download_export(job_id: int):
    job = Job.get_or_none(Job.id == job_id, Job.kind == "export_orders", Job.state == "done")
    if job is None or not (g.user.is_main or job.user_id == g.user.id):
        abort(404, description="导出文件不存在或已过期，请重新导出")
    path = export_file(current_app.config["SETTINGS"].data_dir, job.id)
    if not path.is_file():
        abort(404, description="导出文件不存在或已过期，请重新导出")
    name = f"订单导出-{job.finished_at or job.created_at:%Y%m%d-%H%M%S}.xlsx"
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
