"""云端备注: validation (1000 bytes), flags, local push state, and the 店铺后台设置 template."""
import pytest

from dropship.errors import FieldError
from dropship.memo_size import MEMO_LIMIT_BYTES, memo_bytes
from dropship.models import Order
from dropship.platforms.base import PlatformError
from dropship.platforms.taobao_seller import TaobaoSeller
from dropship.services.memo import (
    MemoTemplate,
    apply_purchase_memo,
    check_memo,
    confirm_pushed,
    merge_memo,
    needs_push,
    push_failed,
    render_auto,
    save_memo,
)
from dropship.services.orders.labels import parse_flag
from dropship.services.settings import get_setting, set_setting
from tests.orders_factory import buy, make_account, make_order, make_shop, orders_app, orders_db, reload  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")


def test_memo_up_to_the_limit_is_kept_and_trimmed():
    assert check_memo(" 已采购\r\n拼多多 ") == "已采购\n拼多多"
    assert check_memo("汉" * (MEMO_LIMIT_BYTES // 2)) == "汉" * 500


@pytest.mark.parametrize("text,size", [("汉" * 500, 1000), ("a" * 1000, 1000), ("汉" * 498 + "ab", 998),
                                       ("🙂" * 250, 1000)])
def test_the_memo_is_counted_as_the_shop_backend_counts_it(text, size):
    # GB18030, as 淘宝 counts: 500 汉字 fit (UTF-8 made it 1500 bytes and refused them at 334)
    assert memo_bytes(text) == size
    assert check_memo(text) == text


@pytest.mark.parametrize("text,size", [("汉" * 501, 1002), ("汉" * 500 + "a", 1001), ("🙂" * 251, 1004)])
def test_one_byte_over_is_refused_by_the_service_and_the_driver_alike(text, size):
    with pytest.raises(FieldError, match=f"当前 {size} 字节"):
        check_memo(text)
    driver = TaobaoSeller(None, None)  # refuses before it touches the page
    with pytest.raises(PlatformError, match="备注内容不能超过1000个字节"):
        driver.set_memo("3256650000000000101", text, 1)


def test_a_20_kb_memo_is_refused_with_the_limit_shown():
    with pytest.raises(FieldError) as caught:
        check_memo("备" * 7000)
    assert caught.value.field == "memo"
    assert str(caught.value) == "备注最多 1000 字节（一个汉字占 2 字节），当前 14000 字节"


@pytest.mark.parametrize("raw,flag", [("0", 0), ("5", 5), (3, 3)])
def test_flags_zero_to_five(raw, flag):
    assert parse_flag(raw) == flag


@pytest.mark.parametrize("raw", ["6", "-1", "", "red", None, "²"])
def test_unknown_flags_are_refused(raw):
    with pytest.raises(FieldError, match="旗帜颜色只能选择 灰、红、黄、绿、蓝、紫"):
        parse_flag(raw)


def test_save_marks_the_memo_for_pushing_and_bad_input_changes_nothing():
    order = make_order(make_shop(), seller_memo="旧备注", seller_flag=2, memo_state="synced")
    with pytest.raises(FieldError):
        save_memo(order.id, "x" * 1001, 1)
    with pytest.raises(FieldError):
        save_memo(order.id, "ok", 9)
    unchanged = reload(order)
    assert (unchanged.seller_memo, unchanged.seller_flag, unchanged.memo_state) == ("旧备注", 2, "synced")
    save_memo(order.id, "已拍 等上家发货", "1")
    saved = reload(order)
    assert (saved.seller_memo, saved.seller_flag, saved.memo_state) == ("已拍 等上家发货", 1, "syncing")
    assert needs_push(saved)


def test_a_push_confirms_only_the_text_it_pushed():
    order = make_order(make_shop())
    save_memo(order.id, "第一版", 1)
    save_memo(order.id, "第二版", 1)  # saved again while the first push ran
    assert not confirm_pushed(order.id, "第一版", 1)
    push_failed(order.id, "第一版", 1, "网络错误")
    assert reload(order).memo_state == "syncing"  # the newer save keeps its own push
    assert confirm_pushed(order.id, "第二版", 1)
    assert reload(order).memo_state == "synced" and not needs_push(reload(order))


def test_a_failed_push_keeps_its_reason():
    order = make_order(make_shop())
    save_memo(order.id, "备注", 0)
    push_failed(order.id, "备注", 0, "备注同步失败：旗帜参数错误")
    failed = reload(order)
    assert failed.memo_state == "failed" and failed.memo_error == "备注同步失败：旗帜参数错误"
    assert needs_push(failed)


# -- template ---------------------------------------------------------------------------------------

def _bought():
    order = make_order(make_shop(), items=3, paid=2590)  # the third is bought later by its own purchase
    account = make_account("13800009917")
    buy(order, (0, 1), amount=1500, account=account, platform_order_id="230314-540", tracking_number="4628000000003",
        courier="YUNDA")
    return reload(order)


def _purchases(order):
    return list(order.purchases)


def test_template_renders_the_chosen_purchase_facts_in_order():
    order = _bought()
    every = MemoTemplate(("purchase_order", "purchase_amount", "purchase_profit", "purchase_logistics",
                          "purchase_account"), "已核对", 1)
    assert render_auto(every, order, _purchases(order)) == \
        "拼多多230314-540 采购15.00 利润10.90 4628000000003(韵达快递) 【拼多多】买手9917 已核对"
    assert render_auto(MemoTemplate(("purchase_logistics",), "", 0), order, _purchases(order)) == \
        "4628000000003(韵达快递)"


def test_template_writes_nothing_before_a_purchase():
    order = make_order(make_shop())
    assert render_auto(MemoTemplate(("purchase_order",), "自定义", 0), order, []) == ""


@pytest.mark.parametrize("memo,old,new,merged", [
    ("", "", "A1", "A1"),
    ("买家要求周五发", "", "A1", "A1\n买家要求周五发"),
    ("A1\n买家要求周五发", "A1", "A2", "A2\n买家要求周五发"),
    ("A1\n买家要求周五发", "A1", "", "买家要求周五发"),
    ("买家改过 A1 的内容", "A0", "A1", "A1\n买家改过 A1 的内容"),
    ("只有自己的", "", "", "只有自己的"),
])
def test_merge_replaces_only_the_templates_own_text(memo, old, new, merged):
    assert merge_memo(memo, old, new) == merged


def test_settings_validate_fields_custom_text_and_flag():
    with pytest.raises(FieldError, match="只能选择"):
        set_setting("memo.fields", ["purchase_order", "password"])
    with pytest.raises(FieldError, match="最多 100 个字"):
        set_setting("memo.custom", "长" * 101)
    with pytest.raises(FieldError, match="旗帜颜色"):
        set_setting("memo.flag", "7")
    assert set_setting("memo.fields", ["purchase_logistics", "purchase_order"]) == \
        ["purchase_order", "purchase_logistics"]
    assert get_setting("memo.flag") == 0


def test_apply_does_nothing_until_the_template_is_set():
    order = _bought()
    assert not apply_purchase_memo(order.id)
    assert reload(order).memo_state == ""


def test_apply_writes_the_template_keeps_the_sellers_text_and_is_idempotent():
    set_setting("memo.fields", ["purchase_order"])
    set_setting("memo.flag", "3")
    order = _bought()
    Order.update(seller_memo="买家要求周五发").where(Order.id == order.id).execute()
    assert apply_purchase_memo(order.id)
    applied = reload(order)
    assert applied.seller_memo == "拼多多230314-540\n买家要求周五发"
    assert (applied.seller_flag, applied.memo_state, applied.memo_auto) == (3, "syncing", "拼多多230314-540")
    assert not apply_purchase_memo(order.id)  # nothing changed: no second push
    buy(order, (2,), amount=300, platform_order_id="230315-777")
    assert apply_purchase_memo(order.id)
    assert reload(order).seller_memo == "拼多多230314-540 拼多多230315-777\n买家要求周五发"


def test_apply_refuses_to_overflow_the_limit_and_says_so():
    set_setting("memo.fields", ["purchase_order"])
    order = _bought()
    Order.update(seller_memo="汉" * 495).where(Order.id == order.id).execute()  # 990 of 1000 bytes
    assert not apply_purchase_memo(order.id)
    refused = reload(order)
    assert refused.seller_memo == "汉" * 495 and refused.memo_auto == ""
    assert refused.memo_error.startswith("备注模板未写入：备注最多 1000 字节")
