"""GBK where the real pages are GBK (FIDELITY.md): the legacy consign form and its answers, memo
answers, the 淘宝 order detail page. Their forms are read in GBK unless they say
``_input_charset=utf-8`` (as the memo posts of current clients do), so a client that sends UTF-8
without saying so stores garbled text here, as it would there.
"""
from __future__ import annotations

import codecs
from urllib.parse import parse_qsl

from flask import Response, render_template, request
from werkzeug.datastructures import MultiDict


def _js_escape(error: UnicodeEncodeError) -> tuple[str, int]:
    """A character GBK lacks (an emoji in a buyer message) becomes a JS ``\\uXXXX`` escape, which
    keeps the embedded ``JSON.parse('…')`` literal valid."""
    units = error.object[error.start:error.end].encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2)), error.end


codecs.register_error("sandbox_js_escape", _js_escape)


def gbk_page(template: str, status: int = 200, **context: object) -> Response:
    html = render_template(template, page_charset="gbk", **context)
    return Response(html.encode("gbk", "sandbox_js_escape"), status, content_type="text/html; charset=GBK")


def form_charset() -> str:
    """The charset a form post declares with ``_input_charset`` (query or body), GBK by default."""
    raw = request.get_data(cache=True).decode("latin-1")
    declared = request.args.get("_input_charset") or dict(parse_qsl(raw)).get("_input_charset", "")
    return "utf-8" if declared.lower().replace("-", "") == "utf8" else "gbk"


def decoded_form() -> MultiDict:
    """The posted form decoded in the charset it was sent in (see ``form_charset``)."""
    raw = request.get_data(cache=True).decode("latin-1")
    return MultiDict(parse_qsl(raw, keep_blank_values=True, encoding=form_charset(), errors="replace"))
