"""注册 / 登录 / 退出."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for

from dropship.services import auth
from dropship.services.auth import AuthError, LoginPolicy
from dropship.web.access import SESSION_COOKIE, log_in, log_out, public, requires

bp = Blueprint("auth", __name__)

MAX_FIELD = 200  # longer values are pastes, not accounts; refuse before hashing anything


def _field(name: str) -> str:
    return request.form.get(name, "")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never redirect a fresh login to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return url_for("home")
    return target


def _lan() -> bool:
    return current_app.config["SETTINGS"].lan


def _policy() -> LoginPolicy:
    settings = current_app.config["SETTINGS"]
    return LoginPolicy(max_failures=settings.login_max_failures, lock_seconds=settings.login_lock_seconds)


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if request.method == "GET" and not auth.needs_registration():
        return redirect(url_for("auth.login"))
    # A POST always goes to the service: a registration that lost the race gets its message (409).
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        phone, password, confirm = _field("phone"), _field("password"), _field("confirm")
        try:
            if len(phone) > MAX_FIELD:
                raise AuthError("phone", "请输入 11 位手机号")
            user = auth.register_main_account(phone, password, confirm,
                                              setup_code=_field("setup_code") if _lan() else None)
        except AuthError as exc:
            errors[exc.field or "form"] = exc.message
            status = exc.status
        else:
            return log_in(user, remember=False, response=redirect(url_for("home")))
    return render_template("auth/register.html", errors=errors, phone=_field("phone")[:MAX_FIELD],
                           lan=_lan()), status


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
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
    # 立即注册 as the manual's login page has it, while there is no main account to log in with
    return render_template("auth/login.html", errors=errors, username=_field("username")[:MAX_FIELD],
                           can_register=auth.needs_registration()), status


@bp.post("/logout")
@requires("*")
def logout():
    return log_out(make_response(redirect(url_for("auth.login"))))


@bp.route("/password", methods=["GET", "POST"])
@requires("*")
def change_password():
    """修改密码 for the signed-in user; every other session of the user ends, this browser stays in."""
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        current = auth.load_session(request.cookies.get(SESSION_COOKIE))
        try:
            auth.change_password(g.user, _field("current"), _field("password"), _field("confirm"),
                                 request.remote_addr or "", _policy())
        except AuthError as exc:
            errors[exc.field or "form"] = exc.message
            status = exc.status
        else:
            # change_password ended every session, this one too: a fresh one keeps this browser in
            response = redirect(url_for("auth.change_password", done=1))
            return log_in(g.user, remember=bool(current and current.remember), response=response)
    return render_template("auth/password.html", errors=errors, done=request.args.get("done") == "1"), status
