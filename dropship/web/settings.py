"""设置: 浏览器 (the browser found, 浏览器检测), 店铺后台设置 (memo template, routes, 利润率), 订单设置,
采购设置 (采购保护 with 自动支付, PDD 支付设置, 发货物流, PDD 自定义收货信息 with its live 预览). Every save is logged
(services/settings_log) and the log is shown under the form it belongs to."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from dropship import restore
from dropship.browser_paths import locate_browser
from dropship.errors import FieldError
from dropship.queue import start_job
from dropship.services import backup as backups
from dropship.services import order_export  # noqa: F401 - registers exports.keep_minutes (订单设置)
from dropship.services import purchase_settings as purchase
from dropship.services.backup import BackupError, find_backup
from dropship.services.jobs import job_target
from dropship.services.memo import TEMPLATE_FIELDS
from dropship.services.money import MARGIN_BASES, yuan
from dropship.services.orders.actions import SYNC_ROUTES
from dropship.services.orders.labels import FLAG_NAMES
from dropship.services.purchasing import sync  # noqa: F401 - registers purchase.sync_minutes (订单设置)
from dropship.services.receiver import MODES, POSITIONS
from dropship.services.settings import get_setting
from dropship.services.settings_log import recent_changes, save_settings
from dropship.services.shops import DECRYPT_ROUTES
from dropship.web.access import requires
from dropship.web.forms import form as show_form

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("")
@requires("settings")
def index():
    return redirect(url_for("settings.browser"))


def _browser_page(errors: dict[str, str], status: int = 200, saved: bool = False):
    configured = get_setting("browser.path")
    # files only: finding Playwright's download or asking `--version` is the 浏览器检测 job's work
    found = locate_browser(configured or g.settings.chromium or None)
    check = get_setting("browser.check") or {}
    return render_template("settings/browser.html", found=found, path=request.form.get("path", configured),
                           check=check if found and check.get("path") == found.path else None,
                           headed=get_setting("browser.headed"), errors=errors, saved=saved,
                           change_keys=("browser.path", "browser.headed")), status


@bp.before_request
def _settings() -> None:
    from flask import current_app

    g.settings = current_app.config["SETTINGS"]


@bp.get("/browser")
@requires("settings")
def browser():
    return _browser_page({})


@bp.post("/browser")
@requires("main")  # every shop job starts the file this names: the main account's decision alone
def save_browser():
    errors = save_settings({"browser.path": request.form.get("path", ""),
                            "browser.headed": bool(request.form.get("headed"))}, g.user)
    if errors:
        return _browser_page({"path": errors.get("browser.path", "")}, 400)
    return _browser_page({}, saved=True)


@bp.post("/browser/check")
@requires("settings")
def check_browser():
    job = start_job("browser_check", "浏览器检测", target=job_target("browser"), user=g.user, total=3)
    return render_template("jobs/_job.html", job=job, poll=True), 200, {"HX-Trigger": "jobs-changed"}


def _save_all(values: dict) -> dict[str, str]:
    """Store every key or none (errors by key roll the whole form back); each change is logged."""
    return save_settings(values, g.user)


SHOP_BACKEND_KEYS = ("memo.fields", "memo.custom", "memo.flag", "address.decrypt_route", "orders.sync_route",
                     "profit.margin_base")


def _shop_backend_page(errors: dict[str, str] | None = None, saved: bool = False):
    values = {key: get_setting(key) for key in SHOP_BACKEND_KEYS}
    if errors:  # show what was submitted next to its error
        values.update(_shop_backend_form())
    return show_form("settings/shop_backend.html", error=errors, values=values, saved=saved,
                     fields=TEMPLATE_FIELDS, flag_names=FLAG_NAMES, decrypt_routes=DECRYPT_ROUTES,
                     sync_routes=SYNC_ROUTES, margin_bases=MARGIN_BASES, change_keys=SHOP_BACKEND_KEYS)


def _shop_backend_form() -> dict:
    form = request.form
    return {"memo.fields": form.getlist("memo_fields"), "memo.custom": form.get("memo_custom", ""),
            "memo.flag": form.get("memo_flag", ""), "address.decrypt_route": form.get("decrypt_route", ""),
            "orders.sync_route": form.get("sync_route", ""), "profit.margin_base": form.get("margin_base", "")}


@bp.get("/shop-backend")
@requires("settings")
def shop_backend():
    return _shop_backend_page()


@bp.post("/shop-backend")
@requires("settings")
def save_shop_backend():
    errors = _save_all(_shop_backend_form())
    return _shop_backend_page(errors, saved=not errors)


ORDER_FIELDS = {"deadline_hours": "orders.deadline_hours", "export_keep_minutes": "exports.keep_minutes",
                "purchase_sync_minutes": "purchase.sync_minutes", "no_tracking_days": "logistics.no_tracking_days",
                "stale_hours": "logistics.stale_hours", "trial_days": "billing.trial_days"}


def _order_settings() -> dict:
    return {name: get_setting(key) for name, key in ORDER_FIELDS.items()}


@bp.get("/orders")
@requires("settings")
def orders():
    return show_form("settings/orders.html", values=_order_settings(), change_keys=tuple(ORDER_FIELDS.values()))


@bp.post("/orders")
@requires("settings")
def save_orders():
    sent = {name: request.form[name] for name in ORDER_FIELDS if name in request.form}
    errors = _save_all({ORDER_FIELDS[name]: value for name, value in sent.items()})
    values = {**_order_settings(), **sent} if errors else _order_settings()  # what was typed, beside its error
    return show_form("settings/orders.html", error=errors, values=values, saved=not errors,
                     change_keys=tuple(ORDER_FIELDS.values()))


@bp.context_processor
def _changes() -> dict:
    # templates/settings/_changes.html shows the 修改记录 of the keys a tab lists
    return {"setting_changes": recent_changes}


# -- 采购设置: PDD 支付设置, 发货物流, PDD 自定义收货信息 -------------------------------------------------------

_PANELS_OF = {"dyn": ("dynamic",), "digit": ("dynamic", "style"), "fix": ("fixed",)}


def _purchase_page(section: str = "", errors: FieldError | None = None, typed: dict | None = None,
                   saved: str = ""):
    """The 采购设置 tab; `section`'s form shows what was `typed` beside its `errors` (400)."""
    receiver_values = purchase.receiver_form_values()
    shipping = {"excluded_couriers": get_setting("ship.excluded_couriers"),
                "dual_logistics": get_setting("ship.dual_logistics"), "multi_item": get_setting("ship.multi_item"),
                "app_key_set": bool(get_setting("ship.dual_app_key"))}
    payment = purchase.payment_view()
    if typed is not None and section == "receiver":
        receiver_values = {**receiver_values, **typed, "dyn_auto": bool(typed.get("dyn_auto"))}
    elif typed is not None and section == "shipping":
        shipping = {**shipping, "excluded_couriers": typed.get("excluded_couriers", []),
                    "dual_logistics": bool(typed.get("dual_logistics")), "multi_item": typed.get("multi_item")}
    elif typed is not None and section == "payment":
        payment = {**payment, "method": typed.get("pay_method"), "pdd_order": typed.get("pdd_order")}
    guards = _guard_values() if typed is None or section != "guards" else {
        **typed, **{name: bool(typed.get(name)) for name in GUARD_SWITCHES}}
    # a panel of a mode not chosen still opens when one of its fields is refused (it was saved too)
    error_panels = {panel for name in (errors.errors if errors else {}) for panel in _PANELS_OF.get(name.split("_")[0], ())}
    return show_form("settings/purchase.html", error=errors, section=section, error_panels=error_panels, saved=saved, payment=payment,
                     pay_methods=purchase.PAY_METHODS, pdd_orders=purchase.PDD_ORDER_TYPES, shipping=shipping, couriers=purchase.EXCLUDABLE_COURIERS,
                     multi_item=purchase.MULTI_ITEM, receiver=receiver_values, modes=MODES, positions=POSITIONS,
                     preview=purchase.receiver_preview(receiver_values), guards=guards,
                     keys={"guards": purchase.GUARD_KEYS, "payment": purchase.PAYMENT_KEYS,
                                                              "shipping": purchase.SHIPPING_KEYS,
                                                              "receiver": purchase.RECEIVER_KEYS})


@bp.get("/purchase")
@requires("settings")
def purchase_settings():
    return _purchase_page()


def _form_dict() -> dict:
    return {key: request.form.get(key, "") for key in request.form}


def _save_section(section: str, save, typed: dict):
    """Save one 采购设置 section atomically; a refusal shows the section again with what was typed."""
    try:
        save(typed, g.user)
    except FieldError as exc:
        return _purchase_page(section, exc, typed)
    return _purchase_page(section, saved=section)


@bp.post("/purchase/payment")
@requires("main")  # 支付账号 / 支付密码 spend money: the main account's decision alone
def save_payment():
    return _save_section("payment", purchase.save_payment, _form_dict())


# 采购保护 / 支付设置: form field → setting key (amounts typed in 元, stored in fen)
GUARD_FIELDS = {"profit_floor": "purchase.profit_floor", "max_price": "purchase.max_price",
                "daily_cap": "purchase.daily_cap", "auto_pay": "pay.auto",
                "freight_insurance": "purchase.freight_insurance"}
GUARD_SWITCHES = ("auto_pay", "freight_insurance")  # checkboxes: on when sent at all


def _guard_values() -> dict:
    """The stored guards as the form shows them (元 text, the switches)."""
    return {name: bool(get_setting(key)) if name in GUARD_SWITCHES else yuan(get_setting(key))
            for name, key in GUARD_FIELDS.items()}


@bp.post("/purchase/guards")
@requires("main")  # the limits and automatic payment spend money: the main account's decision alone
def save_guards():
    typed = {name: request.form.get(name, "") for name in GUARD_FIELDS}
    errors = _save_all({key: bool(typed[name]) if name in GUARD_SWITCHES else typed[name]
                        for name, key in GUARD_FIELDS.items()})
    if errors:
        by_field = {name: errors[key] for name, key in GUARD_FIELDS.items() if key in errors}
        return _purchase_page("guards", FieldError.many(by_field), typed)
    return _purchase_page("guards", saved="guards")


@bp.post("/purchase/shipping")
@requires("settings")
def save_shipping():
    typed = {**_form_dict(), "excluded_couriers": request.form.getlist("excluded_couriers")}
    return _save_section("shipping", purchase.save_shipping, typed)


@bp.post("/purchase/receiver")
@requires("settings")
def save_receiver():
    return _save_section("receiver", purchase.save_receiver, _form_dict())


@bp.post("/purchase/receiver/preview")
@requires("settings")
def receiver_preview():
    """htmx, as the user types: the 预览 block only (nothing is saved)."""
    return show_form("settings/_receiver_preview.html", preview=purchase.receiver_preview(_form_dict()))


# -- 数据备份 -----------------------------------------------------------------------------------------

def _backup_page(errors: dict[str, str] | None = None, status: int | None = None, **context):
    from dropship.services.backup import list_backups

    config = current_app.config["SETTINGS"]
    keep = request.form.get("keep", "") if errors and "backup.keep" in errors else get_setting("backup.keep")
    return show_form("settings/backup.html", error=errors, status=status, keep=keep,
                     backups=list_backups(config.data_dir), folder=(config.data_dir / "backups").resolve(),
                     change_keys=("backup.keep",), restore=restore.progress(), steps=restore.STEPS,
                     upload_limit_gb=_upload_gb(), **context)


@bp.get("/backup")
@requires("settings")
def backup():
    return _backup_page()


@bp.post("/backup")
@requires("settings")
def save_backup():
    errors = _save_all({"backup.keep": request.form.get("keep", "")})
    return _backup_page(errors, saved=not errors)


@bp.post("/backup/now")
@requires("settings")
def backup_now():
    try:
        made = restore.make_backup(current_app.config["SETTINGS"])
    except BackupError as exc:
        return _backup_page({"backup": str(exc)}, status=409)
    return _backup_page(made=made)


def _chosen_backup():
    try:
        return find_backup(current_app.config["SETTINGS"].data_dir, request.values.get("name", ""))
    except BackupError as exc:
        abort(404, description=str(exc))


@bp.get("/backup/download")
@requires("main")  # the file holds the key to every secret
def download_backup():
    return send_file(_chosen_backup().path, as_attachment=True)


@bp.post("/backup/delete")
@requires("main")
def delete_backup():
    chosen = _chosen_backup()
    chosen.path.unlink(missing_ok=True)
    return _backup_page(deleted=chosen.name)


@bp.post("/backup/restore")
@requires("main")  # replaces every user's data
def restore_backup():
    try:
        # the signed cookie outlives the restored database's logins: see _paused_for_restore
        session["restore_ticket"] = restore.start_restore(_chosen_backup().path, current_app.config["SETTINGS"])
    except BackupError as exc:
        return _backup_page({"backup": str(exc)}, status=400)
    return _backup_page()


@bp.post("/backup/upload")
@requires("main")  # a backup replaces every user's data once restored
def upload_backup():
    """上传备份: checked whole, added to the list, then the same 确定恢复 as a listed backup."""
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _backup_page({"upload": "请选择要上传的备份文件（.zip）"}, status=400)
    config = current_app.config["SETTINGS"]
    try:
        added = backups.add_backup(sent.stream, sent.filename, config.data_dir, config.db_url)
    except BackupError as exc:
        return _backup_page({"upload": str(exc)}, status=400)
    return _backup_page(uploaded=added)


def _upload_gb() -> int:
    return backups.MAX_UPLOAD // 1024 ** 3


def _upload_limit():
    """The upload route alone takes a backup-sized body (the app's limit is a few MB); a larger one is
    refused before it is read, in Chinese."""
    if request.endpoint != "settings.upload_backup":
        return
    if (request.content_length or 0) > backups.MAX_UPLOAD:
        abort(413, description=f"备份文件超过 {_upload_gb()} GB，未上传：请确认选择的是本软件的备份文件")
    request.max_content_length = backups.MAX_UPLOAD


@bp.get("/backup/restore/progress")
@requires("main")
def restore_progress():
    return render_template("settings/_restore_progress.html", restore=restore.progress(), steps=restore.STEPS)


def _paused_for_restore():
    """While a restore runs, no session can be read (its database is being swapped): the progress poll
    is answered without one (it says only how far the restore is; and how it ended, to the browser that
    started it, as the restored database may not know its session), everything else waits."""
    if request.endpoint == "settings.restore_progress" and (
            restore.restoring() or restore.started_by(session.get("restore_ticket", ""))):
        return restore_progress()
    if not restore.restoring() or request.endpoint == "static":
        return None
    message = "正在恢复备份，程序已暂停，请稍候再试"
    if request.headers.get("HX-Request"):
        return f'<div class="alert alert-error" role="alert">{message}</div>', 503
    return render_template("error.html", code=503, message=message), 503


def _first_in_line(state) -> None:
    # Before every other check: the session is read from the database being swapped, and the CSRF
    # check reads the form, which for an upload must be allowed its size first.
    state.app.before_request_funcs.setdefault(None, [])[:0] = [_paused_for_restore, _upload_limit]


bp.record_once(_first_in_line)
