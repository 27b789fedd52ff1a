"""What reaches the web layer from outside, parsed in one place: database ids in paths and forms, and
platform URLs on their way into an href.

Ids: SQLite (and PostgreSQL) integers are signed 64-bit; a bigger number in a query raises
OverflowError, i.e. a 500. A path id is a `<dbid:name>` (1 … 2^63−1, anything else is a 404) and a
form's id list goes through `form_ids` (anything else is a 400 with a Chinese message).
"""
from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

from dropship.safe_urls import http_url

MAX_DB_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: int() would also take "٣" and " 12_3 "


def parse_db_id(text: object) -> int | None:
    """A row id as typed in a path or form, or None when it cannot be one."""
    value = str(text)
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_DB_ID else None


class DbIdConverter(BaseConverter):
    """`<dbid:order_id>`: a row id the database can hold; 404 otherwise."""

    regex = r"[0-9]{1,19}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_db_id(value)
        if number is None:
            # NotFound, not ValidationError: that would let the router answer 405 when a sibling rule
            # with another method matched the same path
            raise NotFound()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


def form_ids(name: str, label: str, limit: int) -> list[int]:
    """The ids ticked in a form (`name` repeated), at most `limit` of them; 400 if any is not an id."""
    values = request.values.getlist(name)[:limit]
    ids = [parse_db_id(v) for v in values]
    if any(i is None for i in ids):
        abort(400, description=f"{label}选择无效，请刷新页面后重新勾选")
    return [i for i in ids if i is not None]


def platform_href(url: object) -> str:
    """Template filter for every platform URL that becomes an href or src: http(s) or nothing."""
    return http_url(str(url or ""))


def init_inputs(app: Flask) -> None:
    """Register the converter (before any blueprint's rules are added)."""
    app.url_map.converters["dbid"] = DbIdConverter
