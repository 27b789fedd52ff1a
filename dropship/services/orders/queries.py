"""The order list in SQL: every tab's count, the ids of one tab sorted, the page's rows by id.

Each takes the acting user's `Scope` (through the search's conditions): an employee counts, pages
and exports only the orders of the shops granted to them.
"""
from __future__ import annotations

from peewee import Case, ModelSelect, fn

from dropship.models import Order, Shop
from dropship.services.orders.search import SORTS, OrderFilter
from dropship.services.orders.tabs import TAB_BY_CODE, TABS, TabContext
from dropship.services.scope import Scope


def tab_counts(search: OrderFilter, ctx: TabContext, scope: Scope) -> dict[str, int]:
    """Every tab's count under the current search, in one aggregate query."""
    columns = [fn.COUNT(Order.id)] + [fn.SUM(Case(None, [(tab.predicate(ctx), 1)], 0)) for tab in TABS[1:]]
    row = Order.select(*columns).where(*search.conditions(scope)).tuples().get()
    return {tab.code: int(value or 0) for tab, value in zip(TABS, row, strict=True)}


def order_ids(search: OrderFilter, ctx: TabContext, scope: Scope) -> ModelSelect:
    """Ids of the current tab under the current search, sorted: page this with LIMIT/OFFSET.

    Paging ids alone lets SQLite answer from covering indexes and sort narrow rows; the page's
    full rows are then read by primary key (`orders_by_ids`).
    """
    return (Order.select(Order.id)
            .where(*search.conditions(scope), TAB_BY_CODE[search.tab].predicate(ctx))
            .order_by(*SORTS[search.sort][1]))


def orders_by_ids(ids: list[int]) -> list[Order]:
    """Orders with their shop, in the order of `ids` (ids that came from a scoped query)."""
    rows = {o.id: o for o in Order.select(Order, Shop).join(Shop).where(Order.id.in_(ids))} if ids else {}
    return [rows[i] for i in ids if i in rows]
