"""设置 › 采购设置 › PDD 自定义收货信息 in Chromium: the 预览 follows what is typed (computed by the
server from the same rule a purchase uses), a look-alike digit is refused in the 预览 and on save,
and the saved settings come back after a reload — with no CSP violation."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_up


def test_the_preview_updates_as_you_type(live_app, page: Page):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_up(page, live_app.url)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="设置").click()
    page.get_by_role("navigation", name="设置分类").get_by_role("link", name="采购设置").click()
    form = page.locator("form[data-receiver-form]")
    preview = page.get_by_test_id("style-preview")
    expect(preview).to_have_text("12345678901")  # 不修改, plain digits

    expect(form.get_by_label("手机号前缀")).to_be_hidden()  # 动态 fields show when 动态 is chosen
    form.get_by_label("动态收货信息").check()
    expect(form.get_by_label("手机号前缀")).to_be_visible()
    expect(form.get_by_label("固定姓名：")).to_be_hidden()

    form.get_by_label("手机号前缀").press_sequentially("派件人请联系")
    expect(preview).to_have_text("派件人请联系12345678901")
    form.get_by_text("自定义真实手机号显示样式").click()
    form.get_by_label("1修改为：").fill("①")
    form.get_by_label("6修改为：").fill("⑥")
    form.get_by_label("9修改为：").fill("⑨")
    form.get_by_label("使用：").fill("-")
    expect(preview).to_have_text("派件人请联系①23-45⑥7-8⑨0①")  # the manual's 预览

    # the sample buyer as a 拼多多 supplier would get it, with 自动修改 on
    form.get_by_label("中间四位", exact=True).fill("0000")
    form.get_by_label("自动修改收货地址手机号（用上面的中间四位、后四位替换掉真实手机号）").check()
    table = page.get_by_test_id("receiver-preview-table")
    expect(table.get_by_role("row").nth(1)).to_contain_text("15000002124")
    expect(table.get_by_role("row").nth(1)).to_contain_text("皋兰路12号3栋502 派件人请联系①50-5485-2①24")

    # a digit that looks like another is refused in the 预览 as it is typed …
    form.get_by_label("2修改为：").fill("①")
    expect(page.get_by_test_id("preview-errors")).to_contain_text("数字 2 与数字 1 显示得一样")
    # … and on save, beside the field, with nothing saved
    form.get_by_role("button", name="保存收货信息设置").click()
    expect(page.get_by_role("alert").filter(has_text="数字 2 与数字 1 显示得一样")).to_be_visible()
    form.get_by_label("2修改为：").fill("2")
    expect(page.get_by_test_id("style-preview")).to_have_text("派件人请联系①23-45⑥7-8⑨0①")
    form.get_by_role("button", name="保存收货信息设置").click()
    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("style-preview")).to_have_text("派件人请联系①23-45⑥7-8⑨0①")
    expect(page.get_by_test_id("changes-receiver")).to_contain_text("派件人请联系")
    assert violations == []
