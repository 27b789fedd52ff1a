"""The mtop gateway of h5api.m.taobao.com and h5api.m.1688.com: token cookie, sign, session, 风控.

As PLATFORMS.md describes the real one: ``GET|POST /h5/<api>/<v>/?appKey=&t=&sign=&data=`` with
``sign = md5(token&t&appKey&data)``, token = the part of the ``_m_h5_tk`` cookie before ``_``
(its tail is the expiry in epoch ms, checked against the simulation clock). ``data`` may come in
the query or a form body. Checks in the real order, each answering ``{api, data, ret:[code], v}``:
  no token cookie   FAIL_SYS_TOKEN_EMPTY::令牌为空      (and a fresh ``_m_h5_tk`` cookie is set)
  expired token     FAIL_SYS_TOKEN_EXOIRED::令牌过期     (sic, as the real gateway spells it; new cookie)
  bad sign          FAIL_SYS_ILLEGAL_ACCESS::非法请求
  foreign Origin / Referer   FAIL_SYS_ILLEGAL_ACCESS::非法访问  (call it from the site's own pages)
  not logged in     FAIL_SYS_SESSION_EXPIRED::Session过期
  too many calls    RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试!  with ``data.url`` = the punish page
Pages of the same site family get CORS headers with credentials.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, request

from . import auth, clock, ids, risk
from .hosts import cookie_domain, sandbox_host
from .models import Account

bp = Blueprint("mtop", __name__)
TOKEN_HOURS = 24
SUCCESS = "SUCCESS::调用成功"

# gateway host -> (account site, cookie family, site families whose pages may call it)
GATEWAYS = {
    sandbox_host("h5api.m.taobao.com"): ("taobao", "taobao.com", ("taobao.localhost", "tmall.localhost")),
    sandbox_host("h5api.m.1688.com"): ("alibaba1688", "1688.com", ("1688.localhost",)),
}
Api = Callable[[Account, dict], dict]
APIS: dict[tuple[str, str], Api] = {}


class ApiError(Exception):
    """An mtop business error; the message is the whole ``ret`` entry (``CODE::文字``)."""


def api(site: str, name: str) -> Callable[[Api], Api]:
    """Register ``handler(account, data) -> data`` for an mtop API of a site."""
    def register(handler: Api) -> Api:
        APIS[(site, name)] = handler
        return handler
    return register


def sign(token: str, t: str, app_key: str, data: str) -> str:
    return hashlib.md5(f"{token}&{t}&{app_key}&{data}".encode()).hexdigest()


def _caller_host() -> str:
    return urlsplit(request.headers.get("Origin") or request.headers.get("Referer") or "").hostname or ""


def _cors(response: Response) -> Response:
    families = GATEWAYS[request.host][2]
    if request.headers.get("Origin") and _caller_host().endswith(families):
        response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    return response


def _answer(name: str, version: str, ret: str, data: dict | None = None, new_token: bool = False) -> Response:
    response = jsonify({"api": name, "data": data or {}, "ret": [ret], "v": version})
    if new_token:
        expires = clock.epoch_ms(clock.now() + timedelta(hours=TOKEN_HOURS))
        token = f"{ids.token('h5')}_{expires}"
        domain = cookie_domain(GATEWAYS[request.host][1])
        response.set_cookie("_m_h5_tk", token, domain=domain)
        response.set_cookie("_m_h5_tk_enc", hashlib.md5(token.encode()).hexdigest(), domain=domain)
    return _cors(response)


def gateway(name: str, version: str):
    if request.method == "OPTIONS":
        return _cors(Response(status=204))
    site, _, families = GATEWAYS[request.host]
    values = request.values
    data_text = values.get("data", "")
    token, _, expiry = request.cookies.get("_m_h5_tk", "").partition("_")
    if not token:
        return _answer(name, version, "FAIL_SYS_TOKEN_EMPTY::令牌为空", new_token=True)
    if not expiry.isdigit() or int(expiry) < clock.epoch_ms(clock.now()):
        return _answer(name, version, "FAIL_SYS_TOKEN_EXOIRED::令牌过期", new_token=True)
    if values.get("sign", "") != sign(token, values.get("t", ""), values.get("appKey", ""), data_text):
        return _answer(name, version, "FAIL_SYS_ILLEGAL_ACCESS::非法请求")
    if not _caller_host().endswith(families):
        return _answer(name, version, "FAIL_SYS_ILLEGAL_ACCESS::非法访问")
    session = auth.current_session(site)
    if session is None:
        return _answer(name, version, "FAIL_SYS_SESSION_EXPIRED::Session过期")
    if risk.tripped(session.account):
        return _answer(name, version, "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试!", {"url": risk.punish_url()})
    handler = APIS.get((site, name))
    if handler is None:
        return _answer(name, version, "FAIL_SYS_API_NOT_FOUNDED::请求API不存在")
    try:
        data = json.loads(data_text or "{}")
        if not isinstance(data, dict):
            raise ValueError
        return _answer(name, version, SUCCESS, handler(session.account, data))
    except ValueError:
        return _answer(name, version, "FAIL_SYS_PARAM_FORMAT_ERROR::参数格式错误")
    except ApiError as exc:
        return _answer(name, version, str(exc))


for _n, _host in enumerate(GATEWAYS):
    bp.add_url_rule("/h5/<name>/<version>/", f"gateway_{_n}", gateway, host=_host,
                    methods=["GET", "POST", "OPTIONS"])
