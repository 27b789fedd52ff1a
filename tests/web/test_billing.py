"""充值中心 over HTTP: the shop table with 服务状态 and why a shop stopped, 充值卡充值's dialog and live
recognition, 确定充值 all or nothing, main account only; 已到期 shown in 店铺管理 too; 新店铺试用天数 in 设置."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta

import lxml.html
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dropship.db import db
from dropship.models import RedeemedCard, Shop
from dropship.services import billing
from dropship.services.team import ALL_CODES
from dropship.web import shops as shops_web
from tests.helpers import become_employee, post
from tests.orders_factory import make_shop

VENDOR = Ed25519PrivateKey.generate()


@pytest.fixture
def desk(app, signed_in):
    """The main account, with card keys checked against this test's own vendor key; two shops, one 已到期."""
    raw = VENDOR.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    app.config["CARD_PUBLIC_KEY"] = base64.b64encode(raw).decode()
    with db.connection_context():
        live, old = make_shop("在期小店"), make_shop("到期小店")
        Shop.update(service_until=datetime.now() - timedelta(days=1)).where(Shop.id == old.id).execute()
    return signed_in, live.id, old.id


def _form(shop_ids, keys: str = "") -> dict:
    return {"shop_ids": [str(i) for i in shop_ids], "keys": keys}


def _text(response) -> str:
    return lxml.html.fromstring(response.get_data(as_text=True)).text_content()


def test_the_table_shows_each_shops_service_and_why_an_expired_one_stopped(desk):
    client, _, _ = desk
    for path in ("/billing", "/shops"):
        doc = lxml.html.fromstring(client.get(path).get_data(as_text=True))
        states = [" ".join(td.text_content().split()) for td in doc.xpath("//td[@data-testid='service-state']")]
        assert states[0] == "正常" and states[1].startswith("已到期 已停止获取订单、自动采购和自动发货"), path
        (tag,) = doc.xpath("//td[@data-testid='service-state']//span[text()='已到期']")
        assert "到期" in tag.get("title") and "已有订单仍可查看" in tag.get("title")


def test_the_dialog_needs_ticked_shops_and_recognises_keys_as_they_are_pasted(desk):
    client, live, old = desk
    response = client.get("/billing/recharge")
    assert response.status_code == 400 and "请先勾选要充值的店铺" in _text(response)
    text = _text(client.get(f"/billing/recharge?shop_ids={live}&shop_ids={old}"))
    assert "需要2个卡密" in text and "0个卡密有效，还需要2个卡密" in text

    card, foreign = billing.mint(VENDOR, 30), billing.mint(Ed25519PrivateKey.generate(), 30)
    response = post(client, "/billing/recognise", _form([live, old], f"{card}\n{foreign}\nabc"), token_page="/billing")
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    assert response.status_code == 200 and "1个卡密有效，还需要1个卡密" in doc.text_content()
    rows = [[td.text_content().strip() for td in tr.xpath("td")] for tr in doc.xpath("//table[1]/tbody/tr")]
    assert rows[0][:2] == ["1", "在期小店"] and rows[0][3] == "30天"
    reasons = [tr.xpath("td")[2].text_content() for tr in doc.xpath("//table[@data-testid='refused-keys']/tbody/tr")]
    assert reasons == ["不是本软件的卡密（签发密钥不符）", billing.MALFORMED]
    response = post(client, "/billing/recognise", _form([live], "x\n" * 501), token_page="/billing")
    assert response.status_code == 400 and "一次最多粘贴 500 个卡密" in _text(response)


def test_confirming_extends_both_shops_once_and_a_short_batch_changes_nothing(desk):
    client, live, old = desk
    first, second = billing.mint(VENDOR, 30, points=3), billing.mint(VENDOR, 90)
    response = post(client, "/billing/redeem", _form([live, old], first), token_page="/billing")
    assert response.status_code == 400 and "1个卡密有效，还需要1个卡密，请补齐后再确定充值" in _text(response)
    with db.connection_context():
        assert RedeemedCard.select().count() == 0 and Shop.get_by_id(old).service_until < datetime.now()

    response = post(client, "/billing/redeem", _form([live, old], f"{first}\n{second}"), token_page="/billing")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "close-dialog"
    assert "充值成功：在期小店 +30天、到期小店 +90天" in _text(response)
    with db.connection_context():
        shops = {s.id: s for s in Shop.select()}
        assert shops[live].points == 3 and billing.in_service(shops[old])
        assert shops[old].service_until > datetime.now() + timedelta(days=89)

    response = post(client, "/billing/redeem", _form([old], second), token_page="/billing")
    assert response.status_code == 400 and "卡密已使用过" in _text(response)
    with db.connection_context():
        assert RedeemedCard.select().count() == 2


def test_an_expired_shop_cannot_start_fetching_until_it_is_recharged(desk, monkeypatch):
    client, _, old = desk
    queued = []  # the fetch itself is a driver test's business
    monkeypatch.setattr(shops_web, "start_unique_job", lambda kind, title, **kw: queued.append(kw["shop_id"]))
    response = post(client, "/shops/fetch/start", {"days": "3", "shop_ids": str(old)}, token_page="/shops")
    assert response.status_code == 400 and "服务已到期，请先在充值中心续费" in _text(response)
    assert post(client, "/billing/redeem", _form([old], billing.mint(VENDOR, 7)), token_page="/billing").status_code == 200
    response = post(client, "/shops/fetch/start", {"days": "3", "shop_ids": str(old)}, token_page="/shops")
    assert response.status_code == 200 and queued == [old]


def test_only_the_main_account_uses_the_recharge_center(desk):
    client, live, _ = desk
    become_employee(client, list(ALL_CODES), shops=(live,))
    assert client.get("/billing").status_code == 403
    response = post(client, "/billing/redeem", _form([live], billing.mint(VENDOR, 30)), token_page="/orders")
    assert response.status_code == 403
    with db.connection_context():
        assert RedeemedCard.select().count() == 0


def test_the_trial_setting_decides_a_new_shops_service_time(signed_in):
    response = post(signed_in, "/settings/orders", {"trial_days": "31"}, token_page="/settings/orders")
    assert response.status_code == 400 and "请输入 0 到 30 之间的整数" in _text(response)
    assert post(signed_in, "/settings/orders", {"trial_days": "2"}, token_page="/settings/orders").status_code == 200
    post(signed_in, "/shops", {"platform": "taobao", "login": "新店", "password": "pw"}, token_page="/shops")
    with db.connection_context():
        left = Shop.get().service_until - datetime.now()
    assert timedelta(days=1, hours=23) < left <= timedelta(days=2)
