"""充值卡充值 in the browser: tick a shop, paste a key, watch it recognised, 确定充值 extends 截止日期."""
import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Page, expect

from dropship.services import billing
from tests.e2e.conftest import add_shop_ui, sign_up


def test_recharge_dialog_recognises_and_redeems_a_key(live_app, page: Page, monkeypatch):
    vendor = Ed25519PrivateKey.generate()
    raw = vendor.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    monkeypatch.setattr(billing, "VENDOR_PUBLIC_KEY", base64.b64encode(raw).decode())  # the app runs in-process
    sign_up(page, live_app.url)
    add_shop_ui(page, "充值小店", "pw-123456")
    page.get_by_role("link", name="充值中心").click()
    row = page.get_by_role("row").filter(has_text="充值小店")
    before = row.get_by_role("cell").nth(6).text_content()
    row.get_by_label("选择 充值小店").check()
    page.get_by_role("button", name="充值卡充值").click()
    dialog = page.get_by_role("dialog", name="充值卡充值")
    expect(dialog.get_by_text("0个卡密有效，还需要1个卡密")).to_be_visible()
    dialog.get_by_label("充值卡密").fill(f"坏的卡密\n{billing.mint(vendor, 30)}")
    expect(dialog.get_by_text("1个卡密有效，还需要0个卡密")).to_be_visible()
    expect(dialog.get_by_text(billing.MALFORMED)).to_be_visible()
    dialog.get_by_role("button", name="确定充值").click()
    expect(page.get_by_text("充值成功：充值小店 +30天")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(row.get_by_role("cell").nth(6)).not_to_have_text(before)
