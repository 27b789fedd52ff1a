"""Who may see what: login, permission declarations, CSRF. One place, checked before every request.

Every view declares its permission with `@requires(code)` or `@public`; the check runs centrally in
`before_request`, and a view without a declaration is refused (fail closed). A test walks the URL
map to make sure no route forgets.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_htmx import HTMX
from flask_htmx import make_response as htmx_response
from markupsafe import escape

from dropship.services import auth
from dropship.services.team import can, is_known

SESSION_COOKIE = "dd_session"
CSRF_HEADER = "X-CSRFToken"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
htmx = HTMX()  # the HX-* request headers of the current request (falsy for a plain page load)


def requires(code: str) -> Callable:
    """Declare the permission a view needs (see services.team.PERMISSION_TREE)."""
    if not is_known(code):
        raise ValueError(f"unknown permission {code}")

    def decorator(view: Callable) -> Callable:
        view.permission = code  # type: ignore[attr-defined]
        return view

    return decorator


def public(view: Callable) -> Callable:
    """Declare a view reachable without login (login, register, health)."""
    view.permission = None  # type: ignore[attr-defined]
    return view


def permission_of(view: Callable) -> Any:
    """The declared permission; `...` when the view declared nothing."""
    return getattr(view, "permission", ...)


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def user_can(code: str) -> bool:
    user = g.get("user")
    return user is not None and can(user.is_main, set(user.permissions or ()), code)


def _session_lifetime(remember: bool) -> timedelta:
    settings = current_app.config["SETTINGS"]
    return timedelta(days=settings.remember_days) if remember else timedelta(hours=settings.session_hours)


def log_in(user, remember: bool, response):
    """Start a server-side session and set its cookie on `response`."""
    token = auth.start_session(user, remember, _session_lifetime(remember), request.remote_addr or "",
                               request.user_agent.string)
    lifetime = _session_lifetime(remember)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax", secure=request.is_secure,
                        max_age=int(lifetime.total_seconds()) if remember else None)
    session["csrf"] = secrets.token_urlsafe(32)  # a new login gets a new CSRF token
    return response


def log_out(response):
    auth.end_session(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE)
    session.pop("csrf", None)
    return response


def _deny_anonymous():
    if htmx:
        return htmx_response("请先登录", 401, redirect=url_for("auth.login"))
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))


def _check_request():
    g.user = None
    row = auth.load_session(request.cookies.get(SESSION_COOKIE))
    if row is not None:
        auth.touch_session(row, _session_lifetime(row.remember))
        g.user = row.user

    if request.method in UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            abort(400, description="页面已过期或缺少安全令牌（CSRF），请刷新页面后重试")

    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions[request.endpoint]
    code = permission_of(view)
    if code is None:
        return None
    if g.user is None:
        return _deny_anonymous()
    if code is ...:
        abort(403, description="该页面未声明访问权限")
    if not user_can(code):
        abort(403, description="没有该功能的权限，请联系主账号授权")
    return None


def init_access(app: Flask) -> None:
    htmx.init_app(app)
    app.before_request(_check_request)

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    def _error(exc):
        defaults = {400: "请求格式不正确", 403: "没有权限", 404: "页面不存在", 405: "不支持的请求方式",
                    413: "提交的内容过大"}
        described = exc.description or ""
        # Werkzeug's own descriptions are English; ours are Chinese and say what to do.
        message = described if any("\u4e00" <= ch <= "\u9fff" for ch in described) else defaults[exc.code]
        if htmx:
            return f'<div class="alert alert-error" role="alert">{escape(message)}</div>', exc.code
        return render_template("error.html", code=exc.code, message=message), exc.code

