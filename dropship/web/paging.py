"""SQL paging for every list: LIMIT/OFFSET in the database, never slicing in Python."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request

PER_PAGE_CHOICES = (10, 20, 50, 100)


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int
    per_page: int
    next_after: str = ""  # 下一页 by keyset: the cursor after this page's last row ('' pages by OFFSET)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def window(self) -> list[int]:
        """Page numbers to show around the current one."""
        first = max(1, min(self.number - 3, self.pages - 6))
        return list(range(first, min(self.pages, first + 6) + 1))


def page_args() -> tuple[int, int]:
    """`page` and `per_page` from the query string, clamped to sane values."""
    try:
        number = max(1, min(int(request.args.get("page", 1)), 1_000_000))
    except ValueError:
        number = 1
    try:
        per_page = int(request.args.get("per_page", 10))
    except ValueError:
        per_page = 10
    return number, per_page if per_page in PER_PAGE_CHOICES else 10


def paginate(query, number: int | None = None, per_page: int | None = None, total: int | None = None) -> Page:
    if number is None or per_page is None:
        number, per_page = page_args()
    total = query.count() if total is None else total
    pages = max(1, -(-total // per_page))
    number = min(number, pages)
    items = list(query.paginate(number, per_page))
    return Page(items, total, number, per_page)
