"""PDD 自定义收货信息: `supplier_receiver` (what the supplier gets) and the settings that drive it.

Hypothesis checks the promises the 设置 page makes: the real number can always be read back from
the shown text when it is shown, it never reaches the supplier when the settings hide it, and the
result always fits the platform's fields (or the purchase stops with a reason; never truncated).
"""
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dropship.errors import FieldError, UserError
from dropship.platforms.base import Receiver
from dropship.services.receiver import (
    EXTENSION_MARK,
    POSITIONS,
    SUPPLIER_LIMITS,
    DigitStyle,
    ReceiverSettings,
    check_style,
    split_phone,
    style_preview,
    supplier_receiver,
)

PLATFORMS = sorted(SUPPLIER_LIMITS)
CIRCLED, PARENS, NEGATIVE = "⓪①②③④⑤⑥⑦⑧⑨", "0⑴⑵⑶⑷⑸⑹⑺⑻⑼", "⓿❶❷❸❹❺❻❼❽❾"
CJK = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高路街道号栋单元室小区村镇花园大厦广场东西南北中"

mobiles = st.builds(lambda second, rest: f"1{second}{rest}", st.sampled_from("3456789"),
                    st.text("0123456789", min_size=9, max_size=9))
extensions = st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=6))
names = st.text(CJK + "abcXYZ·", min_size=1, max_size=8)
addresses = st.text(CJK + "0123456789-#()", min_size=0, max_size=70)
four = st.one_of(st.just(""), st.text("0123456789", min_size=4, max_size=4))


@st.composite
def styles(draw) -> DigitStyle:
    """Accepted styles: each digit drawn from the character templates the page offers (or itself)."""
    digits = tuple(draw(st.sampled_from([str(d), CIRCLED[d], NEGATIVE[d], f"({d})"] + ([PARENS[d]] if d else [])))
                   for d in range(10))
    separator = draw(st.sampled_from(["", "-", "·", "/", "—", "~~"]))
    return DigitStyle(digits, separator)


@st.composite
def buyers(draw) -> tuple[Receiver, str, str]:
    """(buyer, number, extension): the extension either on the phone (-123) or in the address."""
    number, extension = draw(mobiles), draw(extensions)
    address = draw(addresses)
    phone = number
    if extension and draw(st.booleans()):
        phone = f"{number}-{extension}"
    elif extension:
        address = f"{address} {EXTENSION_MARK.format(extension)}"
    buyer = Receiver(name=draw(names), phone=phone, province="浙江省", city="杭州市", district="西湖区",
                     town=draw(st.sampled_from(["", "文新街道"])), address=address)
    return buyer, number, extension


@st.composite
def receiver_settings(draw, mode: str | None = None, position: str | None = None) -> ReceiverSettings:
    auto = draw(st.booleans())
    middle, last = draw(four), draw(four)
    if auto and not (middle or last):
        middle = "0000"
    return ReceiverSettings(
        mode=mode or draw(st.sampled_from(["none", "dynamic", "fixed"])),
        dyn_phone=draw(st.one_of(st.just(""), mobiles)), dyn_auto=auto, dyn_middle=middle, dyn_last=last,
        dyn_position=position or draw(st.sampled_from(sorted(POSITIONS))),
        dyn_prefix=draw(st.sampled_from(["", "派件请联系：", "派件人请联系", "收件人电话"])), style=draw(styles()),
        fixed=Receiver(name="仓库小王", phone="13922222333", province="广东省", city="广州市", district="白云区",
                       town="", address="太和镇大源北路88号"))


def _digits(text: str) -> str:
    """The digits a scraper would find: NFKC folds ①/１ to 1 (stricter than a plain \\d search)."""
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def _read_back(added: str, s: ReceiverSettings) -> tuple[str, str]:
    """What a courier reads from the text we added: prefix (if kept) off, then the style reversed."""
    if s.dyn_prefix and added.startswith(s.dyn_prefix):
        added = added[len(s.dyn_prefix):]
    for style in (s.style, DigitStyle(s.style.digits, "")):
        try:
            return style.read(added)
        except ValueError:
            continue
    raise AssertionError(f"cannot read {added!r}")


# -- the display style ---------------------------------------------------------------------------

def test_the_manuals_preview():
    s = ReceiverSettings(mode="dynamic", dyn_prefix="派件人请联系",
                         style=DigitStyle(tuple("0①2345⑥78⑨"), "-"))
    assert style_preview(s) == "派件人请联系①23-45⑥7-8⑨0①"


@st.composite
def any_styles(draw) -> DigitStyle:
    """Random styles the page accepts: ten distinct strings of one length (so no piece starts another)
    from an alphabet full of look-alikes, kept only when `check_style` accepts them."""
    size = draw(st.integers(1, 3))
    digits = draw(st.lists(st.text("0123456789①②③(l)Oo〇|Iz一二三", min_size=size, max_size=size), min_size=10,
                           max_size=10, unique=True))
    separator = draw(st.text("-·/|", max_size=2))
    assume(check_style(digits, separator) == {})
    return DigitStyle(tuple(digits), separator)


@settings(max_examples=150, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(st.one_of(any_styles(), styles()), mobiles, extensions)
def test_any_style_the_page_accepts_reads_back(style, number, extension):
    assert style.read(style.show(number, extension)) == (number, extension)


@pytest.mark.parametrize(("changes", "field"), [
    ({1: "①", 2: "①"}, "digit_2"),  # identical
    ({0: "O", 7: "0"}, "digit_7"),  # O is read as 0, and 7 is now shown as 0
    ({4: "３"}, "digit_4"),  # full-width ３ is read as 3
    ({5: "1x"}, "digit_5"),  # "1" starts "1x": 15 and 5 cannot be told apart in 1x…
    ({6: ""}, "digit_6"),  # nothing shown for 6
    ({8: "八八八八八"}, "digit_8"),  # too long for a phone number's digit
    ({9: "转"}, "digit_9"),  # 转 marks the extension
])
def test_styles_that_make_digits_unreadable_are_refused(changes, field):
    digits = [str(d) for d in range(10)]
    for d, value in changes.items():
        digits[d] = value
    assert field in check_style(digits, "")


@pytest.mark.parametrize("value", ["①", "l", "(1)", "Ⅰ", "壹"])
def test_a_digit_may_look_like_itself(value):
    digits = [str(d) for d in range(10)]
    digits[1] = value
    assert check_style(digits, "") == {}


def test_a_look_alike_of_another_digit_is_refused_with_both_named():
    digits = [str(d) for d in range(10)]
    digits[7] = "l"  # 7 shown as l, and 1 shown as 1: a courier reads 1 twice
    assert check_style(digits, "") == {"digit_7": "数字 7 与数字 1 显示得一样（1 / l），快递员无法分辨"}
    digits[7] = "Ｏ"  # full-width O reads as 0
    assert "digit_7" in check_style(digits, "")


def test_separator_may_not_start_a_digit_nor_look_like_one():
    digits = [f"({d})" for d in range(10)]
    assert "digit_separator" in check_style(digits, "(") or any("(" in v for v in check_style(digits, "(").values())
    assert "digit_separator" in check_style([str(d) for d in range(10)], "l")
    assert check_style([str(d) for d in range(10)], "-") == {}


# -- what the supplier gets --------------------------------------------------------------------------

@settings(max_examples=200)
@given(buyers(), receiver_settings(mode="dynamic", position=None), st.sampled_from(["address", "name"]))
def test_the_real_number_is_always_readable_where_it_is_shown(bought, s, position):
    buyer, number, extension = bought
    s = ReceiverSettings(**{**s.__dict__, "dyn_position": position})
    base_buyer = Receiver(**{**buyer.__dict__, "address": split_phone(buyer)[2]})
    try:
        out = supplier_receiver(buyer, s, "pdd")
    except UserError:
        return  # too long for the field even in the shortest form: checked in the length property
    field = "address" if position == "address" else "name"
    base, shown = getattr(base_buyer, field), getattr(out, field)
    assert shown.startswith(base)
    added = shown[len(base):].lstrip(" ")
    assert _read_back(added, s) == (number, extension)


@st.composite
def hiding_settings(draw) -> tuple[ReceiverSettings, str]:
    """(settings, platform) under which the supplier must not see the buyer's number: 固定收货信息 on any
    platform, or 拼多多 动态 with the phone replaced and only privacy numbers shown."""
    s = draw(receiver_settings())
    if draw(st.booleans()):
        return ReceiverSettings(**{**s.__dict__, "mode": "fixed"}), draw(st.sampled_from(PLATFORMS))
    if not (s.dyn_phone or s.dyn_auto):
        s = ReceiverSettings(**{**s.__dict__, "dyn_phone": draw(mobiles)})
    return ReceiverSettings(**{**s.__dict__, "mode": "dynamic", "dyn_position": "privacy"}), "pdd"


@settings(max_examples=200)
@given(buyers(), hiding_settings())
def test_the_supplier_never_sees_the_real_number_when_the_settings_hide_it(bought, hiding):
    buyer, number, extension = bought
    s, platform = hiding
    assume(s.mode == "fixed" or not extension)  # a privacy number is shown: that is what 隐私号 means
    out = supplier_receiver(buyer, s, platform)
    assume(out.phone != number)  # the configured replacement happens to be the buyer's number
    seen_before = _digits(buyer.name + buyer.address)
    for value in (out.name, out.phone, out.address, out.town):
        assert number not in _digits(value) or number in seen_before, (value, number)


@settings(max_examples=300)
@given(buyers(), receiver_settings(), st.sampled_from(PLATFORMS))
def test_the_result_fits_the_platforms_fields_or_is_refused_with_a_reason(bought, s, platform):
    buyer, number, extension = bought
    limits = SUPPLIER_LIMITS[platform]
    try:
        out = supplier_receiver(buyer, s, platform)
    except UserError as exc:
        assert "字限制" in str(exc)
        # refused only when even the bare number (no prefix, no separator) cannot fit
        bare = DigitStyle(s.style.digits, "").show(number, extension)
        address = split_phone(buyer)[2]
        too_long = (len(address) > limits.address or len(buyer.name) > limits.name
                    or len(f"{address} {bare}") > limits.address or len(f"{buyer.name} {bare}") > limits.name
                    or len(f"{address} {EXTENSION_MARK.format(extension)}") > limits.address)
        assert too_long
        return
    assert len(out.name) <= limits.name and len(out.address) <= limits.address
    assert re.fullmatch(r"1[3-9]\d{9}", out.phone)


def test_dynamic_phone_field_fixed_number_wins_then_auto_modify_then_the_buyers():
    buyer = Receiver("张具红", "15054852124", "甘肃省", "兰州市", "城关区", "", "皋兰路12号")
    base = ReceiverSettings(mode="dynamic", dyn_auto=True, dyn_middle="0000", dyn_last="1111", dyn_position="privacy")
    assert supplier_receiver(buyer, base, "pdd").phone == "15000001111"
    assert supplier_receiver(buyer, ReceiverSettings(**{**base.__dict__, "dyn_last": ""}), "pdd").phone == "15000002124"
    assert supplier_receiver(buyer, ReceiverSettings(**{**base.__dict__, "dyn_phone": "13922222333"}),
                             "pdd").phone == "13922222333"
    assert supplier_receiver(buyer, ReceiverSettings(**{**base.__dict__, "dyn_auto": False}), "pdd").phone == \
        "15054852124"
    # 动态 is PDD's setting: a 淘宝 supplier gets the buyer as is
    assert supplier_receiver(buyer, base, "taobao") == buyer


def test_positions_put_the_number_after_the_address_or_the_name():
    buyer = Receiver("张具红", "15054852124", "甘肃省", "兰州市", "城关区", "", "皋兰路12号")
    s = ReceiverSettings(mode="dynamic", dyn_auto=True, dyn_middle="0000", dyn_prefix="派件请联系：",
                         style=DigitStyle(tuple("0①2345⑥78⑨"), "-"))
    out = supplier_receiver(buyer, s, "pdd")
    assert (out.name, out.phone, out.address) == ("张具红", "15000002124", "皋兰路12号 派件请联系：①50-5485-2①24")
    out = supplier_receiver(buyer, ReceiverSettings(**{**s.__dict__, "dyn_position": "name"}), "pdd")
    # 20 characters for a PDD name (assumed): the prefix is dropped so the whole number fits
    assert (out.name, out.address) == ("张具红 ①50-5485-2①24", "皋兰路12号")


def test_privacy_numbers_keep_their_extension():
    s = ReceiverSettings(mode="dynamic", dyn_auto=True, dyn_last="1111", dyn_position="privacy")
    on_phone = Receiver("吴纯彦", "18812341111-123", "浙江省", "杭州市", "西湖区", "", "文三路90号")
    in_address = Receiver("吴纯彦", "18812341111", "浙江省", "杭州市", "西湖区", "", "文三路90号[拨打后输入分机号：123]")
    for buyer in (on_phone, in_address):
        out = supplier_receiver(buyer, s, "pdd")
        assert (out.phone, out.address) == ("18812341111", "文三路90号 18812341111转123")
        # 不修改: the phone field takes 11 digits only; the extension stays in the address, once
        out = supplier_receiver(buyer, ReceiverSettings(), "alibaba1688")
        assert (out.phone, out.address) == ("18812341111", "文三路90号 [拨打后输入分机号123]")


def test_fixed_receiver_is_used_on_every_platform():
    s = ReceiverSettings(mode="fixed", fixed=Receiver("仓库小王", "13922222333", "广东省", "广州市", "白云区", "",
                                                      "太和镇大源北路88号"))
    buyer = Receiver("张具红", "15054852124", "甘肃省", "兰州市", "城关区", "", "皋兰路12号")
    assert all(supplier_receiver(buyer, s, p) == s.fixed for p in PLATFORMS)


@pytest.mark.parametrize("phone", ["150****2124", "0571-88888888", "", "1505485212"])
def test_a_buyer_without_a_mobile_number_is_refused_with_a_reason(phone):
    with pytest.raises(UserError, match="手机号"):
        supplier_receiver(Receiver("张三", phone, "浙江省", "杭州市", "西湖区", "", "文三路90号"), ReceiverSettings(), "pdd")


def test_an_address_too_long_for_the_platform_is_refused_not_cut():
    buyer = Receiver("张三", "15054852124", "浙江省", "杭州市", "西湖区", "", "路" * 101)
    with pytest.raises(UserError, match="详细地址超出拼多多的 100 字限制"):
        supplier_receiver(buyer, ReceiverSettings(), "pdd")
    assert supplier_receiver(buyer, ReceiverSettings(), "taobao").address == "路" * 101


# -- the form ------------------------------------------------------------------------------------------

def _errors(**form) -> dict[str, str]:
    with pytest.raises(FieldError) as caught:
        ReceiverSettings.from_form(form)
    return caught.value.errors


@pytest.mark.parametrize("phone", ["1392222233", "139222223334", "1392222233a", "23922222333", "139 2222 2333x"])
def test_a_fixed_phone_that_is_not_11_digits_is_refused(phone):
    assert _errors(mode="fixed", fix_phone=phone, fix_name="小王", fix_province="广东省", fix_city="广州市",
                   fix_address="大源北路88号")["fix_phone"] == "固定手机号须是 11 位手机号"
    assert _errors(mode="dynamic", dyn_phone=phone)["dyn_phone"] == "固定手机号须是 11 位手机号"


def test_the_form_names_every_bad_field_at_once():
    errors = _errors(mode="fixed", dyn_middle="12a4", digit_1="①", digit_2="①", dyn_auto="on")
    assert set(errors) == {"dyn_middle", "digit_2", "fix_province", "fix_city", "fix_address", "fix_phone",
                           "fix_name"}
    assert errors["fix_name"] == "请填写固定姓名"
    assert _errors(mode="dynamic", dyn_auto="on")["dyn_middle"].startswith("勾选了自动修改收货地址手机号")
    assert _errors(mode="sometimes")["mode"]
    assert _errors(mode="none", fix_name="名" * 21)["fix_name"] == "固定姓名最多 20 个字（所有采购平台都要能填下）"


def test_a_good_form_gives_the_settings():
    s = ReceiverSettings.from_form({"mode": "dynamic", "dyn_phone": " 13922222333 ", "dyn_auto": "1", "dyn_middle":
                                    "0000", "dyn_last": "", "dyn_position": "name", "dyn_prefix": "派件请联系：",
                                    "digit_1": "①", "digit_separator": "-"})
    assert (s.dyn_phone, s.dyn_auto, s.dyn_position, s.style.digits[1], s.style.separator) == \
        ("13922222333", True, "name", "①", "-")
