"""Who is calling: the session behind the ``cookie2`` cookie, and the gates pages use
(shop backends: ``seller_view``; 淘宝/天猫/淘特 and 1688 purchase pages: ``buyer_view``)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, redirect, render_template, request

from . import hosts, login, risk
from .models import Session


def current_session(site: str = "taobao") -> Session | None:
    """The session of the ``cookie2`` / ``unb`` cookies, if it belongs to an account of ``site``."""
    token = request.cookies.get("cookie2", "")
    session = Session.get_or_none(Session.token == token) if token else None
    if session is None or request.cookies.get("unb") != session.account.uid or session.account.site != site:
        return None
    return session


def login_url(target: str | None = None) -> str:
    """An expired shop session is sent to the havanaone login page, as the real seller pages do."""
    return login.havanaone_url(target or hosts.current_url())


def seller_view(json: bool = False) -> Callable:
    """Require a logged-in shop account (else the login redirect the real site gives) and apply 风控.

    Sets ``g.session``, ``g.account`` and ``g.shop``. ``json`` picks the punish form: a JSON
    ``url`` for endpoints called by scripts, a redirect for pages.
    """
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            session = current_session()
            if session is None:
                return redirect(login_url())
            account = session.account
            if account.role != "seller":
                return render_template("message.html", title="您还不是卖家", text="当前账号没有开通店铺。"), 403
            blocked = risk.check(account, json)
            if blocked is not None:
                return blocked
            g.session, g.account, g.shop = session, account, account.shop
            return view(*args, **kwargs)
        return wrapper
    return decorate


def buyer_view(site: str = "taobao", json: bool = False) -> Callable:
    """Require a logged-in account of ``site`` (any 淘宝 account may buy, shop accounts too) and
    apply 风控 as ``seller_view`` does. Sets ``g.session`` and ``g.account``."""
    login_site = login.TAOBAO if site == "taobao" else login.ALIBABA

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            session = current_session(site)
            if session is None:
                return redirect(login.login_url(login_site, hosts.current_url()))
            blocked = risk.check(session.account, json)
            if blocked is not None:
                return blocked
            g.session, g.account = session, session.account
            return view(*args, **kwargs)
        return wrapper
    return decorate


def token_ok(value: str | None) -> bool:
    """Form posts carry ``_tb_token_``, which must be the session's."""
    return bool(value) and value == g.session.tb_token
