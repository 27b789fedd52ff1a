"""注册 / 登录 / 退出."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for

from dropship.services import auth
from dropship.services.auth import AuthError, LoginPolicy
from dropship.web.access import log_in, log_out, public, requires

bp = Blueprint("auth", __name__)

MAX_FIELD = 200  # longer values are pastes, not accounts; refuse before hashing anything


def _field(name: str) -> str:
    return request.form.get(name, "")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never redirect a fresh login to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return url_for("home")
    return target


def _policy() -> LoginPolicy:
    settings = current_app.config["SETTINGS"]
    return LoginPolicy(max_failures=settings.login_max_failures, lock_seconds=settings.login_lock_seconds)


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if not auth.needs_registration():
        return redirect(url_for("auth.login"))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        phone, password, confirm = _field("phone"), _field("password"), _field("confirm")
        try:
            if len(phone) > MAX_FIELD:
                raise AuthError("phone", "请输入 11 位手机号")
            user = auth.register_main_account(phone, password, confirm)
        except AuthError as exc:
            errors[exc.field or "form"] = exc.message
            status = exc.status
        else:
            return log_in(user, remember=False, response=redirect(url_for("home")))
    return render_template("auth/register.html", errors=errors, phone=_field("phone")[:MAX_FIELD]), status


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if auth.needs_registration():
        return redirect(url_for("auth.register"))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        username, password = _field("username"), _field("password")
        try:
            if len(username) > MAX_FIELD:
                raise AuthError("username", "账号过长，请检查是否粘贴错误")
            user = auth.authenticate(username, password, request.remote_addr or "", _policy())
        except AuthError as exc:
            errors[exc.field or "form"] = exc.message
            status = exc.status
        else:
            response = redirect(_safe_next(request.args.get("next")))
            return log_in(user, remember=bool(request.form.get("remember")), response=response)
    elif g.user is not None:
        return redirect(url_for("home"))
    return render_template("auth/login.html", errors=errors, username=_field("username")[:MAX_FIELD]), status


@bp.post("/logout")
@requires("*")
def logout():
    return log_out(make_response(redirect(url_for("auth.login"))))
