"""收货人: storing decrypted or hand-typed receivers (encrypted, searchable by keyed hash), and checks.

A decrypted address is scarce (daily quotas), so it is stored once and never fetched again; it is
personal data, so it is stored only encrypted, with keyed hashes for exact-match search.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from dropship.errors import FieldError, UserError
from dropship.models import Order
from dropship.platforms.base import Receiver
from dropship.secrets import search_key

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Privacy numbers from the decrypt API look like 188xxxx1111-123 (virtual number + extension).
PRIVACY_RE = re.compile(r"^1[3-9]\d{9}-\d{1,6}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
LIMITS = {"name": 30, "phone": 20, "province": 20, "city": 20, "district": 20, "town": 30, "address": 120}
LABELS = {"name": "收货人姓名", "phone": "手机号", "province": "省", "city": "市", "district": "区",
          "town": "街道", "address": "详细地址"}


def needs_decrypt(order: Order) -> bool:
    return order.address_state == "masked"


def real_receiver(order: Order) -> Receiver | None:
    """The decrypted (or typed) receiver, or None while only the masked one is known."""
    if not order.receiver_real:
        return None
    return Receiver(**json.loads(order.receiver_real))


RECEIVER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Receiver))


def receiver_form(order: Order) -> dict[str, str]:
    """修改地址信息's starting values: the real receiver when known, else empty fields."""
    return asdict(real_receiver(order) or Receiver())


def masked_receiver(order: Order) -> Receiver:
    """The receiver as the platform's order list shows it (masked): what anyone may see of it."""
    return Receiver(name=order.receiver_name, phone=order.receiver_phone, province=order.receiver_region,
                    address=order.receiver_address)


def store_receiver(order: Order, receiver: Receiver, state: str = "decrypted") -> None:
    """Keep a full receiver on the order: encrypted JSON plus keyed hashes of name and phone."""
    Order.update(receiver_real=json.dumps(asdict(receiver), ensure_ascii=False), address_state=state,
                 receiver_name_key=search_key(receiver.name), receiver_phone_key=search_key(receiver.phone)
                 ).where(Order.id == order.id).execute()


def validate_manual(form: dict[str, str]) -> Receiver:
    """修改地址信息: every field checked, with the message for the field that is wrong."""
    values = {name: (form.get(name) or "").strip() for name in LIMITS}
    for name in ("name", "phone", "province", "city", "address"):
        if not values[name]:
            raise FieldError(name, f"请填写{LABELS[name]}")
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            raise FieldError(name, f"{LABELS[name]}最多 {limit} 个字")
    phone = values["phone"].replace(" ", "")
    if not (MOBILE_RE.match(phone) or PRIVACY_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise FieldError("phone", "请输入正确的手机号（11 位）或 隐私号-分机号 / 固定电话")
    if "*" in "".join(values.values()):
        raise FieldError("address", "地址仍是脱敏内容（含 *），请填写真实收货信息")
    values["phone"] = phone
    return Receiver(**values)


# -- 采购设置 › PDD 自定义收货信息: the receiver we type at the supplier ------------------------------
#
# One pure function, `supplier_receiver(buyer, settings, platform)`, decides what the supplier sees:
# the purchase flow types its result, and the 设置 page's 预览 shows its result for a sample buyer.

MODES: dict[str, str] = {"none": "不修改", "dynamic": "动态收货信息", "fixed": "固定收货信息"}
POSITIONS: dict[str, str] = {"address": "正确手机号加入地址详情后", "privacy": "隐私号添加到地址后",
                             "name": "正确手机号加入收货人名后"}
PLATFORM_NAMES: dict[str, str] = {"taobao": "淘宝", "tmall": "天猫", "taote": "淘特", "alibaba1688": "1688",
                                  "pdd": "拼多多"}
SAMPLE_PHONE = "12345678901"  # the manual's 预览 (派件人请联系①23-45⑥7-8⑨0①) styles this number
EXTENSION_JOIN = "转"  # 188xxxx1111转123: how a shown privacy number carries its extension
EXTENSION_MARK = "[拨打后输入分机号{}]"  # the platforms' own words for an extension kept in the address
_EXTENSION_IN_ADDRESS = re.compile(r"\s*\[拨打后输入分机号[:：]?\s*(\d{1,6})\]")
_PHONE_WITH_EXTENSION = re.compile(r"^(1[3-9]\d{9})(?:[-转#,，](\d{1,6}))?$")
_FOUR_DIGITS = re.compile(r"^\d{4}$")
STYLE_VALUE_MAX = 4  # characters per digit: ① is one, (1) is three
SEPARATOR_MAX = 3
PREFIX_MAX = 20


@dataclass(frozen=True)
class FieldLimits:
    name: int
    address: int


# Characters the supplier's address form accepts. ASSUMPTIONS, all of them: no public source for the
# checkout forms' limits was found (the sandbox has none). Taobao's address book is widely quoted as
# 详细地址 5–120 characters and 收货人 up to 25; 1688 is assumed to share Taobao's account forms; 拼多多's
# are guessed tighter (20 / 100) so that we err on refusing rather than on being truncated by the site.
# The phone field takes exactly 11 digits everywhere (a mainland mobile number).
SUPPLIER_LIMITS: dict[str, FieldLimits] = {
    "taobao": FieldLimits(name=25, address=120), "tmall": FieldLimits(name=25, address=120),
    "taote": FieldLimits(name=25, address=120), "alibaba1688": FieldLimits(name=25, address=120),
    "pdd": FieldLimits(name=20, address=100),
}
STRICTEST = FieldLimits(name=min(v.name for v in SUPPLIER_LIMITS.values()),
                        address=min(v.address for v in SUPPLIER_LIMITS.values()))

# Characters people read as the same digit: a style mapping two digits onto look-alikes is refused.
_LOOKALIKES = {"o": "0", "〇": "0", "○": "0", "零": "0", "l": "1", "i": "1", "|": "1", "丨": "1", "s": "5",
               "z": "2", "b": "8"}


def _looks(text: str) -> str:
    """What `text` looks like to a person: full-width folded to ASCII, case and look-alikes folded."""
    out = []
    for ch in text:
        if "\uff01" <= ch <= "\uff5e":
            ch = chr(ord(ch) - 0xFEE0)
        ch = ch.lower()
        out.append(_LOOKALIKES.get(ch, ch))
    return "".join(out)


@dataclass(frozen=True)
class DigitStyle:
    """自定义真实手机号显示样式: what each digit 0–9 is shown as, and the text between 3-4-4 groups."""

    digits: tuple[str, ...] = tuple("0123456789")
    separator: str = ""

    def show(self, number: str, extension: str = "") -> str:
        """`number` (11 digits) as 3-4-4 groups joined by the separator; an extension after 转."""
        groups = (number[:3], number[3:7], number[7:])
        text = self.separator.join("".join(self.digits[int(c)] for c in group) for group in groups if group)
        if extension:
            text += EXTENSION_JOIN + "".join(self.digits[int(c)] for c in extension)
        return text

    def read(self, text: str) -> tuple[str, str]:
        """The inverse of `show`: (number, extension). ValueError when `text` is not a shown number.

        The style's pieces are prefix-free (`check_style`), so reading left to right is unambiguous.
        """
        pieces = [(value, str(digit)) for digit, value in enumerate(self.digits)]
        pieces += [(self.separator, "")] if self.separator else []
        pieces.append((EXTENSION_JOIN, "|"))
        out, at = [], 0
        while at < len(text):
            for value, meaning in pieces:
                if text.startswith(value, at):
                    out.append(meaning)
                    at += len(value)
                    break
            else:
                raise ValueError(f"not a shown number at {at}: {text!r}")
        number, _, extension = "".join(out).partition("|")
        return number, extension


def check_style(digits: list[str], separator: str) -> dict[str, str]:
    """Problems with a display style, by form field (digit_0 … digit_9, digit_separator)."""
    errors: dict[str, str] = {}
    for digit, value in enumerate(digits):
        if not value:
            errors[f"digit_{digit}"] = f"请填写数字 {digit} 的显示字符"
        elif len(value) > STYLE_VALUE_MAX or any(ch.isspace() for ch in value):
            errors[f"digit_{digit}"] = f"每个数字最多用 {STYLE_VALUE_MAX} 个字符显示，且不能有空格"
        elif EXTENSION_JOIN in value:
            errors[f"digit_{digit}"] = f"“{EXTENSION_JOIN}”用于分机号，不能作为数字的显示字符"
    if len(separator) > SEPARATOR_MAX or any(ch.isspace() for ch in separator) or EXTENSION_JOIN in separator:
        errors["digit_separator"] = f"数字间隔最多 {SEPARATOR_MAX} 个字符，不能有空格或“{EXTENSION_JOIN}”"
    if errors:
        return errors
    seen: dict[str, int] = {}
    for digit, value in enumerate(digits):
        other = seen.setdefault(_looks(value), digit)
        if other != digit:
            errors[f"digit_{digit}"] = f"数字 {digit} 与数字 {other} 显示得一样（{digits[other]} / {value}），快递员无法分辨"
    if separator and _looks(separator) in seen:
        errors["digit_separator"] = f"数字间隔看起来和数字 {seen[_looks(separator)]} 一样，快递员无法分辨"
    if errors:
        return errors
    # Prefix-free pieces: no shown digit (or the separator) may begin another, or reading back is ambiguous.
    pieces = [(f"digit_{d}", f"数字 {d}", v) for d, v in enumerate(digits)]
    pieces += [("digit_separator", "数字间隔", separator)] if separator else []
    for field, label, value in pieces:
        for other_field, other_label, other in pieces:
            if field != other_field and other.startswith(value) and other_field not in errors:
                errors[other_field] = f"{other_label}的显示字符以{label}的显示字符（{value}）开头，无法分辨"
    return errors


@dataclass(frozen=True)
class ReceiverSettings:
    """PDD 自定义收货信息 as saved on the 设置 page (`from_form` checks it)."""

    mode: str = "none"
    dyn_phone: str = ""  # 固定手机号 (动态): typed in the phone field instead of the buyer's
    dyn_auto: bool = False  # 自动修改收货地址手机号: replace 中间四位 / 后四位 of the buyer's number
    dyn_middle: str = ""
    dyn_last: str = ""
    dyn_position: str = "address"
    dyn_prefix: str = ""
    style: DigitStyle = DigitStyle()
    fixed: Receiver = dataclasses.field(default_factory=Receiver)

    @classmethod
    def from_form(cls, form: dict[str, Any]) -> ReceiverSettings:
        """Every field checked at once; FieldError.many names each bad field. Values of the mode not
        chosen are checked for shape too (they are saved and may be switched on later)."""
        text = {key: str(form.get(key) or "").strip() for key in form}
        get = text.get
        errors: dict[str, str] = {}
        mode = get("mode", "")
        if mode not in MODES:
            errors["mode"] = "请选择 不修改 / 动态收货信息 / 固定收货信息"
        phone = get("dyn_phone", "")
        if phone and not MOBILE_RE.match(phone):
            errors["dyn_phone"] = "固定手机号须是 11 位手机号"
        for field, label in (("dyn_middle", "中间四位"), ("dyn_last", "后四位")):
            if get(field) and not _FOUR_DIGITS.match(get(field, "")):
                errors[field] = f"{label}须是 4 位数字"
        auto = str(form.get("dyn_auto", "")).lower() in {"1", "on", "true", "yes"}
        if mode == "dynamic" and auto and not (get("dyn_middle") or get("dyn_last")):
            errors["dyn_middle"] = "勾选了自动修改收货地址手机号：请填写中间四位或后四位"
        position = get("dyn_position", "address")
        if position not in POSITIONS:
            errors["dyn_position"] = "请选择显示位置"
        prefix = get("dyn_prefix", "")
        if len(prefix) > PREFIX_MAX:
            errors["dyn_prefix"] = f"手机号前缀最多 {PREFIX_MAX} 个字"
        digits = [str(form.get(f"digit_{d}", str(d)) or "").strip() for d in range(10)]
        separator = str(form.get("digit_separator") or "").strip()
        errors.update(check_style(digits, separator))
        fixed = Receiver(name=get("fix_name", ""), phone=get("fix_phone", ""), province=get("fix_province", ""),
                         city=get("fix_city", ""), district=get("fix_district", ""), town=get("fix_town", ""),
                         address=get("fix_address", ""))
        errors.update(_check_fixed(fixed, required=mode == "fixed"))
        if errors:
            raise FieldError.many(errors)
        return cls(mode=mode, dyn_phone=phone, dyn_auto=auto, dyn_middle=get("dyn_middle", ""),
                   dyn_last=get("dyn_last", ""), dyn_position=position, dyn_prefix=prefix,
                   style=DigitStyle(tuple(digits), separator), fixed=fixed)


FIXED_LABELS = {"fix_province": "省", "fix_city": "市", "fix_district": "区", "fix_town": "街道",
                "fix_address": "详细地址", "fix_phone": "固定手机号", "fix_name": "固定姓名"}


def _check_fixed(fixed: Receiver, required: bool) -> dict[str, str]:
    """固定收货信息 is typed at every platform, so it must fit the strictest platform's fields."""
    values = {"fix_province": fixed.province, "fix_city": fixed.city, "fix_district": fixed.district,
              "fix_town": fixed.town, "fix_address": fixed.address, "fix_phone": fixed.phone, "fix_name": fixed.name}
    errors = {}
    if required:
        errors = {f: f"请填写{FIXED_LABELS[f]}" for f in ("fix_province", "fix_city", "fix_address", "fix_phone",
                                                          "fix_name") if not values[f]}
    limits = {"fix_name": STRICTEST.name, "fix_address": STRICTEST.address, "fix_province": LIMITS["province"],
              "fix_city": LIMITS["city"], "fix_district": LIMITS["district"], "fix_town": LIMITS["town"]}
    for field, limit in limits.items():
        if field not in errors and len(values[field]) > limit:
            errors[field] = f"{FIXED_LABELS[field]}最多 {limit} 个字（所有采购平台都要能填下）"
    if values["fix_phone"] and not MOBILE_RE.match(values["fix_phone"]):
        errors["fix_phone"] = "固定手机号须是 11 位手机号"
    if any("*" in v for v in values.values()):
        errors.setdefault("fix_address", "不能含有 *（脱敏内容）")
    return errors


def split_phone(buyer: Receiver) -> tuple[str, str, str]:
    """(11-digit number, extension, address without an extension note) of a buyer.

    A privacy number comes as `188xxxx1111-123` or with `[拨打后输入分机号123]` in the address.
    Raises UserError when there is no mobile number to type (masked, landline, garbage).
    """
    address = buyer.address
    extension = ""
    found = _EXTENSION_IN_ADDRESS.search(address)
    if found:
        extension = found.group(1)
        address = (address[:found.start()] + address[found.end():]).strip()
    match = _PHONE_WITH_EXTENSION.match(buyer.phone.replace(" ", ""))
    if not match:
        if "*" in buyer.phone:
            raise UserError("收货人手机号仍是脱敏的（含 *）：请先解密地址或在订单上修改地址信息")
        raise UserError(f"收货人电话 {buyer.phone or '（空）'} 不是 11 位手机号，供货平台不接受：请在订单上修改地址信息")
    return match.group(1), match.group(2) or extension, address


def _fit(base: str, extras: list[str], limit: int, label: str, platform: str) -> str:
    """`base` plus the first of `extras` that fits `limit` characters (a space between them).

    Never truncates: a cut address is a parcel sent to the wrong door, so refuse instead.
    """
    for extra in extras:
        text = f"{base} {extra}" if base and extra else base + extra
        if len(text) <= limit:
            return text
    raise UserError(f"{label}超出{PLATFORM_NAMES.get(platform, platform)}的 {limit} 字限制，"
                    "请缩短手机号前缀或显示样式，或在订单上修改地址信息")


def supplier_receiver(buyer: Receiver, settings: ReceiverSettings, platform: str) -> Receiver:
    """The receiver to type at the supplier on `platform` for `buyer`, under 自定义收货信息.

    - 固定收货信息: every platform gets the fixed receiver (the buyer's is not used at all).
    - 不修改 (and 动态 on platforms other than 拼多多, as the setting is PDD's): the buyer's receiver;
      the phone field gets the 11-digit number, a privacy extension goes to the address as
      `[拨打后输入分机号123]` (the phone field cannot hold it).
    - 动态收货信息 (拼多多): the phone field gets 固定手机号, or the buyer's number with 中间四位 /
      后四位 replaced (自动修改), or the buyer's number; the buyer's real number (with its extension)
      is shown with 手机号前缀 and the display style after the address or the name (显示位置) —
      or, for 隐私号添加到地址后, only a privacy number is shown, after the address.
    Raises UserError when the result would not fit the platform's fields (never truncated).
    """
    limits = SUPPLIER_LIMITS[platform]
    if settings.mode == "fixed":
        out = settings.fixed
    else:
        number, extension, address = split_phone(buyer)
        out = replace(buyer, phone=number, address=address)
        if settings.mode == "dynamic" and platform == "pdd":
            out = _dynamic(out, number, extension, settings, limits, platform)
        elif extension:
            out = replace(out, address=_fit(address, [EXTENSION_MARK.format(extension)], limits.address, "详细地址",
                                            platform))
    for label, value, limit in (("收货人姓名", out.name, limits.name), ("详细地址", out.address, limits.address)):
        if len(value) > limit:
            raise UserError(f"{label}超出{PLATFORM_NAMES.get(platform, platform)}的 {limit} 字限制，请在订单上修改地址信息")
    return out


def _dynamic(out: Receiver, number: str, extension: str, settings: ReceiverSettings, limits: FieldLimits,
             platform: str) -> Receiver:
    phone = number
    if settings.dyn_phone:
        phone = settings.dyn_phone
    elif settings.dyn_auto:
        phone = number[:3] + (settings.dyn_middle or number[3:7]) + (settings.dyn_last or number[7:])
    out = replace(out, phone=phone)
    if settings.dyn_position == "privacy" and not extension:
        return out  # an ordinary number is not shown anywhere: the supplier sees only the phone field
    style = settings.style
    shown = style.show(number, extension)
    # Longest first; shorter forms only when the field would overflow (the number must stay whole).
    extras = list(dict.fromkeys([settings.dyn_prefix + shown, shown, replace(style, separator="").show(number, extension)]))
    if settings.dyn_position == "name":
        return replace(out, name=_fit(out.name, extras, limits.name, "收货人姓名", platform))
    return replace(out, address=_fit(out.address, extras, limits.address, "详细地址", platform))


def style_preview(settings: ReceiverSettings) -> str:
    """The manual's 预览 line: 手机号前缀 + the sample number in the display style."""
    return settings.dyn_prefix + settings.style.show(SAMPLE_PHONE)
