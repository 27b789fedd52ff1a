"""订单管理's 下一页 continues after the last row shown (keyset): the same orders as counting an OFFSET,
for each sort that runs one way with the id, and a cursor that does not parse falls back to OFFSET."""
import re
from datetime import timedelta
from html import unescape

import pytest

from dropship.db import db
from tests.orders_factory import NOW, make_order, make_shop


def _tids(html: str) -> list[str]:
    return re.findall(r'class="order-card[^"]*" id="order-\d+" data-tid="(\d+)"', html)


def _next_link(html: str) -> str:
    return unescape(re.search(r'href="\?([^"]+)" aria-label="下一页"', html)[1])


@pytest.mark.parametrize("sort", ["newest", "oldest", "amount"])
def test_next_page_by_keyset_equals_the_offset_page(signed_in, sort):
    with db.connection_context():
        shop = make_shop()
        for n in range(25):  # equal times and amounts in pairs: the id breaks the ties
            make_order(shop, created_at=NOW.replace(microsecond=0) - timedelta(minutes=n // 2),
                       paid=1000 + n // 2 * 10)
    first = signed_in.get(f"/orders?sort={sort}").get_data(as_text=True)
    link = _next_link(first)
    assert "after=" in link and "page=2" in link
    second = signed_in.get(f"/orders?{link}").get_data(as_text=True)
    third = signed_in.get(f"/orders?{_next_link(second)}").get_data(as_text=True)
    assert _tids(second) == _tids(signed_in.get(f"/orders?sort={sort}&page=2").get_data(as_text=True))
    assert _tids(third) == _tids(signed_in.get(f"/orders?sort={sort}&page=3").get_data(as_text=True))
    assert len(set(_tids(first) + _tids(second) + _tids(third))) == 25
    assert 'aria-label="下一页"' not in third  # the last page has no 下一页
    assert "after=" not in re.search(r'href="\?([^"]+)" aria-label="上一页"', second)[1]  # only 下一页 carries it


def test_a_bad_cursor_pages_by_offset(signed_in):
    with db.connection_context():
        shop = make_shop()
        for _ in range(15):
            make_order(shop)
    offset = _tids(signed_in.get("/orders?page=2").get_data(as_text=True))
    for cursor in ("x|y", "2026-13-45|3", "12", "|"):
        response = signed_in.get(f"/orders?page=2&after={cursor}")
        assert response.status_code == 200 and _tids(response.get_data(as_text=True)) == offset
    assert "after=" not in _next_link(signed_in.get("/orders?sort=deadline").get_data(as_text=True))
