"""设置: 浏览器 (the browser found, 浏览器检测), 店铺后台设置 (memo template, routes, 利润率), 订单设置."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from dropship.browser_paths import locate_browser
from dropship.db import db
from dropship.errors import FieldError
from dropship.queue import start_job
from dropship.services import order_export  # noqa: F401 - registers exports.keep_minutes (订单设置)
from dropship.services.jobs import job_target
from dropship.services.memo import TEMPLATE_FIELDS
from dropship.services.money import MARGIN_BASES
from dropship.services.orders.actions import SYNC_ROUTES
from dropship.services.orders.labels import FLAG_NAMES
from dropship.services.settings import get_setting, set_setting
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
                           headed=get_setting("browser.headed"), errors=errors, saved=saved), status


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
    try:
        set_setting("browser.path", request.form.get("path", ""))
    except FieldError as exc:
        return _browser_page({"path": str(exc)}, 400)
    set_setting("browser.headed", bool(request.form.get("headed")))
    return _browser_page({}, saved=True)


@bp.post("/browser/check")
@requires("settings")
def check_browser():
    job = start_job("browser_check", "浏览器检测", target=job_target("browser"), user=g.user, total=3)
    return render_template("jobs/_job.html", job=job, poll=True), 200, {"HX-Trigger": "jobs-changed"}


def _save_all(values: dict) -> dict[str, str]:
    """Store every key or none: errors (by key) roll the whole form back."""
    errors: dict[str, str] = {}
    with db.atomic() as transaction:
        for key, raw in values.items():
            try:
                set_setting(key, raw)
            except FieldError as exc:
                errors.update(exc.errors)
        if errors:
            transaction.rollback()
    return errors


SHOP_BACKEND_KEYS = ("memo.fields", "memo.custom", "memo.flag", "address.decrypt_route", "orders.sync_route",
                     "profit.margin_base")


def _shop_backend_page(errors: dict[str, str] | None = None, saved: bool = False):
    values = {key: get_setting(key) for key in SHOP_BACKEND_KEYS}
    if errors:  # show what was submitted next to its error
        values.update(_shop_backend_form())
    return show_form("settings/shop_backend.html", error=errors, values=values, saved=saved,
                     fields=TEMPLATE_FIELDS, flag_names=FLAG_NAMES, decrypt_routes=DECRYPT_ROUTES,
                     sync_routes=SYNC_ROUTES, margin_bases=MARGIN_BASES)


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


ORDER_FIELDS = {"deadline_hours": "orders.deadline_hours", "export_keep_minutes": "exports.keep_minutes"}


def _order_settings() -> dict:
    return {name: get_setting(key) for name, key in ORDER_FIELDS.items()}


@bp.get("/orders")
@requires("settings")
def orders():
    return show_form("settings/orders.html", values=_order_settings())


@bp.post("/orders")
@requires("settings")
def save_orders():
    sent = {name: request.form[name] for name in ORDER_FIELDS if name in request.form}
    errors = _save_all({ORDER_FIELDS[name]: value for name, value in sent.items()})
    values = {**_order_settings(), **sent} if errors else _order_settings()  # what was typed, beside its error
    return show_form("settings/orders.html", error=errors, values=values, saved=not errors)
