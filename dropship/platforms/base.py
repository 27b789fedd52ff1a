"""What drivers return and raise: plain dataclasses and exceptions, shared by tasks and services.

Drivers take plain parameters (origins, credentials, a browser context) and return these types;
services may accept them (e.g. `upsert_remote_orders(shop, orders)`) without knowing any driver.
Money is integer fen; platform ids are strings.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

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


# -- after-sales (售后) ----------------------------------------------------------------------------

DISPUTE_KINDS = ("refund_only", "return_refund", "complaint")  # 仅退款 / 退货退款 / 店铺投诉
# One status vocabulary for our shop's disputes and for our refunds at a supplier:
# pending 待处理 · refused 已拒绝 · wait_buyer_return 待买家退货 · wait_seller_receive 待卖家收货 ·
# closed 退款关闭 (the buyer cancelled, or a complaint ended) · success 退款成功. Unknown codes verbatim.
DISPUTE_STATUSES = ("pending", "refused", "wait_buyer_return", "wait_seller_receive", "closed", "success")


@dataclass
class RemoteDispute:
    """One 售后 case on our shop, as the seller's dispute list (disputeGridVOList) shows it."""

    dispute_id: str  # refundId, a string
    tid: str  # the shop order (bizOrderId)
    oid: str  # the sub-order
    kind: str  # DISPUTE_KINDS
    status: str  # DISPUTE_STATUSES
    status_text: str  # the platform's words
    amount: int  # fen, 退款金额 (0 for a complaint)
    reason: str
    created_at: datetime
    updated_at: datetime
    after_sale: bool = False  # opened after the goods shipped (售后) rather than before (售中)
    title: str = ""
    buyer_nick: str = ""
    return_courier: str = ""  # the buyer's return parcel (退货退款, once the buyer sent it)
    return_tracking_number: str = ""
    detail_url: str = ""  # the dispute's page in the shop backend (打开后台 jumps there)


@dataclass
class DisputePage:
    disputes: list[RemoteDispute]
    page: int
    total_pages: int
    total: int
    skipped: list[str] = field(default_factory=list)  # "refundId：why" for rows the parser could not read


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

    def modify_consign(self, tid: str, old_number: str, courier_code: str, tracking_number: str) -> None: ...

    def list_disputes(self, since: datetime, page: int = 1, tab: str = "all") -> DisputePage:
        """The shop's 售后 list (refund-list / disputelistv2), newest first; `tab` as the page's tabs."""
        ...

    def dispute_detail(self, dispute_id: str) -> RemoteDispute:
        """One dispute re-read from its detail page: the re-read before every action."""
        ...

    def agree_refund(self, dispute_id: str) -> None:
        """同意退款 (仅退款; 退货退款 once the return arrived). Refused by the site → PlatformError."""
        ...


# -- buyer side (purchasing) ---------------------------------------------------------------------

@dataclass(frozen=True)
class SupplierSku:
    """One SKU of a supplier item as its page lists it."""

    sku_id: str
    text: str  # e.g. "颜色:黑色;尺码:L"
    price: int = 0  # fen
    stock: int | None = None  # None = the page does not say; 0 = sold out


@dataclass(frozen=True)
class SupplierItem:
    """A supplier product page: what the SKU mapping and the guards need."""

    platform: str  # taobao | tmall | taote | alibaba1688 | pdd
    item_id: str
    title: str
    skus: tuple[SupplierSku, ...] = ()


@dataclass(frozen=True)
class SupplierLine:
    """One line of a supplier order; `sku_id` is empty where the platform's list does not carry it."""

    item_id: str
    quantity: int
    sku_id: str = ""
    title: str = ""
    sku_text: str = ""


@dataclass(frozen=True)
class TraceStep:
    """One step of a parcel's trace (物流轨迹): when, and the courier's words."""

    at: datetime
    text: str


@dataclass(frozen=True)
class SupplierOrder:
    """An order of our purchase account at a supplier, from the platform's order list or detail."""

    order_id: str  # 采购单号 (PDD order_sn, taobao bizOrderId, 1688 idStr), always a string
    created_at: datetime
    status: str  # 拍单状态 code (services.purchasing.states.STATUS_LABELS); unknown ones verbatim
    amount: int  # fen, what was (or is to be) paid
    lines: tuple[SupplierLine, ...] = ()
    status_text: str = ""  # the platform's own words
    receiver: Receiver | None = None  # only from the order detail
    courier: str = ""
    tracking_number: str = ""
    trace: tuple[TraceStep, ...] = ()  # only where the driver read the parcel's trace (淘宝 transit_step.do)


@dataclass(frozen=True)
class CheckoutReadback:
    """What the checkout page shows just before 提交订单: read back, never assumed from what we typed."""

    receiver: Receiver | None  # None when the page showed none we could read
    total: int  # fen, 实付款 including shipping, after coupons
    quantity: int
    sku_id: str = ""


@dataclass(frozen=True)
class SupplierRefund:
    """Our refund application on a supplier order (退款 / 退货退款 at the 上家)."""

    refund_id: str
    order_id: str  # 采购单号
    kind: str  # refund_only | return_refund
    status: str  # DISPUTE_STATUSES
    status_text: str = ""  # the platform's words
    amount: int = 0  # fen
    return_address: str = ""  # the supplier's return address once it agreed to a 退货退款
    return_tracking_number: str = ""  # what we filled in (填写退货单号)


# Verifier: park `page` for a person until `solved()` is true; returns whether it was solved.
Verifier = Callable[[Any, str, Callable[[], bool]], bool]


class BuyerDriver(Protocol):
    """A supplier site seen by one logged-in purchase account (taobao_buyer / alibaba_buyer / pdd_buyer).

    The purchase task calls these in this order, persisting the purchase's state before each step
    (services.purchasing.states): open → fill → read back → snapshot → submit → find (diff) → pay.
    Risk signs raise RiskBlocked / NeedsVerification; a lost session LoginRequired.
    """

    def order_ids_since(self, since: datetime) -> set[str]:
        """Every order id (any status, 待付款 included) created since `since`: the diff's `before`."""
        ...

    def recent_orders(self, since: datetime) -> list[SupplierOrder]:
        """Orders created since `since`, any status, every page: the `after` of the diff."""
        ...

    def open_item(self, url: str) -> SupplierItem:
        """Open the product page (visible when assisted) and read its SKUs."""
        ...

    def fill_checkout(self, item_id: str, sku_id: str, quantity: int, receiver: Receiver, memo: str) -> None:
        """Choose the SKU and quantity, go to checkout, set the receiver and the buyer memo (采购标记)."""
        ...

    def read_checkout(self) -> CheckoutReadback:
        """The receiver, total and quantity the checkout page shows now."""
        ...

    def assist_page(self, panel: dict[str, Any]) -> Any:
        """辅助下单: the page holding the checkout, with the order info panel (plain data, see
        buyer_pages.show_order_panel) shown on it; the person submits and pays there."""
        ...

    def submit(self) -> None:
        """Click 提交订单 once. Never retried by the driver: the caller re-diffs instead."""
        ...

    def pay(self, order_id: str, method: str, account: str, password: str) -> None:
        """Pay one existing 待付款 order with the preset method; paying an already paid order is refused by the site."""
        ...

    def order_detail(self, order_id: str) -> SupplierOrder:
        """One order with its receiver, for the read-back after submit and for status sync."""
        ...

    def cancel(self, order_id: str) -> None:
        """取消订单 where the site allows it; PlatformError with the site's reason otherwise."""
        ...

    def list_statuses(self, order_ids: list[str]) -> list[SupplierOrder]:
        """拍单状态 (and tracking) of these orders from the platform's order list JSON."""
        ...

    def apply_refund(self, order_id: str, kind: str, reason: str, amount: int) -> SupplierRefund:
        """申请退款 (仅退款 / 退货退款) on a paid order; an open application is returned, not doubled."""
        ...

    def refunds(self, order_ids: list[str]) -> list[SupplierRefund]:
        """The current refund applications of these orders (the re-read before every action)."""
        ...

    def fill_return(self, order_id: str, courier_code: str, tracking_number: str) -> None:
        """填写退货单号 on an agreed 退货退款; PlatformError with the site's reason otherwise."""
        ...
