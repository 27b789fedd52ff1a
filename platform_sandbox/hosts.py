"""Real platform hosts and their sandbox twins.

Every platform is served by one waitress port and told apart by the Host header: a real host
maps to a sandbox host by replacing the trailing ``.com`` with ``.localhost``, which Chromium
resolves to loopback without any DNS setup.
"""
from __future__ import annotations

from flask import request

ADMIN_HOST = "sandbox.localhost"  # internal: /__sandbox is rewritten to this host on any Host header

REAL_HOSTS: tuple[str, ...] = (
    "login.taobao.com",
    "pass.tmall.com",
    "myseller.taobao.com",
    "qn.taobao.com",  # 千牛 售后详情
    "trade.taobao.com",
    "trade.tmall.com",
    "wuliu.taobao.com",
    "wuliu2.taobao.com",
    "refund2.taobao.com",
    "buyertrade.taobao.com",
    "h5api.m.taobao.com",
    "item.taobao.com",
    "buy.taobao.com",
    "buy.tmall.com",  # 天猫 confirm order
    "member1.taobao.com",  # 淘宝 address book and its region picker frame
    "detail.tmall.com",
    "air.1688.com",
    "h5api.m.1688.com",
    "order.1688.com",
    "detail.1688.com",
    "mobile.yangkeduo.com",
    "mobile.pinduoduo.com",
    "i.taobao.com",
    "cashier.alipay.com",
    "login.1688.com",
    "trade.1688.com",
    "api.shuangwuliu.com",
    "sec.taobao.com",
    "img.alicdn.com",  # item pictures (images.py)
    "cbu01.alicdn.com",
    "img.pddpic.com",
)


def sandbox_host(host: str) -> str:
    """``trade.taobao.com`` -> ``trade.taobao.localhost`` (a sandbox host is returned unchanged)."""
    host = host.lower().split(":", 1)[0]
    return host[: -len(".com")] + ".localhost" if host.endswith(".com") else host


def origin(real_host: str, port: int | str | None = None) -> str:
    """Origin of a platform host; inside a request the port defaults to the one the client used."""
    if port is None:
        port = request.environ["sandbox.port"]
    return f"http://{sandbox_host(real_host)}:{port}"


def cookie_domain(real_host: str) -> str:
    """Cookie domain of a site family, as the real sites set it (``.taobao.com`` -> ``.taobao.localhost``)."""
    family = ".".join(sandbox_host(real_host).split(".")[-2:])
    return "." + family


class HostRouter:
    """WSGI middleware: strip the port from Host (Flask host matching wants bare names) and send
    ``/__sandbox`` to the admin host whatever Host the client used."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        host, _, port = environ.get("HTTP_HOST", "").partition(":")
        environ["sandbox.port"] = port or environ.get("SERVER_PORT", "80")
        if environ.get("PATH_INFO", "").startswith("/__sandbox"):
            host = ADMIN_HOST
        environ["HTTP_HOST"] = sandbox_host(host)
        return self.wsgi_app(environ, start_response)


def current_url() -> str:
    """The URL the client asked for, with the port it used (Host was stripped of it)."""
    path = request.full_path.rstrip("?")
    return origin(request.host) + path


def page_url(real_url: str) -> str:
    """A real URL as the sandbox embeds it in pages: protocol-relative, sandbox host and port
    (``https://item.taobao.com/item.htm?id=1`` -> ``//item.taobao.localhost:P/item.htm?id=1``)."""
    rest = real_url.split("//", 1)[-1]
    host, slash, path = rest.partition("/")
    return f"//{sandbox_host(host)}:{request.environ['sandbox.port']}{slash}{path}"
