"""设置: 浏览器 (the browser found, 浏览器检测), 店铺后台设置 (memo template, routes, 利润率), 订单设置."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from dropship.db import db
from dropship.platforms.browser import find_browser
from dropship.queue import start_job
from dropship.services import memo as memo_settings
from dropship.services import orders as order_settings
from dropship.services.jobs import job_target
from dropship.services.settings import SettingError, get_setting, set_setting
from dropship.services.shops import DECRYPT_ROUTES
from dropship.web.access import requires

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("")
@requires("settings")
def index():
    return redirect(url_for("settings.browser"))


def _browser_page(errors: dict[str, str], status: int = 200, saved: bool = False):
    configured = get_setting("browser.path")
    found = find_browser(configured or g.settings.chromium or None)
    return render_template("settings/browser.html", found=found, path=request.form.get("path", configured),
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
@requires("settings")
def save_browser():
    try:
        set_setting("browser.path", request.form.get("path", ""))
    except SettingError as exc:
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
            except SettingError as exc:
                errors[key] = str(exc)
        if errors:
            transaction.rollback()
    return errors


SHOP_BACKEND_KEYS = ("memo.fields", "memo.custom", "memo.flag", "address.decrypt_route", "orders.sync_route",
                     "profit.margin_base")


def _shop_backend_page(errors: dict[str, str], status: int = 200, saved: bool = False):
    values = {key: get_setting(key) for key in SHOP_BACKEND_KEYS}
    if errors:  # show what was submitted next to its error
        values.update(_shop_backend_form())
    return render_template("settings/shop_backend.html", values=values, errors=errors, saved=saved,
                           fields=memo_settings.TEMPLATE_FIELDS, flag_names=order_settings.FLAG_NAMES,
                           decrypt_routes=DECRYPT_ROUTES, sync_routes=order_settings.SYNC_ROUTES,
                           margin_bases=order_settings.MARGIN_BASES), status


def _shop_backend_form() -> dict:
    form = request.form
    return {"memo.fields": form.getlist("memo_fields"), "memo.custom": form.get("memo_custom", ""),
            "memo.flag": form.get("memo_flag", ""), "address.decrypt_route": form.get("decrypt_route", ""),
            "orders.sync_route": form.get("sync_route", ""), "profit.margin_base": form.get("margin_base", "")}


@bp.get("/shop-backend")
@requires("settings")
def shop_backend():
    return _shop_backend_page({})


@bp.post("/shop-backend")
@requires("settings")
def save_shop_backend():
    errors = _save_all(_shop_backend_form())
    return _shop_backend_page(errors, 400) if errors else _shop_backend_page({}, saved=True)


@bp.get("/orders")
@requires("settings")
def orders():
    return render_template("settings/orders.html", hours=get_setting("orders.deadline_hours"), errors={})


@bp.post("/orders")
@requires("settings")
def save_orders():
    raw = request.form.get("deadline_hours", "")
    errors = _save_all({"orders.deadline_hours": raw})
    hours = raw if errors else get_setting("orders.deadline_hours")
    return render_template("settings/orders.html", hours=hours, errors=errors, saved=not errors), 400 if errors else 200
