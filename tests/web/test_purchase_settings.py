"""设置 › 采购设置: PDD 支付设置 (secrets never sent back), 发货物流, PDD 自定义收货信息 with its 预览;
whole forms saved or nothing, refusals beside the field with a 400, every change in the 修改记录."""
import re

from dropship.db import db
from dropship.models import AppSetting, SettingChange
from dropship.services.purchase_settings import (
    dual_app_key,
    load_payment,
    load_receiver_settings,
    load_shipping,
    pdd_group,
)
from dropship.services.settings import get_setting
from tests.helpers import become_employee, post

PAGE = "/settings/purchase"
ACCOUNT, PASSWORD = "buyer.alipay@example.com", "739104"
RECEIVER = {"mode": "dynamic", "dyn_phone": "", "dyn_auto": "1", "dyn_middle": "0000", "dyn_last": "1111",
            "dyn_position": "address", "dyn_prefix": "派件人请联系", "digit_1": "①", "digit_6": "⑥", "digit_9": "⑨",
            "digit_separator": "-", **{f"digit_{d}": str(d) for d in (0, 2, 3, 4, 5, 7, 8)}}


def _go(client, path, data):
    return post(client, path, data, token_page=PAGE)


def _db(fn):
    with db.connection_context():
        return fn()


def _changes() -> list[tuple[str, str, str, str]]:
    return _db(lambda: [(c.username, c.key, c.old, c.new) for c in SettingChange.select().order_by(SettingChange.id)])


def test_the_page_has_the_manuals_sections_and_says_what_does_not_act_yet(signed_in):
    html = signed_in.get(PAGE).get_data(as_text=True)
    for text in ("PDD 支付设置", "云闪付支付", "支付宝支付", "微信支付", "支付宝账号密码支付", "发货物流",
                 "默认使用上家物流单号发货，但不包括以下快递", "中通快递", "圆通快递", "申通快递", "韵达快递", "邮政快递",
                 "极兔快递", "默认使用双物流方式发货（默认使用上家物流发货的除外）", "拆包", "整包", "PDD自定义收货信息",
                 "不修改", "动态收货信息", "固定收货信息", "正确手机号加入地址详情后", "隐私号添加到地址后",
                 "正确手机号加入收货人名后", "手机号前缀", "自动修改收货地址手机号", "自定义真实手机号显示样式", "1修改为",
                 "作为数字间隔", "预览", "固定姓名", "修改记录", 'aria-current="page">采购设置</a>'):
        assert text in html, text
    # payment (the purchase task), shipping (automatic shipping) and the receiver all act now
    payment = html[html.index('id="pay-setting"'):html.index('id="ship-setting"')]
    assert "上线后生效" not in html and "双物流账号 app_key" in html
    assert "拼多多下单方式" in payment and "单独购买" in payment and "发起拼单" in payment
    assert 'src="/static/js/purchase_settings.js"' in html and "<script>" not in html


def test_payment_secrets_are_encrypted_shown_as_set_and_never_sent_back(signed_in):
    response = _go(signed_in, "/settings/purchase/payment",
                   {"pay_method": "alipay_password", "pay_account": ACCOUNT, "pay_password": PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已保存" in html
    assert ACCOUNT not in html and PASSWORD not in html
    assert html.count(">已设置<") == 2 and html.count("<summary class=\"btn btn-text\">修改</summary>") == 2
    raw = _db(lambda: {row.key: row.value for row in AppSetting.select()})
    assert ACCOUNT not in str(raw) and PASSWORD not in str(raw)  # ciphertext at rest
    payment = _db(load_payment)
    assert (payment.method, payment.account, payment.password) == ("alipay_password", ACCOUNT, PASSWORD)
    assert "******" in repr(payment.password)  # a Secret never shows itself in a log line
    # the log says a secret was changed, never what it is
    assert ("13912345678", "pay.account", "", "已修改") in _changes()
    assert ("13912345678", "pay.password", "", "已修改") in _changes()
    assert ("13912345678", "pay.method", "支付宝支付", "支付宝账号密码支付") in _changes()
    assert PASSWORD not in str(_changes()) and ACCOUNT not in str(_changes())
    page = signed_in.get(PAGE).get_data(as_text=True)
    assert PASSWORD not in page and ACCOUNT not in page and "已修改" in page


def test_an_empty_secret_field_keeps_the_stored_secret(signed_in):
    _go(signed_in, "/settings/purchase/payment",
        {"pay_method": "alipay_password", "pay_account": ACCOUNT, "pay_password": PASSWORD})
    response = _go(signed_in, "/settings/purchase/payment", {"pay_method": "wechat", "pay_account": "", "pay_password": ""})
    assert response.status_code == 200
    payment = _db(load_payment)
    assert (payment.method, payment.account, payment.password) == ("wechat", ACCOUNT, PASSWORD)


def test_bad_payment_input_is_refused_beside_the_field_and_not_echoed(signed_in):
    response = _go(signed_in, "/settings/purchase/payment",
                   {"pay_method": "alipay_password", "pay_account": "not an account", "pay_password": "12ab56"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="f-pay_password"[^>]*>\s*<div class="field-error" role="alert">支付密码须是 6 位数字</div>', html)
    assert "支付账号须是支付宝登录用的手机号或邮箱" in html and "not an account" not in html and "12ab56" not in html
    assert _db(lambda: get_setting("pay.method")) == "alipay" and _changes() == []
    # 支付宝账号密码支付 needs both secrets
    response = _go(signed_in, "/settings/purchase/payment", {"pay_method": "alipay_password"})
    assert response.status_code == 400 and "选择支付宝账号密码支付时，请填写支付密码" in response.get_data(as_text=True)


def test_the_pdd_order_type_is_saved_logged_and_a_bad_one_refused(signed_in):
    assert _db(pdd_group) is False  # 单独购买 until the seller picks 发起拼单
    response = _go(signed_in, "/settings/purchase/payment", {"pay_method": "wechat", "pdd_order": "group"})
    assert response.status_code == 200 and _db(pdd_group) is True
    assert ("13912345678", "pdd.order_type", "单独购买", "发起拼单") in _changes()
    assert re.search(r'name="pdd_order" value="group"\s+checked', response.get_data(as_text=True))
    response = _go(signed_in, "/settings/purchase/payment", {"pay_method": "wechat", "pdd_order": "everyone"})
    assert response.status_code == 400 and "请选择：单独购买 / 发起拼单" in response.get_data(as_text=True)
    assert _db(pdd_group) is True


def test_only_the_main_account_saves_payment(signed_in):
    become_employee(signed_in, ["settings"])
    assert signed_in.get(PAGE).status_code == 200
    response = _go(signed_in, "/settings/purchase/payment", {"pay_method": "wechat"})
    assert response.status_code == 403 and _db(lambda: get_setting("pay.method")) == "alipay"
    assert _go(signed_in, "/settings/purchase/shipping", {"multi_item": "whole"}).status_code == 200


def test_shipping_is_saved_whole_or_not_at_all(signed_in):
    response = _go(signed_in, "/settings/purchase/shipping",
                   {"excluded_couriers": ["YUNDA", "ZTO"], "dual_logistics": "1", "multi_item": "whole",
                    "dual_app_key": "swl_key_1"})
    assert response.status_code == 200 and "已保存" in response.get_data(as_text=True)
    assert "swl_key_1" not in response.get_data(as_text=True) and "已设置，留空则不修改" in response.get_data(as_text=True)
    assert _db(dual_app_key) == "swl_key_1" and _db(lambda: get_setting("ship.dual_app_key")) != "swl_key_1"
    shipping = _db(load_shipping)
    assert (shipping.excluded, shipping.dual_logistics, shipping.multi_item) == (("ZTO", "YUNDA"), True, "whole")
    assert shipping.route_for("YUNDA") == "dual" and shipping.route_for("SF") == "supplier"
    response = _go(signed_in, "/settings/purchase/shipping",
                   {"excluded_couriers": ["STO", "SF"], "dual_logistics": "", "multi_item": "split"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "只能勾选：中通快递" in html
    assert 'value="STO" checked' in html  # what was ticked stays ticked beside the error
    shipping = _db(load_shipping)  # nothing of the refused form was stored
    assert (shipping.excluded, shipping.dual_logistics, shipping.multi_item) == (("ZTO", "YUNDA"), True, "whole")
    assert ("13912345678", "ship.excluded_couriers", "（无）", "中通快递、韵达快递") in _changes()


def test_dual_logistics_needs_a_provider_key(signed_in):
    response = _go(signed_in, "/settings/purchase/shipping", {"dual_logistics": "1", "multi_item": "split"})
    assert response.status_code == 400 and "开启双物流时，请填写双物流账号的 app_key" in response.get_data(as_text=True)
    assert _db(load_shipping).dual_logistics is False
    response = _go(signed_in, "/settings/purchase/shipping",
                   {"dual_logistics": "1", "multi_item": "split", "dual_app_key": "has space"})
    assert response.status_code == 400 and "不含空格" in response.get_data(as_text=True)
    assert _db(dual_app_key) == ""


def test_receiver_settings_are_saved_and_logged(signed_in):
    response = _go(signed_in, "/settings/purchase/receiver", RECEIVER)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已保存" in html
    settings = _db(load_receiver_settings)
    assert (settings.mode, settings.dyn_auto, settings.dyn_prefix, settings.style.digits[6], settings.style.separator) \
        == ("dynamic", True, "派件人请联系", "⑥", "-")
    assert "派件人请联系①23-45⑥7-8⑨0①" in html  # the saved settings' 预览
    log = signed_in.get(PAGE).get_data(as_text=True)
    section = log[log.index('data-testid="changes-receiver"'):]
    assert "PDD自定义收货信息" in section and "不修改" in section and "动态收货信息" in section
    assert ("13912345678", "receiver.dyn_prefix", "（空）", "派件人请联系") in _changes()
    # saving the same values again records nothing new
    count = len(_changes())
    _go(signed_in, "/settings/purchase/receiver", RECEIVER)
    assert len(_changes()) == count


def test_a_fixed_receiver_as_long_as_every_platform_takes_is_saved(signed_in):
    fixed = {**RECEIVER, "mode": "fixed", "fix_phone": "13922222333", "fix_name": "仓" * 20, "fix_province": "广东省",
             "fix_city": "广州市", "fix_address": "路" * 100}
    assert _go(signed_in, "/settings/purchase/receiver", fixed).status_code == 200
    assert _db(load_receiver_settings).fixed.address == "路" * 100
    response = _go(signed_in, "/settings/purchase/receiver", {**fixed, "fix_address": "路" * 101})
    assert response.status_code == 400 and "详细地址最多 100 个字（所有采购平台都要能填下）" in response.get_data(as_text=True)


def test_a_refused_receiver_form_saves_none_of_its_fields(signed_in):
    bad = {**RECEIVER, "mode": "fixed", "fix_phone": "1392222233", "fix_name": "小王", "fix_province": "广东省",
           "fix_city": "广州市", "fix_address": "大源北路88号", "digit_2": "①"}
    response = _go(signed_in, "/settings/purchase/receiver", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'name="fix_phone" value="1392222233">\s*<div class="field-error" role="alert">固定手机号须是 11 位手机号',
                     html)
    assert "数字 2 与数字 1 显示得一样（① / ①），快递员无法分辨" in html
    assert 'value="派件人请联系"' in html  # what was typed stays in the form
    assert _db(lambda: (get_setting("receiver.mode"), get_setting("receiver.dyn_prefix"),
                        get_setting("receiver.fix_name"))) == ("none", "", "")
    assert _changes() == []


def test_the_preview_is_computed_by_the_server_from_what_is_typed(signed_in):
    response = _go(signed_in, "/settings/purchase/receiver/preview", RECEIVER)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html  # only the 预览 block
    assert '<output data-testid="style-preview">派件人请联系①23-45⑥7-8⑨0①</output>' in html
    assert "15000001111" in html and "皋兰路12号3栋502 派件人请联系①50-5485-2①24" in html
    assert "文三路90号 派件人请联系①88-①234-①①①①转①23" in html  # the privacy number keeps its extension
    response = _go(signed_in, "/settings/purchase/receiver/preview", {**RECEIVER, "digit_2": "①"})
    assert response.status_code == 200 and "快递员无法分辨" in response.get_data(as_text=True)
    assert _db(lambda: get_setting("receiver.mode")) == "none" and _changes() == []  # a preview saves nothing


def test_the_other_settings_tabs_are_logged_too(signed_in):
    post(signed_in, "/settings/orders", {"deadline_hours": "12"}, token_page="/settings/orders")
    assert ("13912345678", "orders.deadline_hours", "6", "12") in _changes()
    html = signed_in.get("/settings/orders").get_data(as_text=True)
    assert 'data-testid="changes-orders"' in html and "即将发货超时" in html


def test_save_settings_is_all_or_nothing_across_keys(signed_in):
    from dropship.models import User
    from dropship.services.settings_log import save_settings

    def run():
        user = User.get()
        errors = save_settings({"ship.multi_item": "whole", "orders.deadline_hours": "12", "memo.flag": "9"}, user)
        return errors, get_setting("ship.multi_item"), get_setting("orders.deadline_hours")

    errors, multi_item, hours = _db(run)
    assert list(errors) == ["memo.flag"] and (multi_item, hours) == ("split", 6) and _changes() == []


def test_shipping_rules_for_the_purchase_flow():
    from dropship.services.purchase_settings import ShippingSettings

    assert ShippingSettings(("YUNDA",), False).route_for("YUNDA") == "manual"  # 不勾选双物流: a person ships it
    assert ShippingSettings(("YUNDA",), True).route_for("YUNDA") == "dual"
    assert ShippingSettings((), False).route_for("YUNDA") == "supplier"
    assert ShippingSettings(multi_item="split").ship_now(1, 3) and not ShippingSettings(multi_item="whole").ship_now(1, 3)
    assert ShippingSettings(multi_item="whole").ship_now(3, 3)
