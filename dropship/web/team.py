"""账号管理: 新增员工账号, the employee list, and per employee 权限管理, 授权店铺, 授权采购号, 修改密码,
删除; 操作日志 (the audit log). The main account's alone."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request

from dropship.errors import FieldError
from dropship.models import User
from dropship.services import audit
from dropship.services import team as service
from dropship.web.access import permission_of, requires
from dropship.web.forms import form as show_form
from dropship.web.paging import paginate

bp = Blueprint("team", __name__, url_prefix="/team")
TABS = {"staff": "员工账号", "log": "操作日志"}
REFRESH = "team-changed"  # the employee table reloads itself on this event (counts after a grant)


def _staff_or_404(user_id: int) -> User:
    staff = service.employee(user_id)
    if staff is None:
        abort(404, description="员工账号不存在（可能已被删除）")
    return staff


def _kind_or_404(kind: str) -> service.GrantKind:
    if kind not in service.GRANT_KINDS:
        abort(404)
    return service.GRANT_KINDS[kind]


def _table(message: str = "", trigger: str = ""):
    html = render_template("team/_table.html", page=paginate(service.employees()), message=message)
    headers = {"HX-Retarget": "#team-table", "HX-Reswap": "outerHTML"}
    if trigger:
        headers["HX-Trigger"] = trigger
    return html, 200, headers


@bp.get("")
@requires("main")
def index():
    tab = request.args.get("tab", "staff")
    tab = tab if tab in TABS else "staff"
    query = audit.entries() if tab == "log" else service.employees()
    return render_template("team/index.html", tab=tab, tabs=TABS, page=paginate(query), owner=g.user,
                           form={}, errors={}, message="")


@bp.get("/table")
@requires("main")
def table():
    return _table()


@bp.post("")
@requires("main")
def add():
    """新增员工账号: the dialog's form again with errors, or the list with the new row."""
    form = {"suffix": request.form.get("suffix", "")}
    try:
        staff = service.create_employee(g.user, form["suffix"], request.form.get("password", ""))
    except FieldError as exc:
        return show_form("team/_add_form.html", error=exc, form=form, owner=g.user)
    return _table(f"已新增员工账号 {staff.username}，请再授权权限、店铺、采购号", trigger="close-dialog")


def route_codes() -> set[str]:
    """Every permission code a route of this app declares."""
    return {permission_of(view) for view in current_app.view_functions.values()}


@bp.get("/<dbid:user_id>/permissions")
@requires("main")
def permissions_form(user_id: int):
    staff = _staff_or_404(user_id)
    return render_template("team/_permissions_form.html", staff=staff, tree=service.PERMISSION_TREE,
                           granted=set(staff.permissions or ()), live=service.gating_codes(route_codes()))


@bp.post("/<dbid:user_id>/permissions")
@requires("main")
def save_permissions(user_id: int):
    staff = _staff_or_404(user_id)
    service.set_permissions(g.user, staff, request.form.getlist("codes"))
    return _table(f"{staff.username} 的权限已保存，下一次操作起生效", trigger="close-dialog")


def _grants(staff: User, kind: str, message: str = ""):
    grant = _kind_or_404(kind)
    return render_template("team/_grants.html", staff=staff, kind=kind, grant=grant,
                           page=paginate(grant.choices(staff)), message=message)


@bp.get("/<dbid:user_id>/grants/<kind>")
@requires("main")
def grants(user_id: int, kind: str):
    return _grants(_staff_or_404(user_id), kind)


@bp.post("/<dbid:user_id>/grants/<kind>")
@requires("main")
def set_grant(user_id: int, kind: str):
    """授权店铺 / 授权采购号: 添加 or 移除 one row; the dialog stays open, the list's count follows."""
    staff, grant = _staff_or_404(user_id), _kind_or_404(kind)
    try:
        target = grant.find(int(request.form.get("target_id", "")))
    except ValueError:
        target = None
    if target is None:
        abort(404, description="店铺或采购账号不存在（可能已被删除）")
    granted = request.form.get("granted") == "1"
    grant.set(g.user, staff, target, granted)
    done = f"已{'添加' if granted else '移除'}：{grant.name(target)}"
    return _grants(staff, kind, done), 200, {"HX-Trigger": REFRESH}


@bp.get("/<dbid:user_id>/password")
@requires("main")
def password_form(user_id: int):
    return show_form("team/_password_form.html", staff=_staff_or_404(user_id))


@bp.post("/<dbid:user_id>/password")
@requires("main")
def set_password(user_id: int):
    staff = _staff_or_404(user_id)
    try:
        service.set_password(g.user, staff, request.form.get("password", ""), request.form.get("confirm", ""))
    except FieldError as exc:
        return show_form("team/_password_form.html", error=exc, staff=staff)
    return _table(f"{staff.username} 的密码已修改，该员工需用新密码重新登录", trigger="close-dialog")


@bp.post("/<dbid:user_id>/delete")
@requires("main")
def delete(user_id: int):
    staff = _staff_or_404(user_id)
    service.delete_employee(g.user, staff)
    return _table(f"已删除员工账号 {staff.username}，其登录已立即失效")
