"""利润统计 › 导出: the report on screen as .xlsx (exact yuan numbers Excel can sum, as 导出订单 writes them).

A period report is a few hundred rows at most; 订单报表 streams its orders through openpyxl's
write-only mode, 500 at a time, so a month of 100k orders keeps memory flat.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from openpyxl import Workbook

from dropship.models import Order, PurchaseAccount, Shop
from dropship.services.money import yuan_number
from dropship.services.orders.labels import PURCHASE_PLATFORMS, STATUS_LABELS
from dropship.services.profit import (
    Figures,
    ReportFilter,
    breakdown,
    facts_of,
    first_purchases,
    order_figures,
    order_report,
    period_rows,
)
from dropship.services.scope import Scope

FIGURE_HEADERS = ("订单数", "实收金额", "采购金额", "退款金额", "订单利润", "利润率")
ORDER_HEADERS = ("订单编号", "成交时间", "店铺名称", "订单状态", *FIGURE_HEADERS[1:], "采购平台", "采购账号")
CHUNK = 500


def margin_text(value: float | None) -> str:
    return "-" if value is None else f"{value}%"


def figure_cells(figures: Figures, base: str) -> list:
    return [figures.orders, yuan_number(figures.sales), yuan_number(figures.purchase), yuan_number(figures.refunds),
            yuan_number(figures.profit), margin_text(figures.margin(base))]


def platform_label(code: str) -> str:
    return PURCHASE_PLATFORMS.get(code, code) if code else "未采购"


def shop_names(ids: Iterable[int]) -> dict[int, str]:
    return {shop.id: shop.display_name for shop in Shop.select(Shop.id, Shop.nick, Shop.login).where(Shop.id.in_(list(ids)))}


def write_period_report(path: Path, report: ReportFilter, scope: Scope, grain: str, title: str, base: str) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(("时间", *FIGURE_HEADERS))
    for label, figures in period_rows(report, scope, grain):
        sheet.append([label, *figure_cells(figures, base)])
    parts = breakdown(report, scope)
    sheet.append(["合计", *figure_cells(parts.total, base)])
    names = shop_names(parts.by_shop)
    shops = book.create_sheet("按店铺")
    shops.append(("店铺名称", *FIGURE_HEADERS))
    for shop_id, figures in sorted(parts.by_shop.items(), key=lambda kv: -kv[1].profit):
        shops.append([names.get(shop_id, str(shop_id)), *figure_cells(figures, base)])
    platforms = book.create_sheet("按采购平台")
    platforms.append(("采购平台", *FIGURE_HEADERS))
    for code, figures in sorted(parts.by_platform.items()):
        platforms.append([platform_label(code), *figure_cells(figures, base)])
    book.save(path)


def order_rows(report: ReportFilter, scope: Scope, base: str) -> Iterator[list]:
    """订单报表's rows for the whole period (the page shows them 10 at a time)."""
    query = order_report(report, scope)
    last: tuple | None = None
    while True:
        chunk = query
        if last is not None:  # keyset: the next 500 after the last row, as cheap as the first 500
            chunk = chunk.where((Order.created_at < last[0]) | ((Order.created_at == last[0]) & (Order.id < last[1])))
        rows = list(chunk.limit(CHUNK).tuples())
        if not rows:
            return
        yield from order_lines(rows, base, STATUS_LABELS)
        last = (rows[-1][0], rows[-1][3])


def order_lines(rows: list[tuple], base: str, status_labels: dict[str, str]) -> list[list]:
    """`REPORT_COLUMNS` rows with their figures, platform and account."""
    facts = facts_of(row[3:] for row in rows)
    first = first_purchases([row[3] for row in rows])
    accounts = {a.id: a.nick or a.login for a in PurchaseAccount.select().where(
        PurchaseAccount.id.in_([p.account_id for p in first.values() if p.account_id]))}
    names = shop_names({row[2] for row in rows})
    lines = []
    for created, tid, shop_id, order_id, status, *_ in rows:
        figures = order_figures(facts[order_id])
        purchase = first.get(order_id)
        lines.append([tid, created.strftime("%Y-%m-%d %H:%M:%S"), names.get(shop_id, ""),
                      status_labels.get(status, status), *figure_cells(figures, base)[1:],
                      platform_label(facts[order_id].platform),
                      accounts.get(purchase.account_id, "") if purchase else ""])
    return lines


def write_order_report(path: Path, report: ReportFilter, scope: Scope, base: str) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单报表")
    sheet.append(ORDER_HEADERS)
    for line in order_rows(report, scope, base):
        sheet.append(line)
    book.save(path)
