"""Request- and response-wide protections, installed once by `create_app`.

- Security headers through flask-talisman: a Content-Security-Policy that allows only our own
  origin (htmx and the other scripts are served from /static; templates carry no inline script,
  style or on* handler — tests/web/test_security.py checks), no framing, nosniff.
- `Cache-Control: no-store` on every page and fragment: they show orders, names and addresses,
  and a shared office PC must not keep them in its cache. Static files keep normal caching.
- The text guard: every form and query value of every request is checked with the one text rule
  (services.text) before any view runs.
- Cookies are marked Secure when the request came over HTTPS (LAN mode, see dropship.tls).
"""
from __future__ import annotations

import json

from flask import Flask, Response, abort, request
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman

from dropship.services.text import text_problem

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # 验证中心 frames are same-origin JPEGs (no data:/blob: URLs); item thumbnails come from the
    # platforms' picture hosts (淘宝/天猫/1688: alicdn, 拼多多: pddpic)
    "img-src": "'self' *.alicdn.com img.pddpic.com",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Form fields the pages offer as <textarea>: line breaks are allowed there and nowhere else.
# tests/web/test_security.py fails when a template adds a textarea that is not listed here.
MULTILINE_FIELDS = frozenset({"memo", "note", "lines", "keys"})  # lines: 批量导入账号; keys: 充值卡密


class _SessionByScheme(SecureCookieSessionInterface):
    """The Flask session cookie is Secure over HTTPS; plain http on localhost must still work."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def _no_store(response: Response) -> Response:
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _first_text_problem() -> tuple[str, str] | None:
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            problem = text_problem(name) or text_problem(value, multiline=name in MULTILINE_FIELDS)
            if problem:
                return name, problem
    return None


def _guard_text():
    """Refuse the whole request (400, nothing changed) when any value has a control character."""
    found = _first_text_problem()
    if found is None:
        return None
    field, message = found
    if request.headers.get("HX-Request"):
        # Keep the form as typed and show the message under the field (static/js/app.js).
        trigger = json.dumps({"field-error": {"field": field, "message": message}})  # ASCII-only header
        return Response(message, status=400, headers={"HX-Reswap": "none", "HX-Trigger": trigger})
    abort(400, description=message)


def init_security(app: Flask) -> None:
    csp = dict(CSP)
    settings = app.config.get("SETTINGS")
    if settings is not None and settings.sandbox and settings.sandbox_port:
        # 演示模式: the 沙箱平台 serves the item pictures on its own port
        csp["img-src"] += f" http://*.localhost:{settings.sandbox_port}"
    Talisman(app, force_https=False, strict_transport_security=False,  # self-signed: HSTS would lock users out
             session_cookie_secure=False, frame_options="DENY", content_security_policy=csp,
             referrer_policy="same-origin")
    app.session_interface = _SessionByScheme()
    app.after_request(_no_store)
    app.before_request(_guard_text)
