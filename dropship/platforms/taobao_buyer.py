"""淘宝 / 天猫 / 淘特 purchase account (buyer side): the BuyerDriver of platforms/base.py.

Identity, session check and password login use the passport form shared with the seller driver;
a cheap read is the buyer home (我的淘宝). Buying happens in the site's own pages with trusted
clicks (the checkout is guarded by baxia: a request made outside the page cannot produce its
tokens): the item page's SKU panel and 立即购买, the confirm page's address book (a new address
through the member1 frame's region picker), 提交订单, the 支付宝 cashier. Orders are read from
mtop.taobao.order.queryboughtlistv2 called from the 已买到的宝贝 page (its cookies and Referer),
in each of the three shapes its answer comes in; logistics from transit_step.do (GBK).

淘特 goods are 淘宝 goods: a 淘特 purchase goes through the 淘宝 pages.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dropship.platforms import passport
from dropship.platforms.base import (
    CheckoutReadback,
    LoginRequired,
    NeedsVerification,
    PlatformError,
    Receiver,
    ShopIdentity,
    SupplierItem,
    SupplierLine,
    SupplierOrder,
    SupplierRefund,
    SupplierSku,
    TraceStep,
    Verifier,
)
from dropship.platforms.buyer_pages import (
    MUNICIPALITIES,
    REFUND_KINDS,
    apply_once,
    awaiting_return,
    call_mtop,
    cheapest_options,
    check_answer,
    click_through,
    fen_text,
    fill_return_form,
    loads,
    page_fetch,
    phone_key,
    place_key,
    same_receiver,
    show_order_panel,
    split_region,
    text_of,
)
from dropship.platforms.origins import Origins
from dropship.platforms.taobao_seller import DISPUTE_CODES, classify, parse_time, yuan_to_fen

BOUGHT_API = "mtop.taobao.order.queryboughtlistv2"
BUYERTRADE_HOST = "buyertrade.taobao.com"
BOUGHT_PATH = "/trade/itemlist/list_bought_items.htm"
DETAIL_PATH = "/trade/detail/trade_item_detail.htm?bizOrderId="
TRANSIT_PATH = "/trade/json/transit_step.do?bizOrderId="
ITEM_HOSTS = {"tmall": "detail.tmall.com"}  # everything else (淘宝, 淘特) on item.taobao.com
CONFIRM_PATHS = ("/auction/buy_now.jhtml", "/order/confirm_order.htm")
CASHIER_PATH = "/standard/lightpay/lightPayCashier.htm"
# 支付方式 codes (services.purchase_settings.PAY_METHODS) that the 支付宝 cashier's pay password serves
ALIPAY_METHODS = ("alipay", "alipay_password")
PAGE_CAP = 200  # pages read at most in one listing (a stop, should the list never end)
MUNICIPALITY_CITY = "市辖区"  # the picker's one city tag of 北京 / 上海 / 天津 / 重庆
NO_STREET = "暂不选择"
WAIT_MS = 15_000
# What the 辅助下单 panel must never cover: 立即购买, 提交订单, 立即付款, the cashier's 确认付款
BUY_BUTTONS = ("#J_LinkBuy", "#J_Go", "#pay-link", "#J_authSubmit")
ITEM_FRESH_SECONDS = 30.0  # an item page open_item loaded this recently is bought on without a reload
DETAIL_FRESH_SECONDS = 10.0  # a detail page read (or returned to after paying) this recently is not reloaded

# 拍单状态 codes (services.purchasing.labels.PURCHASE_STATUS_LABELS), kept as plain strings here:
# platforms never import services.
STATUS_BY_TEXT = {
    "等待买家付款": "unpaid", "买家已付款": "paid", "卖家已发货": "shipped", "交易成功": "received",
    "交易关闭": "cancelled", "已签收": "received",
}
STATUS_BY_CODE = {  # TOP tradeStatus, as the Main_ shape and legacy extra.tradeStatus carry it
    "WAIT_BUYER_PAY": "unpaid", "TRADE_NO_CREATE_PAY": "unpaid", "WAIT_SELLER_SEND_GOODS": "paid",
    "SELLER_CONSIGNED_PART": "shipped", "WAIT_BUYER_CONFIRM_GOODS": "shipped", "TRADE_BUYER_SIGNED": "received",
    "TRADE_FINISHED": "received", "TRADE_CLOSED": "cancelled", "TRADE_CLOSED_BY_TAOBAO": "cancelled",
}
UNSHIPPED = ("unpaid", "paid")  # 拍单状态 codes before the supplier ships: no transit_step to read
REFUND_BY_TEXT = {"退款中": "refunding", "退款成功": "refunded"}
# refund2: the buyer's refund list (Ultron disputeData) and the pages of one application
REFUND_HOST = "refund2.taobao.com"
REFUND_LIST_PATH = "/dispute/buyerDisputeList.htm?pageNum="
REFUND_PAGE_CAP = 10  # list pages read for one refunds() call (newest first: ours are recent)
APPLY_CHOICES = {"refund_only": "我要退款（无需退货）", "return_refund": "我要退货退款"}  # applyRouter's service types


class TaobaoBuyer:
    """A purchase account on the 淘宝 account system (淘宝, 天猫 and 淘特 share it)."""

    LOGIN_HOST = "login.taobao.com"
    LOGIN_PATH = "/member/login.jhtml"
    HOME_HOST = "i.taobao.com"
    HOME_PATH = "/my_taobao.htm"
    H5_HOST = "h5api.m.taobao.com"  # the mtop gateway of this account's site
    EXPIRED = "采购账号登录已失效，请点“重新授权”"

    def __init__(self, context, origins: Origins, platform: str = "taobao",
                 throttle: Callable[[str], object] = lambda host: None, verifier: Verifier | None = None,
                 freight_insurance: bool = False) -> None:
        self.context = context
        self.freight_insurance = freight_insurance  # tick 运费险 where the seller offers it (采购设置)
        self.origins = origins
        self.platform = platform
        self.throttle = throttle
        self.verifier = verifier
        self.page_size = 20  # queryboughtlistv2 pageSize (≤ 50)
        self._buy: Any = None  # the page that goes item → confirm → cashier
        self._list: Any = None  # a page on 已买到的宝贝, where list JSON is fetched from
        self._refund_tab: Any = None  # the refund2 pages (list, apply, a refund's detail)
        self._item_shown: tuple[str, float] | None = None  # (item id, when) open_item left on the buy page
        self._detail_shown: tuple[str, float, str] | None = None  # (order id, when, by) see _detail_page

    def _cookie(self, name: str, host: str = "") -> str:
        """A cookie of `host`'s site; by default the account's login site (a subclass's own)."""
        return passport.cookie_value(self.context, self.origins, host or self.LOGIN_HOST, name)

    def _home_url(self) -> str:
        return self.origins.url(self.HOME_HOST, self.HOME_PATH)

    def whoami(self) -> ShopIdentity | None:
        """Who the profile's cookies say we are (`unb`, `tracknick`); None when not logged in."""
        user_id = self._cookie("unb")
        if not user_id:
            return None
        nick = unquote(self._cookie("tracknick"))
        return ShopIdentity(user_id=user_id, login=nick, nick=nick)

    def check_session(self) -> ShopIdentity:
        """The cheap read: open the buyer home; LoginRequired / RiskBlocked / NeedsVerification otherwise."""
        identity = self.whoami()
        if identity is None:
            raise LoginRequired("采购账号未登录，请点“重新授权”")
        page = self.context.new_page()
        try:
            self.throttle(self.HOME_HOST)
            response = page.goto(self._home_url(), wait_until="domcontentloaded")
            try:
                classify(page.url, response.status if response else 0, page.content())
            except LoginRequired:
                raise LoginRequired(self.EXPIRED) from None
            if self.origins.host_of(self.HOME_HOST) not in page.url:
                raise PlatformError(f"采购账号首页打不开：{page.url}")
        finally:
            page.close()
        return identity

    def login(self, login: str, password: str) -> ShopIdentity:
        page = self.context.new_page()
        home = self.origins.host_of(self.HOME_HOST)
        try:
            self.throttle(self.LOGIN_HOST)
            page.goto(f"{self.origins.url(self.LOGIN_HOST, self.LOGIN_PATH)}?redirectURL={quote(self._home_url(), safe='')}",
                      wait_until="domcontentloaded")
            passport.password_login(page, login, password, landed=lambda: home in page.url, verify=self._verify,
                                    throttle=lambda: self.throttle(self.LOGIN_HOST))
        finally:
            page.close()
        identity = self.whoami()
        if identity is None:
            raise PlatformError("登录后没有拿到账号身份（unb），请重试")
        return identity

    def _verify(self, page, kind: str, solved: Callable[[], bool]) -> None:
        if self.verifier is None or not self.verifier(page, kind, solved):
            raise NeedsVerification(kind, url=page.url)

    def open_home(self):
        """打开后台: a new page on the buyer home (the caller keeps it open for a person)."""
        page = self.context.new_page()
        page.goto(self._home_url(), wait_until="domcontentloaded")
        return page

    def close(self) -> None:
        for page in list(self.context.pages):
            if not page.is_closed():
                page.close()

    # -- pages --------------------------------------------------------------------------------

    def _goto(self, page, url: str, host: str) -> None:
        """Navigate to `url` on the real `host` as a person would (redirects followed) and classify
        where it landed."""
        if page is self._buy:
            self._item_shown = self._detail_shown = None  # what open_item / order_detail / pay left is gone
        self.throttle(host)
        response = page.goto(url, wait_until="domcontentloaded")
        self._check(page, response.status if response else 0)

    def _check(self, page, status: int = 200) -> None:
        """Classify where the page is now (login, punish, slider, risk texts), in the buyer's words."""
        try:
            check_answer(page.url, status, page.content())
        except LoginRequired:
            raise LoginRequired(self.EXPIRED) from None

    def _buy_page(self):
        if self._buy is None or self._buy.is_closed():
            self._buy = self.context.new_page()
        return self._buy

    def _list_page(self):
        """The 已买到的宝贝 page the list JSON is fetched from (with its Referer). Loaded once and kept:
        a listing is an mtop call from it, as the page's own paging does; reloading it for each of the
        two listings of a purchase (snapshot, diff) cost a page load each. A session that ended
        shows in the mtop answer (FAIL_SYS_SESSION_EXPIRED → LoginRequired) as it would on a reload."""
        if self._list is None or self._list.is_closed():
            self._list = self.context.new_page()
        if urlsplit(self._list.url).path != BOUGHT_PATH:  # new, or sent elsewhere (a login page)
            self._goto(self._list, self.origins.url(BUYERTRADE_HOST, BOUGHT_PATH), BUYERTRADE_HOST)
        return self._list

    def _detail_page(self, order_id: str, reuse: tuple[str, ...] = ()):
        """The buy page on `order_id`'s detail, loaded now; or, when it shows that detail already, put
        there by one of `reuse` ("read": order_detail's read, "paid": the cashier's return after paying)
        seconds ago, as it is: pay() right after the read before paying, order_detail() right after
        the payment each reloaded the page they had just been given."""
        if not order_id.isdigit():
            raise PlatformError(f"采购单号格式不正确：{order_id}")
        page = self._buy_page()
        shown, self._detail_shown = self._detail_shown, None
        fresh = (shown is not None and shown[0] == order_id and shown[2] in reuse
                 and time.monotonic() - shown[1] <= DETAIL_FRESH_SECONDS
                 and urlsplit(page.url).path == urlsplit(DETAIL_PATH).path)
        if not fresh:
            self._goto(page, self.origins.url(BUYERTRADE_HOST, DETAIL_PATH + order_id), BUYERTRADE_HOST)
        return page

    # -- mtop through the page ----------------------------------------------------------------

    def _mtop(self, page, api: str, data: dict[str, Any]) -> dict:
        """Call an mtop API from `page` (buyer_pages.call_mtop: the page's lib.mtop where present)."""
        self.throttle(self.H5_HOST)
        return call_mtop(page, self.origins(self.H5_HOST), api, data,
                         token=lambda: self._cookie("_m_h5_tk", self.H5_HOST), expired=self.EXPIRED)

    # -- orders -------------------------------------------------------------------------------

    def _bought_pages(self, until: Callable[[list[SupplierOrder]], bool]):
        """Every page of the bought list (tab all), newest first, until `until(page_orders)` says stop."""
        page = self._list_page()
        for number in range(1, PAGE_CAP + 1):
            orders, more = parse_bought(self._mtop(page, BOUGHT_API, {
                "tabCode": "all", "page": number, "pageSize": self.page_size, "condition": "{}"}))
            yield orders
            if not more or until(orders):
                return
        raise PlatformError(f"已买到的宝贝超过 {PAGE_CAP} 页，未读完")

    def recent_orders(self, since: datetime) -> list[SupplierOrder]:
        found: list[SupplierOrder] = []
        for orders in self._bought_pages(lambda batch: any(o.created_at < since for o in batch)):
            found += [o for o in orders if o.created_at >= since]
        return found

    def order_ids_since(self, since: datetime) -> set[str]:
        return {o.order_id for o in self.recent_orders(since)}

    def list_statuses(self, order_ids: list[str]) -> list[SupplierOrder]:
        """From the list JSON while it has them; an order the list no longer reaches from its detail."""
        wanted = set(order_ids)
        seen: dict[str, SupplierOrder] = {}
        for batch in self._bought_pages(lambda _batch: wanted <= seen.keys()):  # called after each batch is taken
            seen.update({o.order_id: o for o in batch if o.order_id in wanted})
        return [seen[i] if i in seen else self.order_detail(i) for i in order_ids]

    def order_detail(self, order_id: str) -> SupplierOrder:
        page = self._detail_page(order_id, reuse=("paid",))
        data = loads(page.evaluate("() => JSON.stringify(typeof data === 'undefined' ? null : data)"))
        summary = ((data or {}).get("mainOrder") or {}).get("summary")
        if not isinstance(summary, dict):
            raise PlatformError(f"订单详情页没有订单数据：{order_id}")
        listed = async_order(summary)
        status_text = page.locator("#order-status").inner_text().strip()
        refunds = page.locator("#refund-table .refund-status").all_inner_texts()
        status = status_code(status_text, "", refunds)
        courier, number, trace = "", "", ()
        if status not in UNSHIPPED:  # an order not shipped yet has no logistics to ask for
            self.throttle(BUYERTRADE_HOST)
            steps = page_fetch(page, self.origins.url(BUYERTRADE_HOST, TRANSIT_PATH + order_id), charset="gbk")
            courier, number = parse_transit(steps["text"])
            trace = parse_trace(steps["text"])
        found = SupplierOrder(
            order_id=order_id, created_at=listed.created_at, amount=yuan_to_fen(page.locator("#paid-amount").inner_text()),
            status=status, status_text=status_text, lines=listed.lines,
            receiver=parse_receiver_line(page.locator("#receiver").inner_text()), courier=courier,
            tracking_number=number, trace=trace)
        self._detail_shown = (order_id, time.monotonic(), "read")
        return found

    # -- buying -------------------------------------------------------------------------------

    def _item_url(self, url: str) -> tuple[str, str]:
        """A product link (real or sandbox host) on our origins, and its real host; only 淘宝 / 天猫 items."""
        parts = urlsplit(url if "//" in url else f"https://{url}")
        host = (parts.hostname or "").replace(".localhost", ".com")
        if host in ("item.taobao.com", "detail.tmall.com"):
            return self.origins.url(host, f"{parts.path or '/item.htm'}?{parts.query}"), host
        raise PlatformError(f"不是淘宝/天猫的商品链接：{url}")

    def _read_item(self, page) -> tuple[SupplierItem, dict[str, str]]:
        data = loads(page.evaluate("() => JSON.stringify(window.__DETAIL_DATA__ || null)"))
        if not isinstance(data, dict):
            title = page.locator("h2, h1").first.inner_text() if page.locator("h2, h1").count() else ""
            raise PlatformError(f"商品页打不开：{title or page.url}")
        platform = "tmall" if ".tmall." in (urlsplit(page.url).hostname or "") else (
            "taote" if self.platform == "taote" else "taobao")
        return parse_item(data, platform)

    def open_item(self, url: str) -> SupplierItem:
        page = self._buy_page()
        self._goto(page, *self._item_url(url))
        item = self._read_item(page)[0]
        self._item_shown = (item.item_id, time.monotonic())
        return item

    def fill_checkout(self, item_id: str, sku_id: str, quantity: int, receiver: Receiver, memo: str) -> None:
        page = self._buy_page()
        shown, self._item_shown = self._item_shown, None
        # The purchase task opens the item (open_item: SKU and stock checked) just before: that page,
        # seconds old and not clicked yet, is the one to buy on; loading it again cost a page load.
        if shown is None or shown[0] != item_id or time.monotonic() - shown[1] > ITEM_FRESH_SECONDS:
            host = ITEM_HOSTS.get(self.platform, "item.taobao.com")  # the other site's host redirects over
            self._goto(page, self.origins.url(host, f"/item.htm?id={quote(item_id)}"), host)
        item, paths = self._read_item(page)
        sku = next((s for s in item.skus if s.sku_id == sku_id), None)
        if sku is None:
            raise PlatformError(f"供应商规格已变更：商品 {item_id} 没有规格 {sku_id}")
        if sku.stock is not None and sku.stock < quantity:
            raise PlatformError("该规格已售罄" if sku.stock == 0 else f"库存不足（剩 {sku.stock} 件）")
        panel = page.locator('[id*="SkuPanel"]')
        for pv in filter(None, paths.get(sku_id, "").split(";")):
            panel.locator(f'[data-pv="{pv}"]').click()
        chosen = panel.locator(".sku-id")
        if chosen.count() and chosen.input_value() != sku_id:
            raise PlatformError(f"商品页没有选中规格 {sku.text}")
        page.locator("#J_IptAmount").fill(str(quantity))
        page.locator("#J_LinkBuy").click()
        try:
            page.wait_for_url(lambda u: urlsplit(u).path in CONFIRM_PATHS, wait_until="domcontentloaded",
                              timeout=WAIT_MS)
        except PlaywrightTimeout:
            tip = " ".join(t.strip() for t in page.locator(".sku-tip").all_inner_texts()).strip()
            raise PlatformError(f"立即购买没有进入确认订单页：{tip or page.url}") from None
        self._check(page)
        self._choose_address(page, receiver)
        self._choose_offers(page)
        page.locator("textarea[id^=textarea_memoPC]").first.fill(memo)

    def _choose_offers(self, page) -> None:
        """The shop coupon claimed (领取) and used where that lowers 实付款, never where it raises it;
        运费险 (paid by the buyer) ticked only where the seller offers it and 采购设置 asks for it."""
        claim = page.locator("#J_ClaimCoupon")
        if claim.count():  # the shop coupon applies only once claimed
            claim.click()
            page.wait_for_function("() => document.getElementById('J_CouponTip').textContent.trim() !== ''",
                                   timeout=WAIT_MS)
        cheapest_options(page, "#J_Coupon input[type=checkbox]", lambda: self._actual_fee(page))
        insurance = page.locator("#freightInsurance")
        if insurance.count():
            insurance.set_checked(self.freight_insurance)

    @staticmethod
    def _actual_fee(page) -> int:
        """实付款 as the confirm page computes it now (coupons, 运费险 and shipping included)."""
        page.wait_for_function("() => document.getElementById('J_ActualFee').textContent.trim() !== ''",
                               timeout=WAIT_MS)
        return yuan_to_fen(page.locator("#J_ActualFee").inner_text())

    def _choose_address(self, page, receiver: Receiver) -> None:
        """The receiver's address from the book (a click), else a new one through the region picker."""
        wanted = (receiver, book_form(receiver))
        rows = page.locator("#J_AddressList .address-item")
        for index in range(rows.count()):
            row = rows.nth(index)
            shown = split_region(f"{row.locator('.addr-region').inner_text()} {row.locator('.addr-detail').inner_text()}")
            shown.name = row.locator(".addr-name").inner_text().strip()
            shown.phone = row.locator(".addr-phone").inner_text().strip()
            if any(same_receiver(shown, w) for w in wanted):
                row.click()
                page.wait_for_function("el => el.classList.contains('selected')", arg=row.element_handle(),
                                       timeout=WAIT_MS)
                return
        self._add_address(page, receiver)

    def _add_address(self, page, receiver: Receiver) -> None:
        page.locator("#J_NewAddress").click()
        frame = page.frame_locator("#J_AddressFrame")
        frame.locator(".cndzk-entrance-division-header-click").click()
        for label in picker_path(receiver)[:3]:
            pick_tag(frame, label)
        saved = book_form(receiver) if receiver.town else receiver
        if frame.locator(".cndzk-entrance-division-box").is_visible():  # a street level follows
            tags = frame.locator(".cndzk-entrance-division-box-content-tag").all_inner_texts()
            if receiver.town and receiver.town.strip() in [t.strip() for t in tags]:
                pick_tag(frame, receiver.town.strip())
                saved = receiver
            else:
                pick_tag(frame, NO_STREET)
        frame.locator("#addressDetail").fill(saved.address.strip())
        frame.locator("#fullName").fill(receiver.name.strip())
        frame.locator("#mobile").fill(phone_key(receiver.phone))
        with page.expect_response(lambda r: "deliver_address.do" in r.url, timeout=WAIT_MS) as answer:
            frame.get_by_role("button", name="保存").click()
        if answer.value.status != 200:
            body = loads(answer.value.text())
            check_answer(answer.value.url, answer.value.status, answer.value.text())
            errors = body.get("errors") or {}
            raise PlatformError("新增收货地址失败：" + ("；".join(errors.values()) or str(body.get("message") or "")))
        page.wait_for_url(re.compile(r"[?&]addressId=\d+"), wait_until="domcontentloaded", timeout=WAIT_MS)
        self._check(page)

    def assist_page(self, panel: dict[str, Any]):
        """辅助下单: the page the purchase is being bought in (the confirm page fill_checkout left), with
        the order info panel on it from now on; the person submits and pays there."""
        page = self._buy_page()
        show_order_panel(page, panel, BUY_BUTTONS)
        return page

    def _confirm_page(self):
        page = self._buy
        if page is None or page.is_closed() or urlsplit(page.url).path not in CONFIRM_PATHS:
            raise PlatformError("当前不在确认订单页，请重新下单")
        return page

    def read_checkout(self) -> CheckoutReadback:
        page = self._confirm_page()
        address = page.locator("#J_ConfirmAddress").inner_text().strip()
        person = page.locator("#J_ConfirmReceiver").inner_text().strip()
        receiver = None
        if address and person:
            receiver = split_region(address)
            receiver.name, _, receiver.phone = person.rpartition(" ")
        buy_param = page.locator("input[name=buy_param]").input_value()
        return CheckoutReadback(receiver=receiver, total=self._actual_fee(page),
                                quantity=int(page.locator("#J_Quantity").inner_text().strip()),
                                sku_id=(buy_param.split("_") + ["", ""])[2])

    def submit(self) -> None:
        """One trusted click of 提交订单 once the page enabled it (its baxia seed arrived). Never
        retried: whatever happens, the caller diffs the list to learn whether an order exists."""
        page = self._confirm_page()
        go = page.locator("#J_Go")
        self.throttle("buy.tmall.com" if ".tmall." in (urlsplit(page.url).hostname or "") else "buy.taobao.com")
        try:
            with page.expect_navigation(wait_until="domcontentloaded", timeout=WAIT_MS):
                go.click(timeout=WAIT_MS)  # waits until the button is enabled
        except PlaywrightTimeout:
            raise PlatformError("提交订单后页面没有响应，请到已买到的宝贝核对是否已下单") from None
        if CASHIER_PATH in page.url:
            return
        self._check(page)
        error = page.locator("#J_FormError")
        raise PlatformError(error.inner_text().strip() if error.count() else f"提交订单失败：{page.url}")

    def pay(self, order_id: str, method: str, account: str, password: str) -> None:
        """支付宝 cashier: 立即付款 on the order detail, then the pay password."""
        if method not in ALIPAY_METHODS:
            raise PlatformError("淘宝/天猫自动付款只支持支付宝支付（支付密码），请手动付款")
        page = self._detail_page(order_id, reuse=("read",))  # the read before paying, just done
        if not page.locator("#pay-link").count():
            raise PlatformError(f"订单 {order_id} 不是待付款状态（{page.locator('#order-status').inner_text().strip()}）")
        refused = page.locator("#J_PayError")
        click_through(page, "#pay-link", self._check, lambda: CASHIER_PATH in page.url and not refused.count(),
                      "#J_PayError", lambda: f"没有进入收银台：{page.url}", timeout=WAIT_MS)
        page.locator("#payPassword_rsainput").fill(password)
        click_through(page, "#J_authSubmit", self._check,
                      lambda: not refused.count() and page.locator("#order-status").count() > 0,
                      "#J_PayError", lambda: f"付款后没有回到订单详情：{page.url}", timeout=WAIT_MS)
        self._detail_shown = (order_id, time.monotonic(), "paid")  # the cashier returned to the detail

    def cancel(self, order_id: str) -> None:
        page = self._detail_page(order_id)
        status = page.locator("#order-status").inner_text().strip()
        if not page.locator("#cancel-order").count():
            raise PlatformError(f"该订单当前状态（{status}）不能取消订单")
        click_through(page, "#cancel-order", self._check, lambda: text_of(page, "#order-status") == "交易关闭",
                      "#action-message", lambda: f"取消失败（{text_of(page, '#order-status')}）", timeout=WAIT_MS)

    # -- refunds (refund2) ------------------------------------------------------------------------

    def _refund_page(self, path: str):
        """The refund2 tab, loaded on `path` now: one tab of its own, kept (never the buy page, which
        may hold a checkout)."""
        if self._refund_tab is None or self._refund_tab.is_closed():
            self._refund_tab = self.context.new_page()
        self._goto(self._refund_tab, self.origins.url(REFUND_HOST, path), REFUND_HOST)
        return self._refund_tab

    def refunds(self, order_ids: list[str]) -> list[SupplierRefund]:
        """From the buyer's refund list (newest first), page by page until every order was seen."""
        wanted, found = set(order_ids), []
        for number in range(1, REFUND_PAGE_CAP + 1):
            data = self._refund_page(REFUND_LIST_PATH + str(number)).evaluate("() => window.disputeData || null")
            if not isinstance(data, dict):
                raise PlatformError("淘宝退款列表打不开（没有 disputeData）")
            rows, pages = parse_refund_list(data)
            found.extend(r for r in rows if r.order_id in wanted)
            if wanted <= {r.order_id for r in found} or number >= pages:
                break
        return found

    def apply_refund(self, order_id: str, kind: str, reason: str, amount: int) -> SupplierRefund:
        return apply_once(order_id, kind, lambda: self.refunds([order_id]),
                          lambda: self._apply(order_id, kind, reason, amount))

    def _apply(self, order_id: str, kind: str, reason: str, amount: int) -> None:
        """applyRouter (选择服务类型) → apply.htm: 退款原因 from its dropdown, 退款金额, 提交."""
        page = self._refund_page(f"/dispute/applyRouter.htm?bizOrderId={order_id}")  # a one-line purchase's sub-order
        if not page.get_by_text(APPLY_CHOICES[kind], exact=True).count():
            raise PlatformError(text_of(page, "#router-error") or f"该订单当前不能申请{REFUND_KINDS[kind]}")
        click_through(page, f"text={APPLY_CHOICES[kind]}", self._check, lambda: "/dispute/apply.htm" in page.url,
                      "", "没有进入淘宝退款申请页", timeout=WAIT_MS)
        select = page.locator(".mod-select-pc", has=page.locator(".select-title", has_text="退款原因"))
        select.locator(".selected-wrap").click()
        options = select.locator(".options-item")
        offered = [text.strip() for text in options.all_inner_texts()]
        chosen = reason or (offered[0] if offered else "")
        if chosen not in offered:
            raise PlatformError(f"退款原因列表中没有“{chosen}”（可选：{'、'.join(offered)}）")
        options.nth(offered.index(chosen)).click()
        if amount:
            page.fill("#applyRefundFeeInput_1-input", fen_text(amount))
        self.throttle(REFUND_HOST)
        click_through(page, "#submitButtonContainer_1 .button-item", self._check,
                      lambda: "buyerDetail" in page.url, ".error-msg", "淘宝退款申请没有提交成功", timeout=WAIT_MS)

    def fill_return(self, order_id: str, courier_code: str, tracking_number: str) -> None:
        refund = awaiting_return(order_id, self.refunds([order_id]))
        page = self._refund_page(f"/dispute/buyerDetail.htm?disputeId={refund.refund_id}")
        form = page.locator("#return-form")
        if not form.count():
            raise PlatformError(f"退款 {refund.refund_id} 当前不能填写退货单号（{text_of(page, '#refund-status')}）")
        fill_return_form(form, courier_code, tracking_number, "淘宝")
        self.throttle(REFUND_HOST)
        click_through(page, "#return-form button[type=submit]", self._check,
                      lambda: bool(text_of(page, "#refund-message")), "#refund-error", "退货单号没有提交成功",
                      timeout=WAIT_MS)


# -- pure parsers (tests/unit/test_taobao_buyer_parse.py) -------------------------------------------

def status_code(text: str, code: str = "", refunds: list[str] | tuple[str, ...] = ()) -> str:
    """拍单状态 code from the status words (or the TOP code), refunds first; unknown ones verbatim."""
    text = (text or "").replace("当前订单状态：", "").strip()
    wanted = [REFUND_BY_TEXT[r.strip()] for r in refunds if r and r.strip() in REFUND_BY_TEXT]
    if "refunding" in wanted:
        return "refunding"
    base = STATUS_BY_TEXT.get(text) or STATUS_BY_CODE.get(code or "") or text or code
    return "refunded" if "refunded" in wanted and base == "cancelled" else base


def _sku_text(raw: Any) -> str:
    if isinstance(raw, list):
        return ";".join(f"{p.get('name', '')}:{p.get('value', '')}" for p in raw if isinstance(p, dict))
    return str(raw or "")


def _created(value: Any, order_id: str) -> datetime:
    created = parse_time(value)
    if created is None:
        raise PlatformError(f"订单 {order_id} 没有下单时间")
    return created


def _line(item: dict) -> SupplierLine:
    return SupplierLine(item_id=str(item.get("itemId") or item.get("id") or ""), quantity=int(item.get("quantity") or 0),
                        sku_id=str(item.get("skuId") or ""), title=str(item.get("title") or ""),
                        sku_text=_sku_text(item.get("skuText")))


def _fields(node: Any) -> dict:
    """A node's `fields`: an object, or the same as a JSON string (the Main_ shape has both)."""
    fields = node.get("fields") if isinstance(node, dict) else None
    if isinstance(fields, str):
        fields = loads(fields)
    return fields if isinstance(fields, dict) else {}


def _order_nodes(nodes: dict, head: str, item_prefix: str) -> Iterator[tuple[str, dict, list[dict]]]:
    """(order id, fields of its head node `<head><id>`, its items `<item_prefix><id>_…`) per order."""
    for key, node in nodes.items():
        if key.startswith(head):
            fields = _fields(node)
            oid = str(fields.get("orderId") or key[len(head):])
            yield oid, fields, [_fields(n).get("item") or {} for k, n in nodes.items()
                                if k.startswith(f"{item_prefix}{oid}_")]


def _refunds(items: list[dict]) -> list[str]:
    return [str(i.get("refundStatus") or "") for i in items]


def _shop_info_orders(nodes: dict) -> tuple[list[SupplierOrder], bool]:
    """The Ultron node map: shopInfo_ / orderStatus_ / orderItemInfo_ / orderPayment_ / pager_1."""
    orders = []
    for oid, info, items in _order_nodes(nodes, "shopInfo_", "orderItemInfo_"):
        parcel = _fields(nodes.get(f"orderStatus_{oid}"))
        packages = ((_fields(nodes.get(f"orderLogistics_{oid}")).get("packagePreview") or {})
                    .get("packageViewList") or [{}])
        text = str(info.get("tradeTitle") or "")
        code = status_code(text, "", _refunds(items))
        if code == "shipped" and parcel.get("title") == "已签收":
            code = "received"
        orders.append(SupplierOrder(
            order_id=oid, created_at=_created(info.get("createTime"), oid), status=code, status_text=text,
            amount=yuan_to_fen(((_fields(nodes.get(f"orderPayment_{oid}")).get("actualFee")) or {}).get("value")),
            lines=tuple(_line(i) for i in items), courier=str(packages[0].get("cpName") or parcel.get("cpCode") or ""),
            tracking_number=str(packages[0].get("mailNo") or parcel.get("mailNo") or "")))
    pager = _fields(nodes.get("pager_1"))
    return orders, int(pager.get("currentPage") or 1) < int(pager.get("totalPage") or 1)


def _main_orders(nodes: dict) -> tuple[list[SupplierOrder], bool]:
    """Main_ / sellerInfo_ / item_ / logistics_ nodes (fields objects or JSON strings), boughtlist.hasMore."""
    orders = []
    for oid, main, items in _order_nodes(nodes, "Main_", "item_"):
        text = str((_fields(nodes.get(f"sellerInfo_{oid}")).get("status") or {}).get("text") or "")
        shipped = _fields(nodes.get(f"logistics_{oid}"))
        orders.append(SupplierOrder(
            order_id=oid, created_at=_created(main.get("createTime"), oid), status_text=text,
            status=status_code(text, str(main.get("orderStatus") or ""), _refunds(items)),
            amount=yuan_to_fen(main.get("actualFee")), lines=tuple(_line(i) for i in items),
            courier=str(shipped.get("cpName") or ""), tracking_number=str(shipped.get("mailNo") or "")))
    return orders, str(_fields(nodes.get("boughtlist")).get("hasMore")).lower() == "true"


def async_order(main: dict) -> SupplierOrder:
    """One `mainOrders[]` entry (asyncBought / list_bought_items.htm / queryboughtlistv2 `result`)."""
    oid = str(main.get("id") or (main.get("orderInfo") or {}).get("id") or "")
    status = main.get("statusInfo") or {}
    subs = main.get("subOrders") or []
    text = str(status.get("text") or "")
    refunds = [str(op.get("text") or "") for s in subs for op in (s.get("operations") or [])]
    return SupplierOrder(
        order_id=oid, created_at=_created((main.get("orderInfo") or {}).get("createTime"), oid), status_text=text,
        status=status_code(text, str((main.get("extra") or {}).get("tradeStatus") or ""), refunds),
        amount=yuan_to_fen((main.get("payInfo") or {}).get("actualFee")),
        lines=tuple(_line({**(s.get("itemInfo") or {}), "quantity": s.get("quantity")}) for s in subs))


def parse_async_bought(body: dict) -> tuple[list[SupplierOrder], bool]:
    if body.get("error"):
        raise PlatformError(f"已买到的宝贝读取失败：{body['error']}")
    page = body.get("page") or {}
    return ([async_order(m) for m in body.get("mainOrders") or []],
            int(page.get("currentPage") or 1) < int(page.get("totalPage") or 1))


def parse_bought(data: dict) -> tuple[list[SupplierOrder], bool]:
    """One page of queryboughtlistv2's `data`, whichever of its three shapes: (orders, has more)."""
    if isinstance(data.get("result"), str):
        inner = loads(data["result"])
        if not isinstance(inner, dict):
            raise PlatformError("已买到的宝贝：无法识别的数据")
        return parse_async_bought(inner)
    nodes = data.get("data")
    if not isinstance(nodes, dict):
        raise PlatformError("已买到的宝贝：无法识别的数据")
    if "pager_1" in nodes or any(k.startswith("shopInfo_") for k in nodes):
        return _shop_info_orders(nodes)
    if "boughtlist" in nodes or any(k.startswith("Main_") for k in nodes):
        return _main_orders(nodes)
    raise PlatformError("已买到的宝贝：无法识别的数据（未知格式）")


def parse_item(data: dict, platform: str) -> tuple[SupplierItem, dict[str, str]]:
    """window.__DETAIL_DATA__ → (SupplierItem, {skuId: propPath}); sold out = stock 0."""
    item = data.get("item") or {}
    names: dict[str, str] = {}
    for prop in (data.get("skuBase") or {}).get("props") or []:
        for value in prop.get("values") or []:
            names[f"{prop.get('pid')}:{value.get('vid')}"] = f"{prop.get('name')}:{value.get('name')}"
    info = (data.get("skuCore") or {}).get("sku2info") or {}
    skus, paths = [], {}
    for sku in (data.get("skuBase") or {}).get("skus") or []:
        sku_id = str(sku.get("skuId"))
        path = str(sku.get("propPath") or "")
        core = info.get(sku_id) or {}
        stock = core.get("quantity")
        skus.append(SupplierSku(sku_id=sku_id, text=";".join(names.get(p, p) for p in path.split(";") if p),
                                price=yuan_to_fen((core.get("price") or {}).get("priceText")),
                                stock=None if stock is None else int(stock)))
        paths[sku_id] = path
    return SupplierItem(platform=platform, item_id=str(item.get("itemId") or ""), title=str(item.get("title") or ""),
                        skus=tuple(skus)), paths


def parse_transit(text: str) -> tuple[str, str]:
    """transit_step.do (decoded as GBK) → (courier name, tracking number); ('', '') before shipping."""
    body = loads(text)
    if not isinstance(body, dict) or str(body.get("isSuccess")).lower() != "true":
        return "", ""
    return str(body.get("expressName") or ""), str(body.get("expressId") or "")


def parse_trace(text: str) -> tuple[TraceStep, ...]:
    """transit_step.do's `address[{place, time}]` → the trace, oldest first; steps without a time are skipped."""
    body = loads(text)
    if not isinstance(body, dict) or str(body.get("isSuccess")).lower() != "true":
        return ()
    steps = []
    for step in body.get("address") or []:
        at = parse_time(step.get("time")) if isinstance(step, dict) else None
        if at is not None:
            steps.append(TraceStep(at, str(step.get("place") or "")))
    return tuple(sorted(steps, key=lambda step: step.at))


def parse_receiver_line(text: str) -> Receiver | None:
    """"张三，13812341234，浙江省 杭州市 西湖区 文新街道 文一西路100号，310000" (the detail page)."""
    parts = [p.strip() for p in re.split(r"[，,]", text or "")]
    if len(parts) < 3:
        return None
    name, phone, place = parts[0], parts[1], "，".join(parts[2:-1] if len(parts) > 3 else parts[2:])
    found = split_region(place)  # the page's text: an empty street leaves no word behind
    found.name, found.phone = name, phone
    return found


def picker_path(receiver: Receiver) -> list[str]:
    """The region picker's tags down to the district: 浙江 / 杭州市 / 西湖区; a municipality's city is 市辖区."""
    province = place_key(receiver.province)
    municipal = province in MUNICIPALITIES or place_key(receiver.city) in ("", province, MUNICIPALITY_CITY)
    return [province, MUNICIPALITY_CITY if municipal else receiver.city.strip(), receiver.district.strip()]


def book_form(receiver: Receiver) -> Receiver:
    """How a receiver whose street the picker lacks is saved: 暂不选择, the street leading the detail."""
    return Receiver(name=receiver.name, phone=receiver.phone, province=receiver.province, city=receiver.city,
                    district=receiver.district, town="", address=f"{receiver.town or ''}{receiver.address}")


def pick_tag(frame, label: str) -> None:
    """Click the region picker's tag of the current level that reads `label` (省 tags by short name)."""
    tags = frame.locator(".cndzk-entrance-division-box-content-tag")
    tags.first.wait_for(timeout=WAIT_MS)
    texts = [t.strip() for t in tags.all_inner_texts()]
    index = next((i for i, t in enumerate(texts) if t == label), None)
    if index is None:
        index = next((i for i, t in enumerate(texts) if place_key(t) == place_key(label)), None)
    if index is None:
        raise PlatformError(f"地区选择里没有“{label}”，请检查收货地址")
    tags.nth(index).click()


def parse_refund_row(fields: dict) -> SupplierRefund:
    """One ``listItem_`` of the refund list's disputeData (the seller list's shape)."""
    code = str(fields.get("status") or "")
    return SupplierRefund(
        refund_id=str(fields.get("disputeId") or ""), order_id=str(fields.get("bizOrderId") or ""),
        kind=str(fields.get("disputeType") or ""), status=DISPUTE_CODES.get(code, code),
        status_text=str(fields.get("statusText") or ""), amount=yuan_to_fen(fields.get("refundFee")),
        return_address=str(fields.get("returnAddress") or ""),
        return_tracking_number=str(fields.get("returnMailNo") or ""))


def parse_refund_list(data: dict) -> tuple[list[SupplierRefund], int]:
    """disputeData -> (our refund applications, no complaints; total pages)."""
    nodes = data.get("data") or {}
    keys = ((data.get("hierarchy") or {}).get("structure") or {}).get("bottomContainer_1") or []
    rows = [parse_refund_row(nodes[key].get("fields") or {}) for key in keys
            if key.startswith("listItem_") and isinstance(nodes.get(key), dict)]
    pager = (nodes.get("pagination_1") or {}).get("fields") or {}
    try:
        pages = int(pager.get("totalPage") or 1)
    except (TypeError, ValueError):
        pages = 1
    return [r for r in rows if r.kind in REFUND_KINDS], pages
