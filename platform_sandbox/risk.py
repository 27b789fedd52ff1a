"""风控: too many requests from one account within a minute earn the punish page.

Requests are counted over a sliding minute of REAL time (a burst happens in real time, while
the simulation clock may stand still), but the cool-down is measured on the SIMULATION clock
(``risk_cooldown_minutes``), so tests lift it with ``advance`` instead of sleeping. The admin page
can lift it too (control.lift_risk).
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from datetime import timedelta
from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request

from . import clock, hosts
from .models import Account

GUARDED_HOSTS = ("trade.taobao.com", "trade.tmall.com", "wuliu.taobao.com", "wuliu2.taobao.com",
                 "refund2.taobao.com", "myseller.taobao.com", "i.taobao.com", "buy.taobao.com",
                 "buyertrade.taobao.com", "air.1688.com", "order.1688.com", "trade.1688.com",
                 "h5api.m.taobao.com", "h5api.m.1688.com")

bp = Blueprint("risk", __name__)


class RateLimiter:
    def __init__(self) -> None:
        self._hits: dict[int, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def over_limit(self, account_id: int, per_minute: int) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[account_id]
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


def tripped(account: Account) -> bool:
    """Count this request; True while the account is (or just became) blocked."""
    now = clock.now()
    if account.risk_until is not None and account.risk_until > now:
        return True
    limiter: RateLimiter = current_app.extensions["sandbox.limiter"]
    if not limiter.over_limit(account.id, account.rate_limit_per_min):
        return False
    account.risk_until = now + timedelta(minutes=account.risk_cooldown_minutes)
    account.save()
    return True


def check(account: Account, json: bool) -> Response | None:
    """None when the account may go on, else the punish response (JSON ``url`` or a redirect)."""
    if not tripped(account):
        return None
    if json:
        return jsonify({"rgv587_flag": "sm", "url": punish_url()})
    return redirect(punish_url())


def _punish_page(endpoint: str = ""):
    return render_template("punish.html"), 200


for _n, _host in enumerate(GUARDED_HOSTS):
    bp.add_url_rule("/_____tmd_____/punish", f"punish_{_n}", _punish_page, host=hosts.sandbox_host(_host))
    bp.add_url_rule("/<path:endpoint>/_____tmd_____/punish", f"punish_path_{_n}", _punish_page,
                    host=hosts.sandbox_host(_host))
