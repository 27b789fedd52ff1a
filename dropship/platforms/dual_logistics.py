"""双物流 provider: a replacement tracking number (of a courier the shop backend accepts) for a
supplier's parcel (the manual's 默认使用双物流方式发货).

Real 双物流 / 换单 services sell a second waybill of another courier through an account and an API
key, per number; none documents its API publicly, so the endpoint below is an assumption that the
sandbox implements (platform_sandbox/README.md, 双物流):
  POST api.shuangwuliu.com/api/waybill/replace  JSON {app_key, courier_code, tracking_no}
  -> {success: true, data: {courier_code, courier_name, tracking_no, original{courier_code, tracking_no}}}
  -> {success: false, message}
A plain HTTP API, not a web page: no browser. Hosts under `.localhost` (the sandbox) are loopback
by definition (RFC 6761), which Python's resolver does not know, so they are dialled as 127.0.0.1.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from dropship.platforms.base import PlatformError
from dropship.platforms.origins import Origins

PROVIDER_HOST = "api.shuangwuliu.com"
REPLACE_PATH = "/api/waybill/replace"


@dataclass(frozen=True)
class Waybill:
    courier_code: str
    tracking_number: str


def _request(url: str, body: bytes) -> urllib.request.Request:
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json"}
    if parts.hostname and parts.hostname.endswith(".localhost"):
        headers["Host"] = parts.netloc
        url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1"))
    return urllib.request.Request(url, data=body, headers=headers, method="POST")


def replace_waybill(origins: Origins, app_key: str, courier_code: str, tracking_number: str,
                    timeout: float = 20.0) -> Waybill:
    """The provider's number for the supplier's parcel (the same one every time it is asked)."""
    body = json.dumps({"app_key": app_key, "courier_code": courier_code, "tracking_no": tracking_number}).encode()
    try:
        with urllib.request.urlopen(_request(origins.url(PROVIDER_HOST, REPLACE_PATH), body), timeout=timeout) as answer:
            data = json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:  # refusals come as 4xx with a JSON message
        try:
            data = json.loads(exc.read().decode("utf-8"))
        except ValueError:
            raise PlatformError(f"网络错误：双物流服务返回 HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise PlatformError(f"网络错误：双物流服务无法访问（{exc}）") from None
    if not data.get("success"):
        raise PlatformError(f"双物流换单失败：{data.get('message') or '未知原因'}")
    new = data.get("data") or {}
    code, number = str(new.get("courier_code") or ""), str(new.get("tracking_no") or "")
    if not code or not number:
        raise PlatformError("双物流换单失败：服务没有返回新的运单号")
    return Waybill(code, number)
