"""利润统计: 订单报表 / 日报表 / 月报表 / 年报表 with their filters, charts and .xlsx export.

Each tab is its own route, so each carries its own permission (授权管理 grants them one by one);
`?format=xlsx` on a tab downloads what the tab shows.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, render_template, request, send_file

from dropship.errors import FieldError
from dropship.models import Shop
from dropship.services.money import margin_base
from dropship.services.orders.labels import PURCHASE_PLATFORMS, STATUS_LABELS
from dropship.services.profit import (
    GRAIN_OF,
    NOT_BOUGHT,
    REPORTS,
    ReportFilter,
    breakdown,
    order_report,
    parse_report,
    period_rows,
)
from dropship.services.shops import active_shops
from dropship.services.stats_export import (
    FIGURE_HEADERS,
    ORDER_HEADERS,
    figure_cells,
    order_lines,
    platform_label,
    shop_names,
    write_order_report,
    write_period_report,
)
from dropship.web.access import requires, user_can
from dropship.web.forms import form as show_form
from dropship.web.paging import paginate
from dropship.web.scoping import current_scope

bp = Blueprint("stats", __name__, url_prefix="/stats")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERMISSION_OF = {"orders": "stats.orders", "daily": "stats.daily", "monthly": "stats.monthly", "yearly": "stats.yearly"}


@bp.get("")
@requires("stats")
def index():
    """The first report the user may see (the menu item opens it in place)."""
    for report, code in PERMISSION_OF.items():
        if user_can(code):
            return _report(report)
    return render_template("stats/no_report.html")  # the page is granted, no report under it yet


@bp.get("/orders")
@requires("stats.orders")
def orders():
    return _report("orders")


@bp.get("/daily")
@requires("stats.daily")
def daily():
    return _report("daily")


@bp.get("/monthly")
@requires("stats.monthly")
def monthly():
    return _report("monthly")


@bp.get("/yearly")
@requires("stats.yearly")
def yearly():
    return _report("yearly")


def _report(report: str):
    scope = current_scope()
    shops = active_shops(scope).select(Shop.id, Shop.nick, Shop.login).order_by(Shop.id)
    context = {"report": report, "reports": {r: label for r, label in REPORTS.items() if user_can(PERMISSION_OF[r])},
               "shops": [(shop.id, shop.display_name) for shop in shops],
               "platforms": [*PURCHASE_PLATFORMS.items(), (NOT_BOUGHT, "未采购")],
               "values": request.args, "chosen_shops": request.args.getlist("shop"),
               "figure_headers": FIGURE_HEADERS}
    try:
        chosen = parse_report(report, request.args, request.args.getlist("shop"), scope)
    except FieldError as exc:
        return show_form("stats/index.html", error=exc, **context)
    base = margin_base()
    if request.args.get("format") == "xlsx":
        return _download(report, chosen, base)
    parts = breakdown(chosen, scope)
    names = shop_names(parts.by_shop)
    ranked = sorted(parts.by_shop.items(), key=lambda kv: -kv[1].profit)
    context.update(total=figure_cells(parts.total, base), base=base, period=chosen,
                   by_shop=[(names.get(i, str(i)), figure_cells(f, base)) for i, f in ranked],
                   by_platform=[(platform_label(code), figure_cells(f, base))
                                for code, f in sorted(parts.by_platform.items())],
                   shop_chart={"names": [names.get(i, str(i)) for i, _ in ranked],
                               "profit": [f.profit / 100 for _, f in ranked],
                               "sales": [f.sales / 100 for _, f in ranked]})
    if report == "orders":
        # the figures count the same orders (the reconciliation test holds them equal): no COUNT over a
        # month of orders for the pager
        page = paginate(order_report(chosen, scope).tuples(), total=parts.total.orders)
        context.update(page=page, order_headers=ORDER_HEADERS,
                       lines=order_lines(page.items, base, STATUS_LABELS) if page.items else [])
        rows = period_rows(chosen, scope, "day")
    else:
        rows = period_rows(chosen, scope, GRAIN_OF[report])
        context["rows"] = [(label, figure_cells(f, base)) for label, f in rows]
    context["trend"] = {"labels": [label for label, _ in rows], "sales": [f.sales / 100 for _, f in rows],
                        "purchase": [f.purchase / 100 for _, f in rows], "profit": [f.profit / 100 for _, f in rows]}
    return show_form("stats/index.html", **context)


def _download(report: str, chosen: ReportFilter, base: str):
    scope = current_scope()
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - sent, then removed
    handle.close()
    path = Path(handle.name)
    if report == "orders":
        write_order_report(path, chosen, scope, base)
    else:
        write_period_report(path, chosen, scope, GRAIN_OF[report], REPORTS[report], base)
    name = f"利润统计-{REPORTS[report]}-{chosen.start:%Y%m%d}-{chosen.end:%Y%m%d}.xlsx"
    response = send_file(path, mimetype=XLSX, as_attachment=True, download_name=name)
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response
