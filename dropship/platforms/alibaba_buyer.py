"""1688 purchase account: the same passport form on login.1688.com, its own cookie family (.1688.com),
and the buyer order list as the cheap read."""
from __future__ import annotations

from dropship.platforms.taobao_buyer import TaobaoBuyer


class AlibabaBuyer(TaobaoBuyer):
    LOGIN_HOST = "login.1688.com"
    LOGIN_PATH = "/member/signin.htm"
    HOME_HOST = "air.1688.com"
    HOME_PATH = "/app/ctf-page/trade-order-list/buyer-order-list.html"
