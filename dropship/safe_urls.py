"""Which platform URLs may become a link or an image: http(s) only (a neutral module: drivers parse with
it, templates render with it, and it imports nothing of ours)."""
from __future__ import annotations

import re

_HTTP_URL = re.compile(r"(?:https?:)?//[^/?#\\]+(?:[/?#].*)?", re.IGNORECASE | re.DOTALL)


def http_url(value: str) -> str:
    """`value` if it is a web address a browser opens as http(s), else "" — never `javascript:`, `data:`
    or anything a browser would read as a scheme after stripping spaces and control characters."""
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in value) or len(value) > 2000:
        return ""
    return value if _HTTP_URL.fullmatch(value) else ""
