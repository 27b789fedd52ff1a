"""验证中心: a shop login stops at a slider in a background browser; a person finishes it from the
app's page with the mouse, and the login goes on."""
import re

from playwright.sync_api import Page, expect

from dropship.platforms.browser import window_size
from tests.e2e.conftest import add_shop_ui, sign_up
from tests.sandbox.conftest import BAXIA

WORKER_SIZE = window_size("shop-1")  # the first shop's profile keeps this window size


def _handle_position(page: Page, sb, login: str) -> dict:
    """Where the slider handle sits on the sandbox login page at the worker's viewport; the
    havanaone page shows it inside ``iframe#baxia-dialog-content``."""
    probe = page.context.browser.new_context(viewport={"width": WORKER_SIZE[0], "height": WORKER_SIZE[1]})
    try:
        view = probe.new_page()
        view.goto(sb.origin("login.taobao.com") + "/havanaone/login/login.htm?bizName=taobao")
        view.fill("#fm-login-id", login)
        view.fill("#fm-login-password", "not-needed")
        view.get_by_role("button", name="登录").click()
        return view.frame_locator(BAXIA).locator("#nc_1_n1z").bounding_box()
    finally:
        probe.close()


def test_slider_is_completed_through_the_verification_center(live_desk, sb, page: Page):
    sb.add_seller("slider_e2e", "pw-e2e", "taobao", slider_chance=1.0)
    handle = _handle_position(page, sb, "slider_e2e")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_up(page, live_desk.url)

    row = add_shop_ui(page, "slider_e2e", "pw-e2e")
    row.get_by_role("button", name="授权").click()

    expect(row.get_by_test_id("login-state")).to_have_text("需要验证", timeout=20_000)
    page.get_by_role("link", name=re.compile("验证中心")).click()
    page.get_by_role("link", name="去验证").click()
    screen = page.get_by_role("img", name="验证页面实时画面")
    expect(screen).to_have_js_property("naturalWidth", WORKER_SIZE[0], timeout=10_000)

    box = screen.bounding_box()
    scale = box["width"] / WORKER_SIZE[0]
    x = box["x"] + (handle["x"] + handle["width"] / 2) * scale
    y = box["y"] + (handle["y"] + handle["height"] / 2) * scale
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 300 * scale, y + 2, steps=30)
    page.mouse.up()

    expect(page.get_by_role("status").filter(has_text="验证通过")).to_be_visible(timeout=20_000)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="店铺管理").click()
    expect(page.get_by_role("row").filter(has_text="slider_e2e").get_by_test_id("login-state")).to_have_text(
        "正常", timeout=20_000)
