"""Where a driver sends its requests: the real sites, or the built-in 沙箱平台 on a local port.

A driver writes real hosts (`trade.taobao.com`); the sandbox serves the same paths on
`http://trade.taobao.localhost:<port>`, which Chromium resolves to loopback.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Origins:
    sandbox_port: int | None = None

    def __call__(self, host: str) -> str:
        if self.sandbox_port is None:
            return f"https://{host}"
        base = host[: -len(".com")] + ".localhost" if host.endswith(".com") else host
        return f"http://{base}:{self.sandbox_port}"

    def url(self, host: str, path: str) -> str:
        return self(host) + path

    def host_of(self, host: str) -> str:
        """The host name as the browser sees it (for cookie lookups)."""
        return self(host).split("//", 1)[1].split(":", 1)[0]
