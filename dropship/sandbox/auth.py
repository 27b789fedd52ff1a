"""Who is calling: the session behind the ``cookie2`` cookie, and the gate every seller page uses."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import quote

from flask import g, redirect, render_template, request

from . import hosts, risk
from .models import Session

LOGIN_PAGE = "/member/login.jhtml"


def current_session() -> Session | None:
    token = request.cookies.get("cookie2", "")
    session = Session.get_or_none(Session.token == token) if token else None
    if session is None or request.cookies.get("unb") != session.account.uid:
        return None
    return session


def login_url(target: str | None = None) -> str:
    return f"{hosts.origin('login.taobao.com')}{LOGIN_PAGE}?redirectURL={quote(target or hosts.current_url(), safe='')}"


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


def token_ok(value: str | None) -> bool:
    """Form posts carry ``_tb_token_``, which must be the session's."""
    return bool(value) and value == g.session.tb_token
