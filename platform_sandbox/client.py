"""Python's side of the sandbox's HTTP: it cannot resolve ``*.localhost``, so connect to
127.0.0.1 and send the platform host in the Host header."""
from __future__ import annotations

import http.client
import json as jsonlib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from .hosts import sandbox_host


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)  # from Set-Cookie

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def text(self) -> str:
        """The body decoded by the charset it declares (the legacy seller pages are GBK)."""
        declared = (self.header("Content-Type") or "").lower().partition("charset=")[2].split(";")[0].strip()
        return self.body.decode(declared or "utf-8")

    def json(self, **kw: Any) -> Any:
        return jsonlib.loads(self.text, **kw)



def request(port: int, method: str, url: str, *, params: dict | None = None, data: dict | None = None,
            json: Any = None, headers: dict | None = None, cookies: dict | None = None,
            timeout: float = 30) -> HttpResponse:
    """One HTTP request to a platform host, real (``https://trade.taobao.com/…``) or sandbox URL.

    Python cannot resolve ``*.localhost``, so this connects to 127.0.0.1 and sends the Host
    header. Redirects are returned, not followed.
    """
    parts = urlsplit(url if "//" in url else "http://" + url)
    path = parts.path or "/"
    query = "&".join(q for q in (parts.query, urlencode(params or {}, doseq=True)) if q)
    send = {"Host": f"{sandbox_host(parts.hostname or '127.0.0.1')}:{port}", **(headers or {})}
    body = None
    if json is not None:
        body, send["Content-Type"] = jsonlib.dumps(json).encode(), "application/json"
    elif data is not None:
        body, send["Content-Type"] = urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
    if cookies:
        send["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method.upper(), path + ("?" + query if query else ""), body=body, headers=send)
        response = connection.getresponse()
        headers_out = response.getheaders()
        payload = response.read()
    finally:
        connection.close()
    jar = SimpleCookie()
    for key, value in headers_out:
        if key.lower() == "set-cookie":
            jar.load(value)
    return HttpResponse(response.status, headers_out, payload, {k: m.value for k, m in jar.items()})

