"""下单链接: supplier product links, normalised to one canonical link, remembered per 商家编码.

Whatever a person pastes — PC or mobile page, a share text around the link, tracking parameters —
reduces to (采购平台, 商品编号, canonical link), so one supplier item is remembered once and the
purchase task opens one known URL. Real hosts only: drivers map them to the sandbox (origins).
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qs, urlsplit

from dropship.errors import FieldError
from dropship.models import Order, OrderItem, SupplierLink, User
from dropship.services.scope import Scope

CANONICAL: dict[str, str] = {
    "taobao": "https://item.taobao.com/item.htm?id={}",
    "taote": "https://item.taobao.com/item.htm?id={}",  # 淘特 sells 淘宝 items; the 淘特 account buys them
    "tmall": "https://detail.tmall.com/item.htm?id={}",
    "alibaba1688": "https://detail.1688.com/offer/{}.html",
    "pdd": "https://mobile.yangkeduo.com/goods.html?goods_id={}",
}
# host suffix → platform; the longest suffix wins (detail.tmall.com before taobao.com)
HOSTS: dict[str, str] = {
    "taobao.com": "taobao", "tmall.com": "tmall", "tmall.hk": "tmall", "ltao.com": "taote",
    "1688.com": "alibaba1688", "yangkeduo.com": "pdd", "pinduoduo.com": "pdd",
}
# share links that only a browser can expand (a redirect we must not follow from here)
SHORT_HOSTS = ("m.tb.cn", "e.tb.cn", "tb.cn", "s.click.taobao.com", "qr.1688.com", "p.pinduoduo.com",
               "p.yangkeduo.com")
_URL_IN_TEXT = re.compile(r"(?:https?:)?//[^\s，。、\"'<>【】]+|(?:[A-Za-z0-9-]+\.)+(?:com|hk|cn)/[^\s，。、\"'<>【】]*")
_ITEM_ID = re.compile(r"^[0-9]{5,20}$")
_ID_PARAMS = {"taobao": ("id", "itemId", "item_id"), "taote": ("id", "itemId", "item_id"),
              "tmall": ("id", "itemId", "item_id"), "alibaba1688": ("offerId", "offerid", "id"),
              "pdd": ("goods_id", "goodsId")}
_ID_PATHS = {"taobao": (r"/i(\d+)\.htm", r"/item/(\d+)\.htm"), "taote": (r"/i(\d+)\.htm",),
             "tmall": (r"/i(\d+)\.htm",), "alibaba1688": (r"/offer/(\d+)\.html",), "pdd": ()}
MAX_NOTE = 100

BAD_HOST = "只支持淘宝、天猫、淘特、1688、拼多多的商品链接"
SHORT_LINK = "这是分享短链接：请在浏览器中打开它，再复制地址栏里的完整商品链接"
NO_ID = "链接里没有商品编号，请复制商品详情页的链接"


def _platform_of(host: str) -> str | None:
    for suffix in sorted(HOSTS, key=len, reverse=True):
        if host == suffix or host.endswith("." + suffix):
            return HOSTS[suffix]
    return None


def _item_id(platform: str, path: str, query: dict[str, list[str]]) -> str | None:
    for name in _ID_PARAMS[platform]:
        for value in query.get(name, []):
            if _ITEM_ID.match(value.strip()):
                return value.strip()
    for pattern in _ID_PATHS[platform]:
        found = re.search(pattern, path)
        if found and _ITEM_ID.match(found.group(1)):
            return found.group(1)
    return None


def normalise_link(text: str, field: str = "url") -> tuple[str, str, str]:
    """(platform, item_id, canonical_url) of a pasted product link; FieldError(`field`) otherwise."""
    cleaned = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not cleaned:
        raise FieldError(field, "请粘贴商品链接")
    found = _URL_IN_TEXT.search(cleaned)
    if not found:
        raise FieldError(field, BAD_HOST)
    url = found.group(0)
    if url.startswith("//"):
        url = "https:" + url
    elif not re.match(r"^https?://", url, re.IGNORECASE):
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if host in SHORT_HOSTS:
        raise FieldError(field, SHORT_LINK)
    platform = _platform_of(host)
    if platform is None:
        raise FieldError(field, BAD_HOST)
    item_id = _item_id(platform, parts.path, parse_qs(parts.query))
    if item_id is None:
        raise FieldError(field, NO_ID)
    return platform, item_id, CANONICAL[platform].format(item_id)


# -- remembered per 商家编码 -----------------------------------------------------------------------------

def outer_id_visible(scope: Scope, outer_id: str) -> bool:
    """An employee may see the links of a 商家编码 sold in a shop granted to them."""
    if scope.unlimited:
        return True
    return (OrderItem.select().join(Order)
            .where(OrderItem.outer_id == outer_id, *scope.conditions(Order)).exists())


def links_for(scope: Scope, outer_id: str) -> list[SupplierLink]:
    """The links remembered for `outer_id`, newest first (the 采购 dialog's list)."""
    if not outer_id or not outer_id_visible(scope, outer_id):
        return []
    return list(SupplierLink.select().where(SupplierLink.outer_id == outer_id)
                .order_by(SupplierLink.created_at.desc(), SupplierLink.id.desc()))


def remember_link(scope: Scope, outer_id: str, text: str, note: str = "", user: User | None = None) -> SupplierLink:
    """新增 / paste: store the canonical link for `outer_id` (the same item twice is one link)."""
    outer_id = str(outer_id or "").strip()
    if not outer_id or not outer_id_visible(scope, outer_id):
        raise FieldError("outer_id", "该商品没有商家编码，无法记住下单链接")
    platform, item_id, url = normalise_link(text)
    note = str(note or "").strip()
    if len(note) > MAX_NOTE:
        raise FieldError("note", f"自定义备注最多 {MAX_NOTE} 个字")
    link, created = SupplierLink.get_or_create(outer_id=outer_id, platform=platform, item_id=item_id,
                                               defaults={"url": url, "note": note, "created_by": user})
    if not created and note and note != link.note:
        link.note = note
        link.save()
    return link


def delete_link(scope: Scope, link_id: int) -> bool:
    """⊗ in the dialog; False when the link is gone or not the user's to see."""
    link = SupplierLink.get_or_none(SupplierLink.id == link_id)
    if link is None or not outer_id_visible(scope, link.outer_id):
        return False
    return link.delete_instance() == 1
