"""Actions on ticked orders: 忽略订单 / 取消忽略, 标记, and what 同步状态 / 批量同步 work on.

Each takes the acting user's `Scope`: an id outside it is treated as not there (the web layer
answers 404 before calling; the scope here is the second lock, not the first).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import ModelSelect

from dropship.errors import FieldError
from dropship.models import Order, Shop
from dropship.services.orders.labels import DIGITS_RE, MARK_TYPES
from dropship.services.orders.tabs import TAB_BY_CODE, TabContext
from dropship.services.scope import Scope
from dropship.services.settings import int_between, register
from dropship.services.shops import session_usable

MAX_MARK_NOTE = 300  # Order.mark_note
MAX_SELECTION = 500  # orders per bulk action: one page of 100 five times over is plenty
SYNC_DAY_CHOICES: tuple[int, ...] = (1, 3, 7, 15, 30)
SYNC_TABS: tuple[str, ...] = ("all", "to_purchase", "to_ship", "shipped", "refunding", "due_soon")
SYNC_ROUTES: dict[int, str] = {
    1: "个别信息可能有误差，效率稍慢，滑块少。建议店铺数量多，订单少用户使用",
    2: "滑块多，信息完整效率高。建议店铺数量少用户使用",
}
register("orders.sync_route", "订单同步", 1, int_between(1, len(SYNC_ROUTES)))


def _selection(order_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(order_ids))
    if not ids:
        raise FieldError("ids", "请先勾选订单")
    if len(ids) > MAX_SELECTION:
        raise FieldError("ids", f"一次最多操作 {MAX_SELECTION} 个订单")
    return ids


def visible_orders(order_ids: Iterable[int], scope: Scope) -> set[int]:
    """Which of these ids exist and are the user's to see (the web answers 404 for the rest)."""
    ids = sorted(set(order_ids))
    if not ids:
        return set()
    return {i for (i,) in scope.apply(Order.select(Order.id).where(Order.id.in_(ids))).tuples()}


def set_ignored(order_ids: Iterable[int], ignored: bool, scope: Scope) -> int:
    """忽略订单 hides orders from the default list; 取消忽略 brings them back."""
    ids = _selection(order_ids)
    return (Order.update(ignored=ignored, updated_at=datetime.now())
            .where(Order.id.in_(ids), Order.ignored != ignored, *scope.conditions(Order)).execute())


def mark_orders(order_ids: Iterable[int], kind: str, note: str, scope: Scope) -> int:
    """标记: 缺货 / 找不到货源 / 亏钱 move orders into 异常订单, 正常 takes them out (and clears the reason)."""
    ids = _selection(order_ids)
    if kind not in MARK_TYPES:
        raise FieldError("kind", "请选择标记类型")
    note = note.strip()
    if len(note) > MAX_MARK_NOTE:
        raise FieldError("note", f"备注最多 {MAX_MARK_NOTE} 个字，当前 {len(note)} 个字")
    return (Order.update(abnormal=kind, mark_note=note if kind else "", updated_at=datetime.now())
            .where(Order.id.in_(ids), *scope.conditions(Order)).execute())


# -- 同步状态 / 批量同步 ---------------------------------------------------------------------------------

def syncable_shops(scope: Scope, now: datetime | None = None) -> list[Shop]:
    """批量同步 works on logged-in shops only, as the manual says (a cool-down that has ended counts:
    the sync proves the session), and on the user's own."""
    shops = scope.apply(Shop.select().where(Shop.deleted_at.is_null()).order_by(Shop.id))
    return [shop for shop in shops if session_usable(shop, now)]


@dataclass(frozen=True)
class SyncSelection:
    """批量同步's conditions: which shops, and either the ticked orders or a tab over recent days."""

    shop_ids: tuple[int, ...]
    tab: str = "all"
    days: int = 7
    order_ids: tuple[int, ...] = ()

    def query(self, ctx: TabContext, not_synced_since: datetime | None = None) -> ModelSelect:
        """Order ids to sync; `not_synced_since` skips those a resumed job already did."""
        query = Order.select(Order.id, Order.shop).where(Order.shop.in_(self.shop_ids))
        if self.order_ids:
            query = query.where(Order.id.in_(self.order_ids))
        else:
            query = query.where(TAB_BY_CODE[self.tab].predicate(ctx),
                                Order.created_at >= ctx.now - timedelta(days=self.days))
        if not_synced_since is not None:
            query = query.where(Order.synced_at.is_null() | (Order.synced_at < not_synced_since))
        return query.order_by(Order.id)


def _ints(values: Iterable[str], field_name: str, message: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(v) for v in values}))
    except ValueError:
        raise FieldError(field_name, message) from None


def parse_sync_selection(shop_ids: Iterable[str], tab: str, days: str, scope: Scope,
                         order_ids: Iterable[str] = ()) -> SyncSelection:
    """The 批量同步 dialog's choices, checked; shops must be the user's own and logged in."""
    shops = _ints(shop_ids, "shops", "店铺选择无效")
    if not shops:
        raise FieldError("shops", "请勾选要同步的店铺")
    visible = {s.id for s in scope.apply(Shop.select(Shop.id).where(Shop.id.in_(shops), Shop.deleted_at.is_null()))}
    if set(shops) - visible:
        raise FieldError("shops", "店铺不存在，请重新选择")
    ready = {s.id for s in syncable_shops(scope)}
    if set(shops) - ready:
        raise FieldError("shops", "只能同步已登录的店铺：请先到店铺管理点“授权”")
    orders = _selection(_ints(order_ids, "ids", "订单选择无效")) if order_ids else ()
    if tab not in SYNC_TABS:
        raise FieldError("tab", "请选择要同步的订单分类")
    if not DIGITS_RE.match(days) or int(days) not in SYNC_DAY_CHOICES:
        raise FieldError("days", "请选择成交时间范围")
    return SyncSelection(shops, tab, int(days), tuple(orders))


def record_sync(found: list[int], missing: list[int], now: datetime | None = None) -> None:
    """同步状态's outcome on each card: when, and whether the shop still has the order."""
    now = now or datetime.now()
    if found:
        Order.update(synced_at=now, sync_message="已同步").where(Order.id.in_(found)).execute()
    if missing:
        Order.update(synced_at=now, sync_message="店铺后台没有找到该订单").where(Order.id.in_(missing)).execute()
