"""What drivers return and raise: plain dataclasses and exceptions, shared by tasks and services.

Drivers take plain parameters (origins, credentials, a browser context) and return these types;
services may accept them (e.g. `upsert_remote_orders(shop, orders)`) without knowing any driver.
Money is integer fen; platform ids are strings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from dropship.errors import UserError

# -- exceptions ------------------------------------------------------------------------------------


class PlatformError(UserError):
    """The platform refused or failed; the message is Chinese and shown to the user."""


class BadCredentials(PlatformError):
    """账号名或登录密码不正确."""


class LoginRequired(PlatformError):
    """The stored session is gone; 授权 again."""


class RiskBlocked(PlatformError):
    """A risk sign (punish page, 系统繁忙, RGV587 …): stop this account and cool down."""

    def __init__(self, message: str = "平台风控限制，请稍后再试", cooldown_minutes: int | None = None) -> None:
        super().__init__(message)
        self.cooldown_minutes = cooldown_minutes


class NeedsVerification(PlatformError):
    """A slider, SMS code or QR login needs a person; the task parks it in the 验证中心."""

    KINDS = {"slider": "滑块验证", "sms": "短信验证码", "qr": "扫码登录"}

    def __init__(self, kind: str, message: str = "", url: str = "") -> None:
        super().__init__(message or f"需要{self.KINDS.get(kind, '人工验证')}")
        self.kind = kind
        self.url = url


class QuotaExhausted(PlatformError):
    """A daily quota (e.g. address decryption) is used up."""


# -- data ------------------------------------------------------------------------------------------

# http(s) with a host, or protocol-relative ("//item.taobao.com/…", as taobao's JSON writes them).
@dataclass
class Receiver:
    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    town: str = ""
    address: str = ""

    @property
    def masked(self) -> bool:
        return "*" in self.name or "*" in self.phone or "*" in self.address

    @property
    def region(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.district, self.town) if p)

    def one_line(self) -> str:
        return f"{self.name} {self.phone} {self.region} {self.address}".strip()


@dataclass
class RemoteItem:
    """One sub-order (子订单) as the shop backend shows it."""

    oid: str
    title: str
    quantity: int
    paid_amount: int  # fen, the line's real total
    sku_text: str = ""
    outer_id: str = ""  # 商家编码
    pic: str = ""  # http(s) only (see safe_urls.http_url)
    item_url: str = ""  # http(s) only (see safe_urls.http_url)
    item_id: str = ""
    status: str = ""  # our status code, see services.orders.labels.STATUS_LABELS
    refund_status: str = ""  # '' | refunding | refunded | closed
    refund_text: str = ""


@dataclass
class Parcel:
    """One parcel the shop backend shows on an order, whoever consigned it (also the seller in 千牛)."""

    courier_name: str = ""  # as the page writes it (中通快递); '' when the page does not name it
    tracking_number: str = ""
    dummy: bool = False  # 无需物流: consigned without a parcel


@dataclass
class RemoteOrder:
    """One order (店铺订单) as the shop backend shows it."""

    tid: str
    status: str  # unpaid | paid | partly_shipped | shipped | finished | closed | other
    status_text: str
    buyer_nick: str
    paid_amount: int  # fen
    created_at: datetime
    items: list[RemoteItem] = field(default_factory=list)
    paid_at: datetime | None = None
    ship_deadline: datetime | None = None
    post_fee: int = 0
    buyer_message: str = ""
    has_buyer_message: bool = False  # the list only flags it; the message itself is on the detail page
    seller_flag: int = 0
    seller_memo: str | None = None  # None = not read on this call
    receiver: Receiver | None = None  # usually masked
    status_code: str = ""  # the platform's own code when `status` is `other` (kept verbatim)
    parcels: list[Parcel] | None = None  # 物流信息 from the detail page; None = not read on this call


@dataclass
class SoldPage:
    orders: list[RemoteOrder]
    page: int
    total_pages: int
    total: int
    skipped: list[str] = field(default_factory=list)  # "tid：why" for orders the parser could not read


@dataclass
class Memo:
    text: str
    flag: int


@dataclass
class ShopIdentity:
    """Who the browser profile is logged in as (from the `unb` / `sn` cookies)."""

    user_id: str
    login: str
    nick: str = ""


class ShopBackend(Protocol):
    """A seller backend (淘宝 / 天猫 / 淘特). Implemented by platforms.taobao_seller."""

    def whoami(self) -> ShopIdentity | None: ...

    def open_home(self) -> object: ...

    def login(self, login: str, password: str) -> ShopIdentity: ...

    def list_sold(self, since: datetime, until: datetime, page: int = 1, tab: str = "all") -> SoldPage: ...

    def get_orders(self, tids: list[str]) -> list[RemoteOrder]: ...

    def order_from_detail(self, tid: str) -> RemoteOrder: ...

    def decrypt_receiver(self, tid: str, route: int = 1) -> Receiver: ...

    def request_address_export(self) -> str: ...

    def export_addresses(self, sms_password: str) -> dict[str, Receiver]: ...

    def get_memo(self, tid: str) -> Memo: ...

    def set_memo(self, tid: str, text: str, flag: int) -> None: ...

    def consign(self, tid: str, courier_code: str, tracking_number: str, oids: list[str] | None = None) -> None: ...
