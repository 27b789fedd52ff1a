"""订单管理: tabs with counts, the search form, order cards; 忽略, 标记, 备注, 修改地址信息, 同步, 导出.

The list (tabs, cards, pager) is one block of `orders/index.html`: htmx asks for just that block and
the server pushes the canonical URL, so every view of the list is bookmarkable and the back button
works; the search form comes along out-of-band to show its errors and keep the current tab.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, g, render_template, request, send_file, url_for
from flask_htmx import make_response as htmx_response
from markupsafe import escape

from dropship.errors import FieldError
from dropship.memo_size import MEMO_LIMIT_BYTES, MEMO_SIZE_RULE, memo_bytes
from dropship.models import Job, Order, PurchaseAccount, Shop
from dropship.queue import start_job, start_unique_job
from dropship.services import memo as memo_service
from dropship.services.jobs import job_target, memo_push_job, visible_jobs
from dropship.services.order_export import export_file, is_expired
from dropship.services.orders import actions, labels, queries, titles
from dropship.services.orders.cards import order_cards
from dropship.services.orders.search import (
    RECENT_DAYS,
    SHOW_CHOICES,
    SORTS,
    OrderFilter,
    after_cursor,
    cursor_of,
    parse_filter,
)
from dropship.services.orders.tabs import TAB_BY_CODE, TABS, TabContext
from dropship.services.receiver import RECEIVER_FIELDS, receiver_form, store_receiver, validate_manual
from dropship.services.shops import LOGIN_STATES, PLATFORMS, active_shops, session_usable
from dropship.services.tracking import FILTER_CHOICES as LOGISTICS_FILTERS
from dropship.web.access import htmx, requires
from dropship.web.forms import form as show_form
from dropship.web.inputs import form_ids
from dropship.web.paging import Page, page_args, paginate
from dropship.web.scoping import current_scope, get_or_404

bp = Blueprint("orders", __name__, url_prefix="/orders")
TEMPLATE = "orders/index.html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _wants_list() -> bool:
    """htmx asking for the list alone (a history restore wants the whole page)."""
    return htmx.target == "order-list" and not htmx.history_restore_request


def _search_options() -> dict[str, list[tuple[str, str]]]:
    """(value, text) pairs for the search form's selects (plain tuples: this runs on every list view)."""
    scope = current_scope()
    shops = active_shops(scope).select(Shop.id, Shop.platform, Shop.nick, Shop.login).order_by(Shop.id).tuples()
    accounts = scope.apply(PurchaseAccount.select(PurchaseAccount.id, PurchaseAccount.platform,
                                                  PurchaseAccount.nick, PurchaseAccount.login)
                           .order_by(PurchaseAccount.platform, PurchaseAccount.id)).tuples()
    return {
        "shop": [(str(i), f"{PLATFORMS.get(platform, '')} {nick or login}") for i, platform, nick, login in shops],
        "account": [(str(i), f"【{labels.PURCHASE_PLATFORMS.get(platform, platform)}】{nick or login}")
                    for i, platform, nick, login in accounts],
        "sort": [(code, label) for code, (label, _) in SORTS.items()],
        "flag": [(str(i), f"{name}色") for i, name in enumerate(labels.FLAG_NAMES)],
        "show": list(SHOW_CHOICES.items()),
        "logistics": list(LOGISTICS_FILTERS.items()),
    }


class IdLinks:
    """`url_for` for the links each card repeats with its own id, built once a page per endpoint and then
    filled in: url_for costs 10-20 µs, and ten cards carry over a hundred such links."""

    _MARK = "9876543210987654321"  # digits as the id converter writes them, found in no route text

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str], list[str]] = {}

    def __call__(self, endpoint: str, name: str, value: int) -> str:
        parts = self._parts.get((endpoint, name))
        if parts is None:
            parts = self._parts[endpoint, name] = url_for(endpoint, **{name: self._MARK}).split(self._MARK)
        return str(int(value)).join(parts)


def _per_page(per_page: int) -> dict[str, int]:
    return {} if per_page == 10 else {"per_page": per_page}  # the default stays out of the URL


def _page_context() -> tuple[dict, FieldError | None]:
    """The page's context, and the search form's error when the search could not be read."""
    scope = current_scope()
    try:
        search, error = parse_filter(request.args, scope), None
    except FieldError as exc:
        search, error = OrderFilter(), exc
    number, per_page = page_args()
    context = {"search": search, "tabs": TABS, "options": _search_options(), "title_hint": titles.search_hint(),
               # the form shows what was typed when it was wrong, else the canonical values
               "values": request.args if error else {**search.form_values(), **_per_page(per_page)}}
    if error:
        return {**context, "counts": None, "page": None, "cards": []}, error
    ctx = TabContext.current()
    counts = queries.tab_counts(search, ctx, scope)
    ids = queries.order_ids(search, ctx, scope).tuples()
    after = after_cursor(search.sort, request.args.get("after", "")) if number > 1 else None
    if after is None:
        page = paginate(ids, number, per_page, total=counts[search.tab])
    else:  # 下一页 from a deep page: continue after its last row instead of an OFFSET over every earlier one
        page = Page(list(ids.where(after).limit(per_page)), counts[search.tab], number, per_page)
    orders = queries.orders_by_ids([order_id for (order_id,) in page.items])
    if orders and page.number < page.pages:
        page.next_after = cursor_of(search.sort, orders[-1])
    paging = {**_per_page(page.per_page), **({"page": page.number} if page.number > 1 else {}),
              **({"after": request.args["after"]} if after is not None else {})}
    return {**context, "counts": counts, "page": page, "cards": order_cards(orders), "id_url": IdLinks(),
            "list_url": url_for("orders.index", **search.args(), **paging),
            "memo_states": memo_service.MEMO_STATES, "flag_names": labels.FLAG_NAMES, "platforms": PLATFORMS,
            "purchase_platforms": labels.PURCHASE_PLATFORMS,
            "purchase_states": labels.PURCHASE_STATUS_LABELS, "open_statuses": labels.OPEN_STATUSES,
            "soon_before": ctx.now + timedelta(hours=ctx.soon_hours), "recent_days": RECENT_DAYS}, None


@bp.get("")
@requires("orders")
def index():
    context, error = _page_context()
    if not _wants_list():
        return show_form(TEMPLATE, error=error, **context)
    headers = {"Vary": "HX-Request, HX-Target"}
    if error is None and not request.headers.get("X-Orders-Refresh"):
        headers["HX-Push-Url"] = context["list_url"]
    return *show_form("orders/_list.html", error=error, fragment=True, **context), headers


def _message(text: str, status: int = 200, error: bool = False, events: tuple[str, ...] = ()):
    """The line above the list, wherever the request came from; `events` tell the page what changed."""
    html = render_template("orders/_message.html", text=text, error=error)
    return htmx_response(html, status, retarget="#order-message", reswap="innerHTML",
                         trigger=dict.fromkeys(events, True) or None)


def _selected() -> list[int]:
    """The ticked order ids; one the user may not see (or that does not exist) is a 404, as in a URL."""
    ids = form_ids("ids", "订单", actions.MAX_SELECTION + 1)  # one more than allowed: the service says how many
    if len(actions.visible_orders(ids, current_scope())) < len(set(ids)):
        abort(404, description="订单不存在")
    return ids


def _order_or_404(order_id: int) -> Order:
    return get_or_404(Order.select(Order, Shop).join(Shop), order_id, current_scope())


# -- 忽略订单 / 取消忽略 ------------------------------------------------------------------------------

@bp.post("/ignore")
@requires("orders.edit")
def ignore():
    ignored = request.form.get("ignored", "1") == "1"
    try:
        count = actions.set_ignored(_selected(), ignored, current_scope())
    except FieldError as exc:
        return _message(str(exc), 400, error=True)
    text = f"已忽略 {count} 个订单（在“显示：忽略订单”中查看）" if ignored else f"已取消忽略 {count} 个订单"
    return _message(text, events=("orders-changed",))


# -- 标记 ------------------------------------------------------------------------------------------

def _mark_form(ids: list[int], form: dict, error: FieldError | None = None):
    orders = list(Order.select(Order.id, Order.tid, Order.abnormal, Order.mark_note).where(Order.id.in_(ids)))
    if len(orders) == 1 and not form:
        form = {"kind": orders[0].abnormal, "note": orders[0].mark_note}
    return show_form("orders/_mark_form.html", error=error, orders=orders, form=form, mark_types=labels.MARK_TYPES)


@bp.get("/mark")
@requires("orders.edit")
def mark_form():
    ids = _selected()
    if not ids:
        return _mark_form([], {}, FieldError("ids", "请先勾选订单"))
    return _mark_form(ids, {})


@bp.post("/mark")
@requires("orders.edit")
def mark():
    ids = _selected()
    form = {"kind": request.form.get("kind", ""), "note": request.form.get("note", "")}
    try:
        count = actions.mark_orders(ids, form["kind"], form["note"], current_scope())
    except FieldError as exc:
        return _mark_form(ids, form, exc)
    label = labels.MARK_TYPES[form["kind"]]
    return _message(f"已将 {count} 个订单标记为“{label}”", events=("close-dialog", "orders-changed"))


# -- 备注 (云端备注) ----------------------------------------------------------------------------------

def _memo_form(order: Order, form: dict, error: FieldError | None = None):
    # the size is counted as the shop backend counts it, by the same function the service uses
    return show_form("orders/_memo_form.html", error=error, order=order, form=form, flag_names=labels.FLAG_NAMES,
                     limit=MEMO_LIMIT_BYTES, size_rule=MEMO_SIZE_RULE, size=memo_bytes(form["memo"]))


@bp.get("/<dbid:order_id>/memo")
@requires("orders.edit")
def memo_form(order_id: int):
    order = _order_or_404(order_id)
    return _memo_form(order, {"memo": order.seller_memo, "flag": str(order.seller_flag)})


@bp.post("/<dbid:order_id>/memo")
@requires("orders.edit")
def save_memo(order_id: int):
    order = _order_or_404(order_id)
    form = {"memo": request.form.get("memo", ""), "flag": request.form.get("flag", "")}
    try:
        memo_service.save_memo(order.id, form["memo"], form["flag"])
    except FieldError as exc:
        return _memo_form(order, form, exc)
    start_job(**memo_push_job(order), user=g.user)
    return _message(f"备注已保存，正在同步到店铺后台（订单 {order.tid}）",
                    events=("close-dialog", "orders-changed", "jobs-changed"))


@bp.get("/<dbid:order_id>/memo-state")
@requires("orders")
def memo_state(order_id: int):
    return render_template("orders/_memo_state.html", order=_order_or_404(order_id),
                           memo_states=memo_service.MEMO_STATES)


# -- 修改地址信息 ------------------------------------------------------------------------------------

def _address_form(order: Order, form: dict, error: FieldError | None = None):
    return show_form("orders/_address_form.html", error=error, order=order, form=form)


@bp.get("/<dbid:order_id>/address")
@requires("orders.edit")
def address_form(order_id: int):
    order = _order_or_404(order_id)
    return _address_form(order, receiver_form(order))


@bp.post("/<dbid:order_id>/address")
@requires("orders.edit")
def save_address(order_id: int):
    order = _order_or_404(order_id)
    form = {name: request.form.get(name, "") for name in RECEIVER_FIELDS}
    try:
        receiver = validate_manual(form)
    except FieldError as exc:
        return _address_form(order, form, exc)
    store_receiver(order, receiver, "manual")
    return _message(f"订单 {order.tid} 的收货地址已修改", events=("close-dialog", "orders-changed"))


# -- 同步状态 / 批量同步 ---------------------------------------------------------------------------------

@bp.post("/<dbid:order_id>/sync")
@requires("orders.sync")
def sync(order_id: int):
    order = _order_or_404(order_id)
    job = start_unique_job("sync_order", f"同步状态 · {order.tid}", target=job_target("order", order.id), user=g.user,
                           total=1, order_id=order.id)
    if job is None:
        return _message(f"订单 {order.tid} 正在同步中", 409, error=True)
    return _message(f"正在同步订单 {order.tid}，可在右上角“任务”查看进度", events=("jobs-changed",))


def _batch_form(ids: list[int], form: dict, error: FieldError | None = None, status: int | None = None):
    shops = list(active_shops(current_scope()).order_by(Shop.id))
    if "shops" not in form:  # first open: the logged-in shops (of the ticked orders, if any) are ticked
        wanted = {o.shop_id for o in Order.select(Order.shop).where(Order.id.in_(ids))} if ids else None
        form = {**form, "shops": [str(s.id) for s in shops
                                  if session_usable(s) and (wanted is None or s.id in wanted)]}
    return show_form("orders/_batch_form.html", error=error, status=status, ids=ids, shops=shops, form=form,
                     login_states=LOGIN_STATES, platforms=PLATFORMS, tabs=TAB_BY_CODE,
                     sync_tabs=actions.SYNC_TABS, day_choices=actions.SYNC_DAY_CHOICES)


@bp.get("/batch-sync")
@requires("orders.sync")
def batch_form():
    return _batch_form(_selected(), {"tab": "all", "days": "7"})


@bp.post("/batch-sync")
@requires("orders.sync")
def batch_sync():
    ids = _selected()
    form = {"shops": [str(i) for i in form_ids("shops", "店铺", 500)], "tab": request.form.get("tab", ""),
            "days": request.form.get("days", "")}
    try:
        selection = actions.parse_sync_selection(form["shops"], form["tab"], form["days"], current_scope(),
                                                 [str(i) for i in ids])
    except FieldError as exc:
        return _batch_form(ids, form, exc)
    job = start_unique_job("batch_sync", "批量同步", target=job_target("orders", "batch"), user=g.user,
                           shop_ids=list(selection.shop_ids), tab=selection.tab, days=selection.days,
                           order_ids=list(selection.order_ids))
    if job is None:
        return _batch_form(ids, form, FieldError("shops", "已有批量同步在进行，请等它完成"), 409)
    return _message("批量同步已开始，可在右上角“任务”查看进度", events=("close-dialog", "jobs-changed"))


# -- 导出订单 ------------------------------------------------------------------------------------------

@bp.post("/export")
@requires("orders.export")
def export():
    """Start 导出订单 for the current search; the answer is the job, which offers 下载 when done."""
    try:
        search = parse_filter(request.form, current_scope())
    except FieldError as exc:
        problems = "；".join(exc.errors.values())
        return f'<div class="alert alert-error" role="alert">搜索条件有误：{escape(problems)}</div>', 400
    job = start_job("export_orders", "导出订单", target=job_target("user", g.user.id), user=g.user, search=search.args())
    return render_template("jobs/_job.html", job=job, poll=True), 200, {"HX-Trigger": "jobs-changed"}


@bp.get("/export/<dbid:job_id>.xlsx")
@requires("orders.export")
def download_export(job_id: int):
    job = visible_jobs(g.user).where(Job.id == job_id, Job.kind == "export_orders", Job.state == "done").first()
    if job is None:
        abort(404, description="导出文件不存在或已过期，请重新导出")
    path = export_file(current_app.config["SETTINGS"].data_dir, job.id)
    if is_expired(path):
        path.unlink(missing_ok=True)
        abort(404, description="导出文件不存在或已过期，请重新导出")
    try:
        handle = path.open("rb")
    except FileNotFoundError:  # another download took it a moment ago
        abort(404, description="导出文件不存在或已过期，请重新导出")
    # One download per export: the file holds personal data. POSIX streams the open file after the
    # unlink; Windows cannot delete an open file, so it goes once the response is sent.
    try:
        path.unlink()
        leftover = None
    except PermissionError:
        leftover = path
    Job.update(message="已下载，文件已从本机删除；需要时请重新导出").where(Job.id == job.id).execute()
    name = f"订单导出-{job.finished_at or job.created_at:%Y%m%d-%H%M%S}.xlsx"
    response = send_file(handle, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
    if leftover is not None:
        response.call_on_close(lambda: leftover.unlink(missing_ok=True))
    return response
