"""采购账号 in a real browser: 新增淘宝账号 logs in through the sandbox and the row turns 在线; the 启用
switch posts and survives a reload; 全选 ticks every row; 删除账号 removes the selection."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_up


def test_add_enable_select_all_and_delete(live_desk, sb, page: Page):
    for login in ("tb_ui_1", "tb_ui_2"):
        sb.add_buyer("taobao", login, "buyer-pass-1")
    sign_up(page, live_desk.url)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="采购账号").click()
    for login in ("tb_ui_1", "tb_ui_2"):
        page.get_by_role("button", name="添加淘宝账号").click()
        dialog = page.get_by_role("dialog", name="新增淘宝账号")
        dialog.get_by_role("textbox", name="账号").fill(login)
        dialog.get_by_label("密码").fill("buyer-pass-1")
        dialog.get_by_role("button", name="保存").click()
        expect(dialog).to_be_hidden()
    for login in ("tb_ui_1", "tb_ui_2"):
        expect(page.get_by_role("row").filter(has_text=login).get_by_test_id("online")).to_have_text("在线",
                                                                                                      timeout=30_000)

    switch = page.get_by_label("启用 tb_ui_1")
    with page.expect_response(lambda r: r.url.endswith("/enabled")):
        switch.uncheck()
    page.reload()
    expect(page.get_by_label("启用 tb_ui_1")).not_to_be_checked()
    expect(page.get_by_label("启用 tb_ui_2")).to_be_checked()

    page.get_by_label("全选").check()
    expect(page.get_by_label("选择 tb_ui_1")).to_be_checked()
    expect(page.get_by_label("选择 tb_ui_2")).to_be_checked()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="删除账号").click()
    expect(page.get_by_role("status")).to_contain_text("已删除 2 个账号")
    expect(page.get_by_role("row").filter(has_text="tb_ui_1")).to_have_count(0)
