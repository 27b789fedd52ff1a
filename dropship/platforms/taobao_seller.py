"""淘宝 / 天猫 / 淘特 seller backend driver (ShopBackend), written against the real pages and JSON.

Data comes from the site's own JSON, fetched inside a page of the same origin so the request
carries the page's cookies, Referer and anti-bot context. Actions that the site does through forms
are posted the same way. Everything the site may answer besides data (login redirect, punish page,
slider) is classified into our exceptions, so a task can decide: log in, park for a person, or stop.
"""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from dropship.couriers import BY_CODE
from dropship.memo_size import MEMO_LIMIT_BYTES, memo_bytes
from dropship.platforms import passport
from dropship.platforms.base import (
    DisputePage,
    LoginRequired,
    Memo,
    NeedsVerification,
    Parcel,
    PlatformError,
    QuotaExhausted,
    Receiver,
    RemoteDispute,
    RemoteItem,
    RemoteOrder,
    RiskBlocked,
    ShopIdentity,
    SoldPage,
)
from dropship.platforms.origins import Origins
from dropship.safe_urls import http_url

# Verifier: park `page` for a person until `solved()` is true; returns whether it was solved.
Verifier = Callable[[Any, str, Callable[[], bool]], bool]

LOGIN_HOST = "login.taobao.com"
LOGIN_PATH = "/havanaone/login/login.htm?bizName=taobao"  # where the real site sends an expired session
TRADE_HOST = "trade.taobao.com"
WULIU_HOST = "wuliu.taobao.com"  # the legacy (GBK) consign form: the fallback when the JSON flow is not served
WULIU2_HOST = "wuliu2.taobao.com"
MYSELLER_HOST = "myseller.taobao.com"
QN_HOST = "qn.taobao.com"  # 千牛: the 售后 detail pages
H5_HOST = "h5api.m.taobao.com"

FRAMES = "x-frames-allow-from=wuliu2"  # wuliu2 pages are framed into the seller workbench
PAGE_SIZE = 30
BATCH_LIMIT = 50
BATCH_PAGE_CAP = -(-BATCH_LIMIT // PAGE_SIZE) + 1  # pages 50 ids can fill, plus one for a shifting list


# tradeStatus (TOP names) -> our Order.status codes
TRADE_STATUS = {
    "WAIT_BUYER_PAY": "unpaid",
    "WAIT_SELLER_SEND_GOODS": "paid",
    "SELLER_CONSIGNED_PART": "partly_shipped",
    "WAIT_BUYER_CONFIRM_GOODS": "shipped",
    "TRADE_BUYER_SIGNED": "shipped",
    "TRADE_FINISHED": "finished",
    "TRADE_CLOSED": "closed",
    "TRADE_CLOSED_BY_TAOBAO": "closed",
}
# When a page gives only the status text
STATUS_TEXTS = (
    ("等待买家付款", "unpaid"), ("部分发货", "partly_shipped"), ("等待商家发货", "paid"), ("买家已付款", "paid"),
    ("已发货", "shipped"), ("交易成功", "finished"), ("交易关闭", "closed"),
)
# sub-order operation text -> refund status
REFUND_TEXTS = (("退款成功", "refunded"), ("退款关闭", "closed"), ("请卖家处理", "refunding"),
                ("请退款", "refunding"), ("等待买家退货", "refunding"), ("退款中", "refunding"))

RISK_MARKERS = ("_____tmd_____/punish", "punish?", "x5secdata")

# 售后 (千牛 refund-list): the list is the mtop API the page itself calls; its rows are disputeGridVOList
DISPUTE_LIST_API = "mtop.alibaba.refundface2.disputeservice.qianniu.pc.disputelistv2"
DISPUTE_DETAIL_PATH = "/home.htm/trade-platform/refund-list/detail?type=1&disputeId="
DISPUTE_PAGE_SIZE = 20
ALL_SELECT = "-9999"  # the page's 全部
# list_disputes tab -> (refundStatusSelect, bizClaimTypeSelect) as the page's tabs send them
DISPUTE_TABS = {"all": (ALL_SELECT, ALL_SELECT), "refund_only": (ALL_SELECT, "1"), "return_refund": (ALL_SELECT, "2"),
                "success": ("5", ALL_SELECT), "complaint": (ALL_SELECT, "3")}
CLAIM_KINDS = {"1": "refund_only", "2": "return_refund", "3": "complaint"}
# refundStatus codes (5 = 退款成功 is evidenced by the page's 售后状态 select; the others as the refund2 list)
DISPUTE_CODES = {"1": "pending", "6": "refused", "2": "wait_buyer_return", "3": "wait_seller_receive", "4": "closed",
                 "5": "success"}
CHINA = timezone(timedelta(hours=8))  # the sites' epoch-ms fields are instants; we keep China wall time

# fetch() in the page; never throws (a failed fetch comes back as {error}); the body is decoded
# by the declared charset (header, else <meta charset>), or by `forced` when given.
FETCH_JS = """async ([url, method, body, forced]) => {
    const init = {method, credentials: 'include', headers: {'X-Requested-With': 'XMLHttpRequest'}};
    if (body !== null) {
        init.body = new URLSearchParams(body);
        init.headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
    }
    let r;
    try { r = await fetch(url, init); } catch (e) { return {error: String(e)}; }
    const bytes = await r.arrayBuffer();
    const head = new TextDecoder('latin1').decode(bytes.slice(0, 1024));
    const declared = /charset=["']?([\\w-]+)/i.exec(r.headers.get('content-type') || '')
        || /<meta[^>]+charset=["']?([\\w-]+)/i.exec(head);
    let text;
    try { text = new TextDecoder(forced || (declared ? declared[1] : 'utf-8')).decode(bytes); }
    catch (e) { text = new TextDecoder('utf-8').decode(bytes); }
    return {status: r.status, url: r.url, text, redirected: r.redirected,
            charset: declared ? declared[1].toLowerCase() : ''};
}"""


def _final_url(requests: list[Any], url: str) -> str:
    """Where the browser's redirects took a request for `url` (the last hop it made)."""
    final = url
    for request in requests:
        root = request
        while root.redirected_from is not None:
            root = root.redirected_from
        if root.url == url and request.redirected_from is not None:
            final = request.url
    return final


def yuan_to_fen(value: Any) -> int:
    """'13.64' / '￥13.64' / 13.64 -> 1364 (exact: no float arithmetic)."""
    text = str(value or "0").replace("￥", "").replace("¥", "").replace(",", "").strip() or "0"
    try:
        return int((Decimal(text) * 100).quantize(Decimal(1)))
    except InvalidOperation:
        raise PlatformError(f"无法识别的金额：{value}") from None


def parse_time(value: Any) -> datetime | None:
    text = str(value or "").strip()
    if not text or text == "-":
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _sku_text(raw: Any) -> str:
    """skuText is a list of {name, value} in the list JSON, sometimes already a string."""
    if isinstance(raw, list):
        return "；".join(f"{p.get('name', '')}:{p.get('value', '')}".strip(":") for p in raw if isinstance(p, dict))
    return str(raw or "")


def _status(main: dict) -> tuple[str, str, str]:
    """(our status, the platform's text, the platform's raw code when we do not know it).

    A status we do not know is never guessed: PAID_FORBID_CONSIGN (paid, must not ship),
    PAY_PENDING, WAIT_PRE_AUTH_CONFIRM, TRADE_NO_CREATE_PAY … become `other` with the code kept,
    so no purchase or shipment ever starts from them. The text is read only when no code is given.
    """
    text = str((main.get("statusInfo") or {}).get("text", ""))
    raw = str((main.get("extra") or {}).get("tradeStatus") or "")
    if raw:
        return (TRADE_STATUS[raw], text, "") if raw in TRADE_STATUS else ("other", text, raw)
    code = next((c for needle, c in STATUS_TEXTS if needle in text), None)
    return (code, text, "") if code else ("other", text, text[:40])


def _refund(operations: list[dict]) -> tuple[str, str]:
    for op in operations or []:
        text = op.get("text", "")
        for needle, status in REFUND_TEXTS:
            if needle in text:
                return status, text
    return "", ""


def parse_sub_order(sub: dict, order_status: str) -> RemoteItem:
    info = sub.get("itemInfo") or {}
    extra = {e.get("name"): e.get("value") for e in info.get("extra") or [] if isinstance(e, dict)}
    refund_status, refund_text = _refund(sub.get("operations") or [])
    # Shown as links on the order cards: only http(s) addresses leave the driver, never `javascript:`.
    item_url = http_url(str(info.get("itemUrl") or ""))
    item_id = str(info.get("itemId") or "") or (re.search(r"[?&]id=(\d+)", item_url) or [None, ""])[1]
    return RemoteItem(
        oid=str(sub.get("idStr") or sub.get("id")),
        title=str(info.get("title") or ""),
        quantity=_int(sub.get("quantity"), 1),
        paid_amount=yuan_to_fen((sub.get("priceInfo") or {}).get("realTotal")),
        sku_text=_sku_text(info.get("skuText")),
        outer_id=str(extra.get("商家编码") or ""),
        pic=http_url(str(info.get("pic") or "")),
        item_url=item_url,
        item_id=item_id,
        status=order_status,
        refund_status=refund_status,
        refund_text=refund_text,
    )


def parse_main_order(main: dict) -> RemoteOrder:
    """One `mainOrders[]` entry of asyncSold -> RemoteOrder (ids stay strings)."""
    status, text, raw = _status(main)
    info = main.get("orderInfo") or {}
    created = parse_time(info.get("createTime")) or parse_time(info.get("createDay"))
    if created is None:
        raise PlatformError(f"订单 {main.get('id')} 缺少成交时间")
    return RemoteOrder(
        tid=str(main.get("id")),
        status=status,
        status_text=text,
        status_code=raw,
        # current clients ask for hidden nicks (isHideNick=true) and read the real one from decodeNick
        buyer_nick=str((main.get("buyer") or {}).get("decodeNick") or (main.get("buyer") or {}).get("nick") or ""),
        paid_amount=yuan_to_fen((main.get("payInfo") or {}).get("actualFee")),
        created_at=created,
        paid_at=parse_time(info.get("payTime")),
        ship_deadline=parse_time(info.get("consignDeadline")),
        seller_flag=_int((main.get("extra") or {}).get("sellerFlag")),
        has_buyer_message=(main.get("extra") or {}).get("hasBuyerMessage") in (True, "true"),
        items=[parse_sub_order(sub, status) for sub in main.get("subOrders") or []],
    )


def parse_sold_response(text: str) -> SoldPage:
    """The asyncSold body -> SoldPage. Big ids arrive as bare numbers: parse every int as a string."""
    data = _loads(text)
    if data.get("error"):
        raise PlatformError(f"已卖出的宝贝查询失败：{data['error']}")
    page = data.get("page") or {}
    orders, skipped = [], []
    for main in data.get("mainOrders") or []:
        try:
            orders.append(parse_main_order(main))
        except (PlatformError, KeyError, TypeError, ValueError, AttributeError) as exc:
            # one order we cannot read must not cost the page: skip it, say which and why
            tid = str(main.get("id") if isinstance(main, dict) else "?")
            skipped.append(f"{tid}：{exc}")
    return SoldPage(orders=orders, page=_int(page.get("currentPage"), 1), total_pages=_int(page.get("totalPage"), 1),
                    total=_int(page.get("totalNumber")), skipped=skipped)


class UnreadableAnswer(PlatformError):
    """The answer is not the data asked for (an HTML page where JSON was expected, a changed shape):
    not a refusal by the platform, so another way of doing the same thing may still work."""


def _loads(text: str) -> dict:
    """A JSON body (already classified) -> dict; big ids stay strings."""
    try:
        data = json.loads(text, parse_int=str)
    except ValueError:
        raise UnreadableAnswer("平台返回了无法识别的数据（不是 JSON）") from None
    if not isinstance(data, dict):
        raise UnreadableAnswer("平台返回了无法识别的数据")
    _classify_json(data)
    return data


RISK_MESSAGE = "平台风控限制（访问过于频繁），已暂停该店铺"
EXPIRED_MESSAGE = "店铺登录已失效，请重新授权"
# Login pages the real site sends an expired session to (legacy and havanaone)
LOGIN_PATHS = ("/member/login.jhtml", "/havanaone/login/login.htm", "login_unusual", "/iv/identity_verify.htm",
               "login_auth_intercept")
# Traces of a login form in a body served in place of the data
LOGIN_BODY_MARKS = ("fm-login-id", "havanaone/login", "member/login.jhtml")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def classify(url: str, status: int, body: str) -> None:
    """Raise what a non-data answer means; return when the answer may be the data asked for.

    The one place that reads risk, verification and login signs, from the final URL (after
    redirects), the status and the body, because the real sites answer in all of these ways:
    JSON ``rgv587_flag`` with a punish ``url``, HTTP 200 HTML whose script goes to
    ``_____tmd_____/punish?x5secdata=``, a redirect to a ``sec.`` host, a redirect to the
    (havanaone) login page. Risk is never taken for an expired login: logging in again in the
    middle of a risk block is the fastest way to get a shop banned.
    """
    if "_____tmd_____" in url and "/slide" in url:
        raise NeedsVerification("slider", "平台要求滑块验证", url=url)
    if _host(url).startswith("sec.") or "_____tmd_____/punish" in url:
        raise RiskBlocked(RISK_MESSAGE)
    if _host(url).startswith("login.") and any(p in url for p in LOGIN_PATHS):
        raise LoginRequired(EXPIRED_MESSAGE)
    head = body.lstrip()[:1]
    if head in ("{", "["):
        try:
            data = json.loads(body, parse_int=str)
        except ValueError:
            return
        if isinstance(data, dict):
            _classify_json(data)
        return
    slide = re.search(r"[\w./:-]*_____tmd_____/slide[^\"' <>]*", body)
    if slide:
        raise NeedsVerification("slider", "平台要求滑块验证", url=slide.group(0))
    if "_____tmd_____/punish" in body or "x5secdata" in body or "rgv587_flag" in body:
        raise RiskBlocked(RISK_MESSAGE)
    if any(mark in body for mark in LOGIN_BODY_MARKS) and "fm-login-password" in body:
        raise LoginRequired(EXPIRED_MESSAGE)
    if status >= 500:
        raise PlatformError(f"平台暂时无法访问（HTTP {status}），稍后自动重试")




def _classify_json(data: dict) -> None:
    url = str(data.get("url") or "")
    if url:
        classify(url, 200, "")
    if data.get("rgv587_flag") or any(marker in url for marker in RISK_MARKERS):
        raise RiskBlocked(RISK_MESSAGE)


class TaobaoSeller:
    """A logged-in (or to-be-logged-in) seller session in one persistent browser context."""

    def __init__(self, context, origins: Origins, platform: str = "taobao",
                 throttle: Callable[[str], object] = lambda host: None, verifier: Verifier | None = None) -> None:
        self.context = context
        self.origins = origins
        self.platform = platform
        self.throttle = throttle
        self.verifier = verifier
        self._pages: dict[str, Any] = {}
        self.skipped: list[str] = []  # orders a batch lookup could not read ("tid：why")

    # -- pages and requests ------------------------------------------------------------------

    def _frame_query(self) -> str:
        """淘特 shops read the same pages inside the 淘特 frame."""
        return "&isFrame=true&from=tejia" if self.platform == "taote" else ""

    def _home_url(self, host: str) -> str:
        homes = {
            TRADE_HOST: f"/trade/itemlist/list_sold_items.htm?tabCode=waitSend{self._frame_query()}",
            WULIU2_HOST: f"/user/batch_consign.htm?{FRAMES}",  # the wuliu2 home, a page (not a JSON URL)
            MYSELLER_HOST: "/home.htm",
        }
        return self.origins.url(host, homes[host])

    def _page_on(self, host: str):
        """A page sitting on `host`, so in-page fetches are same-origin with the site's cookies."""
        page = self._pages.get(host)
        if page is None or page.is_closed():
            page = self.context.new_page()
            self._pages[host] = page
            self._goto(page, self._home_url(host), host)
        return page

    def _goto(self, page, url: str, host: str) -> None:
        """Navigate (following redirects as a person's browser does) and classify where it landed."""
        self.throttle(host)
        response = page.goto(url, wait_until="domcontentloaded")
        classify(page.url, response.status if response else 0, page.content())

    def _fetch(self, host: str, path: str, method: str = "GET", form: dict[str, Any] | None = None,
               charset: str = "") -> dict[str, Any]:
        """fetch() inside a page on `host`, classified; returns {status, url, text, redirected}.

        The body is decoded by the charset the response declares (GBK on the legacy pages; the
        Fetch API's text() would assume UTF-8). A cross-origin redirect (expired session → the
        login host, risk → a ``sec.`` host) makes fetch() throw "Failed to fetch"; the browser's
        request log then says where the redirect went, and that is what gets classified.
        """
        page = self._page_on(host)
        self.throttle(host)
        url = self.origins.url(host, path)
        hops: list[Any] = []

        def record(request: Any) -> None:
            hops.append(request)

        page.on("request", record)
        try:
            result = page.evaluate(FETCH_JS, [url, method, None if form is None else {k: str(v) for k, v in form.items()},
                                              charset])
        finally:
            page.remove_listener("request", record)
        if result.get("error"):
            classify(_final_url(hops, url), 0, "")
            raise PlatformError(f"网络错误：{result['error']}")
        classify(result["url"], result["status"], result["text"])
        return result

    def _json(self, host: str, path: str, method: str = "GET", form: dict[str, Any] | None = None) -> dict:
        return _loads(self._fetch(host, path, method, form)["text"])

    def _cookie(self, name: str, host: str = TRADE_HOST) -> str:
        return passport.cookie_value(self.context, self.origins, host, name)

    def open_home(self):
        """打开后台: a new page on the seller home (the caller keeps it open for a person)."""
        page = self.context.new_page()
        self._goto(page, self._home_url(MYSELLER_HOST), MYSELLER_HOST)
        return page

    def close(self) -> None:
        for page in self._pages.values():
            if not page.is_closed():
                page.close()
        self._pages.clear()

    # -- identity and login --------------------------------------------------------------------

    def whoami(self) -> ShopIdentity | None:
        """Who the profile's cookies say we are; None when not logged in. Costs no request."""
        user_id = self._cookie("unb", LOGIN_HOST)
        if not user_id:
            return None
        sub = unquote(self._cookie("sn", LOGIN_HOST))
        nick = unquote(self._cookie("tracknick", LOGIN_HOST))
        return ShopIdentity(user_id=user_id, login=sub or nick, nick=nick)

    def check_session(self) -> ShopIdentity:
        """A cheap read proving the session works (the seller home), else LoginRequired."""
        identity = self.whoami()
        if identity is None:
            raise LoginRequired("店铺未登录，请先授权")
        page = self._pages.pop(MYSELLER_HOST, None)
        if page is not None and not page.is_closed():
            page.close()
        self._page_on(MYSELLER_HOST)
        return identity

    def login(self, login: str, password: str) -> ShopIdentity:
        page = self.context.new_page()
        try:
            self.throttle(LOGIN_HOST)
            page.goto(self.origins.url(LOGIN_HOST, LOGIN_PATH), wait_until="domcontentloaded")
            passport.password_login(page, login, password, landed=lambda: self._logged_in(page), verify=self._verify,
                                    throttle=lambda: self.throttle(LOGIN_HOST))
        finally:
            page.close()
        identity = self.whoami()
        if identity is None:
            raise PlatformError("登录后没有拿到店铺身份（unb），请重试")
        return identity

    def _logged_in(self, page) -> bool:
        return MYSELLER_HOST.split(".")[0] in page.url.split("//", 1)[-1].split("/", 1)[0]

    def _verify(self, page, kind: str, solved: Callable[[], bool]) -> None:
        """Park the top page (its screenshot shows the iframe too; relayed input reaches it)."""
        if self.verifier is None or not self.verifier(page, kind, solved):
            raise NeedsVerification(kind, url=page.url)

    # -- orders --------------------------------------------------------------------------------

    def _sold_form(self, page: int, **extra: Any) -> dict[str, Any]:
        # isQnNew / isHideNick: what current (千牛) clients send; the nick is then read from decodeNick
        return {"action": "itemlist/SoldQueryAction", "pageNum": page, "prePageNo": max(page - 1, 1),
                "pageSize": PAGE_SIZE, "isQnNew": "true", "isHideNick": "true", **extra}

    def _sold(self, form: dict[str, Any]) -> SoldPage:
        path = f"/trade/itemlist/asyncSold.htm?event_submit_do_query=1&_input_charset=utf8{self._frame_query()}"
        return parse_sold_response(self._fetch(TRADE_HOST, path, "POST", form)["text"])

    def list_sold(self, since: datetime, until: datetime, page: int = 1, tab: str = "all") -> SoldPage:
        tabs = {"all": ("latest3Months", "ALL"), "paid": ("waitSend", "PAID"), "shipped": ("haveSendGoods", "SEND"),
                "finished": ("success", "SUCCESS"), "refunding": ("refunding", "REFUNDING")}
        tab_code, status = tabs[tab]
        return self._sold(self._sold_form(page, tabCode=tab_code, orderStatus=status,
                                          dateBegin=int(since.timestamp() * 1000),
                                          dateEnd=int(until.timestamp() * 1000), payDateBegin=0, payDateEnd=0))

    def get_orders(self, tids: list[str]) -> list[RemoteOrder]:
        """The sold list's batch lookup, ≤50 ids a call. It covers the last three months only (older
        orders are absent, not gone); a lookup that lost its filter can report 20,000+ pages, so the
        paging is capped at what 50 ids can fill and stops at the first empty page; only the ids
        asked for are kept. Unreadable orders are skipped and listed in `self.skipped`."""
        found: list[RemoteOrder] = []
        for start in range(0, len(tids), BATCH_LIMIT):
            chunk = tids[start:start + BATCH_LIMIT]
            wanted = set(chunk)
            number, pages = 1, 1
            while number <= min(pages, BATCH_PAGE_CAP):
                page = self._sold(self._sold_form(number, bizOrderId=",".join(chunk), batchType="bizOrderId",
                                                  isBatchSearch="true"))
                self.skipped.extend(page.skipped)
                found.extend(o for o in page.orders if o.tid in wanted)
                if not page.orders and not page.skipped:
                    break
                number, pages = number + 1, page.total_pages
        return found

    def _detail_page(self, tid: str) -> tuple[str, dict]:
        """("taobao" | "tmall", the page's embedded data) of one order's detail page.

        A navigation, not a fetch: a 天猫 order's 淘宝 detail URL redirects to trade.tmall.com
        (`var detailData`), which a browser follows across origins, and the browser decodes the
        page by its own charset (some detail pages are GBK).
        """
        page = self._pages.get("detail")
        if page is None or page.is_closed():
            page = self._pages["detail"] = self.context.new_page()
        self._goto(page, self.origins.url(TRADE_HOST, f"/trade/detail/trade_order_detail.htm?biz_order_id={tid}"),
                   TRADE_HOST)
        found = page.evaluate("""() => ({taobao: typeof data === 'object' ? data : null,
                                         tmall: typeof detailData === 'object' ? detailData : null})""")
        for kind in ("tmall", "taobao"):
            if isinstance(found.get(kind), dict):
                return kind, found[kind]
        raise PlatformError(f"订单 {tid} 的详情页没有数据")

    def order_detail(self, tid: str) -> dict[str, Any]:
        """Buyer message and the (masked) address from the detail page's embedded data."""
        kind, data = self._detail_page(tid)
        return parse_tmall_detail(data) if kind == "tmall" else parse_taobao_detail(data)

    def order_from_detail(self, tid: str) -> RemoteOrder:
        """订单同步 线路2: the whole order from its detail page (one page per order: complete, the
        buyer message and masked receiver included, but more pages and so more sliders)."""
        kind, data = self._detail_page(tid)
        return parse_tmall_detail_order(tid, data) if kind == "tmall" else parse_taobao_detail_order(data)

    # -- receivers -----------------------------------------------------------------------------

    def decrypt_receiver(self, tid: str, route: int = 1) -> Receiver:
        """Masked → real receiver through the logistics order (slider-guarded, daily quota)."""
        listing = self._json(WULIU2_HOST, f"/user/queryOrderList?listType=all&tradeId={tid}&{FRAMES}")
        try:
            logistics_id = listing["data"][0]["baseInfo"]["fields"][0]["value"]
        except (KeyError, IndexError, TypeError):
            raise PlatformError(f"订单 {tid} 没有物流订单，无法解密地址") from None
        path = f"/user/getRealReceiverInfo?orderId={logistics_id}&{FRAMES}"
        for _ in range(2):
            try:
                data = self._json(WULIU2_HOST, path)
            except NeedsVerification as exc:
                self._solve_tmd(exc.url)
                continue
            if data.get("success") in (True, "true"):
                return _receiver(data.get("data") or {})
            message = str(data.get("message") or "解密失败")
            if "上限" in message or "QUOTA" in str(data.get("errorCode", "")):
                raise QuotaExhausted(message)
            raise PlatformError(message)
        raise NeedsVerification("slider", "地址解密需要滑块验证")

    def _solve_tmd(self, url: str) -> None:
        """Open the slide page the platform asked for and let a person (or nobody) pass it."""
        page = self.context.new_page()
        try:
            page.goto(url if url.startswith("http") else "http:" + url, wait_until="domcontentloaded")
            self._verify(page, "slider", lambda: passport.slider_passed(page))
        finally:
            page.close()

    def request_address_export(self) -> str:
        """地址脱敏导出 step 1: the platform texts a password to the shop's phone."""
        data = self._json(TRADE_HOST, "/trade/export/send_password.do", "POST",
                          {"_tb_token_": self._cookie("_tb_token_")})
        if data.get("success") not in (True, "true"):
            raise PlatformError(str(data.get("message") or "导出密码发送失败"))
        return str(data.get("message") or "密码已发送")

    def export_addresses(self, sms_password: str) -> dict[str, Receiver]:
        data = self._json(TRADE_HOST, "/trade/export/download.do", "POST",
                          {"_tb_token_": self._cookie("_tb_token_"), "password": sms_password, "format": "json"})
        if data.get("success") not in (True, "true"):
            raise PlatformError(str(data.get("message") or "导出失败"))
        return {str(row["tid"]): _receiver(row) for row in data.get("rows") or []}

    # -- memo ----------------------------------------------------------------------------------

    def get_memo(self, tid: str) -> Memo:
        """The memo text from memoInfo.htm (its only field is `tip`: no evidence has a flag there),
        the flag from the sold list (`extra.sellerFlag`)."""
        data = self._json(TRADE_HOST, f"/trade/json/memoInfo.htm?{urlencode({'user_type': 'seller', 'orderid': tid})}")
        if data.get("error"):
            raise PlatformError(str(data["error"]))
        listed = [o for o in self.get_orders([tid]) if o.tid == tid]
        if not listed:
            raise PlatformError(f"订单 {tid} 在已卖出的宝贝中没有找到，无法读回旗帜")
        return Memo(text=str(data.get("tip") or ""), flag=listed[0].seller_flag)

    def set_memo(self, tid: str, text: str, flag: int) -> None:
        if memo_bytes(text) > MEMO_LIMIT_BYTES:
            raise PlatformError(f"备注内容不能超过{MEMO_LIMIT_BYTES}个字节")
        result = self._fetch(TRADE_HOST, "/trade/memo/update_sell_memo.htm", "POST", {
            "_tb_token_": self._cookie("_tb_token_"), "action": "memo/UpdateSellMemoAction",
            "event_submit_do_query": 1, "user_type": 1, "biz_order_id": tid, "memo": text, "flag": flag,
            "_input_charset": "utf-8",  # a GBK-era form: say the body is UTF-8, as current clients do
        })
        # Success is a 302 (followed, and the landing page classified: a redirect to the login or
        # punish page has raised already); anything else carries the reason in the page.
        if not result["redirected"]:
            reason = re.sub(r"<[^>]+>", " ", result["text"])
            reason = re.search(r"(备注[^<]{0,40}|非法请求[^<]{0,30}|参数错误|旗帜参数错误)", reason)
            raise PlatformError(f"备注同步失败：{reason.group(1).strip() if reason else '平台拒绝了请求'}")

    # -- consign -------------------------------------------------------------------------------

    def consign(self, tid: str, courier_code: str, tracking_number: str, oids: list[str] | None = None) -> None:
        """发货 through the JSON consign flow of wuliu2 (shape of idx 41177352066); `oids` ships only
        those sub-orders (拆包: the parcel's `selectedItemList` holds just their children). When that
        flow does not answer with its data (a page instead of JSON, a shape we cannot read), the
        legacy GBK form of wuliu.taobao.com does the same (issue 10: kept as the fallback). A refusal
        by the platform is final either way."""
        try:
            info = self._json(WULIU2_HOST, f"/user/consign.do?tradeId={tid}&{FRAMES}")
            if info.get("success") in (False, "false"):
                raise PlatformError(f"获取发货相关信息失败：{info.get('message') or '未知原因'}")
            form = consign_form(info.get("data") or {}, courier_code, tracking_number, oids)
        except UnreadableAnswer:
            self.consign_legacy(tid, courier_code, tracking_number, oids)
            return
        data = self._json(WULIU2_HOST, "/user/do_consign.do", "POST", {"_csrf": self._wuliu2_csrf(), **form})
        if data.get("success") not in (True, "true"):
            raise PlatformError(str(data.get("message") or "发货失败"))

    def _wuliu2_csrf(self) -> str:
        """wuliu2's `_csrf`: the page makes a UUID and mirrors it into the XSRF-TOKEN cookie."""
        csrf = str(uuid.uuid4())
        self.context.add_cookies([{"name": "XSRF-TOKEN", "value": csrf, "url": self.origins(WULIU2_HOST)}])
        return csrf

    def modify_consign(self, tid: str, old_number: str, courier_code: str, tracking_number: str) -> None:
        """修改运单号 of a shipped parcel (百通一键替换极速): the rules are taobao.logistics.consign.resend's
        (shipped orders; an offline parcel within 24 hours). ASSUMPTION: the web call
        `wuliu2 /user/modify_consign.do` with params {tradeId, oldMailNo, mailNo, cpCode} is the
        sandbox's invented shape; no capture of the seller pages' modify request was found."""
        params = {"tradeId": tid, "oldMailNo": old_number, "mailNo": tracking_number, "cpCode": courier_code}
        data = self._json(WULIU2_HOST, "/user/modify_consign.do", "POST",
                          {"_csrf": self._wuliu2_csrf(), "params": json.dumps(params, ensure_ascii=False)})
        if data.get("success") not in (True, "true"):
            raise PlatformError(str(data.get("message") or "修改运单号失败"))


    def consign_legacy(self, tid: str, courier_code: str, tracking_number: str, oids: list[str] | None = None) -> None:
        """发货 through the legacy GBK page: `consign.htm?trade_id=`, the 自己联系物流 form
        (`event_submit_do_offline_consign`, `companyCode`, `mailNo`, `subTradeIds`), filled in the DOM
        and submitted as a person would; the answer page says 恭喜您，操作成功 or why not."""
        page = self._pages.get(WULIU_HOST)
        if page is None or page.is_closed():  # no home page to sit on: the order's consign page is the page
            page = self._pages[WULIU_HOST] = self.context.new_page()
        self._goto(page, self.origins.url(WULIU_HOST, f"/user/consign.htm?trade_id={tid}"), WULIU_HOST)
        form = page.locator(LEGACY_CONSIGN_FORM)
        if not form.count():
            raise PlatformError(f"获取发货相关信息失败：{_page_reason(page.inner_text('body'))}")
        if oids:
            boxes = form.locator("input[name=subTradeIds]")
            values = [boxes.nth(i).get_attribute("value") for i in range(boxes.count())]
            if not set(oids) <= set(values):
                raise PlatformError("子订单不存在或已发货")
            for i, value in enumerate(values):
                boxes.nth(i).set_checked(value in oids)
        if not form.locator(f"select[name=companyCode] option[value='{courier_code}']").count():
            raise PlatformError("请选择物流公司")
        form.locator("select[name=companyCode]").select_option(courier_code)
        form.locator("input[name=mailNo]").fill(tracking_number)
        self.throttle(WULIU_HOST)
        with page.expect_navigation(wait_until="domcontentloaded"):
            form.locator("#J_OfflineSubmit").click()
        classify(page.url, 200, page.content())
        text = page.inner_text("body")
        if CONSIGN_OK not in text:
            raise PlatformError(_page_reason(text))

    # -- 售后 ------------------------------------------------------------------------------------------

    def _mtop(self, api: str, data: dict[str, Any]) -> dict:
        """An mtop call from the seller workbench page, as the page's own script makes it."""
        # buyer_pages reads classify() from this module: imported here to keep the import graph acyclic
        from dropship.platforms.buyer_pages import call_mtop

        page = self._page_on(MYSELLER_HOST)
        self.throttle(H5_HOST)
        return call_mtop(page, self.origins(H5_HOST), api, data, token=lambda: self._cookie("_m_h5_tk", H5_HOST),
                         expired=EXPIRED_MESSAGE)

    def list_disputes(self, since: datetime, page: int = 1, tab: str = "all") -> DisputePage:
        statuses, claim_types = DISPUTE_TABS[tab]
        params = {"pageNo": page, "pageSize": DISPUTE_PAGE_SIZE, "refundStatusSelect": statuses,
                  "bizClaimTypeSelect": claim_types, "applyDateTimePickerStartTime": china_ms(since)}
        found = parse_dispute_list(self._mtop(DISPUTE_LIST_API, {"params": json.dumps(params, separators=(",", ":"))}))
        for dispute in found.disputes:
            dispute.detail_url = self._dispute_url(dispute.dispute_id)
        return found

    def _dispute_url(self, dispute_id: str) -> str:
        return self.origins.url(QN_HOST, DISPUTE_DETAIL_PATH + dispute_id)

    def _dispute_page(self, dispute_id: str) -> tuple[Any, RemoteDispute]:
        """A new tab on the dispute's detail page (the SPA shows a stale case when one tab is reused)."""
        page = self.context.new_page()
        try:
            self._goto(page, self._dispute_url(dispute_id), QN_HOST)
            row = page.evaluate("() => window.disputeDetail || null")
            if not isinstance(row, dict):
                raise UnreadableAnswer(f"售后单 {dispute_id} 的详情页没有数据")
            try:
                dispute = parse_dispute_row(row)
            except ValueError as exc:
                raise UnreadableAnswer(f"售后单 {dispute_id} 的详情无法识别：{exc}") from None
        except BaseException:
            page.close()
            raise
        dispute.detail_url = self._dispute_url(dispute_id)
        return page, dispute

    def dispute_detail(self, dispute_id: str) -> RemoteDispute:
        page, dispute = self._dispute_page(dispute_id)
        page.close()
        return dispute

    def agree_refund(self, dispute_id: str) -> None:
        """同意退款 and its confirm dialog; only that button (同意退货 needs a return address a person picks)."""
        page, dispute = self._dispute_page(dispute_id)
        try:
            button = page.get_by_role("button", name="同意退款", exact=True)
            if not button.count():
                raise PlatformError(f"售后单当前状态（{dispute.status_text or dispute.status}）不能同意退款")
            button.click()
            self.throttle(QN_HOST)
            with page.expect_navigation(wait_until="domcontentloaded"):
                page.get_by_role("button", name="确定", exact=True).click()
            classify(page.url, 200, page.content())
            refused = page.locator("#J_Error")
            if refused.count():
                raise PlatformError(refused.inner_text().strip())
        finally:
            page.close()


LEGACY_CONSIGN_FORM = "#offline-consign-form"  # 自己联系物流 on consign.htm (chan3256995/vueproject tbapi.js)
CONSIGN_OK = "恭喜您，操作成功"
# What a legacy answer page says when it refuses (the platform's words)
LEGACY_REASONS = re.compile(r"(运单号不符合规则或已经被使用|请选择物流公司|[^\s。]*没有发货权限[^\s。]*|当前订单状态不能发货"
                            r"|子订单不存在或已发货|没有需要发货的子订单|订单不存在|非法请求[^\s。]*)")


def _page_reason(text: str) -> str:
    found = LEGACY_REASONS.search(text)
    return found.group(1) if found else "发货失败（平台没有说明原因）"


# children[0].info.fields[] of consign.do, by position, as the real clients read them (idx 41177352066)
CONSIGN_RECEIVER = {0: "receiverDisplayAddress", 1: "receiverMobilePhone", 2: "receiverProvince",
                    3: "receiverDetailAddress", 4: "receiverCity", 5: "receiverCountryId", 7: "receiverDivisionId",
                    9: "receiverZipCode", 10: "receiverContactName", 11: "receiverDistrict", 13: "receiverTown"}


def consign_form(data: dict, courier_code: str, tracking_number: str, oids: list[str] | None) -> dict[str, str]:
    """consign.do `data` -> the do_consign.do form (without `_csrf`)."""
    try:
        source = data["OrderBlock"]["fields"]["dataSource"][0]
        order_id = source["baseInfo"]["fields"][0]["value"]
        children = list(source["children"])
        fields = children[0]["info"]["fields"]
        contacts = data["ContactsBlock"]["fields"]["dataSource"]
        fetcher, refunder = contacts[0]["fields"][0]["value"], contacts[1]["fields"][0]["value"]
    except (KeyError, IndexError, TypeError):
        raise UnreadableAnswer("发货页面的数据格式无法识别（没有待发货的宝贝，或平台改版）") from None
    selected = children
    if oids:
        # `subOrderId` on a child: no capture shows how a child names its sub-order (sandbox shape)
        selected = [c for c in children if str(c.get("subOrderId")) in set(oids)]
        if len(selected) != len(set(oids)):
            raise PlatformError("子订单不存在或已发货")
    courier = BY_CODE.get(courier_code)
    params = {
        "orderId": order_id,
        **{name: fields[i]["value"] if i < len(fields) else "" for i, name in CONSIGN_RECEIVER.items()},
        "selectedItemList": selected,
        "fetcherContactId": fetcher,
        "refunderContactId": refunder,
        "logisticInfo": {"mode": 0, "data": [{"mailInfo": {"mailNo": tracking_number, "cpCode": courier_code,
                                                           "label": courier.name if courier else ""}}]},
        "mailType": "OFFLINE",
        "hasChangeDeliver": True,
    }
    return {"params": json.dumps(params, ensure_ascii=False), "x-frames-allow-from": "wuliu2"}


def parse_taobao_detail(data: dict) -> dict[str, str]:
    """`var data` of trade_order_detail.htm -> buyer message and masked address."""
    address = ""
    for tab in data.get("tabs") or []:
        address = (tab.get("content") or {}).get("address") or address
    return {"buyer_message": str(data.get("buyMessage") or ""), "address": str(address)}


NO_LOGISTICS = "无需物流"


def parse_parcels(names: str, numbers: str, ship_type: str = "") -> list[Parcel]:
    """物流信息 as a detail page writes it -> parcels.

    The 2016 capture has `logisticsName` "-" beside a `logisticsNum` (the page does not always name
    the courier) and `shipType` 快递. Several parcels (a split order) are comma-separated and 无需物流
    is written in place of a courier: both are sandbox assumptions, no capture shows them.
    """
    if NO_LOGISTICS in ship_type or NO_LOGISTICS in names:
        return [Parcel(courier_name=NO_LOGISTICS, dummy=True)]
    numbers_list = [n.strip() for n in re.split(r"[,，]", numbers or "") if n.strip() and n.strip() != "-"]
    names_list = [n.strip() for n in re.split(r"[,，]", names or "") if n.strip() and n.strip() != "-"]
    return [Parcel(courier_name=names_list[i] if i < len(names_list) else "", tracking_number=number)
            for i, number in enumerate(numbers_list)]


def taobao_parcels(data: dict) -> list[Parcel]:
    """The 淘宝 detail page's `tabs[id=logistics].content{logisticsName, logisticsNum, shipType}`."""
    for tab in data.get("tabs") or []:
        content = (tab or {}).get("content") or {}
        if (tab or {}).get("id") == "logistics" or "logisticsNum" in content:
            return parse_parcels(str(content.get("logisticsName") or ""), str(content.get("logisticsNum") or ""),
                                 str(content.get("shipType") or ""))
    return []


def tmall_parcels(row: str) -> list[Parcel]:
    """The 天猫 detail page's 物流 row, `<couriers> <numbers>` (sandbox shape: no 天猫 body was found)."""
    names, _, numbers = (row or "").strip().partition(" ")
    return parse_parcels(names, numbers)


def parse_tmall_detail(data: dict) -> dict[str, str]:
    """`var detailData` of trade.tmall.com orderDetail.htm: rows under basic.lists[{key, content[{text}]}]."""
    rows = {}
    for row in (data.get("basic") or {}).get("lists") or []:
        if isinstance(row, dict):
            rows[row.get("key")] = "".join(str(c.get("text") or "") for c in row.get("content") or [] if isinstance(c, dict))
    message = rows.get("买家留言", "")
    return {"buyer_message": "" if message.strip() == "-" else message, "address": rows.get("收货地址", "")}


def masked_receiver(text: str) -> Receiver | None:
    """The detail page's masked address `张**，138****1234，浙江省 杭州市 西湖区 ****，310000` -> Receiver."""
    parts = [p.strip() for p in re.split(r"[，,]", text or "") if p.strip()]
    if len(parts) < 3:
        return None
    region = parts[2].split()
    return Receiver(name=parts[0], phone=parts[1], province=region[0] if region else "",
                    city=region[1] if len(region) > 1 else "", district=region[2] if len(region) > 2 else "",
                    address=" ".join(region[3:]))


def _namevalues(main: dict) -> dict[str, str]:
    """orderInfo.lines[].content[] namevalue pairs of the 淘宝 detail page ("创建时间:" -> text)."""
    found = {}
    for line in (main.get("orderInfo") or {}).get("lines") or []:
        for part in (line or {}).get("content") or []:
            value = (part or {}).get("value")
            if isinstance(value, dict) and value.get("name"):
                raw = value.get("value")
                if isinstance(raw, list):
                    raw = "".join(str((v or {}).get("value") or "") for v in raw if isinstance(v, dict))
                found[str(value["name"]).rstrip(":：")] = str(raw or "")
    return found


def _detail_line_total(sub: dict) -> Any:
    """Sold-list shape {realTotal}; the 2016 detail capture has the unit price as a bare string."""
    price = sub.get("priceInfo")
    if isinstance(price, dict):
        return price.get("realTotal")
    return Decimal(str(price or "0").replace("￥", "") or "0") * _int(sub.get("quantity"), 1)


def parse_taobao_detail_order(data: dict) -> RemoteOrder:
    """`var data` of trade_order_detail.htm -> RemoteOrder (times from orderInfo's name/value lines)."""
    main = data.get("mainOrder") or {}
    status, text, raw = _status(main)
    times = _namevalues(main)
    created = parse_time(times.get("创建时间"))
    if created is None:
        raise PlatformError(f"订单 {main.get('id')} 的详情页缺少创建时间")
    fee = (main.get("payInfo") or {}).get("actualFee")
    items = []
    for sub in main.get("subOrders") or []:
        item = parse_sub_order({**sub, "priceInfo": {"realTotal": _detail_line_total(sub)}}, status)
        items.append(item)
    address = parse_taobao_detail(data)
    return RemoteOrder(
        tid=str(main.get("id")), status=status, status_text=text.replace("当前订单状态：", ""), status_code=raw,
        buyer_nick=str((main.get("buyer") or {}).get("nick") or ""),
        paid_amount=yuan_to_fen(fee.get("value") if isinstance(fee, dict) else fee),
        created_at=created, paid_at=parse_time(times.get("付款时间")), ship_deadline=parse_time(times.get("发货截止时间")),
        seller_flag=_int((main.get("extra") or {}).get("sellerFlag")), buyer_message=address["buyer_message"],
        items=items, receiver=masked_receiver(address["address"]), parcels=taobao_parcels(data))


def parse_tmall_detail_order(tid: str, data: dict) -> RemoteOrder:
    """`var detailData` of the 天猫 orderDetail.htm -> RemoteOrder. Its lines carry no picture or item
    link: those stay as the sold list gave them."""
    basic = parse_tmall_detail(data)
    rows = {row.get("key"): "".join(str(c.get("text") or "") for c in row.get("content") or [] if isinstance(c, dict))
            for row in (data.get("basic") or {}).get("lists") or [] if isinstance(row, dict)}
    text = "".join(str(c.get("text") or "") for c in ((data.get("overStatus") or {}).get("status") or {}).get("content") or []
                   if isinstance(c, dict))
    current = str((data.get("stepbar") or {}).get("current") or "")
    status, _, raw = _status({"statusInfo": {"text": text}, "extra": {"tradeStatus": current}})
    created = parse_time(rows.get("创建时间"))
    if created is None:
        raise PlatformError(f"订单 {tid} 的详情页缺少创建时间")
    amount = ""
    for line in (data.get("amount") or {}).get("count") or []:
        for cell in line or []:
            for part in (cell or {}).get("content") or []:
                found = re.search(r"实收款：￥?([\d.]+)", str((part or {}).get("text") or ""))
                amount = found.group(1) if found else amount
    items = [RemoteItem(oid=str(line.get("id")), title=str(line.get("title") or ""), quantity=_int(line.get("quantity"), 1),
                        paid_amount=yuan_to_fen(line.get("realTotal")), sku_text=_sku_text(line.get("skuText")),
                        outer_id=str(line.get("outerId") or ""), status=status)
             for line in (data.get("orders") or {}).get("list") or [] if isinstance(line, dict)]
    return RemoteOrder(tid=rows.get("订单编号") or tid, status=status, status_text=text, status_code=raw, buyer_nick="",
                       paid_amount=yuan_to_fen(amount), created_at=created, paid_at=parse_time(rows.get("付款时间")),
                       ship_deadline=parse_time(rows.get("发货截止时间")), buyer_message=basic["buyer_message"],
                       items=items, receiver=masked_receiver(basic["address"]), parcels=tmall_parcels(rows.get("物流", "")))


def _receiver(data: dict) -> Receiver:
    return Receiver(name=str(data.get("name") or ""), phone=str(data.get("mobile") or data.get("phone") or ""),
                    province=str(data.get("province") or ""), city=str(data.get("city") or ""),
                    district=str(data.get("district") or ""), town=str(data.get("town") or ""),
                    address=str(data.get("address") or ""))


# -- 售后 --------------------------------------------------------------------------------------------

def china_time(value: Any) -> datetime | None:
    """Epoch ms (or a ``YYYY-MM-DD HH:MM:SS`` text) -> naive China time, as every other time we keep."""
    text = str(value or "").strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC).astimezone(CHINA).replace(tzinfo=None)
    return parse_time(text)


def china_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=CHINA).timestamp() * 1000)


def _find_key(data: Any, key: str) -> Any:
    """The first value under `key` anywhere in `data`: shops get the list at different depths."""
    if isinstance(data, dict):
        if key in data:
            return data[key]
        values = data.values()
    elif isinstance(data, list):
        values = data
    else:
        return None
    for value in values:
        found = _find_key(value, key)
        if found is not None:
            return found
    return None


def parse_dispute_row(row: dict) -> RemoteDispute:
    """One disputeGridVOList row (or the detail page's disputeDetail, the same shape); ValueError
    with the reason when a field we need is missing or unknown."""
    dispute_id = str(row.get("disputeId") or row.get("refundId") or "")
    tid = str(row.get("bizOrderId") or "")
    if not dispute_id or not tid:
        raise ValueError("缺少退款编号或订单编号")
    kind = CLAIM_KINDS.get(str(row.get("bizClaimType") or ""))
    if kind is None:
        raise ValueError(f"未知的售后类型 {row.get('bizClaimType')!r}")
    code = str(row.get("refundStatus") or "")
    created = china_time(row.get("gmtCreate"))
    if created is None:
        raise ValueError("缺少申请时间")
    body = row.get("disputeBodyVO") if isinstance(row.get("disputeBodyVO"), dict) else {}
    logistics = row.get("returnLogisticsVO") if isinstance(row.get("returnLogisticsVO"), dict) else {}
    return RemoteDispute(
        dispute_id=dispute_id, tid=tid, oid=str(row.get("subOrderId") or tid), kind=kind,
        status=DISPUTE_CODES.get(code, code), status_text=str(row.get("statusDesc") or ""),
        amount=yuan_to_fen(body.get("refundFee")) if kind != "complaint" else 0, reason=str(row.get("reason") or ""),
        created_at=created, updated_at=china_time(row.get("gmtModified")) or created,
        after_sale=row.get("refundPhase") == "aftersale", title=str(row.get("itemTitle") or ""),
        buyer_nick=str(row.get("buyerNick") or ""), return_courier=str(logistics.get("companyCode") or ""),
        return_tracking_number=str(logistics.get("mailNo") or ""), detail_url=str(row.get("detailUrl") or ""))


def parse_dispute_list(data: dict) -> DisputePage:
    """The disputelistv2 answer's data -> DisputePage; unreadable rows are skipped and named."""
    rows = _find_key(data, "disputeGridVOList")
    if not isinstance(rows, list):
        raise UnreadableAnswer("退款列表返回了无法识别的数据（没有 disputeGridVOList）")
    pager = _find_key(data, "pagination") or {}
    disputes: list[RemoteDispute] = []
    skipped: list[str] = []
    for row in rows:
        try:
            disputes.append(parse_dispute_row(row))
        except (ValueError, PlatformError) as exc:
            skipped.append(f"{row.get('disputeId') or row.get('refundId') or '?'}：{exc}")
    return DisputePage(disputes=disputes, page=_int(pager.get("current"), 1), total_pages=_int(pager.get("totalPage"), 1),
                       total=_int(pager.get("total"), len(rows)), skipped=skipped)
