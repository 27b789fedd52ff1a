"""风控: too many requests from one account to one host within a minute earn a punish answer.

Requests are counted per account and host over a sliding minute of REAL time (a burst happens in
real time, while the simulation clock may stand still), but the cool-down is measured on the
SIMULATION clock (``risk_cooldown_minutes``), so tests lift it with ``advance`` instead of
sleeping. The admin page can lift it too (control.lift_risk).

The real sites answer a blocked script call in three ways (FIDELITY.md, "risk"): JSON with
``rgv587_flag`` and a punish ``url``; HTTP 200 HTML whose script replaces the location with
``…/_____tmd_____/punish?x5secdata=…``; or a redirect to a ``sec.`` host. ``Account.risk_style``
picks one; the default ``mixed`` takes them in turn, one per block, so a driver must know all three.

Bot signals: a page script reports ``navigator.webdriver`` and every request's User-Agent is read;
``HeadlessChrome`` or ``webdriver=true`` counts as a bot signal on the account. With
``punish_bots`` the account is then answered with the punish page, as anti-bot scripts do.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request

from . import clock, hosts
from .models import Account

GUARDED_HOSTS = ("trade.taobao.com", "trade.tmall.com", "wuliu.taobao.com", "wuliu2.taobao.com",
                 "refund2.taobao.com", "myseller.taobao.com", "qn.taobao.com", "i.taobao.com", "buy.taobao.com",
                 "buyertrade.taobao.com", "air.1688.com", "order.1688.com", "trade.1688.com",
                 "h5api.m.taobao.com", "h5api.m.1688.com")
SEC_HOST = "sec.taobao.com"
STYLES = ("json", "html", "sec")

bp = Blueprint("risk", __name__)


class RateLimiter:
    """Requests per account and host in a sliding minute of real time. `clock` is real time too; a
    test that lives through minutes of real time in virtual time hands it its virtual clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._hits: dict[tuple[int, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def over_limit(self, account_id: int, per_minute: int, host: str = "") -> bool:
        now = self.clock()
        with self._lock:
            hits = self._hits[(account_id, host)]
            while hits and now - hits[0] > 60:
                hits.popleft()
            hits.append(now)
            if len(hits) > per_minute:
                hits.clear()  # the cool-down takes over; counting starts afresh after it
                return True
            return False


def punish_url() -> str:
    path = request.path.rstrip("/")
    return f"{hosts.origin(request.host)}{path}/_____tmd_____/punish?x5secdata={quote(request.path)}&x5step=2"


def sec_url() -> str:
    """The ``sec.`` host redirect (query fields as public crawlers log them; smSign is ours)."""
    back = quote(hosts.current_url(), safe="")
    return (f"{hosts.origin(SEC_HOST)}/query.htm?action=QueryAction&event_submit_do_login=ok"
            f"&smApp=trade&smPolicy=trade-itemlist&smCharset=GBK&smTag=sandbox&smReturn={back}&smSign=sandbox")


def punish_html() -> str:
    """The HTTP 200 body: a script sending the browser to the punish page. Note the double slash
    between host and path, as in the captured bodies (idx 57738288606)."""
    target = f"{hosts.origin(request.host)}/{request.path}/_____tmd_____/punish?x5secdata={quote(request.path)}"
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><script>'
            f'window.location.replace("{target}");</script></body></html>')


def _bot_signal(account: Account) -> bool:
    """True when this request looks automated; counted on the account."""
    if "HeadlessChrome" not in request.headers.get("User-Agent", ""):
        return False
    account.bot_signals += 1
    return True


def tripped(account: Account) -> bool:
    """Count this request; True while the account is (or just became) blocked."""
    now = clock.now()
    if _bot_signal(account):
        account.save()
    if account.risk_until is not None and account.risk_until > now:
        return True
    limiter: RateLimiter = current_app.extensions["sandbox.limiter"]
    over = limiter.over_limit(account.id, account.rate_limit_per_min, request.host)
    if not over and not (account.punish_bots and account.bot_signals):
        return False
    account.risk_until = now + timedelta(minutes=account.risk_cooldown_minutes)
    account.risk_trips += 1
    account.save()
    return True


def style(account: Account) -> str:
    if account.risk_style in STYLES:
        return account.risk_style
    return STYLES[(account.risk_trips - 1) % len(STYLES)]  # mixed: each block answers differently


def check(account: Account, json: bool) -> Response | tuple | None:
    """None when the account may go on, else the punish answer in the account's style."""
    if not tripped(account):
        return None
    chosen = style(account)
    if chosen == "sec":
        return redirect(sec_url())
    if not json:
        return redirect(punish_url())
    if chosen == "html":
        return Response(punish_html(), 200, mimetype="text/html")
    return jsonify({"rgv587_flag": "sm", "url": punish_url()})


def _punish_page(endpoint: str = ""):
    return render_template("punish.html"), 200


for _n, _host in enumerate(GUARDED_HOSTS):
    bp.add_url_rule("/_____tmd_____/punish", f"punish_{_n}", _punish_page, host=hosts.sandbox_host(_host))
    bp.add_url_rule("/<path:endpoint>/_____tmd_____/punish", f"punish_path_{_n}", _punish_page,
                    host=hosts.sandbox_host(_host))


@bp.get("/query.htm", host=hosts.sandbox_host(SEC_HOST))
def sec_page():
    return render_template("punish.html"), 200


def bot_report():
    """The pages' anti-bot script reports ``navigator.webdriver`` here (sendBeacon)."""
    from .auth import current_session

    session = current_session()
    if session is not None and request.values.get("webdriver") == "true":
        session.account.bot_signals += 1
        session.account.save()
    return "", 204


for _n, _host in enumerate(GUARDED_HOSTS):
    bp.add_url_rule("/_____tmd_____/report", f"report_{_n}", bot_report, host=hosts.sandbox_host(_host),
                    methods=["POST"])
