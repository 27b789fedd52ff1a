"""1688 purchase account: the passport login shared with 淘宝 (login.1688.com, its own .1688.com
cookie family) and the buying itself (the BuyerDriver of platforms.base).

Every buying method is defined here (1688's pages differ from 淘宝's); only the mtop call is TaobaoBuyer's.
- the offer page: ``window.__INIT_DATA.globalData`` (skuInfoMap, yuan strings) and the SKU chooser;
- smart_make_order: the receiver form, 给卖家留言, the ``data-source`` preview nested as
  ``orders[].cargoGroupedByLogistics[].cargoList[].orderCargos[]`` with mixed units (the order's
  sums in fen, each cargo's ``finalUnitPrice`` / ``amount`` in yuan numbers);
- 提交订单 lands on the 支付宝 cashier; the new order's id is only in its URL, as ``orderIds=`` or
  as ``orderId`` inside the URL-encoded ``returnURL`` (the cashier's own ``orderId`` is a token);
- the buyer order list: the mtop dataline service, called from inside the 1688 list page (its
  Origin/Referer; a call from Python is refused), answering a JSON string of fen strings; the call
  is TaobaoBuyer's (buyer_pages.call_mtop: the page's own ``lib.mtop`` where it has one);
- the order detail's ``window.__ORDER_DETAIL__`` and its 取消订单 form.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dropship.platforms.base import (
    CheckoutReadback,
    LoginRequired,
    PlatformError,
    Receiver,
    SupplierItem,
    SupplierLine,
    SupplierOrder,
    SupplierRefund,
    SupplierSku,
)
from dropship.platforms.buyer_pages import (
    apply_once,
    awaiting_return,
    cancel_order,
    choose_sku,
    click_through,
    embedded,
    fill_receiver,
    refund_on_detail,
    return_on_detail,
    show_order_panel,
)
from dropship.platforms.taobao_buyer import TaobaoBuyer
from dropship.platforms.taobao_seller import classify, yuan_to_fen

PLATFORM = "alibaba1688"
OFFER_HOST = "detail.1688.com"
ORDER_HOST = "order.1688.com"
TRADE_HOST = "trade.1688.com"
LIST_HOST = "air.1688.com"
LIST_PATH = "/app/ctf-page/trade-order-list/buyer-order-list.html"
DATALINE = "mtop.1688.trading.dataline.service"
PAGE_SIZE = 50  # the dataline's maximum
# 1688 tradeStatus -> 拍单状态 code (services.purchasing.labels.PURCHASE_STATUS_LABELS)
STATUS = {"waitbuyerpay": "unpaid", "waitsellersend": "paid", "waitsellerconfirm": "paid",
          "waitbuyerreceive": "shipped", "waitbuyersign": "shipped", "signinsuccess": "received",
          "success": "received", "confirm_goods": "received", "cancel": "cancelled", "terminated": "cancelled"}
REFUND_STATUS = {"refunding": "refunding", "refunded": "refunded"}
REFUND_LIST = "mtop.1688.dw.refund.list"
REFUND_IDS = 50  # order ids one refund-list call takes (sandbox limit)
# the refund status codes of 1688's trade API -> DISPUTE_STATUSES
REFUND_CODES = {"waitselleragree": "pending", "waitbuyermodify": "refused", "waitbuyersend": "wait_buyer_return",
                "waitsellerreceive": "wait_seller_receive", "refundsuccess": "success", "refundclose": "closed"}
SEL = {"panel": "#skuSelection", "quantity": "#skuQuantity", "order_now": "#J_OrderNow",
       "preview": "#J_OrderPreview", "memo": "#buyer-message", "submit": "#submit-order", "form_error": "#form-error",
       "pay_password": "#payPassword_rsainput", "pay_submit": "#J_authSubmit", "pay_error": "#J_PayError",
       "status": "#order-status", "cancel": "#cancel-order", "message": "#action-message"}
# -- pure parsing (unit-tested) ---------------------------------------------------------------------

def order_id_from_cashier_url(url: str) -> str:
    """The new order's id from the cashier URL 提交订单 lands on: ``orderIds=<id>`` or ``orderId=<id>``
    inside the URL-encoded ``returnURL``. Never the cashier's own ``orderId`` (a trade token).
    '' when the URL names no single order (the caller then finds it by diffing the list)."""
    query = parse_qs(urlsplit(url).query)
    ids = [part for value in query.get("orderIds", []) for part in value.split(",") if part.strip()]
    if ids:
        return ids[0].strip() if len(ids) == 1 else ""
    for returned in query.get("returnURL", []):
        inner = parse_qs(urlsplit(returned).query).get("orderId", [])
        if len(inner) == 1 and inner[0].isdigit():
            return inner[0]
    return ""


def _region(text: str) -> dict[str, str]:
    parts = text.split()
    return dict(zip(("province", "city", "district", "town"), parts, strict=False))


def preview_readback(source: dict) -> CheckoutReadback:
    """smart_make_order's ``data-source``: one supplier order with its sums in fen and its goods
    nested by logistics group and offer, each cargo in yuan. The cargos must add up to the order's
    goods sum; a page whose numbers disagree is not paid on."""
    orders = source.get("orders") or []
    if len(orders) != 1:
        raise PlatformError(f"确认订单页有 {len(orders)} 个供应商订单，只能处理一个")
    order = orders[0]
    cargos = [cargo for group in order.get("cargoGroupedByLogistics") or []
              for offer in group.get("cargoList") or [] for cargo in offer.get("orderCargos") or []]
    if not cargos:
        raise PlatformError("确认订单页没有货品")
    goods = sum(yuan_to_fen(c["amount"]) for c in cargos)
    if goods != int(order["sumPaymentNoCarriage"]):
        raise PlatformError(f"确认订单页金额不一致：货品小计 {goods} 分，货品总金额 {order['sumPaymentNoCarriage']} 分")
    address = order.get("receiveAddress") or {}
    receiver = None
    if address.get("fullName"):
        receiver = Receiver(name=address["fullName"], phone=address.get("mobile", ""), address=address.get("address", ""),
                            **_region(address.get("addressCodeText", "")))
    skus = {str(c.get("skuId", "")) for c in cargos}
    return CheckoutReadback(receiver=receiver, total=int(order["sumPayment"]),
                            quantity=sum(int(c["commonQuantity"]) for c in cargos),
                            sku_id=skus.pop() if len(skus) == 1 else "")


def purchase_status(order: dict) -> str:
    """拍单状态 code of a dataline / detail order; an unknown 1688 status is kept verbatim."""
    refund = REFUND_STATUS.get(str(order.get("refundStatus") or ""))
    status = str(order.get("status") or "")
    if refund == "refunding" or (refund == "refunded" and status in ("waitsellersend", "cancel")):
        return refund
    return STATUS.get(status, status)


def _spec_text(entry: dict) -> str:
    items = entry.get("specItems") or (entry.get("specInfo") or {}).get("specItems") or []
    return ";".join(f"{s.get('specName', '')}:{s.get('specValue', '')}" for s in items)


def parse_order(order: dict) -> SupplierOrder:
    """One order of the dataline buyerOrderList (or the detail's ``__ORDER_DETAIL__``): fen strings."""
    created = datetime.strptime(str(order["gmtCreate"]), "%Y-%m-%d %H:%M:%S")
    lines = tuple(SupplierLine(item_id=str(e.get("sourceId", "")), quantity=int(e["quantity"]),
                               sku_id=str(e.get("skuId") or ""), title=str(e.get("productName", "")),
                               sku_text=_spec_text(e)) for e in order.get("orderEntries") or [])
    logistics = ((order.get("nativeLogistics") or {}).get("logisticsItems") or [{}])[0]
    info = order.get("receiverInfo")
    receiver = None
    if info:
        receiver = Receiver(name=info.get("name", ""), phone=info.get("mobile", ""), province=info.get("province", ""),
                            city=info.get("city", ""), district=info.get("district", ""), town=info.get("town", ""),
                            address=info.get("address", ""))
    return SupplierOrder(order_id=str(order.get("idStr") or order["id"]), created_at=created,
                         status=purchase_status(order), amount=int(order["sumPayment"]), lines=lines,
                         status_text=str(order.get("statusLabel", "")), receiver=receiver,
                         courier=str(logistics.get("logisticsCompanyName", "")),
                         tracking_number=str(logistics.get("logisticsBillNo", "")))


def dataline_result(data: dict) -> dict:
    """The mtop answer's data's ``data.result``: a JSON string (or, tolerated, an object) of
    ``{data: {data: [orders], total, pages}}``."""
    result = (data.get("data") or {}).get("result")
    if isinstance(result, str):
        result = json.loads(result)
    if not isinstance(result, dict) or not isinstance(result.get("data"), dict):
        raise PlatformError("1688 订单接口返回的数据无法识别")
    return result["data"]


def parse_refunds(data: dict) -> list[SupplierRefund]:
    """mtop.1688.dw.refund.list data -> our applications (``applyPayment`` in fen, as 1688's trade API)."""
    rows = (((data.get("result") or {}).get("data") or {}).get("refundList"))
    if not isinstance(rows, list):
        raise PlatformError("1688 退款列表返回的数据无法识别")
    refunds = []
    for row in rows:
        bills = row.get("freightBills") or [{}]
        code = str(row.get("status") or "")
        refunds.append(SupplierRefund(
            refund_id=str(row.get("refundId") or ""), order_id=str(row.get("orderId") or ""),
            kind="return_refund" if row.get("disputeRequest") == "returnRefund" else "refund_only",
            status=REFUND_CODES.get(code, code), status_text=str(row.get("statusStr") or ""),
            amount=int(row.get("applyPayment") or 0), return_address=str(row.get("refundAddress") or ""),
            return_tracking_number=str(bills[0].get("freightBill") or "")))
    return refunds


# -- the driver ---------------------------------------------------------------------------------------

class AlibabaBuyer(TaobaoBuyer):
    """1688 purchase account. After `submit`, `cashier_url` is where it landed and `submitted_order_id`
    the id that URL named ('' when none); the purchase task still confirms it by diffing the list."""

    LOGIN_HOST = "login.1688.com"
    LOGIN_PATH = "/member/signin.htm"
    HOME_HOST = "air.1688.com"
    HOME_PATH = LIST_PATH
    H5_HOST = "h5api.m.1688.com"
    EXPIRED = "1688 采购账号登录已失效，请点“重新授权”"

    def __init__(self, context, origins, platform: str = PLATFORM, **kwargs: Any) -> None:
        super().__init__(context, origins, platform, **kwargs)
        self._ali_work = None
        self._ali_list = None  # the order list's own page: reading it never moves the checkout away
        self.submitted_order_id = ""
        self.cashier_url = ""  # where the last 提交订单 landed

    # -- pages (helpers named _ali_*: TaobaoBuyer is gaining buying helpers of its own, and an
    # override with another signature would break the passport login this class inherits) --------

    def _ali_page(self):
        """The one page the purchase is driven in (kept open between fill, read back and submit)."""
        if self._ali_work is None or self._ali_work.is_closed():
            self._ali_work = self.context.new_page()
        return self._ali_work

    def _ali_check(self, page, response=None) -> None:
        if self.origins.host_of(self.LOGIN_HOST) in page.url:
            raise LoginRequired(self.EXPIRED)
        classify(page.url, response.status if response else 200, page.content())

    def _ali_goto(self, host: str, path: str, page=None):
        page = page or self._ali_page()
        self.throttle(host)
        response = page.goto(self.origins.url(host, path), wait_until="domcontentloaded")
        self._ali_check(page, response)
        return page

    # -- item and checkout -----------------------------------------------------------------------

    def open_item(self, url: str) -> SupplierItem:
        parts = urlsplit(url if "//" in url else f"https://{url}")
        page = self._ali_goto(OFFER_HOST, parts.path)
        data = embedded(page, "window.__INIT_DATA && window.__INIT_DATA.globalData", f"1688 商品页打不开或已下架：{url}")
        names = [p["prop"] for p in data["skuModel"]["skuProps"]]
        skus = tuple(SupplierSku(sku_id=str(info["skuId"]),
                                 text=";".join(f"{n}:{v}" for n, v in zip(names, key.split(">"), strict=False)),
                                 price=yuan_to_fen(info["price"]), stock=int(info["canBookCount"]))
                     for key, info in data["skuModel"]["skuInfoMap"].items())
        model = data["tempModel"]
        return SupplierItem(PLATFORM, str(model["offerId"]), str(model["offerTitle"]), skus)

    def fill_checkout(self, item_id: str, sku_id: str, quantity: int, receiver: Receiver, memo: str) -> None:
        page = self._ali_goto(OFFER_HOST, f"/offer/{item_id}.html")
        choose_sku(page, SEL["panel"], sku_id, SEL["quantity"], quantity)
        click_through(page, SEL["order_now"], self._ali_check, lambda: "smart_make_order" in page.url, "",
                      lambda: f"没有进入 1688 确认订单页：{page.url}")
        fill_receiver(page, receiver)
        page.fill(SEL["memo"], memo)

    def assist_page(self, panel: dict[str, Any]):
        """辅助下单 in the page the purchase is driven in (TaobaoBuyer.assist_page, 1688's buttons)."""
        page = self._ali_page()
        show_order_panel(page, panel, (SEL["order_now"], SEL["submit"], SEL["pay_submit"]))
        return page

    def read_checkout(self) -> CheckoutReadback:
        source = self._ali_page().locator(SEL["preview"]).get_attribute("data-source")
        return preview_readback(json.loads(source or "{}"))

    def submit(self) -> None:
        page = self._ali_page()
        self.submitted_order_id = ""
        self.throttle(ORDER_HOST)
        click_through(page, SEL["submit"], self._ali_check, lambda: "lightPayCashier" in page.url,
                      SEL["form_error"], lambda: f"提交订单没有成功：{page.url}")
        self.cashier_url = page.url
        self.submitted_order_id = order_id_from_cashier_url(page.url)

    def pay(self, order_id: str, method: str, account: str, password: str) -> None:
        """1688 pays on the 支付宝 cashier with the 支付密码 (`password`; `account` is not asked there)."""
        if method != "alipay":
            raise PlatformError("1688 只支持支付宝付款")
        page = self._ali_goto(TRADE_HOST, f"/order/pay.htm?orderId={order_id}")
        if "lightPayCashier" not in page.url:
            raise PlatformError(f"1688 订单 {order_id} 不是待付款，未付款")
        page.fill(SEL["pay_password"], password)
        self.throttle(TRADE_HOST)
        click_through(page, SEL["pay_submit"], self._ali_check, lambda: "lightPayCashier" not in page.url,
                      SEL["pay_error"], "支付宝付款没有成功")

    # -- orders ----------------------------------------------------------------------------------

    def _ali_detail_page(self, order_id: str):
        return self._ali_goto(TRADE_HOST, f"/order/new_step_order_detail.htm?orderId={order_id}")

    def order_detail(self, order_id: str) -> SupplierOrder:
        return parse_order(embedded(self._ali_detail_page(order_id), "window.__ORDER_DETAIL__ || null",
                                    f"1688 订单详情打不开：{order_id}"))

    def cancel(self, order_id: str) -> None:
        page = self._ali_detail_page(order_id)
        cancel_order(page, SEL, self._ali_check, lambda: page.evaluate(
            "() => window.__ORDER_DETAIL__ && window.__ORDER_DETAIL__.status") == "cancel",
            "1688 ", lambda: self.throttle(TRADE_HOST))

    def _ali_list_page(self):
        """The 1688 list page, in a page of its own: the snapshot is read between read back and
        提交订单 (BuyerDriver's order), so the page that holds the checkout must stay where it is."""
        if self._ali_list is None or self._ali_list.is_closed():
            self._ali_list = self.context.new_page()
        if not self._ali_list.url.startswith(self.origins(LIST_HOST)):
            self._ali_goto(LIST_HOST, LIST_PATH, self._ali_list)
        return self._ali_list

    def _dataline(self, **param: Any) -> dict:
        """buyerOrderList from inside the 1688 list page: {data: [orders], total, pages}."""
        page = self._ali_list_page()
        return dataline_result(self._mtop(page, DATALINE, {
            "serviceId": "OrderListDataLineService.buyerOrderList",
            "param": json.dumps({"page": 1, "pageSize": PAGE_SIZE, "tradeStatus": "", "word": "", **param},
                                ensure_ascii=False, separators=(",", ":"))}))

    def recent_orders(self, since: datetime) -> list[SupplierOrder]:
        """Newest first, page by page, until an order older than `since` (the list is newest first)."""
        found: list[SupplierOrder] = []
        number = 1
        while True:
            listed = self._dataline(page=number)
            orders = [parse_order(o) for o in listed.get("data") or []]
            found.extend(o for o in orders if o.created_at >= since)
            if not orders or orders[-1].created_at < since or number >= int(listed.get("pages") or 1):
                return found
            number += 1

    def order_ids_since(self, since: datetime) -> set[str]:
        return {o.order_id for o in self.recent_orders(since)}

    def list_statuses(self, order_ids: list[str]) -> list[SupplierOrder]:
        """The list's ``word`` finds one order by its id: one call per order."""
        found = []
        for order_id in order_ids:
            found.extend(o for o in map(parse_order, self._dataline(word=order_id).get("data") or [])
                         if o.order_id == order_id)
        return found

    # -- refunds: applied and returned on the order detail, listed by the refund mtop ---------------

    def refunds(self, order_ids: list[str]) -> list[SupplierRefund]:
        found: list[SupplierRefund] = []
        for start in range(0, len(order_ids), REFUND_IDS):
            chunk = order_ids[start:start + REFUND_IDS]
            found.extend(parse_refunds(self._mtop(self._ali_list_page(), REFUND_LIST,
                                                  {"orderIds": chunk, "page": 1, "pageSize": REFUND_IDS})))
        return found

    def apply_refund(self, order_id: str, kind: str, reason: str, amount: int) -> SupplierRefund:
        return apply_once(order_id, kind, lambda: self.refunds([order_id]), lambda: refund_on_detail(
            self._ali_detail_page(order_id), kind, reason, amount, self._ali_check, lambda: self.throttle(TRADE_HOST)))

    def fill_return(self, order_id: str, courier_code: str, tracking_number: str) -> None:
        refund = awaiting_return(order_id, self.refunds([order_id]))
        return_on_detail(self._ali_detail_page(order_id), refund.refund_id, courier_code, tracking_number,
                         self._ali_check, lambda: self.throttle(TRADE_HOST))

    def close(self) -> None:
        self._ali_work = self._ali_list = None
        super().close()
