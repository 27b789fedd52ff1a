"""Under the Content-Security-Policy every page works and the browser reports no violation; the
behaviour that used to be inline (pager, 选择时间段, 全选) runs from static/js/app.js, and a control
character typed into a dialog is refused beside the field with the dialog kept as typed."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_up

PAGES = ["订单管理", "店铺管理", "采购账号", "店铺售后", "利润统计", "数据大屏", "账号管理", "设置"]


def test_pages_run_under_the_csp_without_violations(live_app, page: Page):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_up(page, live_app.url)
    nav = page.get_by_role("navigation", name="主菜单")
    for label in PAGES:
        nav.get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)

    nav.get_by_role("link", name="订单管理").click()
    page.get_by_label("每页条数").select_option("50")  # the pager's select reloads with per_page
    expect(page).to_have_url(re.compile(r"per_page=50"))

    nav.get_by_role("link", name="店铺管理").click()
    page.get_by_label("选择时间段").select_option("custom")
    expect(page.get_by_label("开始时间")).to_be_visible()
    page.get_by_label("选择时间段").select_option("3")
    expect(page.get_by_label("开始时间")).to_be_hidden()

    page.get_by_role("button", name="新增店铺").click()
    dialog = page.get_by_role("dialog", name="新增店铺")
    dialog.get_by_label("店铺平台").select_option(label="淘宝")
    dialog.get_by_label("登录账号").fill("新店\u202egnp.exe")
    dialog.get_by_label("登录密码").fill("pw123456")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog.get_by_role("alert")).to_contain_text("文字方向控制符")
    expect(dialog.get_by_label("登录账号")).to_have_value("新店\u202egnp.exe")  # nothing typed is lost

    page.goto(live_app.url + "/password")
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    assert violations == []
