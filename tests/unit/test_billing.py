"""充值中心's rules: card keys (valid, tampered, wrong key, malformed, reused), the recognition of a pasted
batch, extending 截止日期 all or nothing, concurrent redemption of one key, and the one 已到期 rule that
stops fetching, 自动采购 and 自动发货."""
from __future__ import annotations

import base64
import threading
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dropship import billing as cli
from dropship.db import db
from dropship.errors import FieldError, UserError
from dropship.models import RedeemedCard, Shop
from dropship.services import billing, shops
from dropship.services.purchase_settings import ShippingSettings
from dropship.services.purchasing import auto
from dropship.services.settings import set_setting
from dropship.services.shipping import plan_shipments
from tests.orders_factory import buy, make_order, make_shop, orders_app, orders_db  # noqa: F401

NOW = datetime(2026, 11, 27, 12, 0)
VENDOR = Ed25519PrivateKey.generate()
PUBLIC = VENDOR.public_key()


def key(days: int = 30, points: int = 0, signer: Ed25519PrivateKey = VENDOR) -> str:
    return billing.mint(signer, days, points)


def reason(text: str) -> str:
    with pytest.raises(billing.CardError) as err:
        billing.parse_card(text, PUBLIC)
    return str(err.value)


def read(text: str, needed: int, used: tuple[str, ...] = ()) -> billing.Recognition:
    return billing.recognise(billing.read_lines(text, PUBLIC), needed, used)


# -- keys and recognition (no database) -----------------------------------------------------------

def test_a_valid_key_carries_its_days_points_and_a_unique_serial():
    first, second = key(30, points=5), key(30)
    card = billing.parse_card(f"  {first}\t", PUBLIC)
    assert (card.days, card.points, card.text) == (30, 5, first)
    assert card.serial != billing.parse_card(second, PUBLIC).serial


def test_tampered_wrong_key_and_malformed_keys_say_why():
    good = key(30)
    raw = bytearray(base64.urlsafe_b64decode(good[4:] + "=="))
    raw[13] ^= 1  # the serial/days area: a key edited to be worth more
    tampered = "DSK-" + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert "签名不符" in reason(tampered)
    assert "签发密钥不符" in reason(key(30, signer=Ed25519PrivateKey.generate()))
    for broken in (good[:-3], good[4:], "DSK-!!!", "随便写的", good + "AAAA"):
        assert "格式不正确" in reason(broken), broken


def test_recognition_gives_one_key_per_shop_and_lists_the_rest_with_reasons():
    a, b, c = key(30), key(90, points=2), key(7)
    used = billing.parse_card(c, PUBLIC).serial
    batch = read(f"{a}\n\n乱码\n{a}\n{c}\n{b}\n", needed=3, used=(used,))
    assert [card.days for card in batch.cards] == [30, 90]
    assert batch.summary == "2个卡密有效，还需要1个卡密" and not batch.ready
    assert [(p.line, p.reason) for p in batch.problems] == [
        (3, billing.MALFORMED), (4, "重复的卡密（本次已填过）"), (5, "卡密已使用过")]
    extra = read(f"{a}\n{b}", needed=1)
    assert extra.ready and extra.summary == "1个卡密有效，还需要0个卡密"
    assert "多于勾选的店铺" in extra.problems[0].reason
    assert read("", needed=2).summary == "0个卡密有效，还需要2个卡密"


def test_a_paste_has_a_size_limit():
    with pytest.raises(FieldError, match="一次最多粘贴"):
        billing.read_lines("x\n" * (billing.MAX_LINES + 1), PUBLIC)
    (line,) = billing.read_lines("A" * 5000, PUBLIC)
    assert line.card is None and len(line.text) == billing.MAX_LINE + 1


def test_days_add_to_what_is_left_or_to_now_when_expired():
    assert billing.extended_until(NOW + timedelta(days=3), NOW, 30) == NOW + timedelta(days=33)
    assert billing.extended_until(NOW - timedelta(days=3), NOW, 30) == NOW + timedelta(days=30)


def test_the_vendor_tool_makes_a_key_pair_and_keys_the_public_half_verifies(tmp_path, capsys):
    pem = tmp_path / "vendor.pem"
    assert cli.main(["keygen", "--out", str(pem)]) == 0
    public = billing.load_public_key(capsys.readouterr().out.rsplit(" ", 1)[1].strip())
    with pytest.raises(SystemExit):  # never overwrites a vendor key
        cli.main(["keygen", "--out", str(pem)])
    capsys.readouterr()
    assert cli.main(["mint", "--days", "30", "--count", "3", "--points", "1", "--key", str(pem)]) == 0
    cards = [billing.parse_card(line, public) for line in capsys.readouterr().out.splitlines()]
    assert [(c.days, c.points) for c in cards] == [(30, 1)] * 3 and len({c.serial for c in cards}) == 3
    assert "签发密钥不符" in reason(billing.mint(cli.load_private_key(pem), 30))


# -- service time on stored shops -----------------------------------------------------------------

@pytest.mark.usefixtures("orders_db")
def test_a_shop_without_a_date_is_on_trial_from_when_it_was_added_and_the_setting_decides():
    shop = make_shop()
    Shop.update(created_at=NOW - timedelta(days=5)).where(Shop.id == shop.id).execute()
    shop = Shop.get_by_id(shop.id)
    assert billing.in_service(shop, NOW)  # the 7-day default trial
    set_setting("billing.trial_days", "3")
    assert not billing.in_service(shop, NOW)
    assert billing.expired_reason(shop, NOW).startswith(f"服务已到期（截止 {NOW - timedelta(days=2):%Y-%m-%d %H:%M}）：")
    added = shops.add_shop("taobao", "新店", "pw")
    assert added.service_until - datetime.now() < timedelta(days=3, minutes=1)


@pytest.mark.usefixtures("orders_db")
def test_redeeming_extends_every_ticked_shop_at_once_and_a_key_works_once():
    old, fresh = make_shop("老店"), make_shop("新店")
    Shop.update(service_until=NOW - timedelta(days=1)).where(Shop.id == old.id).execute()
    Shop.update(service_until=NOW + timedelta(days=2)).where(Shop.id == fresh.id).execute()
    a, b = key(30, points=4), key(90)
    billing.redeem([Shop.get_by_id(fresh.id), Shop.get_by_id(old.id)], f"{a}\n{b}", PUBLIC, None, now=NOW)
    old, fresh = Shop.get_by_id(old.id), Shop.get_by_id(fresh.id)
    assert (old.service_until, old.points) == (NOW + timedelta(days=30), 4)  # shops by id, keys in paste order
    assert fresh.service_until == NOW + timedelta(days=92)
    assert RedeemedCard.select().count() == 2

    with pytest.raises(FieldError, match="0个卡密有效"):
        billing.redeem([old], a, PUBLIC, None, now=NOW)
    with pytest.raises(FieldError, match="1个卡密有效，还需要1个卡密"):  # all or nothing
        billing.redeem([old, fresh], key(30), PUBLIC, None, now=NOW)
    assert Shop.get_by_id(old.id).service_until == NOW + timedelta(days=30) and RedeemedCard.select().count() == 2


@pytest.mark.usefixtures("orders_db")
def test_a_key_spent_by_another_session_after_the_check_changes_nothing(monkeypatch):
    shop = make_shop()
    card = key(30)
    checked = billing.check_batch

    def other_session_wins(*args):
        batch = checked(*args)  # the check passed; then the other session's insert lands
        RedeemedCard.create(serial=batch.cards[0].serial, shop=shop.id, days=30, service_until=NOW)
        return batch

    monkeypatch.setattr(billing, "check_batch", other_session_wins)
    with pytest.raises(UserError, match="刚刚已被使用"):
        billing.redeem([shop], card, PUBLIC, None, now=NOW)
    assert Shop.get_by_id(shop.id).service_until is None


# -- 已到期 stops what runs on its own --------------------------------------------------------------

@pytest.mark.usefixtures("orders_db")
def test_an_expired_shop_neither_buys_nor_ships_automatically():
    live, expired = make_shop("在期"), make_shop("到期")
    Shop.update(auto_purchase=True, fetch_state="fetching", auto_purchase_since=NOW).execute()
    Shop.update(service_until=datetime.now() - timedelta(minutes=1)).where(Shop.id == expired.id).execute()
    assert [s.id for s in auto.switched_on([live.id, expired.id])] == [live.id]

    orders = [make_order(Shop.get_by_id(s.id)) for s in (live, expired)]
    for number, order in enumerate(orders):
        buy(order, courier="中通快递", tracking_number=f"7312345678901{number}")
    planned = plan_shipments([o.id for o in orders], ShippingSettings())
    assert [s.order_id for s in planned] == [orders[0].id]


# Last in the module: it makes its own app (a real file two connections share), which the module's
# orders_db tests would otherwise run on.
def test_two_sessions_redeeming_the_same_key_exactly_one_wins(app):
    with db.connection_context():
        shop_a, shop_b = make_shop("甲店"), make_shop("乙店")
        Shop.update(service_until=NOW).execute()
    card, outcomes = key(30), []
    start = threading.Barrier(2)

    def session(shop: Shop) -> None:
        with db.connection_context():  # its own connection to the same SQLite file
            start.wait()
            try:
                billing.redeem([shop], card, PUBLIC, None, now=NOW)
                outcomes.append("won")
            except (FieldError, UserError):
                outcomes.append("refused")

    threads = [threading.Thread(target=session, args=(s,)) for s in (shop_a, shop_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused", "won"]
    with db.connection_context():
        (redeemed,) = RedeemedCard.select()
        until = {s.id: s.service_until for s in Shop.select()}
    assert sorted(until.values()) == [NOW, NOW + timedelta(days=30)] and until[redeemed.shop_id] > NOW
