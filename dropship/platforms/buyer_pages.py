"""Helpers any buyer driver can use on a supplier's own pages (淘宝 / 天猫 now; 1688 / 拼多多 alike).

Everything stays inside the site's pages: JSON is fetched by the page itself (its cookies, its
Referer), bodies are decoded by the charset they declare (GBK on legacy 淘宝 endpoints), and
amounts are parsed exactly (yuan strings → integer fen).
"""
from __future__ import annotations

import json
import re
from typing import Any

from dropship.platforms.base import NeedsVerification, PlatformError, Receiver, RiskBlocked
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
