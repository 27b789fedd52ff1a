"""m0013: purchases from before it keep their meaning, and the two "never twice" indexes hold in the database."""
import pytest
from peewee import IntegrityError

from dropship.db import init_db, run_migrations


@pytest.fixture
def upgraded(tmp_path):
    database = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    run_migrations(database, upto="m0012_setting_changes")
    sql = database.execute_sql
    sql("INSERT INTO shop (platform, login, password, nick, platform_user_id, login_state, login_message, fetch_state,"
        " fetch_days, auto_login, auto_sync_deleted_address, auto_ship, risk_strikes, headed, points, created_at)"
        " VALUES ('taobao', 's', 'x', '', '', 'ok', '', 'stopped', 3, 1, 0, 1, 0, 0, 0, '2026-01-01')")
    sql("INSERT INTO \"order\" (shop_id, tid, status, status_text, status_code, buyer_nick, buyer_message,"
        " message_pending, paid_amount, post_fee, created_at, receiver_name, receiver_phone, receiver_region,"
        " receiver_address, receiver_name_key, receiver_phone_key, address_state, ignored, abnormal, mark_note,"
        " seller_flag, seller_memo, memo_state, memo_error, pending_items, refund_state, purchase_amount, fetched_at,"
        " updated_at, sync_message, memo_auto) VALUES (1, 't1', 'paid', '', '', '', '', 0, 100, 0, '2026-01-01',"
        " '', '', '', '', '', '', 'masked', 0, '', '', 0, '', '', '', 0, '', 0, '2026-01-01', '2026-01-01', '', '')")
    for oid in ("o1", "o2"):
        sql("INSERT INTO orderitem (order_id, oid, title, sku_text, outer_id, quantity, paid_amount, pic, item_url,"
            " item_id, status, refund_status, refund_text) VALUES (1, ?, 't', '', '', 1, 50, '', '', '', '', '', '')",
            (oid,))
    for active, manual, number in ((1, 0, "A-1"), (0, 1, "A-1"), (1, 1, "B-2")):
        sql("INSERT INTO purchase (order_id, platform, platform_order_id, amount, status, marker, courier,"
            " tracking_number, active, manual, note, created_at) VALUES (1, 'pdd', ?, 100, 'paid', '', '', '', ?, ?,"
            " '', '2026-01-02 03:04:05')", (number, active, manual))
    sql("INSERT INTO purchaseitem (purchase_id, item_id) VALUES (1, 1), (2, 1), (3, 2)")
    run_migrations(database)
    yield sql
    database.close()


def test_old_purchases_become_paid_or_recorded_and_their_lines_mirror_active(upgraded):
    rows = upgraded("SELECT id, state, purchased_at FROM purchase ORDER BY id").fetchall()
    assert rows == [(1, "paid", "2026-01-02 03:04:05"), (2, "recorded", "2026-01-02 03:04:05"),
                    (3, "recorded", "2026-01-02 03:04:05")]
    assert upgraded("SELECT purchase_id, active FROM purchaseitem ORDER BY id").fetchall() == [(1, 1), (2, 0), (3, 1)]


def test_a_second_active_purchase_of_a_sub_order_is_refused_by_the_database(upgraded):
    upgraded("INSERT INTO purchaseitem (purchase_id, item_id, active) VALUES (2, 2, 0)")  # history may repeat
    with pytest.raises(IntegrityError):
        upgraded("INSERT INTO purchaseitem (purchase_id, item_id, active) VALUES (3, 1, 1)")


def test_one_supplier_order_is_active_on_one_purchase_only(upgraded):
    with pytest.raises(IntegrityError):
        upgraded("UPDATE purchase SET platform_order_id = 'A-1' WHERE id = 3")
    upgraded("UPDATE purchase SET platform_order_id = '' WHERE id IN (1, 3)")  # not yet known: no conflict
