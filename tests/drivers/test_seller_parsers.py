"""The seller driver's pure parts: classifying what the site answered, and parsing its shapes
(including replays of the real captures in ../shared/reference/samples)."""
from __future__ import annotations

import pytest

from dropship.platforms.base import LoginRequired, NeedsVerification, PlatformError, RiskBlocked
from dropship.platforms.taobao_seller import _classify

PUNISH_HTML = ('<!DOCTYPE html><html><head></head><body><script>window.location.replace('
               '"https://trade.taobao.com//trade/itemlist/asyncSold.htm/_____tmd_____/punish?x5secdata=abc");'
               '</script></body></html>')


@pytest.mark.parametrize(("url", "status", "body", "expected"), [
    ("https://trade.taobao.com/trade/itemlist/asyncSold.htm", 200, PUNISH_HTML, RiskBlocked),
    ("https://trade.taobao.com/x", 200, '{"rgv587_flag":"sm","url":"//trade.taobao.com/x/_____tmd_____/punish?x5secdata=1"}',
     RiskBlocked),
    ("https://sec.taobao.com/query.htm?action=QueryAction&smReturn=x", 200, "<html>访问受限</html>", RiskBlocked),
    ("https://trade.taobao.com/x/_____tmd_____/punish?x5secdata=1", 200, "", RiskBlocked),
    ("https://wuliu2.taobao.com/user/getRealReceiverInfo", 200,
     '{"rgv587_flag":"sm","url":"https://wuliu2.taobao.com/user/getRealReceiverInfo/_____tmd_____/slide?x5secdata=1"}',
     NeedsVerification),
    ("https://login.taobao.com/havanaone/login/login.htm?bizName=taobao&redirectURL=x", 200, "", LoginRequired),
    ("https://login.taobao.com/member/login.jhtml?redirectURL=x", 0, "", LoginRequired),
    ("https://trade.taobao.com/x", 502, "<html>Bad Gateway</html>", PlatformError),
])
def test_classify_names_what_the_answer_means(url, status, body, expected):
    with pytest.raises(expected) as err:
        _classify(url, status, body)
    assert type(err.value) is expected  # RiskBlocked is never taken for an expired login, nor the reverse


def test_classify_lets_data_and_ordinary_pages_through():
    _classify("https://trade.taobao.com/trade/json/memoInfo.htm", 200, '{"tip": "x"}')
    _classify("https://trade.taobao.com/trade/itemlist/list_sold_items.htm", 200, "<html>已卖出的宝贝</html>")
