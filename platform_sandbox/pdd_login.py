"""拼多多 (mobile.yangkeduo.com) identity: phone + SMS login, the ``PDDAccessToken`` that imported
accounts log in with, and the gates of PDD pages and APIs.

An account's access token is fixed when it is created (``add_buyer(..., access_token=…)`` or a
generated one) and an SMS login hands out that same token, so an account imported with its token
and one logged in by phone are the same session (sandbox simplification). A request is logged
in when the ``PDDAccessToken`` cookie (or the ``AccessToken`` header) names an account, and the
``pdd_user_id`` cookie / ``pdduid`` query, when present, is that account's uid.

The real site answers on two hosts, mobile.yangkeduo.com and mobile.pinduoduo.com (FIDELITY.md,
拼多多 login; the 2026 purchase flow of idx 58533395449 runs wholly on mobile.pinduoduo.com): each
sets its cookies on its own family (.yangkeduo.com / .pinduoduo.com), so a login on one host is
not a login on the other. The sandbox serves every PDD page and API on both hosts (``route``)
and keeps the cookies apart the same way: a flow stays on the host it logged in on.

Sandbox assumptions: the login JSON endpoints (``/proxy/api/login/send_code``, ``/proxy/api/login``)
and the error bodies ``{error_code, error_msg}`` with 40001 (not logged in) and 54001 (系统繁忙).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import quote

from flask import Blueprint, g, jsonify, redirect, render_template, request

from . import accounts, clock, hosts, sms
from .hosts import cookie_domain, sandbox_host
from .models import Account

bp = Blueprint("pdd_login", __name__)
MOBILE = sandbox_host("mobile.yangkeduo.com")
PINDUODUO = sandbox_host("mobile.pinduoduo.com")
HOSTS = (MOBILE, PINDUODUO)
COOKIE_DAYS = 30
BUSY = {"error_code": 54001, "error_msg": "系统繁忙，请稍后再试"}


def current_account() -> Account | None:
    token = request.headers.get("AccessToken") or request.cookies.get("PDDAccessToken", "")
    account = Account.get_or_none((Account.site == "pdd") & (Account.access_token == token)) if token else None
    uid = request.args.get("pdduid") or request.cookies.get("pdd_user_id")
    if account is None or (uid and uid != account.uid):
        return None
    return account


def login_page_url() -> str:
    return f"/login.html?from={quote(hosts.current_url(), safe='')}"


def pdd_page(view: Callable) -> Callable:
    """A page for logged-in users (else the login page, coming back afterwards). Sets ``g.account``."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.account = current_account()
        if g.account is None:
            return redirect(login_page_url())
        return view(*args, **kwargs)
    return wrapper


def pdd_api(view: Callable) -> Callable:
    """A JSON API for logged-in users: 401 ``{error_code: 40001}`` otherwise."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.account = current_account()
        if g.account is None:
            return jsonify({"error_code": 40001, "error_msg": "登录已失效，请重新登录"}), 401
        return view(*args, **kwargs)
    return wrapper


def login_page():
    return render_template("pdd_login.html", target=request.args.get("from", ""))


def send_code():
    account = accounts.find("pdd", str((request.get_json(silent=True) or {}).get("mobile", "")).strip())
    if account is None:
        return jsonify({"error_code": 40002, "error_msg": "该手机号未注册"}), 400
    sms.send(account.phone, "login", clock.now(), account=account)
    return jsonify({"success": True})


def login():
    body = request.get_json(silent=True) or {}
    account = accounts.find("pdd", str(body.get("mobile", "")).strip())
    if account is None or not sms.check(str(body.get("code", "")), "login", clock.now(), account=account):
        return jsonify({"error_code": 40003, "error_msg": "验证码错误或已过期"}), 400
    response = jsonify({"access_token": account.access_token, "uid": account.uid})
    for name, value in (("PDDAccessToken", account.access_token), ("pdd_user_id", account.uid)):
        response.set_cookie(name, value, max_age=COOKIE_DAYS * 86400, domain=cookie_domain(request.host))
    return response


@pdd_page
def personal():
    return render_template("pdd_personal.html", account=g.account)


def route(blueprint: Blueprint, path: str, methods: tuple[str, ...] = ("GET",)) -> Callable:
    """Register a view on both PDD hosts (each host's rule gets its own endpoint name)."""
    def register(view: Callable) -> Callable:
        for host in HOSTS:
            blueprint.add_url_rule(path, f"{view.__name__}_{host.split('.')[1]}", view, host=host, methods=list(methods))
        return view
    return register


@route(bp, "/psnl_verification.html")
def verification():
    """Where a risk-controlled account is sent instead of the checkout; nothing here lets it through."""
    return render_template("pdd_verification.html"), 200


for _path, _view, _method in (("/login.html", login_page, "GET"), ("/proxy/api/login/send_code", send_code, "POST"),
                              ("/proxy/api/login", login, "POST"), ("/personal.html", personal, "GET")):
    route(bp, _path, (_method,))(_view)
