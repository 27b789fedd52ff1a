"""打开后台 on a PC without a screen: the shop's backend opens in a background browser and is used
from 验证中心's live view (any LAN PC), then closed there."""
import pytest
from playwright.sync_api import Page, expect

from dropship.platforms.browser import window_size
from tests.e2e.conftest import add_shop_ui, sign_up

WORKER_SIZE = window_size("shop-1")  # the first shop's profile keeps this window size


@pytest.fixture
def no_screen(monkeypatch):
    """The app runs in this process: without DISPLAY its worker has no screen, as on a headless server."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def _sold_link_position(page: Page, sb, login: str) -> dict:
    """Where 已卖出的宝贝 sits on the sandbox seller home at the worker's viewport."""
    probe = page.context.browser.new_context(viewport={"width": WORKER_SIZE[0], "height": WORKER_SIZE[1]})
    try:
        probe.add_cookies(sb.login_cookies(login))
        view = probe.new_page()
        view.goto(sb.origin("myseller.taobao.com") + "/home.htm")
        return view.get_by_role("link", name="已卖出的宝贝").bounding_box()
    finally:
        probe.close()


def test_open_backend_is_used_and_closed_from_the_verification_center(live_desk, sb, page: Page, no_screen):
    sb.add_seller("remote_e2e", "pw-e2e", "taobao")
    link = _sold_link_position(page, sb, "remote_e2e")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_up(page, live_desk.url)
    row = add_shop_ui(page, "remote_e2e", "pw-e2e")
    row.get_by_role("button", name="授权").click()
    expect(row.get_by_test_id("login-state")).to_have_text("正常", timeout=20_000)

    row.get_by_role("button", name="打开后台").click()
    page.get_by_role("status").get_by_role("link", name="到验证中心查看和操作").click()
    screen = page.get_by_role("img", name="后台页面实时画面")
    expect(screen).to_have_js_property("naturalWidth", WORKER_SIZE[0], timeout=20_000)
    title = page.get_by_test_id("page-title")
    expect(title).to_have_text("千牛卖家中心")

    box = screen.bounding_box()
    scale = box["width"] / WORKER_SIZE[0]
    page.mouse.click(box["x"] + (link["x"] + link["width"] / 2) * scale,
                     box["y"] + (link["y"] + link["height"] / 2) * scale)
    expect(title).to_have_text("已卖出的宝贝", timeout=20_000)  # the click went through to the backend

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="关闭").click()
    expect(page.get_by_role("status").filter(has_text="已关闭")).to_be_visible(timeout=10_000)

    # the job ended with the view, and 任务 says so
    page.get_by_text("任务", exact=True).click()
    jobs = page.locator("#jobs-list")
    expect(jobs.locator(".job").filter(has_text="打开后台 · remote_e2e")).to_contain_text("后台已关闭")

    # 授权 that succeeded offers 打开后台 right in its job, as the manual's next step
    authorized = jobs.locator(".job").filter(has_text="授权 · remote_e2e")
    expect(authorized).to_contain_text("授权成功")
    authorized.get_by_role("button", name="打开后台").click()
    jobs.get_by_role("link", name="到验证中心查看和操作").click()
    expect(page.get_by_test_id("page-title")).to_have_text("千牛卖家中心", timeout=20_000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="关闭").click()
    expect(page.get_by_role("status").filter(has_text="已关闭")).to_be_visible(timeout=10_000)
