"""拼多多 purchase account (mobile web): identity, session check, phone + SMS login, token login,
and the buying (the BuyerDriver of platforms.base).

PDD answers on two hosts, mobile.yangkeduo.com and mobile.pinduoduo.com, whose cookies do not
carry across (FIDELITY.md): everything here happens on yangkeduo, where the orders and the
checkout live, and a token is set as the ``PDDAccessToken`` cookie of that family only; a product
link of the other host is opened on yangkeduo by its ``goods_id``.

Buying: goods.html's ``window.rawData`` (SKUs, fen prices); ``order_checkout.html?sku_id&goods_id``
without ``group_id``, where 单独购买 or 发起拼单 is chosen on the page (``group``), the quantity set
with the stepper, the shop coupon taken, every offer left as the lower total has it (the platform
coupon the page applies kept, an upsell it ticks such as 省钱月卡 dropped; 退货包运费 is the
merchant's and free); 立即支付 only creates a 待支付 order (pay.html follows);
paying is a separate step on pay.html. Orders: ``order_list_v4`` fetched by the page itself,
answering per account in snake_case with fen integers or camelCase with yuan strings; order.html's
``window.rawData`` for the detail and its 取消订单 form.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dropship.platforms.base import (
    BadCredentials,
    CheckoutReadback,
    LoginRequired,
    NeedsVerification,
    PlatformError,
    Receiver,
    RiskBlocked,
    ShopIdentity,
    SupplierItem,
    SupplierLine,
    SupplierOrder,
    SupplierRefund,
    SupplierSku,
    Verifier,
)
from dropship.platforms.buyer_pages import (
    SKU_CHANGED,
    SOLD_OUT,
    apply_once,
    awaiting_return,
    cancel_order,
    cheapest_options,
    click_through,
    embedded,
    fill_receiver,
    read_receiver,
    refund_on_detail,
    return_on_detail,
    show_order_panel,
    text_of,
)
from dropship.platforms.origins import Origins
from dropship.platforms.taobao_seller import yuan_to_fen

HOST = "mobile.yangkeduo.com"
SEL = {
    "phone_login": "#phone-login",
    "mobile": "#user-mobile",
    "code": "#input-code",
    "code_button": "#code-button",
    "submit": "#submit-button",
    "error": "#login-error",
    "user_id": "#user-id",
    "user_name": "#user-name",
}
RISK_PAGES = ("psnl_verification",)
SEND_CODE_PATH = "/proxy/api/login/send_code"  # the login page's own JSON (paths: sandbox assumption)
LOGIN_PATH = "/proxy/api/login"
EXPIRED = "拼多多登录已失效，请点“重新授权”"
RISK_TEXT = ("系统繁忙", "原商品已售罄，为你推荐相似商品")  # a risk-controlled account's pages
ORDER_LIST_PATH = "/proxy/api/api/aristotle/order_list_v4"
REFUND_LIST_PATH = "/proxy/api/after_sales/list"  # invented (no public capture of PDD's after-sales JSON)
REFUND_IDS = 50
REFUND_CODES = {"1": "pending", "3": "refused", "4": "wait_buyer_return", "5": "wait_seller_receive", "6": "closed",
                "10": "success"}
PAGE_SIZE = 50  # order_list_v4's maximum
PAY_APPS = ("alipay_password", "alipay", "wechat", "unionpay")
BUY_SEL = {"panel": "#sku-selector", "total": "#total-amount", "quantity": "#goods-number", "plus": "增加数量",
           "minus": "减少数量", "memo": "#order-remark", "submit": "#pay-button", "form_error": "#form-error",
           "take_coupon": "#take-coupon", "coupon_tip": "#coupon-tip", "offers": "#offers input[type=checkbox]",
           "alipay_account": "#alipay-account",
           "alipay_password": "#alipay-password", "confirm_pay": "#confirm-pay", "pay_error": "#pay-error",
           "status": "#order-status", "cancel": "#cancel-order", "message": "#action-message"}
# order_status_prompt -> 拍单状态 code (services.purchasing.labels.PURCHASE_STATUS_LABELS)
PROMPT_STATUS = {"待支付": "unpaid", "待付款": "unpaid", "待分享": "sharing", "待成团": "sharing", "待发货": "paid",
                 "待收货": "shipped", "已签收": "received", "交易成功": "received", "已取消": "cancelled",
                 "交易已取消": "cancelled", "退款中": "refunding", "退款成功": "refunded", "已退款": "refunded"}
LIST_JS = """async ([url, body]) => {
    try {
        const r = await fetch(url, {method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
                                    body: JSON.stringify(body)});
        return {status: r.status, text: await r.text()};
    } catch (e) { return {error: String(e)}; }
}"""


# -- pure parsing (unit-tested) ---------------------------------------------------------------------

def _query_value(url: str, name: str) -> str:
    return (parse_qs(urlsplit(url).query).get(name) or [""])[0]


def _epoch_time(value: Any) -> datetime:
    """Epoch seconds -> local naive time (the app runs in Asia/Shanghai)."""
    try:
        return datetime.fromtimestamp(int(value))
    except (TypeError, ValueError):
        raise PlatformError(f"无法识别的时间：{value}") from None


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word.title() for word in rest)


def field(entry: dict, snake: str, default: Any = None) -> Any:
    """A field in either spelling of PDD's JSON (snake_case or its camelCase twin)."""
    if snake in entry:
        return entry[snake]
    return entry.get(_camel(snake), default)


def money_fen(value: Any) -> int:
    """PDD money: an integer is fen (snake_case lists, order.html), a string is yuan (camelCase lists)."""
    if isinstance(value, bool) or value is None:
        raise PlatformError(f"无法识别的金额：{value}")
    if isinstance(value, int):
        return value
    return yuan_to_fen(value)


def parse_refund(entry: dict) -> SupplierRefund:
    """One after_sales_list entry (a sandbox-invented shape, README): fen integers, codes of its own."""
    code = str(field(entry, "after_sales_status", ""))
    return SupplierRefund(
        refund_id=str(field(entry, "after_sales_id", "")), order_id=str(field(entry, "order_sn", "")),
        kind="return_refund" if str(field(entry, "after_sales_type", "")) == "2" else "refund_only",
        status=REFUND_CODES.get(code, code), status_text=str(field(entry, "status_desc", "")),
        amount=money_fen(field(entry, "refund_amount", 0)), return_address=str(field(entry, "return_address", "")),
        return_tracking_number=str(field(entry, "tracking_number", "")))


def purchase_status(entry: dict) -> str:
    """拍单状态 code from ``order_status_prompt``, else from the status numbers; unknown prompts verbatim."""
    prompt = str(field(entry, "order_status_prompt", "") or "").strip()
    if prompt in PROMPT_STATUS:
        return PROMPT_STATUS[prompt]
    if str(field(entry, "order_status", "")) == "2":
        return "cancelled"
    if str(field(entry, "pay_status", "")) == "0":
        return "unpaid"
    return prompt


def parse_order(entry: dict) -> SupplierOrder:
    """One order of order_list_v4 (either spelling) or order.html's ``rawData``."""
    goods = field(entry, "order_goods") or []
    lines = tuple(SupplierLine(item_id=str(field(g, "goods_id", "")), quantity=int(field(g, "goods_number")),
                               sku_id=str(field(g, "sku_id", "") or ""), title=str(field(g, "goods_name", "")),
                               sku_text=str(g.get("spec", ""))) for g in goods)
    express = entry.get("express") or {}
    receiver = None
    if entry.get("receiveName"):
        receiver = Receiver(name=entry["receiveName"], phone=str(entry.get("mobile", "")),
                            province=entry.get("provinceName", ""), city=entry.get("cityName", ""),
                            district=entry.get("districtName", ""), address=entry.get("address", ""))
    return SupplierOrder(order_id=str(field(entry, "order_sn")), created_at=_epoch_time(field(entry, "order_time")),
                         status=purchase_status(entry), amount=money_fen(field(entry, "order_amount")), lines=lines,
                         status_text=str(field(entry, "order_status_prompt", "")), receiver=receiver,
                         courier=str(express.get("shippingName", "")),
                         tracking_number=str(field(entry, "tracking_number", "") or express.get("trackingNumber", "")))


def goods_skus(goods: dict, group: bool) -> tuple[SupplierSku, ...]:
    """goods.html's ``initDataObj.goods.skus`` (fen integers): the price the chosen buy type pays."""
    return tuple(SupplierSku(sku_id=str(s["skuId"]),
                             text=";".join(f"{p['spec_key']}:{p['spec_value']}" for p in s.get("specs") or []),
                             price=int(s["groupPrice"] if group else s["normalPrice"]), stock=int(s["quantity"]))
                 for s in goods.get("skus") or [])


def _json(response) -> dict:
    try:
        data = response.json()
    except Exception:  # noqa: BLE001 - an HTML error page instead of JSON
        raise PlatformError(f"拼多多登录接口返回了非 JSON 内容（HTTP {response.status}）") from None
    return data if isinstance(data, dict) else {}


def _json_text(text: str, status: int) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        raise PlatformError(f"拼多多接口返回了非 JSON 内容（HTTP {status}）") from None
    return data if isinstance(data, dict) else {}


class PddBuyer:
    """A 拼多多 purchase account. `group` (设置 › 拼多多下单方式) buys by 发起拼单 when true, else
    单独购买; `pay_app` is the payment chosen on the checkout page (``alipay_password`` is the one
    `pay` can complete without a phone). After `submit`, `submitted_order_id` is the order_sn
    the pay page names; the purchase task still confirms it by diffing the order list."""

    def __init__(self, context, origins: Origins, throttle: Callable[[str], object] = lambda host: None,
                 verifier: Verifier | None = None, group: bool = False, pay_app: str = "alipay_password") -> None:
        if pay_app not in PAY_APPS:
            raise ValueError(f"unknown pay_app {pay_app!r}")
        self.context = context
        self.origins = origins
        self.throttle = throttle
        self.verifier = verifier
        self.group = group
        self.pay_app = pay_app
        self.submitted_order_id = ""
        self._page = None
        self._list = None  # orders.html, where order_list_v4 is fetched from: never the checkout's page

    def _url(self, path: str) -> str:
        return self.origins.url(HOST, path)

    def _cookie_domain(self) -> str:
        """The cookie family of the yangkeduo host (``.yangkeduo.com``), where the site keeps its cookies."""
        host = self.origins.host_of(HOST)
        return "." + ".".join(host.split(".")[-2:])

    def _cookie(self, name: str) -> str:
        for cookie in self.context.cookies([self.origins(HOST)]):
            if cookie["name"] == name:
                return cookie["value"]
        return ""

    def whoami(self) -> ShopIdentity | None:
        user_id = self._cookie("pdd_user_id")
        if not self._cookie("PDDAccessToken"):
            return None
        return ShopIdentity(user_id=user_id, login=user_id)

    def check_session(self) -> ShopIdentity:
        """The cheap read: 个人中心 names the user; the login page means the session is gone."""
        if not self._cookie("PDDAccessToken"):
            raise LoginRequired("拼多多账号未登录，请点“重新授权”")
        page = self.context.new_page()
        try:
            self.throttle(HOST)
            page.goto(self._url("/personal.html"), wait_until="domcontentloaded")
            return self._identity(page)
        finally:
            page.close()

    def _identity(self, page) -> ShopIdentity:
        if "login.html" in page.url:
            raise LoginRequired(EXPIRED)
        if any(mark in page.url for mark in RISK_PAGES):
            raise RiskBlocked("拼多多风控验证（psnl_verification），请稍后再试")
        user = page.locator(SEL["user_id"])
        if not user.count():
            raise PlatformError(f"拼多多个人中心打不开：{page.url}")
        user_id = user.first.inner_text().strip()
        nick = page.locator(SEL["user_name"]).first.inner_text().strip()
        return ShopIdentity(user_id=user_id, login=user_id, nick=nick)

    def use_token(self, token: str) -> ShopIdentity:
        """Log in with an imported ``PDDAccessToken``; BadCredentials when the platform refuses it."""
        self.context.clear_cookies()  # a token names the whole session: nothing of another account may stay
        self.context.add_cookies([{"name": "PDDAccessToken", "value": token, "domain": self._cookie_domain(),
                                   "path": "/"}])
        try:
            identity = self.check_session()
        except LoginRequired:
            self.context.clear_cookies()
            raise BadCredentials("Token 无效或已过期（平台拒绝）") from None
        self.context.add_cookies([{"name": "pdd_user_id", "value": identity.user_id,
                                   "domain": self._cookie_domain(), "path": "/"}])
        return identity

    def _login_page(self, phone: str):
        page = self.context.new_page()
        self.throttle(HOST)
        page.goto(self._url("/login.html"), wait_until="domcontentloaded")
        page.click(SEL["phone_login"])
        page.fill(SEL["mobile"], phone)
        return page

    def _error(self, page) -> str:
        error = page.locator(SEL["error"])
        return error.first.inner_text().strip() if error.count() else ""

    def _request_code(self, page) -> None:
        """Click 获取验证码 and read the site's own answer to it."""
        self.throttle(HOST)
        with page.expect_response(lambda r: r.url.split("?")[0].endswith(SEND_CODE_PATH)) as answer:
            page.click(SEL["code_button"])
        data = _json(answer.value)
        if not data.get("success"):
            raise BadCredentials(str(data.get("error_msg") or "验证码发送失败"))

    def send_code(self, phone: str) -> None:
        """获取验证码: the platform texts a login code to `phone`."""
        page = self._login_page(phone)
        try:
            self._request_code(page)
        finally:
            page.close()

    def login(self, phone: str, code: str = "") -> ShopIdentity:
        """Phone + SMS login. With `code` (typed in our dialog) it is submitted; without, a code is
        requested and the page is parked in 验证中心 for a person to type it."""
        page = self._login_page(phone)
        try:
            if code:
                page.fill(SEL["code"], code)
                self.throttle(HOST)
                with page.expect_response(lambda r: r.url.split("?")[0].endswith(LOGIN_PATH)) as answer:
                    page.click(SEL["submit"])
                try:
                    data = answer.value.json()
                except Exception:  # noqa: BLE001 - a success moves the page on before its body can be read
                    data = {"access_token": True}
                if not isinstance(data, dict) or not data.get("access_token"):
                    raise BadCredentials(str(isinstance(data, dict) and data.get("error_msg") or "验证码错误或已过期"))
                page.wait_for_url(lambda url: "login.html" not in url)
            else:
                self._request_code(page)
                if self.verifier is None or not self.verifier(page, "sms", lambda: "login.html" not in page.url):
                    raise NeedsVerification("sms", url=page.url)
            page.wait_for_load_state("domcontentloaded")
            return self._identity(page)
        finally:
            page.close()

    # -- buying ----------------------------------------------------------------------------------

    def _work_page(self):
        """The one page the purchase is driven in (kept open between fill, read back and submit)."""
        if self._page is None or self._page.is_closed():
            self._page = self.context.new_page()
        return self._page

    def _check(self, page) -> None:
        """Login page → LoginRequired; psnl_verification or a risk text (系统繁忙, the fake 售罄) → RiskBlocked."""
        if "login.html" in page.url:
            raise LoginRequired(EXPIRED)
        if any(mark in page.url for mark in RISK_PAGES):
            raise RiskBlocked("拼多多风控验证（psnl_verification），请稍后再试")
        body = page.locator("body").inner_text()
        for text in RISK_TEXT:
            if text in body:
                raise RiskBlocked(f"拼多多风控限制（{text}），请稍后再试")

    def _goto(self, path: str, page=None):
        page = page or self._work_page()
        self.throttle(HOST)
        page.goto(self._url(path), wait_until="domcontentloaded")
        self._check(page)
        return page

    def _goods(self, goods_id: str) -> dict:
        return embedded(self._goto(f"/goods.html?goods_id={goods_id}"),
                        "window.rawData && window.rawData.store && window.rawData.store.initDataObj.goods",
                        f"拼多多商品页打不开或已下架：{goods_id}")

    def open_item(self, url: str) -> SupplierItem:
        """The product page on our host (a mobile.pinduoduo.com link is opened on yangkeduo)."""
        goods_id = _query_value(url if "//" in url else f"https://{url}", "goods_id")
        if not goods_id.isdigit():
            raise PlatformError(f"不是拼多多商品链接（缺少 goods_id）：{url}")
        goods = self._goods(goods_id)
        return SupplierItem("pdd", str(goods["goodsID"]), str(goods["goodsName"]), goods_skus(goods, self.group))

    def fill_checkout(self, item_id: str, sku_id: str, quantity: int, receiver: Receiver, memo: str) -> None:
        sku = next((s for s in goods_skus(self._goods(item_id), self.group) if s.sku_id == sku_id), None)
        if sku is None:
            raise PlatformError(SKU_CHANGED.format(sku_id=sku_id))
        if not sku.stock:
            raise PlatformError(SOLD_OUT.format(text=sku.text or sku_id))
        page = self._goto(f"/order_checkout.html?sku_id={sku_id}&goods_id={item_id}")
        page.get_by_role("radio", name=re.compile("发起拼单" if self.group else "单独购买")).check()
        self._set_quantity(page, quantity)
        self._take_coupon(page)
        cheapest_options(page, BUY_SEL["offers"], lambda: yuan_to_fen(page.locator(BUY_SEL["total"]).inner_text()))
        fill_receiver(page, receiver)
        page.fill(BUY_SEL["memo"], memo)
        page.check(f"input[name=pay_app][value={self.pay_app}]")

    def _set_quantity(self, page, quantity: int) -> None:
        """The stepper, one click a piece, as a person taps it; the page's own label reads it back."""
        box = page.locator(BUY_SEL["quantity"])
        current = int(box.input_value() or 1)
        while current != quantity:
            page.get_by_role("button", name=BUY_SEL["plus" if current < quantity else "minus"]).click()
            current += 1 if current < quantity else -1
        label = box.get_attribute("aria-label") or ""
        if label != f"当前数量为{quantity}":
            raise PlatformError(f"拼多多购买数量没有设上：{label}")

    def _take_coupon(self, page) -> None:
        """领取 the shop coupon where the page offers one (it is then used automatically)."""
        take = page.locator(BUY_SEL["take_coupon"])
        if not take.count():
            return
        self.throttle(HOST)
        take.click()
        tip = page.locator(BUY_SEL["coupon_tip"])
        tip.filter(has_text=re.compile(r"\S")).wait_for()
        text = tip.inner_text()
        if "系统繁忙" in text:
            raise RiskBlocked("拼多多风控限制（系统繁忙），请稍后再试")

    def assist_page(self, panel: dict[str, Any]):
        """辅助下单 in the page the purchase is driven in (see TaobaoBuyer.assist_page)."""
        page = self._work_page()
        show_order_panel(page, panel, (BUY_SEL["submit"], BUY_SEL["confirm_pay"]))
        return page

    def read_checkout(self) -> CheckoutReadback:
        page = self._work_page()
        receiver = read_receiver(page)
        return CheckoutReadback(receiver=receiver if receiver.name else None,
                                total=yuan_to_fen(page.locator(BUY_SEL["total"]).inner_text()),
                                quantity=int(page.locator(BUY_SEL["quantity"]).input_value()),
                                sku_id=_query_value(page.url, "sku_id"))

    def submit(self) -> None:
        """立即支付: creates the 待支付 order and lands on pay.html (nothing is paid here)."""
        page = self._work_page()
        self.submitted_order_id = ""
        self.throttle(HOST)
        click_through(page, BUY_SEL["submit"], self._check, lambda: urlsplit(page.url).path == "/pay.html",
                      BUY_SEL["form_error"], lambda: f"立即支付没有成功：{page.url}")
        self.submitted_order_id = _query_value(page.url, "order_sn")

    def pay(self, order_id: str, method: str, account: str, password: str) -> None:
        """Pay on pay.html. Only 支付宝账号密码 (`account` + `password`) completes without a person;
        云闪付 / 支付宝 / 微信 are confirmed in the phone's wallet app."""
        if method != "alipay_password":
            raise PlatformError("拼多多的微信 / 支付宝 / 云闪付付款要在手机上确认，不能自动支付；请到待付款订单去支付")
        page = self._goto(f"/pay.html?order_sn={order_id}&pay_app={method}")
        if urlsplit(page.url).path != "/pay.html":
            raise PlatformError(f"拼多多订单 {order_id} 不是待支付，未付款")
        page.fill(BUY_SEL["alipay_account"], account)
        page.fill(BUY_SEL["alipay_password"], password)
        self.throttle(HOST)
        click_through(page, BUY_SEL["confirm_pay"], self._check, lambda: urlsplit(page.url).path != "/pay.html",
                      BUY_SEL["pay_error"], "拼多多付款没有成功")

    def _detail_page(self, order_id: str):
        return self._goto(f"/order.html?order_sn={order_id}")

    def order_detail(self, order_id: str) -> SupplierOrder:
        return parse_order(embedded(self._detail_page(order_id), "window.rawData || null",
                                    f"拼多多订单详情打不开：{order_id}"))

    def cancel(self, order_id: str) -> None:
        page = self._detail_page(order_id)
        cancel_order(page, BUY_SEL, self._check, lambda: PROMPT_STATUS.get(text_of(page, BUY_SEL["status"])) in (
            "cancelled", "refunding", "refunded"), "拼多多", lambda: self.throttle(HOST))

    def _post(self, path: str, body: dict, key: str) -> Any:
        """POST `body` to a JSON API from the orders page itself (its cookies, its Referer), a page of
        its own: the snapshot is read between read back and 立即支付 (BuyerDriver's order). Returns
        the answer's `key`."""
        if self._list is None or self._list.is_closed():
            self._list = self.context.new_page()
        page = self._list
        if not page.url.startswith(self._url("/orders.html")):
            self._goto("/orders.html", page)
        self.throttle(HOST)
        answer = page.evaluate(LIST_JS, [self._url(f"{path}?pdduid={self._cookie('pdd_user_id')}"), body])
        if "error" in answer:
            raise PlatformError(f"拼多多接口无法访问：{answer['error']}")
        data = _json_text(answer["text"], answer["status"])
        if answer["status"] == 401 or data.get("error_code") == 40001:
            raise LoginRequired(EXPIRED)
        if "系统繁忙" in str(data.get("error_msg", "")):
            raise RiskBlocked("拼多多风控限制（系统繁忙），请稍后再试")
        if key not in data:
            raise PlatformError(f"拼多多接口出错：{data.get('error_msg') or answer['status']}")
        return data[key]

    def _list_page(self, offset: str) -> list[dict]:
        """One order_list_v4 page."""
        return self._post(ORDER_LIST_PATH, {"type": "all", "page": 1, "size": PAGE_SIZE, "offset": offset,
                                            "scene": "order_list_h5"}, "orders")

    def _orders(self):
        """Every order, newest first, page by page (``offset`` = the last order_sn seen)."""
        offset = ""
        while True:
            entries = self._list_page(offset)
            yield from map(parse_order, entries)
            if len(entries) < PAGE_SIZE:
                return
            offset = str(field(entries[-1], "order_sn"))

    def recent_orders(self, since: datetime) -> list[SupplierOrder]:
        found = []
        for order in self._orders():
            if order.created_at < since:
                break
            found.append(order)
        return found

    def order_ids_since(self, since: datetime) -> set[str]:
        return {o.order_id for o in self.recent_orders(since)}

    def list_statuses(self, order_ids: list[str]) -> list[SupplierOrder]:
        """The list has no search: read pages until every asked order was seen."""
        wanted, found = set(order_ids), []
        for order in self._orders():
            if order.order_id in wanted:
                found.append(order)
                wanted.discard(order.order_id)
            if not wanted:
                break
        return found

    # -- refunds: applied and returned on the order page, listed by the after-sales API (invented) ----

    def refunds(self, order_ids: list[str]) -> list[SupplierRefund]:
        found: list[SupplierRefund] = []
        for start in range(0, len(order_ids), REFUND_IDS):
            found.extend(map(parse_refund, self._post(REFUND_LIST_PATH, {"order_sns": order_ids[start:start + REFUND_IDS]},
                                                      "after_sales_list")))
        return found

    def apply_refund(self, order_id: str, kind: str, reason: str, amount: int) -> SupplierRefund:
        return apply_once(order_id, kind, lambda: self.refunds([order_id]), lambda: refund_on_detail(
            self._detail_page(order_id), kind, reason, amount, self._check, lambda: self.throttle(HOST)))

    def fill_return(self, order_id: str, courier_code: str, tracking_number: str) -> None:
        refund = awaiting_return(order_id, self.refunds([order_id]))
        return_on_detail(self._detail_page(order_id), refund.refund_id, courier_code, tracking_number,
                         self._check, lambda: self.throttle(HOST))

    def open_home(self):
        page = self.context.new_page()
        page.goto(self._url("/personal.html"), wait_until="domcontentloaded")
        return page

    def close(self) -> None:
        self._page = self._list = None
        for page in list(self.context.pages):
            if not page.is_closed():
                page.close()
