"""Helpers any buyer driver can use on a supplier's own pages (淘宝 / 天猫, 1688, 拼多多).

Everything stays inside the site's pages: JSON is fetched by the page itself (its cookies, its
Referer), mtop is called through the page's own ``lib.mtop`` where the page has one, bodies are
decoded by the charset they declare (GBK on legacy 淘宝 endpoints), and amounts are parsed exactly
(yuan strings → integer fen). The 1688 and 拼多多 checkouts share the receiver form and the SKU
chooser; every driver's steps end with a trusted click that lands on the next page.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from typing import Any

from dropship.platforms.base import (
    LoginRequired,
    NeedsVerification,
    PlatformError,
    Receiver,
    RiskBlocked,
    SupplierRefund,
)
from dropship.platforms.taobao_seller import classify

# fetch() in the page with nothing a page's own script would not send (no X-Requested-With: a
# cross-origin gateway such as mtop allows only Content-Type, so a custom header fails its CORS
# preflight); never throws; the body decoded by the declared charset, or by `forced`.
FETCH_JS = """async ([url, method, body, forced]) => {
    const init = {method, credentials: 'include'};
    if (body !== null) {
        init.body = new URLSearchParams(body);
        init.headers = {'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8'};
    }
    let r;
    try { r = await fetch(url, init); } catch (e) { return {error: String(e)}; }
    const bytes = await r.arrayBuffer();
    const declared = /charset=["']?([\\w-]+)/i.exec(r.headers.get('content-type') || '');
    let text;
    try { text = new TextDecoder(forced || (declared ? declared[1] : 'utf-8')).decode(bytes); }
    catch (e) { text = new TextDecoder('utf-8').decode(bytes); }
    return {status: r.status, url: r.url, text};
}"""
RISK_TEXT = "平台风控限制，已暂停该采购账号"
# Signs of risk control that the seller classifier does not read: the baxia refusal page
# (RGV587_ERROR as plain text), mtop's user validation, and the "system busy" wording.
_RISK_BODY = ("RGV587_ERROR", "RGV587", "系统繁忙")
_VERIFY_BODY = ("FAIL_SYS_USER_VALIDATE", "psnl_verification")


def check_answer(url: str, status: int, body: str) -> None:
    """Raise what a non-data answer means (login, punish, slider, risk texts); return otherwise."""
    classify(url, status, body)
    if any(sign in body for sign in _VERIFY_BODY) or "psnl_verification" in url:
        raise NeedsVerification("slider", "平台要求人工验证", url=url)
    if any(sign in body for sign in _RISK_BODY):
        raise RiskBlocked(RISK_TEXT)


def page_fetch(page, url: str, method: str = "GET", form: dict[str, Any] | None = None,
               charset: str = "") -> dict[str, Any]:
    """fetch() inside `page` (its cookies and Referer); {status, url, text}; classified.

    `charset` forces a decoding (e.g. "gbk" for an endpoint that declares none); otherwise the
    declared charset decides, never an assumed UTF-8.
    """
    result = page.evaluate(FETCH_JS, [url, method, None if form is None else {k: str(v) for k, v in form.items()},
                                      charset])
    if result.get("error"):
        raise PlatformError(f"网络错误：{result['error']}")
    check_answer(result["url"], result["status"], result["text"])
    return result


def loads(text: str) -> Any:
    """JSON with big integers kept as strings (ids beyond 2^53 are bare numbers on these sites)."""
    try:
        return json.loads(text, parse_int=str)
    except ValueError:
        raise PlatformError("平台返回了无法识别的数据（不是 JSON）") from None


_PLACE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
# A street-level division (the 4th level of a region), as the address pickers name them
_TOWN = re.compile(r"(街道|镇|乡|苏木|地区|办事处|街)$")


def place_key(name: str) -> str:
    """浙江省 / 浙江 → 浙江; 北京市 / 北京 → 北京 (how region pickers and saved addresses differ)."""
    return _PLACE_SUFFIX.sub("", (name or "").strip())


def phone_key(phone: str) -> str:
    """188 1234 1111转123 / 18812341111-123 → 18812341111-123 (the form privacy numbers take)."""
    text = re.sub(r"[\s()（）]", "", phone or "")
    found = re.fullmatch(r"(\d+)(?:[-转#,，]+(\d+))?", text)
    if found is None:
        return text
    return f"{found.group(1)}-{found.group(2)}" if found.group(2) else found.group(1)


def same_receiver(a: Receiver, b: Receiver) -> bool:
    """The same person at the same place, as the pages may word it (省/市 suffixes, 市辖区, spaces)."""
    def city(r: Receiver) -> str:
        key = place_key(r.city)
        return place_key(r.province) if key in ("市辖区", "县", "") else key

    return (a.name.strip() == b.name.strip() and phone_key(a.phone) == phone_key(b.phone)
            and place_key(a.province) == place_key(b.province) and city(a) == city(b)
            and a.district.strip() == b.district.strip() and (a.town or "").strip() == (b.town or "").strip()
            and re.sub(r"\s", "", a.address) == re.sub(r"\s", "", b.address))


def split_region(text: str) -> Receiver:
    """"浙江省 杭州市 西湖区 文化路街道 文一西路100号" → Receiver(province…address); the street is
    present only when the 4th word is one (暂不选择 leaves none)."""
    words = (text or "").split()
    if len(words) < 4:
        return Receiver(address=" ".join(words))
    province, city, district, *rest = words
    town = rest.pop(0) if len(rest) > 1 and _TOWN.search(rest[0]) else ""
    return Receiver(province=province, city=city, district=district, town=town, address=" ".join(rest))


# -- mtop through the page ----------------------------------------------------------------------------

MTOP_APP_KEY = "12574478"  # the PC pages' mtop appKey (淘宝 and 1688 alike)
# The page's own mtop client, when it has one: its answer (or its rejection, which carries `ret`) as
# JSON text; null when the page has no lib.mtop.
LIB_MTOP_JS = """([api, data]) => {
    const mtop = window.lib && window.lib.mtop;
    if (!mtop || typeof mtop.request !== 'function') return null;
    return mtop.request({api, v: '1.0', data: JSON.parse(data), type: 'POST', dataType: 'json', ecode: 0})
        .then(r => JSON.stringify(r), e => JSON.stringify(e && e.ret ? e : {ret: [String(e)]}));
}"""


def mtop_data(answer: dict, expired: str = "采购账号登录已失效，请点“重新授权”") -> dict:
    """The `data` of an mtop answer, or the exception its `ret` means."""
    ret = str((answer.get("ret") or [""])[0])
    data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
    if ret.startswith("SUCCESS"):
        return data
    if ret.startswith("RGV587") or "系统繁忙" in ret or "被挤爆" in ret:
        raise RiskBlocked("平台风控限制（访问过于频繁），已暂停该采购账号")
    if ret.startswith("FAIL_SYS_USER_VALIDATE"):
        raise NeedsVerification("slider", "平台要求人工验证", url=str(data.get("url") or ""))
    if ret.startswith(("FAIL_SYS_SESSION_EXPIRED", "FAIL_SYS_LOGIN")):
        raise LoginRequired(expired)
    raise PlatformError(f"平台返回错误：{ret or '无返回码'}")


def call_mtop(page, gateway: str, api: str, data: dict[str, Any], token: Callable[[], str], expired: str) -> dict:
    """Call an mtop API from `page`: through the page's own ``lib.mtop`` where it has one (the
    real site's pages load it; it signs and refreshes its token itself), else the way lib-mtop
    does it from the page (`token()` reads the ``_m_h5_tk`` cookie, sign = md5(token&t&appKey&data),
    fetched by the page with its cookies and Referer); an empty or expired token comes back with a
    fresh cookie: call once more. `gateway` is the h5api origin; `expired` the LoginRequired text."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    own = page.evaluate(LIB_MTOP_JS, [api, text])
    if own is not None:
        return mtop_data(loads(own), expired)
    answer: dict = {}
    for _ in range(2):
        t = str(int(time.time() * 1000))
        sign = hashlib.md5(f"{token().split('_')[0]}&{t}&{MTOP_APP_KEY}&{text}".encode()).hexdigest()
        url = (f"{gateway}/h5/{api}/1.0/?jsv=2.7.2&appKey={MTOP_APP_KEY}&t={t}&sign={sign}"
               f"&api={api}&v=1.0&type=originaljson&dataType=json")
        answer = loads(page_fetch(page, url, "POST", {"data": text})["text"])
        if not str((answer.get("ret") or [""])[0]).startswith("FAIL_SYS_TOKEN_"):
            break
    return mtop_data(answer, expired)


# -- the checkout pages of 1688 and 拼多多 ---------------------------------------------------------------

# The receiver inputs of the checkout pages (their ids) and the Receiver field each one holds.
RECEIVER_INPUTS = (("fullName", "name"), ("mobile", "phone"), ("province", "province"), ("city", "city"),
                   ("district", "district"), ("town", "town"), ("addressDetail", "address"))
SKU_CHANGED = "供应商规格已变更：页面上已没有规格 {sku_id}，请重新选择规格对应"
SOLD_OUT = "供应商规格已售罄：{text}"


def choose_sku(page, panel: str, sku_id: str, quantity_input: str, quantity: int) -> dict:
    """Click the SKU's values in the product page's chooser and type the quantity; the panel's
    own ``data-skus`` (embedded data) says which values make the SKU. Refuses a SKU the page no
    longer lists (供应商规格已变更) or one that is sold out, before anything is clicked."""
    skus = json.loads(page.locator(panel).get_attribute("data-skus") or "[]")
    sku = next((s for s in skus if str(s.get("skuId")) == sku_id), None)
    if sku is None:
        raise PlatformError(SKU_CHANGED.format(sku_id=sku_id))
    if not sku.get("stock"):
        raise PlatformError(SOLD_OUT.format(text=sku_id))
    for value in str(sku["path"]).split(";"):
        page.click(f'{panel} [data-pv="{value}"]')
    chosen = page.locator(f"{panel} .sku-id").input_value()
    if chosen != sku_id:
        raise PlatformError(f"规格选择失败：页面选中的是 {chosen or '无'}，要买的是 {sku_id}")
    page.fill(quantity_input, str(quantity))
    return sku


def cheapest_options(page, boxes: str, total: Callable[[], int]) -> None:
    """Each shown, enabled checkbox at `boxes` (coupons, upsells) left in whichever state makes the
    page's `total()` lower: a coupon is taken, an option that raises the price (省钱月卡 and the
    like, however the page ticked it) is dropped; where both cost the same the page's choice stays."""
    found = page.locator(boxes)
    for index in range(found.count()):
        box = found.nth(index)
        if not (box.is_visible() and box.is_enabled()):
            continue
        before = total()
        box.set_checked(not box.is_checked())  # a trusted click; the page recomputes its total on change
        if total() >= before:
            box.set_checked(not box.is_checked())


def fill_receiver(page, receiver: Receiver) -> None:
    for input_id, name in RECEIVER_INPUTS:
        page.fill(f"#{input_id}", getattr(receiver, name))


def read_receiver(page) -> Receiver:
    """The receiver the checkout form holds now (read back, not what we typed)."""
    return Receiver(**{name: page.locator(f"#{input_id}").input_value().strip() for input_id, name in RECEIVER_INPUTS})


def text_of(page, selector: str) -> str:
    found = page.locator(selector)
    return found.first.inner_text().strip() if found.count() else ""


def embedded(page, expression: str, failure: str) -> Any:
    """The data the page embeds (`expression` reads it, e.g. ``window.rawData``); PlatformError(`failure`)
    when the page has none."""
    data = page.evaluate(f"() => {expression}")
    if not data:
        raise PlatformError(failure)
    return data


def click_through(page, selector: str, check: Callable[[Any], None], landed: Callable[[], bool],
                  error: str, failure: str | Callable[[], str], timeout: float | None = None) -> None:
    """One trusted click on `selector` that leads to another page: wait for it (`timeout` ms, else
    Playwright's default), `check` it (login, risk), and unless `landed()` raise the page's own
    message at the `error` selector (if any), else `failure` (a callable is asked after the click)."""
    with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout):
        page.click(selector, timeout=timeout)
    check(page)
    if not landed():
        raise PlatformError((text_of(page, error) if error else "") or (failure() if callable(failure) else failure))


def cancel_order(page, sel: dict[str, str], check: Callable[[Any], None], cancelled: Callable[[], bool],
                 label: str, throttle: Callable[[], object]) -> None:
    """取消订单 on an order's detail page (`sel`: its cancel button, status and message selectors):
    refused, naming the page's status, where the page offers no button; `label` names the site."""
    if not page.locator(sel["cancel"]).count():
        raise PlatformError(f"{label}订单当前状态（{text_of(page, sel['status'])}）不能取消")
    throttle()
    click_through(page, sel["cancel"], check, cancelled, sel["message"], f"{label}取消订单没有成功")


# -- refunds at the supplier (申请退款 / 填写退货单号) ------------------------------------------------------

REFUND_KINDS = {"refund_only": "仅退款", "return_refund": "退货退款"}
OPEN_REFUND = ("pending", "refused", "wait_buyer_return", "wait_seller_receive")


def fen_text(amount: int) -> str:
    """1230 -> '12.30' (what a 退款金额 box takes)."""
    return f"{amount // 100}.{amount % 100:02d}"


def open_refund(refunds: list[SupplierRefund], kind: str) -> SupplierRefund | None:
    return next((r for r in refunds if r.kind == kind and r.status in OPEN_REFUND), None)


def apply_once(order_id: str, kind: str, refunds: Callable[[], list[SupplierRefund]],
               submit: Callable[[], None]) -> SupplierRefund:
    """申请退款 that never doubles: an open application of `kind` is returned as it is; otherwise
    `submit()` and read the new one back from the site's list."""
    if kind not in REFUND_KINDS:
        raise PlatformError(f"未知的退款类型：{kind}")
    found = open_refund(refunds(), kind)
    if found is not None:
        return found
    submit()
    found = open_refund(refunds(), kind)
    if found is None:
        raise PlatformError(f"{REFUND_KINDS[kind]}申请已提交，但在退款列表里没有找到（采购单 {order_id}）")
    return found


def awaiting_return(order_id: str, refunds: list[SupplierRefund]) -> SupplierRefund:
    """The 退货退款 of `order_id` the supplier agreed to and that waits for our parcel's number."""
    found = next((r for r in refunds if r.kind == "return_refund" and r.status == "wait_buyer_return"), None)
    if found is None:
        now = "、".join(f"{REFUND_KINDS.get(r.kind, r.kind)}{r.status_text or r.status}" for r in refunds) or "没有退款"
        raise PlatformError(f"采购单 {order_id} 没有等待填写退货单号的退货退款（当前：{now}）")
    return found


def choose_option(select, label: str, what: str) -> None:
    """Pick the option worded `label` in a <select>; PlatformError naming the ones offered otherwise."""
    offered = [text.strip() for text in select.locator("option").all_inner_texts()]
    if label not in offered:
        raise PlatformError(f"{what}里没有“{label}”（可选：{'、'.join(offered)}）")
    select.select_option(label=label)


def refund_on_detail(page, kind: str, reason: str, amount: int, check: Callable[[Any], None],
                     throttle: Callable[[], object]) -> None:
    """The 申请退款 form of an order detail page (1688 and 拼多多): type, reason (the first offered when
    empty), the amount (whole sub-order when 0), then one click that must say 退款申请已提交."""
    form = page.locator("#refund-form")
    if not form.count():
        raise PlatformError(f"该订单当前状态（{text_of(page, '#order-status')}）不能申请退款")
    kinds = form.locator("select[name=refundType]")
    if not kinds.locator(f"option[value='{kind}']").count():
        raise PlatformError(f"该订单当前不能申请{REFUND_KINDS[kind]}（{text_of(page, '#order-status')}）")
    kinds.select_option(kind)
    reasons = form.locator("select[name=reason]")
    choose_option(reasons, reason or reasons.locator("option").first.inner_text().strip(), "退款原因")
    form.locator("input[name=refundFee]").fill(fen_text(amount) if amount else "")
    throttle()
    click_through(page, "#apply-refund", check, lambda: "退款申请已提交" in text_of(page, "#action-message"),
                  "#action-message", "退款申请没有提交成功")


def fill_return_form(form, courier_code: str, tracking_number: str, site: str) -> None:
    """The 填写退货单号 fields every site shares: the courier from the site's own list, then the number."""
    couriers = form.locator("select[name=companyCode]")
    if not couriers.locator(f"option[value='{courier_code}']").count():
        raise PlatformError(f"退货物流公司不在{site}的列表里：{courier_code}")
    couriers.select_option(courier_code)
    form.locator("input[name=mailNo]").fill(tracking_number)


def return_on_detail(page, refund_id: str, courier_code: str, tracking_number: str, check: Callable[[Any], None],
                     throttle: Callable[[], object]) -> None:
    """The 填写退货单号 form of an order detail page (1688 and 拼多多) for `refund_id`."""
    form = page.locator(f".return-form[data-dispute-id='{refund_id}']")
    if not form.count():
        raise PlatformError(f"退款 {refund_id} 当前不能填写退货单号")
    fill_return_form(form, courier_code, tracking_number, "平台")
    throttle()
    with page.expect_navigation(wait_until="domcontentloaded"):
        form.locator("button").click()
    check(page)
    message = text_of(page, "#action-message")
    if "退货单号已提交" not in message:
        raise PlatformError(message or "退货单号没有提交成功")


# -- 辅助下单: the order info panel on the supplier's page -------------------------------------------

# A small fixed panel (请核对订单信息) with a 复制 button per value, in its own shadow root hung on <html>:
# outside every form of the site (nothing of it is ever submitted) and out of reach of the site's
# CSS. Each init script stores its panel and the last one stored is shown, so a later purchase on
# the same page replaces an earlier one. It moves to the first corner where it covers none of the
# `avoid` elements (the site's buy / submit / pay buttons), checked again as the page scrolls or
# changes. Styles are set through the CSSOM: a site's CSP may forbid inline <style>.
PANEL_JS = """([panel, avoid]) => {
    if (window.top !== window) return;
    window.__dsOrderPanel = panel;
    const CORNERS = [['left', 'bottom'], ['left', 'top'], ['right', 'top'], ['right', 'bottom']];
    const css = (el, text) => { el.style.cssText = text; return el; };
    const make = (tag, text, style) => { const el = css(document.createElement(tag), style || ''); if (text) el.textContent = text; return el; };
    function overlaps(a, b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; }
    function place(host) {
        const covered = avoid.flatMap(sel => Array.from(document.querySelectorAll(sel)))
            .map(el => el.getBoundingClientRect()).filter(r => r.width && r.height);
        for (const [x, y] of CORNERS) {
            host.style.left = host.style.right = host.style.top = host.style.bottom = '';
            host.style[x] = '8px'; host.style[y] = '8px';
            const box = host.getBoundingClientRect();
            if (!covered.some(r => overlaps(box, r))) return;
        }
    }
    function copy(value, button) {
        const done = () => { button.textContent = '已复制'; setTimeout(() => { button.textContent = '复制'; }, 1500); };
        const fallback = () => {
            const area = make('textarea', '', 'position:fixed;left:-9999px;top:0');
            area.value = value; document.documentElement.appendChild(area); area.select();
            try { document.execCommand('copy'); done(); } finally { area.remove(); }
        };
        if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(value).then(done, fallback);
        else fallback();
    }
    function build() {
        const data = window.__dsOrderPanel;
        const old = document.getElementById('ds-order-panel');
        if (old) old.remove();
        const host = make('div', '', 'position:fixed;z-index:2147483647;');
        host.id = 'ds-order-panel';
        const root = host.attachShadow({mode: 'open'});
        const box = make('section', '', 'font:12px/1.6 sans-serif;color:#333;background:#fffbe6;border:1px solid #e6a23c;'
            + 'border-radius:4px;padding:6px 8px;width:280px;max-height:45vh;overflow:auto;box-shadow:0 2px 8px rgba(0,0,0,.25)');
        box.setAttribute('aria-label', data.heading);
        box.setAttribute('role', 'complementary');
        box.dataset.dsPanel = '';
        const head = make('div', '', 'display:flex;justify-content:space-between;font-weight:bold;margin-bottom:4px');
        head.append(make('span', data.heading));
        const toggle = make('button', '收起', 'font-size:12px');
        toggle.type = 'button';
        const body = make('div');
        toggle.addEventListener('click', () => {
            body.hidden = !body.hidden; toggle.textContent = body.hidden ? '展开' : '收起'; place(host);
        });
        head.append(toggle);
        if (data.note) body.append(make('div', data.note, 'color:#c0392b;margin-bottom:4px'));
        for (const [label, value] of data.rows) {
            const row = make('div', '', 'display:flex;gap:4px;align-items:baseline;margin:2px 0');
            row.dataset.label = label;
            row.append(make('span', label + '：', 'flex:none;color:#888'), make('span', value, 'flex:1;word-break:break-all'));
            const button = make('button', '复制', 'flex:none;font-size:12px');
            button.type = 'button';
            button.setAttribute('aria-label', '复制' + label);
            button.addEventListener('click', () => copy(value, button));
            row.append(button);
            body.append(row);
        }
        box.append(head, body);
        root.append(box);
        document.documentElement.appendChild(host);
        place(host);
        const again = () => place(host);
        window.addEventListener('scroll', again, {passive: true});
        window.addEventListener('resize', again);
        new MutationObserver(again).observe(document.body, {childList: true, subtree: true, attributes: true});
    }
    if (document.body) build(); else document.addEventListener('DOMContentLoaded', build);
}"""


def show_order_panel(page, panel: dict[str, Any], avoid: tuple[str, ...] = ()) -> None:
    """辅助下单: show `panel` (``{"heading", "rows": [[label, value], …], "note"}``) on `page` now and on
    every page it loads from here on, in a corner clear of the `avoid` selectors."""
    arguments = json.dumps([panel, list(avoid)], ensure_ascii=False)
    page.add_init_script(f"({PANEL_JS})({arguments});")
    page.evaluate(PANEL_JS, [panel, list(avoid)])
