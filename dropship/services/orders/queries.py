"""The order list in SQL: every tab's count, the ids of one tab sorted, the page's rows by id.

Each takes the acting user's `Scope` (through the search's conditions): an employee counts, pages
and exports only the orders of the shops granted to them.
"""
from __future__ import annotations

from dataclasses import replace

from peewee import Case, Expression, ModelSelect, fn

from dropship.models import Order, Shop
from dropship.services.by_ids import rows_by_key
from dropship.services.orders import counters, title_counts, titles
from dropship.services.orders.search import SORTS, OrderFilter
from dropship.services.orders.tabs import TAB_BY_CODE, TABS, Tab, TabContext
from dropship.services.scope import Scope

# the sorts that are the title index's own order (成交时间, then id), by whether they run newest first
TITLE_ORDER = {"newest": True, "oldest": False}


def tab_counts(search: OrderFilter, ctx: TabContext, scope: Scope) -> dict[str, int]:
    """Every tab's count under the current search.

    From the kept buckets when they can answer (`counters.answers`), the partial days at the ends
    of the 成交时间 window and the live tabs counted over the orders; otherwise one aggregate
    query over the search's orders. A 商品标题 search that narrows by nothing else counts its hits'
    rows kept in the title index's order (`title_counts`), the partial seconds at the window's ends
    over the orders.
    """
    if title_counts.answers(search):
        return _title_counts(search, ctx, scope)
    if not (counters.answers(search) and counters.available()):
        return _counted(search.conditions(scope), ctx, TABS)
    window = counters.split_window(search.created_from, search.created_to)
    counts = counters.kept_counts(search.show == "ignored", search.shop, window, scope)
    rest = replace(search, created_from=None, created_to=None).conditions(scope)
    for start, end, end_inclusive in window.partials:
        until = Order.created_at <= end if end_inclusive else Order.created_at < end
        part = _counted([*rest, Order.created_at >= start, until], ctx, (TABS[0], *counters.KEPT_TABS))
        counts = {code: counts[code] + part[code] for code in counts}
    for tab in TABS:
        if tab.live:
            counts[tab.code] = (Order.select().where(*search.conditions(scope), tab.predicate(ctx)).count())
    return {tab.code: counts[tab.code] for tab in TABS}


def _title_counts(search: OrderFilter, ctx: TabContext, scope: Scope) -> dict[str, int]:
    window = counters.split_window(search.created_from, search.created_to, counters.SECOND)
    counts = title_counts.counted(search, window, ctx, scope) if window.whole else dict.fromkeys(TAB_BY_CODE, 0)
    for start, end, end_inclusive in window.partials:  # from the UI: the end's second only
        conditions = replace(search, created_from=start, created_to=end).conditions(scope)
        part = _counted(conditions if end_inclusive else [*conditions, Order.created_at < end], ctx, TABS)
        counts = {code: counts[code] + part[code] for code in counts}
    return counts


def _counted(conditions: list[Expression], ctx: TabContext, tabs: tuple[Tab, ...]) -> dict[str, int]:
    """`tabs` (全部订单 first) counted over the orders matching `conditions`, in one aggregate query."""
    columns = [fn.COUNT(Order.id)] + [fn.SUM(Case(None, [(tab.predicate(ctx), 1)], 0)) for tab in tabs[1:]]
    row = Order.select(*columns).where(*conditions).tuples().get()
    return {tab.code: int(value or 0) for tab, value in zip(tabs, row, strict=True)}


def order_ids(search: OrderFilter, ctx: TabContext, scope: Scope) -> ModelSelect:
    """Ids of the current tab under the current search, sorted: page this with LIMIT/OFFSET.

    Paging ids alone lets SQLite answer from covering indexes and sort narrow rows; the page's
    full rows are then read by primary key (`orders_by_ids`).
    """
    tab = TAB_BY_CODE[search.tab].predicate(ctx)
    if search.title and search.sort in TITLE_ORDER:
        untitled = Order.select(Order.id).where(*replace(search, title="").conditions(scope), tab)
        listed = titles.in_title_order(untitled, search.title, search.created_from, search.created_to,
                                       TITLE_ORDER[search.sort])
        if listed is not None:
            return listed
    return Order.select(Order.id).where(*search.conditions(scope), tab).order_by(*SORTS[search.sort][1])


def orders_by_ids(ids: list[int]) -> list[Order]:
    """Orders with their shop, in the order of `ids` (ids that came from a scoped query).

    The shops are read once and attached, as a JOIN would rebuild a shop model per row.
    """
    if not ids:
        return []
    rows = {o.id: o for o in rows_by_key(Order, ids)}
    shops = {s.id: s for s in rows_by_key(Shop, {o.shop_id for o in rows.values()})}
    for order in rows.values():
        order.shop = shops[order.shop_id]
    return [rows[i] for i in ids if i in rows]
