"""The Alibaba passport login form (login.taobao.com, its havanaone page, login.1688.com).

淘宝 shops, 淘宝/天猫/淘特 buyers and 1688 buyers all log in through the same form: account and
password, then maybe a slider (top page or ``iframe#baxia-dialog-content``) and a new-device SMS
page. One loop drives it for every driver; each driver says where a finished login lands.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dropship.platforms.base import BadCredentials, PlatformError

# Selectors of the real login pages, in one place.
SEL = {
    "login_id": "#fm-login-id",
    "login_password": "#fm-login-password",
    "login_error": ".login-error-msg",
    "slider": "#nocaptcha-password",
    "slider_text": "#nc_1__scale_text",
    "sms_button": "#J_GetCode",
}
SMS_PAGES = ("login_unusual", "identity_verify", "login_auth_intercept")

# verify(page, kind, solved): park the page for a person; raises NeedsVerification when unsolved.
Verify = Callable[[Any, str, Callable[[], bool]], None]


def cookie_value(context, origins, host: str, name: str) -> str:
    """A cookie of `host`'s site from the browser context (several are HttpOnly: never from the page)."""
    domain = origins.host_of(host)
    for cookie in context.cookies([origins(host)]):
        if cookie["name"] == name and domain.endswith(cookie["domain"].lstrip(".")):
            return cookie["value"]
    return ""


def password_login(page, login: str, password: str, *, landed: Callable[[], bool], verify: Verify,
                   throttle: Callable[[], object]) -> None:
    """Fill and submit the form on `page` (already on the login URL) until `landed()` is true."""
    page.fill(SEL["login_id"], login)
    page.fill(SEL["login_password"], password)
    submit(page, throttle)
    for _ in range(3):  # slider, then maybe SMS, then done
        if landed():
            break
        error = page.locator(SEL["login_error"])
        if error.count() and error.first.inner_text().strip():
            raise BadCredentials(error.first.inner_text().strip())
        kind, frame = challenge(page)
        if kind == "sms":
            verify(page, "sms", landed)
        elif kind == "slider":
            verify(page, "slider", lambda f=frame: slider_passed(f) or landed())
            if not landed():
                submit(page, throttle)
        else:
            raise PlatformError(f"登录后停在了未知页面：{page.url}")
    if not landed():
        raise PlatformError("登录未完成，请在验证中心或 打开后台 中查看")


def submit(page, throttle: Callable[[], object]) -> None:
    throttle()
    # "load" waits for the iframes too: the havanaone page opens its checks in one
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="登录").click()


def challenge(page) -> tuple[str, Any]:
    """Which check the login shows and in which frame: the top page (legacy login) or
    ``iframe#baxia-dialog-content`` (havanaone). ('', None) when there is none."""
    for frame in page.frames:  # the main frame comes first
        if any(mark in frame.url for mark in SMS_PAGES):
            return "sms", frame
        if frame.locator(SEL["slider"]).count():
            return "slider", frame
    return "", None


def slider_passed(frame) -> bool:
    text = frame.locator(SEL["slider_text"])
    return bool(text.count()) and "验证通过" in text.first.inner_text()
