from datetime import date, datetime, timedelta

import pytest

from dropship.db import db
from dropship.errors import FieldError, UserError
from dropship.models import Order, OrderItem, Shop, ShopDailyStat
from dropship.platforms.base import (
    BadCredentials,
    LoginRequired,
    NeedsVerification,
    PlatformError,
    Receiver,
    RemoteItem,
    RemoteOrder,
    RiskBlocked,
)
from dropship.services import shops
from dropship.services.fetching import upsert_remote_orders
from dropship.services.receiver import real_receiver, store_receiver, validate_manual
from dropship.services.scope import Scope

NOW = datetime(2026, 11, 26, 12, 0, 0)
ALL = Scope.everything()


@pytest.fixture(autouse=True)
def _db(app):
    with db.connection_context():
        yield


def test_add_shop_encrypts_password_and_refuses_duplicates():
    shop = shops.add_shop("taote", " tb61182597 ", "pw-123")
    assert shop.login == "tb61182597" and Shop.get_by_id(shop.id).password == "pw-123"
    raw = db.execute_sql("select password from shop where id = ?", (shop.id,)).fetchone()[0]
    assert "pw-123" not in raw
    with pytest.raises(FieldError) as err:
        shops.add_shop("taote", "TB61182597", "x")
    assert err.value.field == "login" and "已经添加过了" in str(err.value)
    assert shops.add_shop("taobao", "tb61182597", "x")  # same login on another platform is another shop


@pytest.mark.parametrize("platform,login,password,field", [
    ("jd", "a", "b", "platform"), ("taobao", "  ", "b", "login"), ("taobao", "a", "", "password"),
    ("taobao", "a" * 65, "b", "login"), ("taobao", "a:b:c", "b", "login"),
])
def test_add_shop_bad_input(platform, login, password, field):
    with pytest.raises(FieldError) as err:
        shops.add_shop(platform, login, password)
    assert err.value.field == field
    assert Shop.select().count() == 0


def test_edit_main_account_login_is_refused_sub_account_allowed():
    main = shops.add_shop("taobao", "黑墨主", "pw")
    with pytest.raises(FieldError, match="主账号店铺不支持修改登录账号"):
        shops.edit_shop(main, "taobao", "别的账号", "")
    sub = shops.add_shop("taobao", "黑墨主:客服1", "pw")
    Shop.update(login_state="ok").where(Shop.id == sub.id).execute()
    sub = Shop.get_by_id(sub.id)
    shops.edit_shop(sub, "taobao", "黑墨主:客服2", "")
    sub = Shop.get_by_id(sub.id)
    assert sub.login == "黑墨主:客服2" and sub.password == "pw" and sub.login_state == "unknown"


def test_delete_keeps_orders():
    shop = shops.add_shop("taobao", "s1", "pw")
    upsert_remote_orders(shop, [_remote("1001")], now=NOW)
    assert shops.delete_shops([shop.id], ALL) == 1
    assert shops.active_shops(ALL).count() == 0
    assert Order.select().where(Order.shop == shop.id).count() == 1


def test_fetch_options_validation():
    ok = shops.parse_fetch_options("7", "", "", True, False, True, now=NOW)
    assert ok.days == 7 and ok.auto_ship
    custom = shops.parse_fetch_options("custom", "2026-11-20 08:00", "2026-11-21T09:30", True, True, True, now=NOW)
    assert (custom.start, custom.end) == (datetime(2026, 11, 20, 8), datetime(2026, 11, 21, 9, 30))
    with pytest.raises(FieldError, match="结束时间必须晚于开始时间") as err:
        shops.parse_fetch_options("custom", "2026-11-21", "2026-11-20", True, False, True, now=NOW)
    assert err.value.field == "end"
    for days, start, end in (("2", "", ""), ("custom", "2026-13-40", "2026-11-21"), ("custom", "2025-01-01", "2026-11-21")):
        with pytest.raises(FieldError):
            shops.parse_fetch_options(days, start, end, True, False, True, now=NOW)


def test_start_fetching_refuses_expired_and_any_while_shops_fetch():
    fresh = shops.add_shop("taobao", "fresh", "pw")
    expired = shops.add_shop("taote", "old", "pw")
    Shop.update(service_until=NOW - timedelta(days=1)).where(Shop.id == expired.id).execute()
    options = shops.parse_fetch_options("3", "", "", True, False, True, now=NOW)
    started, refused = shops.start_fetching([fresh.id, expired.id], options, ALL, now=NOW)
    assert [s.id for s in started] == [fresh.id]
    assert refused == ["old：服务已到期，请先在充值中心续费"]
    other = shops.add_shop("taobao", "other", "pw")
    with pytest.raises(UserError, match="先点“暂停获取”，重新勾选店铺"):  # FAQ 1: pause first, then tick again
        shops.start_fetching([other.id], options, ALL, now=NOW)
    assert Shop.get_by_id(other.id).fetch_state == "stopped"
    assert [s.id for s in shops.due_shops(NOW)] == [fresh.id]
    assert shops.pause_fetching(ALL, [fresh.id]) == 1 and shops.due_shops(NOW) == []


def test_fetch_window_and_cooldown_skip():
    shop = shops.add_shop("taobao", "w", "pw")
    Shop.update(fetch_days=7).where(Shop.id == shop.id).execute()
    assert shops.fetch_window(Shop.get_by_id(shop.id), NOW) == (NOW - timedelta(days=7), NOW)
    shops.start_fetching([shop.id], shops.parse_fetch_options("3", "", "", True, False, True, now=NOW), ALL, now=NOW)
    shops.set_login_state(shop, "risk", "风控", cooldown=timedelta(minutes=15), now=NOW)
    assert shops.due_shops(NOW + timedelta(minutes=5)) == []
    assert len(shops.due_shops(NOW + timedelta(minutes=16))) == 1


@pytest.mark.parametrize("exc,state", [
    (BadCredentials("账号名或登录密码不正确"), "bad_password"),
    (NeedsVerification("slider"), "needs_verification"),
    (RiskBlocked("风控"), "risk"),
    (LoginRequired("失效"), "expired"),
    (PlatformError("连接超时"), "network"),
])
def test_failures_map_to_distinct_login_states(exc, state):
    got, message = shops.state_for_error(exc)
    assert got == state and message


def test_the_risk_cool_down_grows_is_capped_and_resets_after_a_clean_day():
    minutes = []
    strikes, last = 0, None
    for hour in range(7):  # a risk answer every hour: never a clean day between
        at = NOW + timedelta(hours=hour)
        strikes, cooldown = shops.next_cooldown(strikes, last, at)
        minutes.append(cooldown.total_seconds() / 60)
        last = at
    assert minutes == [15, 30, 60, 120, 240, 240, 240]
    # a day without risk answers: the next one starts again at 15 minutes
    assert shops.next_cooldown(strikes, last, last + timedelta(days=1)) == (1, timedelta(minutes=15))
    assert shops.next_cooldown(strikes, last, last + timedelta(hours=23)) == (strikes + 1, timedelta(hours=4))


def test_record_risk_stores_the_growing_cool_down_on_the_shop():
    shop = shops.add_shop("taobao", "rk", "pw")
    assert shops.record_risk(shop, "风控", now=NOW) == timedelta(minutes=15)
    assert shops.record_risk(shop, "风控", now=NOW + timedelta(minutes=20)) == timedelta(minutes=30)
    row = Shop.get_by_id(shop.id)
    assert (row.login_state, row.risk_strikes) == ("risk", 2)
    assert row.cooldown_until == NOW + timedelta(minutes=50) == row.next_fetch_at
    assert "第 2 次，冷却 30 分钟" in row.login_message


def _remote(tid: str, status: str = "paid", items: int = 1, refund: str = "") -> RemoteOrder:
    return RemoteOrder(
        tid=tid, status=status, status_text="买家已付款，等待商家发货", buyer_nick="tb-buyer", paid_amount=1364 * items,
        created_at=NOW - timedelta(hours=1), paid_at=NOW - timedelta(minutes=50),
        items=[RemoteItem(oid=f"{tid}{i}", title=f"商品{i}", quantity=1, paid_amount=1364, outer_id=f"tb-{i}",
                          status=status, refund_status=refund if i == 0 else "") for i in range(items)])


def test_upsert_is_idempotent_and_counts_new_orders():
    shop = shops.add_shop("taobao", "s", "pw")
    batch = [_remote("3300000000000000001", items=2), _remote("3300000000000000002")]
    first = upsert_remote_orders(shop, batch, now=NOW)
    assert first.new == 2 and first.updated == 0
    again = upsert_remote_orders(shop, batch, now=NOW)
    assert again.new == 0 and again.updated == 0 and again.unchanged == 2
    assert Order.select().count() == 2 and OrderItem.select().count() == 3
    assert ShopDailyStat.get(shop=shop.id, day=NOW.date()).new_orders == 2
    order = Order.get(Order.tid == "3300000000000000001")
    assert order.pending_items == 2 and order.paid_amount == 2728


def test_upsert_refreshes_status_and_refunds_but_not_a_memo_being_pushed():
    shop = shops.add_shop("taobao", "s", "pw")
    upsert_remote_orders(shop, [_remote("9001", items=2)], now=NOW)
    Order.update(memo_state="syncing", seller_memo="我们的备注", seller_flag=2).execute()
    changed = _remote("9001", status="shipped", items=2, refund="refunding")
    changed.seller_flag, changed.seller_memo = 0, ""
    result = upsert_remote_orders(shop, [changed], now=NOW)
    order = Order.get(Order.tid == "9001")
    assert result.updated == 1 and order.status == "shipped" and order.refund_state == "refunding"
    assert (order.seller_memo, order.seller_flag) == ("我们的备注", 2)


def test_a_flagged_buyer_message_stays_to_read_until_read_also_for_orders_stored_before():
    from dropship.services.fetching import store_buyer_message, unread_messages

    shop = shops.add_shop("taobao", "s", "pw")
    upsert_remote_orders(shop, [_remote("8001"), _remote("8002")], now=NOW)  # stored before the flag was seen
    flagged = [_remote("8001"), _remote("8002"), _remote("8003")]
    for remote in flagged:
        remote.has_buyer_message = True
    upsert_remote_orders(shop, flagged, now=NOW)
    assert [o.tid for o in unread_messages(shop.id)] == ["8001", "8002", "8003"]
    store_buyer_message(Order.get(Order.tid == "8001").id, "请尽快发货")
    upsert_remote_orders(shop, flagged, now=NOW)  # the list still flags it: read once is enough
    assert [o.tid for o in unread_messages(shop.id)] == ["8002", "8003"]
    assert Order.get(Order.tid == "8001").buyer_message == "请尽快发货"


def test_receiver_storage_is_encrypted_and_searchable():
    from dropship.secrets import search_key

    shop = shops.add_shop("taobao", "s", "pw")
    upsert_remote_orders(shop, [_remote("7001")], now=NOW)
    order = Order.get(Order.tid == "7001")
    store_receiver(order, Receiver("张具红", "15054852124", "甘肃省", "兰州市", "城关区", "", "民主西路 8 号"))
    raw = db.execute_sql("select receiver_real from \"order\" where id = ?", (order.id,)).fetchone()[0]
    assert "张具红" not in raw and "15054852124" not in raw
    order = Order.get_by_id(order.id)
    assert real_receiver(order).phone == "15054852124" and order.address_state == "decrypted"
    assert Order.get(Order.receiver_phone_key == search_key("15054852124")).id == order.id


@pytest.mark.parametrize("form,field", [
    ({"name": "", "phone": "13800000000", "province": "浙江省", "city": "杭州市", "address": "文一路"}, "name"),
    ({"name": "王五", "phone": "1380000", "province": "浙江省", "city": "杭州市", "address": "文一路"}, "phone"),
    ({"name": "王五", "phone": "13800000000", "province": "浙江省", "city": "杭州市", "address": "文一路***"}, "address"),
    ({"name": "王" * 31, "phone": "13800000000", "province": "浙江省", "city": "杭州市", "address": "x"}, "name"),
])
def test_manual_address_validation(form, field):
    with pytest.raises(FieldError) as err:
        validate_manual(form)
    assert err.value.field == field


def test_manual_address_accepts_privacy_numbers():
    r = validate_manual({"name": "王五", "phone": "18812341111-123", "province": "浙江省", "city": "杭州市",
                         "district": "西湖区", "address": "文一西路 1 号"})
    assert r.phone == "18812341111-123" and r.region == "浙江省 杭州市 西湖区"


def test_today_stats_and_bump():
    shop = shops.add_shop("taobao", "s", "pw")
    shops.bump_daily(shop.id, "shipped", 2, day=date(2026, 11, 26))
    shops.bump_daily(shop.id, "shipped", 1, day=date(2026, 11, 26))
    assert shops.today_stats([shop.id], day=date(2026, 11, 26))[shop.id].shipped == 3
