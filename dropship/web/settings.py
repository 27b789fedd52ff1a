"""设置: business settings; 浏览器 shows the browser found and runs 浏览器检测."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from dropship.platforms.browser import find_browser
from dropship.queue import start_job
from dropship.services.settings import SettingError, get_setting, set_setting
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
    job = start_job("browser_check", "浏览器检测", target="browser", user=g.user, total=3)
    return render_template("jobs/_job.html", job=job, poll=True), 200, {"HX-Trigger": "jobs-changed"}
