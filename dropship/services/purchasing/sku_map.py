"""规格对应: which supplier SKU, and how many, to buy for a shop SKU — remembered per 商家编码 + SKU.

`plan` is pure: the remembered mapping against the SKUs the supplier page lists *now*. When the
mapped SKU is gone the purchase stops with 供应商规格已变更 and asks for a new mapping, instead of
buying whatever the page offers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from dropship.errors import FieldError, UserError
from dropship.models import SkuMapping, SupplierLink
from dropship.platforms.base import SupplierSku
from dropship.services.purchasing.links import links_for, outer_id_visible
from dropship.services.scope import Scope

MAX_MULTIPLIER = 99
_WHOLE = re.compile(r"^[0-9]{1,2}$")


class SkuChanged(UserError):
    """供应商规格已变更: the mapped supplier SKU is no longer on the item's page."""


@dataclass(frozen=True)
class Plan:
    sku_id: str  # empty for an item without SKUs
    sku_text: str
    quantity: int  # supplier pieces to buy


def plan(mapping: SkuMapping | None, skus: tuple[SupplierSku, ...], shop_quantity: int) -> Plan:
    """What to buy for `shop_quantity` shop pieces; SkuChanged / UserError when it cannot be bought as mapped."""
    if mapping is None:
        if skus:
            raise UserError("请先为这个规格选择要采购的供应商规格（规格对应）")
        return Plan("", "", shop_quantity)  # an item without SKUs: one piece per piece
    current = next((s for s in skus if s.sku_id == mapping.sku_id), None)
    if current is None:
        raise SkuChanged(f"供应商规格已变更：原来对应的「{mapping.sku_text or mapping.sku_id}」已不存在，请重新选择规格对应")
    if current.stock == 0:
        raise UserError(f"供应商规格已售罄：「{current.text or current.sku_id}」")
    return Plan(current.sku_id, current.text, shop_quantity * mapping.multiplier)


def mapping_for(outer_id: str, shop_sku: str, platform: str, item_id: str) -> SkuMapping | None:
    return SkuMapping.get_or_none(SkuMapping.outer_id == outer_id, SkuMapping.shop_sku == shop_sku,
                                  SkuMapping.platform == platform, SkuMapping.item_id == item_id)


def ready_link(scope: Scope, outer_id: str, shop_sku: str) -> tuple[SupplierLink, SkuMapping] | None:
    """The newest 下单链接 of the 商家编码 that has a 规格对应 for this 商品属性: what 批量采购 and 自动采购 buy."""
    for link in links_for(scope, outer_id):
        mapping = mapping_for(outer_id, shop_sku, link.platform, link.item_id)
        if mapping is not None:
            return link, mapping
    return None


def remember_mapping(scope: Scope, outer_id: str, shop_sku: str, platform: str, item_id: str, sku: SupplierSku,
                     multiplier: str | int) -> SkuMapping:
    """Store (or replace) the mapping; FieldError for a bad multiplier, nothing stored then."""
    text = str(multiplier).strip()
    if not _WHOLE.match(text) or not 1 <= int(text) <= MAX_MULTIPLIER:
        raise FieldError("multiplier", f"数量倍数须是 1 到 {MAX_MULTIPLIER} 的整数")
    if not sku.sku_id:
        raise FieldError("sku_id", "请选择供应商规格")
    if not outer_id or not outer_id_visible(scope, outer_id):
        raise FieldError("outer_id", "该商品没有商家编码，无法记住规格对应")
    row = mapping_for(outer_id, shop_sku, platform, item_id)
    values = {"sku_id": sku.sku_id, "sku_text": sku.text[:200], "multiplier": int(text), "updated_at": datetime.now()}
    if row is None:
        return SkuMapping.create(outer_id=outer_id, shop_sku=shop_sku, platform=platform, item_id=item_id, **values)
    SkuMapping.update(values).where(SkuMapping.id == row.id).execute()
    return SkuMapping.get_by_id(row.id)


def remember_typed(scope: Scope, outer_id: str, shop_sku: str, platform: str, item_id: str, sku_id: str,
                   sku_text: str, multiplier: str | int) -> SkuMapping:
    """规格对应 as a person types it in the 采购 dialog (the supplier SKU's id and words)."""
    sku_id, sku_text = str(sku_id or "").strip(), str(sku_text or "").strip()
    if len(sku_id) > 40:
        raise FieldError("sku_id", "供应商规格编号最多 40 个字符")
    return remember_mapping(scope, outer_id, shop_sku, platform, item_id, SupplierSku(sku_id, sku_text), multiplier)
