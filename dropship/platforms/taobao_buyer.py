"""淘宝 / 天猫 / 淘特 purchase account (buyer side): identity, session check and password login.

The buying itself comes later; this part answers "who is this profile logged in as, and does the
session still work", with the passport form shared with the seller driver. A cheap read is the
buyer home (我的淘宝): an expired session is sent to the login host, a risk sign to a punish page.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

from dropship.platforms import passport
from dropship.platforms.base import LoginRequired, NeedsVerification, PlatformError, ShopIdentity
from dropship.platforms.origins import Origins
from dropship.platforms.taobao_seller import classify

# Verifier: park `page` for a person until `solved()` is true; returns whether it was solved.
Verifier = Callable[[Any, str, Callable[[], bool]], bool]


class TaobaoBuyer:
    """A purchase account on the 淘宝 account system (淘宝, 天猫 and 淘特 share it)."""

    LOGIN_HOST = "login.taobao.com"
    LOGIN_PATH = "/member/login.jhtml"
    HOME_HOST = "i.taobao.com"
    HOME_PATH = "/my_taobao.htm"
    EXPIRED = "采购账号登录已失效，请点“重新授权”"

    def __init__(self, context, origins: Origins, platform: str = "taobao",
                 throttle: Callable[[str], object] = lambda host: None, verifier: Verifier | None = None) -> None:
        self.context = context
        self.origins = origins
        self.platform = platform
        self.throttle = throttle
        self.verifier = verifier

    def _cookie(self, name: str) -> str:
        return passport.cookie_value(self.context, self.origins, self.LOGIN_HOST, name)

    def _home_url(self) -> str:
        return self.origins.url(self.HOME_HOST, self.HOME_PATH)

    def whoami(self) -> ShopIdentity | None:
        """Who the profile's cookies say we are (`unb`, `tracknick`); None when not logged in."""
        user_id = self._cookie("unb")
        if not user_id:
            return None
        nick = unquote(self._cookie("tracknick"))
        return ShopIdentity(user_id=user_id, login=nick, nick=nick)

    def check_session(self) -> ShopIdentity:
        """The cheap read: open the buyer home; LoginRequired / RiskBlocked / NeedsVerification otherwise."""
        identity = self.whoami()
        if identity is None:
            raise LoginRequired("采购账号未登录，请点“重新授权”")
        page = self.context.new_page()
        try:
            self.throttle(self.HOME_HOST)
            response = page.goto(self._home_url(), wait_until="domcontentloaded")
            try:
                classify(page.url, response.status if response else 0, page.content())
            except LoginRequired:
                raise LoginRequired(self.EXPIRED) from None
            if self.origins.host_of(self.HOME_HOST) not in page.url:
                raise PlatformError(f"采购账号首页打不开：{page.url}")
        finally:
            page.close()
        return identity

    def login(self, login: str, password: str) -> ShopIdentity:
        page = self.context.new_page()
        home = self.origins.host_of(self.HOME_HOST)
        try:
            self.throttle(self.LOGIN_HOST)
            page.goto(f"{self.origins.url(self.LOGIN_HOST, self.LOGIN_PATH)}?redirectURL={quote(self._home_url(), safe='')}",
                      wait_until="domcontentloaded")
            passport.password_login(page, login, password, landed=lambda: home in page.url, verify=self._verify,
                                    throttle=lambda: self.throttle(self.LOGIN_HOST))
        finally:
            page.close()
        identity = self.whoami()
        if identity is None:
            raise PlatformError("登录后没有拿到账号身份（unb），请重试")
        return identity

    def _verify(self, page, kind: str, solved: Callable[[], bool]) -> None:
        if self.verifier is None or not self.verifier(page, kind, solved):
            raise NeedsVerification(kind, url=page.url)

    def open_home(self):
        """打开后台: a new page on the buyer home (the caller keeps it open for a person)."""
        page = self.context.new_page()
        page.goto(self._home_url(), wait_until="domcontentloaded")
        return page

    def close(self) -> None:
        for page in list(self.context.pages):
            if not page.is_closed():
                page.close()
