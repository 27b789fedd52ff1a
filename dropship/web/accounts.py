"""采购账号: the 淘宝账号 / 拼多多 tables, 添加账号, 批量导入账号, 启用, 删除账号, 重新授权, 打开后台,
and the 采购账号登录确认 count in the header."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from dropship import secrets
from dropship.errors import FieldError, UserError
from dropship.models import Job, PurchaseAccount
from dropship.queue import start_job, start_unique_job
from dropship.services import accounts as service
from dropship.web.access import requires, user_can
from dropship.web.forms import form as show_form
from dropship.web.inputs import form_ids
from dropship.web.paging import paginate
from dropship.web.scoping import current_scope, get_or_404
from dropship.web.verify import backend_answer

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
TEMPLATE = "accounts/index.html"
MAX_CODE = 8


def _tab() -> str:
    tab = request.values.get("tab", "taobao")
    return tab if tab in service.TABS else "taobao"


def _account_or_404(account_id: int) -> PurchaseAccount:
    return get_or_404(PurchaseAccount, account_id, current_scope())


def _page_context(**extra) -> dict:
    tab = extra.pop("tab", None) or _tab()
    page = paginate(service.accounts(current_scope(), tab))
    ids = [a.id for a in page.items]
    running = {job.target for job in Job.select(Job.target).where(
        Job.state.in_(Job.ACTIVE), Job.target.in_([f"account:{i}" for i in ids]))}
    return {"tab": tab, "tabs": service.TAB_LABELS, "page": page, "running": running,
            "platforms": service.PLATFORMS, "tags": service.TAGS, "mask": service.mask,
            "password_platforms": {p: service.PLATFORMS[p] for p in service.TABS["taobao"]},
            "form": {}, "errors": {}, **extra}


def _table(message: str = "", status: int = 200, error: bool = False, trigger: str = "", tab: str | None = None):
    html = render_template("accounts/_table.html", **_page_context(message=message, message_error=error, tab=tab))
    headers = {"HX-Retarget": "#account-table", "HX-Reswap": "outerHTML"}
    if trigger:
        headers["HX-Trigger"] = trigger
    return html, status, headers


@bp.get("")
@requires("accounts")
def index():
    return render_template(TEMPLATE, **_page_context())


@bp.get("/table")
@requires("accounts")
def table():
    return _table()


@bp.get("/notice")
@requires("accounts")
def notice():
    """采购账号登录确认: how many enabled accounts of this user have dropped offline."""
    return str(service.needs_login_confirmation(current_scope()).count() or "")


def _authorize(account: PurchaseAccount, code: str = "") -> Job | None:
    args = {"code_token": secrets.encrypt(code)} if code else {}
    return start_unique_job("authorize_account", service.job_title("授权", account), target=f"account:{account.id}",
                            user=g.user, account_id=account.id, **args)


@bp.post("")
@requires("accounts.add")
def add():
    """添加淘宝账号 (also 天猫 / 淘特 / 1688): saved 掉线, then a login job makes it 在线 if it works."""
    form = {k: request.form.get(k, "") for k in ("platform", "login", "password", "tag", "note")}
    try:
        account = service.add_password_account(form["platform"], form["login"], form["password"],
                                               form["tag"], form["note"])
    except FieldError as exc:
        form.pop("password")  # a secret is never sent back, not even into its own field
        return show_form("accounts/_add_form.html", error=exc, form=form, **_dialog_context())
    service.grant_to_creator([account], g.user)
    _authorize(account)
    return _table(f"已添加 {account.login}，正在登录（滑块或短信验证会出现在验证中心）",
                  trigger="close-dialog, jobs-changed", tab="taobao")


def _dialog_context() -> dict:
    return {"tags": service.TAGS,
            "password_platforms": {p: service.PLATFORMS[p] for p in service.TABS["taobao"]}}


def _pdd_form() -> dict:
    return {k: request.form.get(k, "").strip() for k in ("phone", "code", "token", "tag", "note")}


def _pdd_account(form: dict) -> PurchaseAccount:
    """The PDD account of this phone the user may see, or a new one."""
    existing = current_scope().apply(PurchaseAccount.select().where(
        PurchaseAccount.platform == "pdd", PurchaseAccount.login == form["phone"])).first()
    if existing is not None and not existing.online:
        if form["token"]:
            existing.token = form["token"]
            existing.save()
        return existing
    account = service.add_pdd_account(form["phone"], form["token"], form["tag"] or "permanent", form["note"])
    service.grant_to_creator([account], g.user)
    return account


@bp.post("/pdd/send-code")
@requires("accounts.add")
def pdd_send_code():
    """获取验证码 for the 添加拼多多账号 dialog: the account is saved (掉线) and the platform texts the code."""
    form = _pdd_form()
    form["token"] = ""
    try:
        account = _pdd_account(form)
    except FieldError as exc:
        return show_form("accounts/_pdd_form.html", error=exc, form=form, **_dialog_context())
    job = start_job("account_send_code", service.job_title("获取验证码", account), target=f"account:{account.id}",
                    user=g.user, account_id=account.id)
    return *show_form("accounts/_pdd_form.html", form=form, sent_job=job, **_dialog_context()), {"HX-Trigger": "jobs-changed"}


@bp.post("/pdd")
@requires("accounts.add")
def add_pdd():
    """添加拼多多账号: phone + the code typed here, or phone alone (code typed in 验证中心), or a token."""
    form = _pdd_form()
    try:
        if form["code"] and (not form["code"].isdigit() or len(form["code"]) > MAX_CODE):
            raise FieldError("code", "验证码应为数字")
        account = _pdd_account(form)
    except FieldError as exc:
        form.pop("token")
        return show_form("accounts/_pdd_form.html", error=exc, form=form, **_dialog_context())
    _authorize(account, form["code"])
    how = "正在用 Token 登录" if account.token and not form["code"] else (
        "正在用验证码登录" if form["code"] else "正在登录：请到验证中心填写短信验证码")
    return _table(f"已添加拼多多账号 {account.login}，{how}", trigger="close-dialog, jobs-changed", tab="pdd")


@bp.post("/import")
@requires("accounts.import")
def import_accounts():
    """批量导入账号: 淘宝 lines are stored at once (掉线 until 重新授权); 拼多多 tokens are checked by a job."""
    tab = _tab()
    form = {k: request.form.get(k, "") for k in ("platform", "tag", "note", "lines")}
    form["tab"] = tab
    try:
        tag, note = service.clean_tag_note(form["tag"], form["note"])
        lines = service.parse_import(tab, form["lines"], service.existing_for("pdd" if tab == "pdd" else form["platform"]))
        if tab == "taobao":
            service.import_password_accounts(form["platform"], lines, tag, note, g.user)
    except FieldError as exc:
        return show_form("accounts/_import_form.html", error=exc, form=form, **_dialog_context())
    if tab == "taobao":
        return show_form("accounts/_import_form.html", form={"tab": tab}, report=service.result_text(lines),
                         **_dialog_context())[0], 200, {"HX-Trigger": "accounts-changed"}
    job = start_job("import_pdd_accounts", f"批量导入拼多多账号 · {len(lines)} 行", user=g.user,
                    total=sum(1 for ln in lines if not ln.error), lines=service.import_job_lines(lines), tag=tag, note=note)
    return render_template("jobs/_job.html", job=job, poll=True), 200, {"HX-Trigger": "jobs-changed, accounts-changed"}


@bp.post("/<dbid:account_id>/enabled")
@requires("accounts.enable")
def set_enabled(account_id: int):
    """启用 switch: off means never used to buy or sync (services.accounts.usable)."""
    account = _account_or_404(account_id)
    enabled = request.form.get(f"enabled-{account.id}") == "1"  # its own name: the form holds every row's switch
    service.set_enabled(account, enabled)
    return _table(f"{account.login} 已{'启用' if enabled else '停用'}", tab=_tab_of(account))


def _tab_of(account: PurchaseAccount) -> str:
    return "pdd" if account.platform == "pdd" else "taobao"


@bp.post("/delete")
@requires("accounts.delete")
def delete():
    try:
        count = service.delete_accounts(form_ids("account_ids", "账号", 500), current_scope())
    except UserError as exc:
        return _table(str(exc), 400, error=True)
    return _table(f"已删除 {count} 个账号")


@bp.post("/<dbid:account_id>/authorize")
@requires("accounts.authorize")
def authorize(account_id: int):
    """重新授权: log in again (滑块 / 短信 in 验证中心)."""
    account = _account_or_404(account_id)
    job = _authorize(account)
    message = f"正在重新授权 {account.login}，可在右上角“任务”查看进度" if job else f"{account.login} 正在授权中"
    return _table(message, trigger="jobs-changed", tab=_tab_of(account))


@bp.post("/<dbid:account_id>/open-backend")
@requires("accounts.open_backend")
def open_backend(account_id: int):
    """打开后台: a window on the host PC, or 验证中心's live view when it has no screen."""
    account = _account_or_404(account_id)
    job = start_job("open_account_backend", service.job_title("打开后台", account), target=f"account:{account.id}",
                    user=g.user, account_id=account.id)
    return backend_answer(job, account.login,
                          lambda message: _table(message, trigger="jobs-changed", tab=_tab_of(account)))


@bp.get("/confirmations")
@requires("accounts")
def confirmations():
    """The 采购账号登录确认 list of 验证中心: dropped accounts, each with its reason and 重新授权."""
    rows = list(service.needs_login_confirmation(current_scope()).limit(200))
    return render_template("accounts/_confirmations.html", rows=rows, platforms=service.PLATFORMS)


@bp.get("/confirmations/page")
@requires("accounts")
def confirmations_page():
    """Where the header notice leads: 验证中心 for those who may use it, else the list on its own."""
    if user_can("verify"):
        return redirect(url_for("verify.index") + "#account-confirm")
    return render_template("accounts/confirmations.html", rows=list(
        service.needs_login_confirmation(current_scope()).limit(200)), platforms=service.PLATFORMS)
