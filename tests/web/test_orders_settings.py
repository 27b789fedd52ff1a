"""设置 › 店铺后台设置 and 订单设置: every option the manual lists, all-or-nothing saves, errors by the field."""
from dropship.db import db
from dropship.services.settings import get_setting
from tests.helpers import post

GOOD = {"memo_fields": ["purchase_order", "purchase_logistics"], "memo_custom": "已核对", "memo_flag": "4",
        "decrypt_route": "4", "sync_route": "2", "margin_base": "paid"}


def _setting(key: str):
    with db.connection_context():
        return get_setting(key)


def test_shop_backend_page_lists_the_manuals_options(signed_in):
    html = signed_in.get("/settings/shop-backend").get_data(as_text=True)
    for text in ("店铺后台设置", "卖出订单备注内容", "采购订单", "采购金额", "采购利润", "采购物流", "采购账号", "自定义内容",
                 "卖出订单标记旗帜", "灰色", "红色", "黄色", "绿色", "蓝色", "紫色", "地址解密", "线路 4", "每日最多解密 50 个",
                 "订单同步", "滑块多，信息完整效率高", "利润率计算", "利润 ÷ 采购金额", "利润 ÷ 实收金额", "订单设置", "浏览器"):
        assert text in html, text
    assert 'name="decrypt_route" value="1" checked' in html and 'name="margin_base" value="purchase" checked' in html


def test_shop_backend_settings_are_saved(signed_in):
    response = post(signed_in, "/settings/shop-backend", GOOD, token_page="/settings/shop-backend")
    assert response.status_code == 200 and "已保存" in response.get_data(as_text=True)
    assert _setting("memo.fields") == ["purchase_order", "purchase_logistics"]
    assert (_setting("memo.custom"), _setting("memo.flag")) == ("已核对", 4)
    assert (_setting("address.decrypt_route"), _setting("orders.sync_route"), _setting("profit.margin_base")) == \
        (4, 2, "paid")


def test_one_bad_value_saves_nothing_and_is_shown_by_its_field(signed_in):
    response = post(signed_in, "/settings/shop-backend", {**GOOD, "decrypt_route": "5", "memo_flag": "9"},
                    token_page="/settings/shop-backend")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "地址解密：请选择线路 1–4" in html and "卖出订单标记旗帜：旗帜颜色只能选择" in html
    assert 'value="已核对"' in html  # what was typed stays in the form
    assert (_setting("memo.custom"), _setting("address.decrypt_route"), _setting("memo.fields")) == ("", 1, [])


def test_order_settings_deadline_hours(signed_in):
    html = signed_in.get("/settings/orders").get_data(as_text=True)
    assert "即将发货超时（小时）" in html and 'value="6"' in html
    response = post(signed_in, "/settings/orders", {"deadline_hours": "0"}, token_page="/settings/orders")
    assert response.status_code == 400 and "即将发货超时：请输入 1 到 72 之间的整数" in response.get_data(as_text=True)
    assert _setting("orders.deadline_hours") == 6
    response = post(signed_in, "/settings/orders", {"deadline_hours": "12"}, token_page="/settings/orders")
    assert response.status_code == 200 and _setting("orders.deadline_hours") == 12


def test_browser_tab_still_works(signed_in):
    html = signed_in.get("/settings/browser").get_data(as_text=True)
    assert "浏览器检测" in html and 'aria-current="page">浏览器</a>' in html and "店铺后台设置" in html


def test_the_decrypt_routes_say_what_truly_differs(signed_in):
    html = signed_in.get("/settings/shop-backend").get_data(as_text=True)
    assert "区别只在两点：每店每日最多解密多少个，以及遇到滑块时" in html
    assert "每店每日最多解密 20 个" in html and "遇到滑块交给验证中心由人完成后继续" in html


def test_order_settings_purchase_sync_interval(signed_in):
    html = signed_in.get("/settings/orders").get_data(as_text=True)
    assert "采购状态同步间隔（分钟）" in html and 'name="purchase_sync_minutes" value="15"' in html
    response = post(signed_in, "/settings/orders", {"purchase_sync_minutes": "2"}, token_page="/settings/orders")
    assert response.status_code == 400
    assert "采购状态同步间隔：请输入 5 到 1440 之间的整数" in response.get_data(as_text=True)
    assert _setting("purchase.sync_minutes") == 15
    response = post(signed_in, "/settings/orders", {"purchase_sync_minutes": "30"}, token_page="/settings/orders")
    assert response.status_code == 200 and _setting("purchase.sync_minutes") == 30
