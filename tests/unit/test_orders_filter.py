"""The 订单管理 search form: parsing with Chinese errors, each filter in SQL, filters composing, sorting."""
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropship.errors import FieldError
from dropship.models import Order
from dropship.platforms.base import Receiver
from dropship.services.orders.queries import order_ids, tab_counts
from dropship.services.orders.search import OrderFilter, masked_phones, parse_filter
from dropship.services.orders.tabs import TabContext
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from tests.orders_factory import (  # noqa: F401
    NOW,
    buy,
    make_account,
    make_order,
    make_shop,
    orders_app,
    orders_db,
    ship,
)

pytestmark = pytest.mark.usefixtures("orders_db")
CTX = TabContext(NOW, 6)
ALL = Scope.everything()


def found(**args) -> list[str]:
    """Tids the search finds, in list order: over every order (成交时间 cleared) unless a range is given."""
    if "created_from" not in args and "created_to" not in args:
        args["created_from"] = ""
    search = parse_filter({k: str(v) for k, v in args.items()}, ALL, now=NOW)
    ids = [i for (i,) in order_ids(search, CTX, ALL).tuples()]
    tids = dict(Order.select(Order.id, Order.tid).where(Order.id.in_(ids)).tuples()) if ids else {}
    return [tids[i] for i in ids]


def errors_of(**args) -> dict[str, str]:
    with pytest.raises(FieldError) as caught:
        parse_filter(args, ALL)
    return caught.value.errors


# -- parsing ---------------------------------------------------------------------------------------

def test_empty_form_is_the_last_15_days():
    search = parse_filter({}, ALL, now=NOW)
    assert (search.created_from, search.created_to) == (NOW - timedelta(days=15), None)
    assert search.args() == {}  # the default window stays out of links: a bookmark keeps "the last 15 days"
    assert search.form_values() == {"created_from": (NOW - timedelta(days=15)).strftime("%Y-%m-%dT%H:%M")}
    assert not search.searching
    assert parse_filter(search.args(), ALL, now=NOW) == search


def test_clear_means_every_order_and_survives_links():
    typed = {"created_from": "2026-11-10T08:00", "created_to": "", "title": "杯", "created_clear": "1"}
    cleared = parse_filter(typed, ALL, now=NOW)
    assert (cleared.created_from, cleared.created_to, cleared.title) == (None, None, "杯")
    assert cleared.args() == {"created_from": "", "title": "杯"}
    assert parse_filter(cleared.args(), ALL, now=NOW) == cleared  # pager / tab links keep "all"
    assert parse_filter({"created_from": "", "created_to": ""}, ALL, now=NOW) == OrderFilter()
    assert not OrderFilter().searching


def test_default_window_filters_the_list_and_every_tab_count():
    shop = make_shop()
    make_order(shop, created_at=NOW - timedelta(days=1), tid="2001")
    make_order(shop, created_at=NOW - timedelta(days=16), tid="2002")
    make_order(shop, status="shipped", created_at=NOW - timedelta(days=20), tid="2003")
    default = parse_filter({}, ALL, now=NOW)
    assert [t for (t,) in Order.select(Order.tid).where(Order.id.in_(order_ids(default, CTX, ALL))).tuples()] == ["2001"]
    assert (tab_counts(default, CTX, ALL)["all"], tab_counts(default, CTX, ALL)["shipped"]) == (1, 0)
    everything = parse_filter({"created_from": ""}, ALL, now=NOW)
    assert (tab_counts(everything, CTX, ALL)["all"], tab_counts(everything, CTX, ALL)["shipped"]) == (3, 1)
    start, end = (NOW - timedelta(days=18)).strftime("%Y-%m-%d"), (NOW - timedelta(days=14)).strftime("%Y-%m-%d")
    bookmarked = parse_filter({"created_from": start, "created_to": end}, ALL, now=NOW)  # explicit dates
    assert (bookmarked.created_from, bookmarked.created_preset) == (datetime.strptime(start, "%Y-%m-%d"), False)
    assert [t for (t,) in Order.select(Order.tid).where(Order.id.in_(order_ids(bookmarked, CTX, ALL))).tuples()] == ["2002"]
    assert bookmarked.args() == {"created_from": f"{start}T00:00", "created_to": f"{end}T23:59:59"}


def test_an_order_number_with_letters_is_refused():
    assert errors_of(tid="3256abc") == {"tid": "订单编号只能是数字（多个编号用空格或逗号分隔）"}


def test_several_order_numbers_may_be_pasted():
    search = parse_filter({"tid": " 111，222, 333\n111 "}, ALL)
    assert search.tid == ("111", "222", "333")
    assert search.args()["tid"] == "111 222 333"
    assert "一次最多" in errors_of(tid=" ".join(str(n) for n in range(1, 52)))["tid"]


def test_a_reversed_date_range_is_refused_next_to_the_end_field():
    errors = errors_of(created_from="2026-11-20T10:00", created_to="2026-11-19T10:00")
    assert errors == {"created_to": "成交时间：结束时间不能早于开始时间"}
    assert "采购时间" in errors_of(purchased_from="2026-11-20", purchased_to="2026-11-01")["purchased_to"]


def test_a_bad_date_is_refused_with_an_example():
    assert errors_of(created_from="20/11/2026") == {"created_from": "成交时间：请输入正确的时间，例如 2026-11-20 08:00"}


def test_a_date_alone_covers_the_whole_day():
    search = parse_filter({"created_from": "2026-11-20", "created_to": "2026-11-20"}, ALL)
    assert search.created_from == datetime(2026, 11, 20)
    assert search.created_to == datetime(2026, 11, 20, 23, 59, 59)
    assert search.args() == {"created_from": "2026-11-20T00:00", "created_to": "2026-11-20T23:59:59"}


@pytest.mark.parametrize("flag", ["6", "-1", "red", "1.0"])
def test_an_unknown_flag_colour_is_refused(flag):
    assert errors_of(flag=flag) == {"flag": "旗帜颜色只能选择 灰、红、黄、绿、蓝、紫"}


def test_unknown_choices_and_ids_are_refused():
    errors = errors_of(tab="nope", sort="random", show="all", shop="999", account="x")
    assert errors == {"tab": "没有这个订单分类", "sort": "没有这种排序方式",
                      "show": "显示只能选择 未忽略订单 或 忽略订单", "shop": "店铺不存在，请重新选择",
                      "account": "采购账号不存在，请重新选择"}


def test_text_fields_are_limited_and_checked():
    errors = errors_of(title="长" * 61, purchase_no="12 34", tracking_no="YT-123", receiver_phone="138abc")
    assert errors == {"title": "商品标题最多 60 个字符", "purchase_no": "采购单号只能包含数字、字母和 -",
                      "tracking_no": "物流单号只能包含数字和字母",
                      "receiver_phone": "收货人手机号只能包含数字（脱敏号码可含 * 和 -）"}


def test_every_bad_field_is_reported_at_once():
    assert set(errors_of(tid="x", flag="9", created_from="bad")) == {"tid", "flag", "created_from"}


@given(st.text(max_size=40))
def test_parsing_never_crashes_on_any_text(text):
    for name in ("tid", "title", "created_from", "flag", "receiver_phone", "purchase_no", "sort", "page"):
        try:
            parse_filter({name: text}, ALL)
        except FieldError as exc:
            assert exc.errors and all(exc.errors.values())


def test_args_round_trip_through_the_parser():
    shop = make_shop()
    search = OrderFilter(tab="to_ship", shop=shop.id, created_from=datetime(2026, 11, 1, 8, 30), tid=("12", "34"),
                         title="保温杯", flag=1, sort="oldest", show="ignored", receiver_phone="13812341234")
    assert parse_filter(search.args(), ALL) == search
    assert search.searching


def test_masked_phone_forms():
    assert masked_phones("13812341234") == ["13812341234", "138****1234"]
    assert masked_phones("138****1234") == ["138****1234"]


# -- each filter in SQL ----------------------------------------------------------------------------

@pytest.fixture
def world():
    """Two shops, a purchase account, and orders that each filter should tell apart."""
    shop_a, shop_b = make_shop("甲店"), make_shop("乙店")
    account = make_account()
    cup = make_order(shop_a, titles=("304不锈钢保温杯",), created_at=NOW - timedelta(days=1), tid="1001",
                     receiver_name="李*", receiver_phone="139****5678")
    box = make_order(shop_b, items=2, titles=("收纳盒", "100% 棉_袜"), created_at=NOW - timedelta(days=3), tid="1002",
                     seller_flag=1)
    buy(box, account=account, platform_order_id="230314-111", tracking_number="YT1234567890123",
        created_at=NOW - timedelta(days=2))
    old = make_order(shop_a, titles=("遮阳帽",), created_at=NOW - timedelta(days=30), tid="1003")
    buy(old, platform_order_id="230101-999", active=False, created_at=NOW - timedelta(days=29))
    ship(old, tracking="73123456789012")
    hidden = make_order(shop_b, titles=("保温杯盖",), tid="1004", ignored=True)
    return {"shop_a": shop_a, "shop_b": shop_b, "account": account, "cup": cup, "box": box, "old": old,
            "hidden": hidden}


def test_default_view_is_newest_first_without_ignored(world):
    assert found() == ["1001", "1002", "1003"]
    assert found(show="ignored") == ["1004"]


def test_sorting(world):
    assert found(sort="oldest") == ["1003", "1002", "1001"]
    assert found(sort="amount") == ["1003", "1002", "1001"]  # equal amounts: newest id first


def test_shop_filter(world):
    assert found(shop=world["shop_a"].id) == ["1001", "1003"]


def test_created_range(world):
    assert found(created_from=(NOW - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")) == ["1001", "1002"]
    assert found(created_to=(NOW - timedelta(days=2)).strftime("%Y-%m-%d")) == ["1002", "1003"]


def test_order_numbers(world):
    assert found(tid="1003 1001") == ["1001", "1003"]
    assert found(tid="100") == []  # exact numbers, not prefixes


def test_title_matches_any_sub_order_and_escapes_wildcards(world):
    assert found(title="保温杯") == ["1001"]
    assert found(title="棉_袜") == ["1002"]
    assert found(title="100%") == ["1002"]
    assert found(title="_") == ["1002"]


def test_purchase_account_and_time_use_the_active_purchase(world):
    assert found(account=world["account"].id) == ["1002"]
    assert found(purchased_from=(NOW - timedelta(days=40)).strftime("%Y-%m-%d")) == ["1002"]


def test_purchase_number_finds_history_too(world):
    assert found(purchase_no="230314-111") == ["1002"]
    assert found(purchase_no="230101-999") == ["1003"]


def test_tracking_number_finds_our_shipment_and_the_suppliers_parcel(world):
    assert found(tracking_no="YT1234567890123") == ["1002"]
    assert found(tracking_no="73123456789012") == ["1003"]


def test_flag(world):
    assert found(flag=1) == ["1002"]
    assert found(flag=0) == ["1001", "1003"]


def test_receiver_search_uses_keys_of_decrypted_values_and_masked_text(world):
    store_receiver(world["cup"], Receiver("李四", "13912345678", "浙江省", "杭州市", "西湖区", "", "文三路 1 号"))
    assert found(receiver_name="李四") == ["1001"]
    assert found(receiver_phone="13912345678") == ["1001"]
    assert found(receiver_phone="138****1234") == ["1002", "1003"]  # masked lists match as shown
    assert found(receiver_phone="13800001234") == ["1002", "1003"]  # a full number matches its masked form
    assert found(receiver_name="张**") == ["1002", "1003"]


def test_filters_compose_with_each_other_and_the_tab(world):
    assert found(shop=world["shop_b"].id, title="收纳") == ["1002"]
    assert found(shop=world["shop_a"].id, title="收纳") == []
    assert found(tab="to_ship", title="收纳") == ["1002"]
    assert found(tab="to_purchase", title="收纳") == []
    assert found(show="ignored", title="保温杯") == ["1004"]
