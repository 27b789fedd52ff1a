"""拼多多 purchase account (mobile web): identity, session check, phone + SMS login, token login.

PDD answers on two hosts, mobile.yangkeduo.com and mobile.pinduoduo.com, whose cookies do not
carry across (FIDELITY.md): everything here happens on yangkeduo, where the orders and the
checkout live, and a token is set as the ``PDDAccessToken`` cookie of that family only.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dropship.platforms.base import (
    BadCredentials,
    LoginRequired,
    NeedsVerification,
    PlatformError,
    RiskBlocked,
    ShopIdentity,
)
from dropship.platforms.origins import Origins

Verifier = Callable[[Any, str, Callable[[], bool]], bool]

HOST = "mobile.yangkeduo.com"
SEL = {
    "phone_login": "#phone-login",
    "mobile": "#user-mobile",
    "code": "#input-code",
    "code_button": "#code-button",
    "submit": "#submit-button",
    "error": "#login-error",
    "user_id": "#user-id",
    "user_name": "#user-name",
}
RISK_PAGES = ("psnl_verification",)
SEND_CODE_PATH = "/proxy/api/login/send_code"  # the login page's own JSON (paths: sandbox assumption)
LOGIN_PATH = "/proxy/api/login"
EXPIRED = "拼多多登录已失效，请点“重新授权”"


def _json(response) -> dict:
    try:
        data = response.json()
    except Exception:  # noqa: BLE001 - an HTML error page instead of JSON
        raise PlatformError(f"拼多多登录接口返回了非 JSON 内容（HTTP {response.status}）") from None
    return data if isinstance(data, dict) else {}


class PddBuyer:
    def __init__(self, context, origins: Origins, throttle: Callable[[str], object] = lambda host: None,
                 verifier: Verifier | None = None) -> None:
        self.context = context
        self.origins = origins
        self.throttle = throttle
        self.verifier = verifier

    def _url(self, path: str) -> str:
        return self.origins.url(HOST, path)

    def _cookie_domain(self) -> str:
        """The cookie family of the yangkeduo host (``.yangkeduo.com``), where the site keeps its cookies."""
        host = self.origins.host_of(HOST)
        return "." + ".".join(host.split(".")[-2:])

    def _cookie(self, name: str) -> str:
        for cookie in self.context.cookies([self.origins(HOST)]):
            if cookie["name"] == name:
                return cookie["value"]
        return ""

    def whoami(self) -> ShopIdentity | None:
        user_id = self._cookie("pdd_user_id")
        if not self._cookie("PDDAccessToken"):
            return None
        return ShopIdentity(user_id=user_id, login=user_id)

    def check_session(self) -> ShopIdentity:
        """The cheap read: 个人中心 names the user; the login page means the session is gone."""
        if not self._cookie("PDDAccessToken"):
            raise LoginRequired("拼多多账号未登录，请点“重新授权”")
        page = self.context.new_page()
        try:
            self.throttle(HOST)
            page.goto(self._url("/personal.html"), wait_until="domcontentloaded")
            return self._identity(page)
        finally:
            page.close()

    def _identity(self, page) -> ShopIdentity:
        if "login.html" in page.url:
            raise LoginRequired(EXPIRED)
        if any(mark in page.url for mark in RISK_PAGES):
            raise RiskBlocked("拼多多风控验证（psnl_verification），请稍后再试")
        user = page.locator(SEL["user_id"])
        if not user.count():
            raise PlatformError(f"拼多多个人中心打不开：{page.url}")
        user_id = user.first.inner_text().strip()
        nick = page.locator(SEL["user_name"]).first.inner_text().strip()
        return ShopIdentity(user_id=user_id, login=user_id, nick=nick)

    def use_token(self, token: str) -> ShopIdentity:
        """Log in with an imported ``PDDAccessToken``; BadCredentials when the platform refuses it."""
        self.context.clear_cookies()  # a token names the whole session: nothing of another account may stay
        self.context.add_cookies([{"name": "PDDAccessToken", "value": token, "domain": self._cookie_domain(),
                                   "path": "/"}])
        try:
            identity = self.check_session()
        except LoginRequired:
            self.context.clear_cookies()
            raise BadCredentials("Token 无效或已过期（平台拒绝）") from None
        self.context.add_cookies([{"name": "pdd_user_id", "value": identity.user_id,
                                   "domain": self._cookie_domain(), "path": "/"}])
        return identity

    def _login_page(self, phone: str):
        page = self.context.new_page()
        self.throttle(HOST)
        page.goto(self._url("/login.html"), wait_until="domcontentloaded")
        page.click(SEL["phone_login"])
        page.fill(SEL["mobile"], phone)
        return page

    def _error(self, page) -> str:
        error = page.locator(SEL["error"])
        return error.first.inner_text().strip() if error.count() else ""

    def _request_code(self, page) -> None:
        """Click 获取验证码 and read the site's own answer to it."""
        self.throttle(HOST)
        with page.expect_response(lambda r: r.url.split("?")[0].endswith(SEND_CODE_PATH)) as answer:
            page.click(SEL["code_button"])
        data = _json(answer.value)
        if not data.get("success"):
            raise BadCredentials(str(data.get("error_msg") or "验证码发送失败"))

    def send_code(self, phone: str) -> None:
        """获取验证码: the platform texts a login code to `phone`."""
        page = self._login_page(phone)
        try:
            self._request_code(page)
        finally:
            page.close()

    def login(self, phone: str, code: str = "") -> ShopIdentity:
        """Phone + SMS login. With `code` (typed in our dialog) it is submitted; without, a code is
        requested and the page is parked in 验证中心 for a person to type it."""
        page = self._login_page(phone)
        try:
            if code:
                page.fill(SEL["code"], code)
                self.throttle(HOST)
                with page.expect_response(lambda r: r.url.split("?")[0].endswith(LOGIN_PATH)) as answer:
                    page.click(SEL["submit"])
                try:
                    data = answer.value.json()
                except Exception:  # noqa: BLE001 - a success moves the page on before its body can be read
                    data = {"access_token": True}
                if not isinstance(data, dict) or not data.get("access_token"):
                    raise BadCredentials(str(isinstance(data, dict) and data.get("error_msg") or "验证码错误或已过期"))
                page.wait_for_url(lambda url: "login.html" not in url)
            else:
                self._request_code(page)
                if self.verifier is None or not self.verifier(page, "sms", lambda: "login.html" not in page.url):
                    raise NeedsVerification("sms", url=page.url)
            page.wait_for_load_state("domcontentloaded")
            return self._identity(page)
        finally:
            page.close()

    def open_home(self):
        page = self.context.new_page()
        page.goto(self._url("/personal.html"), wait_until="domcontentloaded")
        return page

    def close(self) -> None:
        for page in list(self.context.pages):
            if not page.is_closed():
                page.close()
