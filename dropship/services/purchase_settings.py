"""采购设置 (manual: 采购设置): PDD 支付设置, 发货物流, PDD 自定义收货信息 — stored, checked, logged.

Each section is one form saved all-or-nothing through `settings_log.save_settings`. The receiver
rule itself lives in `services/receiver.py` (one pure function, also behind the page's 预览);
payment and shipping are read by purchasing and automatic shipping (`load_payment`,
`load_shipping`, `dual_app_key`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dropship.errors import FieldError, UserError
from dropship.models import User
from dropship.platforms.base import Receiver
from dropship.secrets import Secret, decrypt, encrypt
from dropship.services.money import parse_yuan, yuan
from dropship.services.receiver import (
    MODES,
    POSITIONS,
    DigitStyle,
    ReceiverSettings,
    style_preview,
    supplier_receiver,
)
from dropship.services.settings import get_setting, register
from dropship.services.settings_log import choice_display, describe, save_settings

# -- PDD 支付设置 -------------------------------------------------------------------------------------

PAY_METHODS: dict[str, str] = {"unionpay": "云闪付支付", "alipay": "支付宝支付", "wechat": "微信支付",
                               "alipay_password": "支付宝账号密码支付"}
_ALIPAY_ACCOUNT = re.compile(r"^(1[3-9]\d{9}|[^@\s]{1,40}@[^@\s]{1,40}\.[A-Za-z]{2,10})$")
_PAY_PASSWORD = re.compile(r"^\d{6}$")  # 支付宝 支付密码: six digits
SECRET_FIELDS = {"pay_account": "pay.account", "pay_password": "pay.password"}
# 拼多多 goods pages offer 单独购买 and 发起拼单 (manual: 采购下单); a 拼单 waits 待分享 until it forms
PDD_ORDER_TYPES: dict[str, str] = {"single": "单独购买", "group": "发起拼单"}


def _one_of(labels: dict[str, str]):
    def clean(value: Any) -> str:
        if str(value) not in labels:
            raise ValueError("请选择：" + " / ".join(labels.values()))
        return str(value)

    return clean


def _ciphertext(value: Any) -> str:
    """Secrets are stored as Fernet ciphertext: the plain text only lives in a purchase task's memory."""
    return encrypt(str(value)) if value else ""


def _text(limit: int):
    def clean(value: Any) -> str:
        text = str(value or "").strip()
        if len(text) > limit:
            raise ValueError(f"最多 {limit} 个字")
        return text

    return clean


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "on", "yes"}


register("pay.method", "支付方式", "alipay", _one_of(PAY_METHODS))
register("pay.account", "支付账号", "", _ciphertext)
register("pay.password", "支付密码", "", _ciphertext)
register("pdd.order_type", "拼多多下单方式", "single", _one_of(PDD_ORDER_TYPES))
describe("pay.method", choice_display(PAY_METHODS))
describe("pdd.order_type", choice_display(PDD_ORDER_TYPES))
describe("pay.account", secret=True)
describe("pay.password", secret=True)


@dataclass(frozen=True)
class PaymentSettings:
    method: str
    account: Secret | None
    password: Secret | None


def payment_view() -> dict[str, Any]:
    """What the page may show: the method, and whether each secret is set (never the secret)."""
    return {"method": get_setting("pay.method"), "account_set": bool(get_setting("pay.account")),
            "password_set": bool(get_setting("pay.password")), "pdd_order": get_setting("pdd.order_type")}


def pdd_group() -> bool:
    """Whether the 拼多多 purchase task 发起拼单 (else 单独购买)."""
    return get_setting("pdd.order_type") == "group"


def load_payment() -> PaymentSettings:
    """For the purchase task: the method and the decrypted secrets (Secret hides itself from logs)."""
    account, password = get_setting("pay.account"), get_setting("pay.password")
    return PaymentSettings(get_setting("pay.method"), Secret(decrypt(account)) if account else None,
                           Secret(decrypt(password)) if password else None)


def save_payment(form: dict[str, Any], user: User | None) -> None:
    """An empty secret field keeps what is stored (the page never holds it); raises FieldError.many."""
    method = str(form.get("pay_method") or "")
    pdd_order = str(form.get("pdd_order") or "single")
    account = str(form.get("pay_account") or "").strip()
    password = str(form.get("pay_password") or "").strip()
    errors: dict[str, str] = {}
    if method not in PAY_METHODS:
        errors["pay_method"] = "请选择支付方式"
    if pdd_order not in PDD_ORDER_TYPES:
        errors["pdd_order"] = "请选择：" + " / ".join(PDD_ORDER_TYPES.values())
    if account and not _ALIPAY_ACCOUNT.match(account):
        errors["pay_account"] = "支付账号须是支付宝登录用的手机号或邮箱"
    if password and not _PAY_PASSWORD.match(password):
        errors["pay_password"] = "支付密码须是 6 位数字"
    if method == "alipay_password":
        if not account and not get_setting("pay.account"):
            errors.setdefault("pay_account", "选择支付宝账号密码支付时，请填写支付账号")
        if not password and not get_setting("pay.password"):
            errors.setdefault("pay_password", "选择支付宝账号密码支付时，请填写支付密码")
    if errors:
        raise FieldError.many(errors)
    values: dict[str, Any] = {"pay.method": method, "pdd.order_type": pdd_order}
    values.update({key: value for key, value in (("pay.account", account), ("pay.password", password)) if value})
    _save(values, user)


# -- 采购保护 (guards before paying; read by services.purchasing.guards) ------------------------------------

def _fen(allow_negative: bool):
    """Stored as fen; a form sends typed yuan text (13.64), the code may pass fen as an int."""
    def clean(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0 and not allow_negative:
                raise ValueError("不能为负数")
            return value
        try:
            return parse_yuan(str(value), allow_negative=allow_negative)
        except FieldError as exc:  # the registry reports ValueError beside the setting's own field
            raise ValueError(str(exc)) from exc

    return clean


register("purchase.profit_floor", "最低利润（实收金额 − 采购金额 低于此值不付款）", 0, _fen(True))
register("purchase.max_price", "最高采购价（0 = 不限）", 0, _fen(False))
register("purchase.daily_cap", "每个采购账号每日采购额（0 = 不限）", 0, _fen(False))
register("pay.auto", "自动支付（所有保护都通过时才付款）", False, _flag)
register("purchase.freight_insurance", "自动勾选运费险", False, _flag)
for _key in ("purchase.profit_floor", "purchase.max_price", "purchase.daily_cap"):
    describe(_key, lambda fen: f"{yuan(fen)} 元")


@dataclass(frozen=True)
class GuardSettings:
    """What a purchase checks before paying; amounts in fen, 0 = no limit for the two limits."""

    profit_floor: int = 0
    max_price: int = 0
    daily_cap: int = 0
    auto_pay: bool = False


def load_guards() -> GuardSettings:
    return GuardSettings(int(get_setting("purchase.profit_floor")), int(get_setting("purchase.max_price")),
                         int(get_setting("purchase.daily_cap")), bool(get_setting("pay.auto")))


GUARD_KEYS = ("purchase.profit_floor", "purchase.max_price", "purchase.daily_cap", "pay.auto",
              "purchase.freight_insurance")


def freight_insurance() -> bool:
    """Whether 自动下单 ticks 运费险 where a 淘宝 / 天猫 / 淘特 seller offers it (the buyer pays it)."""
    return bool(get_setting("purchase.freight_insurance"))


# -- 发货物流 ----------------------------------------------------------------------------------------

# The manual's six couriers (Taobao company codes, dropship/couriers.py) in its words and order.
EXCLUDABLE_COURIERS: dict[str, str] = {"ZTO": "中通快递", "YTO": "圆通快递", "STO": "申通快递", "YUNDA": "韵达快递",
                                       "POSTB": "邮政快递", "JTSD": "极兔快递"}
MULTI_ITEM: dict[str, str] = {"split": "拆包", "whole": "整包"}


def _couriers(value: Any) -> list[str]:
    codes = [value] if isinstance(value, str) else list(value or [])
    if any(code not in EXCLUDABLE_COURIERS for code in codes):
        raise ValueError("只能勾选：" + " / ".join(EXCLUDABLE_COURIERS.values()))
    return [code for code in EXCLUDABLE_COURIERS if code in codes]  # the manual's order, no duplicates


register("ship.excluded_couriers", "不使用上家物流单号的快递", [], _couriers)
register("ship.dual_logistics", "默认使用双物流方式发货", False, _flag)
register("ship.multi_item", "多子订单发货", "split", _one_of(MULTI_ITEM))
register("ship.dual_app_key", "双物流账号 app_key", "", _ciphertext)
describe("ship.dual_app_key", secret=True)
describe("ship.excluded_couriers", choice_display(EXCLUDABLE_COURIERS))
describe("ship.multi_item", choice_display(MULTI_ITEM))


@dataclass(frozen=True)
class ShippingSettings:
    excluded: tuple[str, ...] = ()
    dual_logistics: bool = False
    multi_item: str = "split"

    def route_for(self, courier_code: str) -> str:
        """How to ship when the supplier shipped with `courier_code` (manual, 发货物流):
        `supplier` (上家物流单号), `dual` (双物流) or `manual` (a person ships it)."""
        if courier_code not in self.excluded:
            return "supplier"
        return "dual" if self.dual_logistics else "manual"

    def ship_now(self, items_with_tracking: int, items: int) -> bool:
        """拆包: each sub-order ships as soon as it has a number; 整包: only once all of them have one."""
        return items_with_tracking > 0 if self.multi_item == "split" else items_with_tracking == items


def dual_app_key() -> str:
    """For the consign task: the 双物流 provider's key, decrypted ('' when not set)."""
    stored = get_setting("ship.dual_app_key")
    return decrypt(stored) if stored else ""


def load_shipping() -> ShippingSettings:
    return ShippingSettings(tuple(get_setting("ship.excluded_couriers")), get_setting("ship.dual_logistics"),
                            get_setting("ship.multi_item"))


_APP_KEY = re.compile(r"^[\x21-\x7e]{4,64}$")  # a provider key: printable ASCII, no spaces


def save_shipping(form: dict[str, Any], user: User | None) -> None:
    """An empty 双物流 app_key keeps the stored one (the page never holds it); raises FieldError.many."""
    excluded = form.get("excluded_couriers") or []
    dual = _flag(form.get("dual_logistics"))
    key = str(form.get("dual_app_key") or "").strip()
    errors = {}
    if any(code not in EXCLUDABLE_COURIERS for code in excluded):
        errors["excluded_couriers"] = "只能勾选：" + " / ".join(EXCLUDABLE_COURIERS.values())
    if form.get("multi_item") not in MULTI_ITEM:
        errors["multi_item"] = "请选择 拆包 或 整包"
    if key and not _APP_KEY.match(key):
        errors["dual_app_key"] = "app_key 为 4–64 位字母、数字或符号，不含空格"
    elif dual and not key and not get_setting("ship.dual_app_key"):
        errors["dual_app_key"] = "开启双物流时，请填写双物流账号的 app_key"
    if errors:
        raise FieldError.many(errors)
    values: dict[str, Any] = {"ship.excluded_couriers": excluded, "ship.dual_logistics": dual,
                              "ship.multi_item": form["multi_item"]}
    if key:
        values["ship.dual_app_key"] = key
    _save(values, user)


# -- PDD 自定义收货信息 -------------------------------------------------------------------------------

# form field → (setting key, label); the digits and separator are one key each (a style is one thing)
RECEIVER_FIELDS: dict[str, tuple[str, str]] = {
    "mode": ("receiver.mode", "PDD自定义收货信息"), "dyn_phone": ("receiver.dyn_phone", "固定手机号（动态）"),
    "dyn_auto": ("receiver.dyn_auto", "自动修改收货地址手机号"), "dyn_middle": ("receiver.dyn_middle", "动态手机号 中间四位"),
    "dyn_last": ("receiver.dyn_last", "动态手机号 后四位"), "dyn_position": ("receiver.dyn_position", "显示位置"),
    "dyn_prefix": ("receiver.dyn_prefix", "手机号前缀"), "fix_province": ("receiver.fix_province", "固定收货地址 省"),
    "fix_city": ("receiver.fix_city", "固定收货地址 市"), "fix_district": ("receiver.fix_district", "固定收货地址 区"),
    "fix_town": ("receiver.fix_town", "固定收货地址 街道"), "fix_address": ("receiver.fix_address", "固定详细地址"),
    "fix_phone": ("receiver.fix_phone", "固定手机号（固定收货信息）"), "fix_name": ("receiver.fix_name", "固定姓名"),
}
DEFAULT_RECEIVER = ReceiverSettings()
_DEFAULTS: dict[str, Any] = {"mode": "none", "dyn_auto": False, "dyn_position": "address"}
for _field, (_key, _label) in RECEIVER_FIELDS.items():
    register(_key, _label, _DEFAULTS.get(_field, ""), _flag if _field == "dyn_auto" else _text(200))  # checked by from_form
register("receiver.digits", "自定义真实手机号显示样式", list("0123456789"), lambda v: [str(x) for x in v])
register("receiver.separator", "数字间隔", "", _text(10))
describe("receiver.mode", choice_display(MODES))
describe("receiver.dyn_position", choice_display(POSITIONS))
describe("receiver.digits", lambda v: " ".join(f"{d}→{s}" for d, s in enumerate(v)))
RECEIVER_KEYS = tuple(k for k, _ in RECEIVER_FIELDS.values()) + ("receiver.digits", "receiver.separator")


def receiver_form_values() -> dict[str, Any]:
    """The stored settings as form fields (what the page shows)."""
    values: dict[str, Any] = {field: get_setting(key) for field, (key, _) in RECEIVER_FIELDS.items()}
    values.update({f"digit_{d}": s for d, s in enumerate(get_setting("receiver.digits"))})
    values["digit_separator"] = get_setting("receiver.separator")
    return values


def load_receiver_settings() -> ReceiverSettings:
    """For the purchase task and the page: the saved settings (checked when they were saved)."""
    values = receiver_form_values()
    return ReceiverSettings(
        mode=values["mode"], dyn_phone=values["dyn_phone"], dyn_auto=values["dyn_auto"],
        dyn_middle=values["dyn_middle"], dyn_last=values["dyn_last"], dyn_position=values["dyn_position"],
        dyn_prefix=values["dyn_prefix"], style=DigitStyle(tuple(get_setting("receiver.digits")),
                                                          values["digit_separator"]),
        fixed=Receiver(name=values["fix_name"], phone=values["fix_phone"], province=values["fix_province"],
                       city=values["fix_city"], district=values["fix_district"], town=values["fix_town"],
                       address=values["fix_address"]))


def save_receiver(form: dict[str, Any], user: User | None) -> ReceiverSettings:
    """Check the whole form (ReceiverSettings.from_form) and store it; raises FieldError.many."""
    settings = ReceiverSettings.from_form(form)
    fixed = settings.fixed
    typed = {"mode": settings.mode, "dyn_phone": settings.dyn_phone, "dyn_auto": settings.dyn_auto,
             "dyn_middle": settings.dyn_middle, "dyn_last": settings.dyn_last,
             "dyn_position": settings.dyn_position, "dyn_prefix": settings.dyn_prefix,
             "fix_province": fixed.province, "fix_city": fixed.city, "fix_district": fixed.district,
             "fix_town": fixed.town, "fix_address": fixed.address, "fix_phone": fixed.phone, "fix_name": fixed.name}
    values = {RECEIVER_FIELDS[field][0]: value for field, value in typed.items()}
    values.update({"receiver.digits": list(settings.style.digits), "receiver.separator": settings.style.separator})
    _save(values, user)
    return settings


# The 预览's sample buyers: the manual's example, and one behind a privacy number with an extension.
PREVIEW_BUYERS: tuple[tuple[str, Receiver], ...] = (
    ("普通手机号", Receiver(name="张具红", phone="15054852124", province="甘肃省", city="兰州市", district="城关区",
                        town="皋兰路街道", address="皋兰路12号3栋502")),
    ("隐私号（带分机号）", Receiver(name="吴纯彦", phone="18812341111-123", province="浙江省", city="杭州市",
                             district="西湖区", town="文新街道", address="文三路90号")),
)


def receiver_preview(form: dict[str, Any]) -> dict[str, Any]:
    """预览: what a 拼多多 supplier would get for the sample buyers under the settings in `form` — the
    same `supplier_receiver` a purchase uses — or the reasons the form cannot be used yet."""
    try:
        settings = ReceiverSettings.from_form(form)
    except FieldError as exc:
        return {"errors": list(exc.errors.values())}
    rows = []
    for label, buyer in PREVIEW_BUYERS:
        try:
            rows.append({"label": label, "buyer": buyer, "out": supplier_receiver(buyer, settings, "pdd"),
                         "error": ""})
        except UserError as exc:
            rows.append({"label": label, "buyer": buyer, "out": None, "error": str(exc)})
    return {"style": style_preview(settings), "rows": rows, "mode": settings.mode, "errors": []}


def _save(values: dict[str, Any], user: User | None) -> None:
    errors = save_settings(values, user)
    if errors:  # the forms check first; a refusal here is a registry clean the form did not foresee
        raise FieldError.many(errors)


PAYMENT_KEYS = ("pay.method", "pdd.order_type", "pay.account", "pay.password")
SHIPPING_KEYS = ("ship.excluded_couriers", "ship.dual_logistics", "ship.multi_item", "ship.dual_app_key")
