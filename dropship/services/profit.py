"""利润统计: what each figure means (pure functions, one per rule) and the report queries over them.

Counting rules (the page's help text says the same to people):

- An order counts on its 成交时间's day once the buyer has paid: 等待买家付款 never counts, and a
  交易关闭 order counts only if it had been paid (closed after a refund) — closed unpaid, it sold nothing.
  忽略订单 count too: ignoring hides an order from the list, the money still moved.
- 实收金额 is what the buyer paid. 退款金额 is the whole 实收金额 once every sub-order is refunded
  (退款成功), else the refunded sub-orders' amounts; refunds still open (退款中) are not refunded yet.
- 采购金额 counts active purchases only: a purchase 已取消 / 已拒绝 / 已退款 by the supplier left the
  order, its money came back or was never spent (the order card's 采购金额 says the same).
- 订单利润 is counted for bought orders only, as the order cards show 0 until something is bought:
  (实收金额 − 退款金额) − 采购金额. A refunded order still holding an active purchase is a loss of its
  采购金额; refunded and never bought, it is 0.
- 利润率 follows 设置 › 利润率计算 (`services.money.margin`): ÷ 采购金额, or ÷ (实收 − 退款) of the bought orders.
- 采购平台 of an order is the platform of its first active purchase; orders not bought yet are 「未采购」.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from peewee import Expression, ModelSelect, fn

from dropship.errors import FieldError
from dropship.models import DailyFigure, MonthlyFigure, Order, OrderItem, Purchase, Shop
from dropship.services import money
from dropship.services.purchasing.labels import PURCHASE_PLATFORMS
from dropship.services.scope import Scope

NOT_BOUGHT = "none"  # the 采购平台 filter's 「未采购」 (stored as '' in DailyFigure.platform)
SHIPPED_STATUSES = ("shipped", "finished")


@dataclass(frozen=True)
class OrderFacts:
    """What the figures of one order are computed from (read by `facts_of`)."""

    status: str
    paid_at: datetime | None
    paid: int
    refund_state: str
    refunded_lines: int  # 实收金额 of the sub-orders 退款成功
    purchase: int  # Order.purchase_amount: the active purchases
    platform: str  # the first active purchase's platform; '' when nothing is bought


@dataclass(frozen=True)
class Figures:
    """Summable figures of a set of orders (one order, a day, a shop, a period)."""

    orders: int = 0
    sales: int = 0
    refunds: int = 0
    purchase: int = 0
    purchased_orders: int = 0
    purchased_net: int = 0
    shipped_orders: int = 0
    finished_orders: int = 0

    def __add__(self, other: Figures) -> Figures:
        # FIGURE_FIELDS, not dataclasses.fields(): reports add thousands of these per request
        return Figures(*(getattr(self, name) + getattr(other, name) for name in FIGURE_FIELDS))

    @property
    def profit(self) -> int:
        """订单利润 of the bought orders, fen."""
        return money.profit(self.purchased_net, self.purchase)

    def margin(self, base: str) -> float | None:
        """利润率 in percent under 设置 › 利润率计算 (None when there is nothing to divide by)."""
        return money.margin(self.purchased_net, self.purchase, base)


FIGURE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Figures))


def counted(status: str, paid_at: datetime | None) -> bool:
    """Whether an order counts at all: paid (a closed order only if it was paid before closing)."""
    return status != "unpaid" and not (status == "closed" and paid_at is None)


def counted_condition() -> Expression:
    """`counted` in SQL, for the per-order report's list."""
    return (Order.status != "unpaid") & ~((Order.status == "closed") & Order.paid_at.is_null())


def refund_of(paid: int, refund_state: str, refunded_lines: int) -> int:
    """退款金额: all of 实收金额 once fully refunded, else the refunded sub-orders (never more than paid)."""
    return paid if refund_state == "refunded" else min(refunded_lines, paid)


def order_figures(facts: OrderFacts) -> Figures:
    """The figures one order adds to its day (zero when it does not count)."""
    if not counted(facts.status, facts.paid_at):
        return Figures()
    refund = refund_of(facts.paid, facts.refund_state, facts.refunded_lines)
    bought = facts.platform != ""
    return Figures(orders=1, sales=facts.paid, refunds=refund, purchase=facts.purchase,
                   purchased_orders=int(bought), purchased_net=facts.paid - refund if bought else 0,
                   shipped_orders=int(facts.status in SHIPPED_STATUSES),
                   finished_orders=int(facts.status == "finished"))


# -- reading facts ------------------------------------------------------------------------------

ORDER_COLUMNS = (Order.id, Order.status, Order.paid_at, Order.paid_amount, Order.refund_state, Order.purchase_amount)
# 订单报表's rows: what a line shows before its facts (facts_of reads row[3:])
REPORT_COLUMNS = (Order.created_at, Order.tid, Order.shop, *ORDER_COLUMNS)


def _among(column, ids: list[int]) -> list[Expression]:
    """`column` in `ids`, as conditions of one query each: a single range when the ids are nearly
    contiguous (a rebuild's chunk: rows of other orders are ignored by the caller), else lists of 500
    (SQLite's bound-parameter limit)."""
    if ids and max(ids) - min(ids) < 2 * len(ids):
        return [column.between(min(ids), max(ids))]
    return [column.in_(ids[start:start + 500]) for start in range(0, len(ids), 500)]


def first_purchases(order_ids: list[int]) -> dict[int, Purchase]:
    """Each order's first active purchase (its 采购平台 and 采购账号)."""
    first: dict[int, Purchase] = {}
    for among in _among(Purchase.order, order_ids):
        for purchase in (Purchase.select(Purchase.id, Purchase.order, Purchase.platform, Purchase.account)
                         .where(among, Purchase.active == True)  # noqa: E712
                         .order_by(Purchase.id)):
            first.setdefault(purchase.order_id, purchase)
    return first


def facts_of(rows: Iterable[tuple]) -> dict[int, OrderFacts]:
    """Facts of orders read as `ORDER_COLUMNS` tuples: two more queries per 500 orders (or per range)."""
    rows = list(rows)
    ids = [row[0] for row in rows]
    refunded: dict[int, int] = {}
    for among in _among(OrderItem.order, ids):
        refunded.update(OrderItem.select(OrderItem.order, fn.SUM(OrderItem.paid_amount))
                        .where(among, OrderItem.refund_status == "refunded")
                        .group_by(OrderItem.order).tuples())
    first = first_purchases(ids)
    return {order_id: OrderFacts(status, paid_at, paid, refund_state, int(refunded.get(order_id) or 0), purchase,
                                 first[order_id].platform if order_id in first else "")
            for order_id, status, paid_at, paid, refund_state, purchase in rows}


# -- the reports ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportFilter:
    """A report's period (days, both ends included), chosen shops (empty: every granted one) and 采购平台."""

    start: date
    end: date
    shops: tuple[int, ...] = ()
    platform: str = ""  # '' every platform | a PURCHASE_PLATFORMS code | NOT_BOUGHT

    def shop_ids(self, scope: Scope) -> ModelSelect:
        """The shops reported on, as a subquery limited to the user's scope."""
        query = scope.apply(Shop.select(Shop.id))
        return query.where(Shop.id.in_(self.shops)) if self.shops else query

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and (self.end + timedelta(days=1)).day == 1

    def figure_table(self, grain: str = "month") -> FigureTable:
        """Where this report's figures are read: the monthly rows when whole months are summed (月报表,
        年报表, a 日报表's totals), else the daily rows."""
        return MonthlyFigure if grain != "day" and self.whole_months else DailyFigure

    def figure_conditions(self, scope: Scope, table: FigureTable = DailyFigure) -> list[Expression]:
        column = _period_column(table)
        conds = [column >= self.start, column <= self.end]
        if self.shops or not scope.unlimited:  # every shop: no subquery to probe for each row
            conds.append(table.shop.in_(self.shop_ids(scope)))
        if self.platform:
            conds.append(table.platform == ("" if self.platform == NOT_BOUGHT else self.platform))
        return conds


FigureTable = type[DailyFigure] | type[MonthlyFigure]


def _period_column(table: FigureTable):
    return table.day if table is DailyFigure else table.month


def _sums(table: FigureTable) -> list:
    return [fn.COALESCE(fn.SUM(getattr(table, name)), 0) for name in FIGURE_FIELDS]


def figures_by_period(report: ReportFilter, scope: Scope, grain: str = "day") -> dict[date, Figures]:
    """Figures per day (grain 'day') or per first day of a month (coarser grains over whole months)."""
    table = report.figure_table(grain)
    column = _period_column(table)
    query = (table.select(column, *_sums(table)).where(*report.figure_conditions(scope, table))
             .group_by(column).tuples())
    return {_day(row[0]): Figures(*map(int, row[1:])) for row in query}


@dataclass(frozen=True)
class Breakdown:
    """A period's figures in total, per shop and per 采购平台, from one aggregate query."""

    total: Figures
    by_shop: dict[int, Figures]
    by_platform: dict[str, Figures]


def breakdown(report: ReportFilter, scope: Scope) -> Breakdown:
    total, by_shop, by_platform = Figures(), {}, {}
    table = report.figure_table()
    for shop_id, platform, *sums in (table.select(table.shop, table.platform, *_sums(table))
                                     .where(*report.figure_conditions(scope, table))
                                     .group_by(table.shop, table.platform).tuples()):
        figures = Figures(*map(int, sums))
        total = total + figures
        by_shop[shop_id] = by_shop.get(shop_id, Figures()) + figures
        by_platform[platform] = by_platform.get(platform, Figures()) + figures
    return Breakdown(total, by_shop, by_platform)


def totals(report: ReportFilter, scope: Scope) -> Figures:
    return breakdown(report, scope).total


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


GRAINS: dict[str, str] = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def periods(start: date, end: date, grain: str) -> list[str]:
    """Every period label from `start` to `end` (so a chart's axis has no holes)."""
    labels: list[str] = []
    day = start
    while day <= end:
        label = day.strftime(GRAINS[grain])
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def period_rows(report: ReportFilter, scope: Scope, grain: str) -> list[tuple[str, Figures]]:
    """The report's rows, one per day / month / year of the period, empty periods included."""
    rows = dict.fromkeys(periods(report.start, report.end, grain), Figures())
    for day, figures in figures_by_period(report, scope, grain).items():
        label = day.strftime(GRAINS[grain])
        rows[label] = rows[label] + figures
    return list(rows.items())


def first_day(scope: Scope) -> date | None:
    """The earliest day with figures the user may see (年报表 starts there)."""
    value = MonthlyFigure.select(fn.MIN(MonthlyFigure.month)).where(
        MonthlyFigure.shop.in_(scope.apply(Shop.select(Shop.id)))).scalar()
    return _day(value) if value else None


def order_report(report: ReportFilter, scope: Scope) -> ModelSelect:
    """订单报表: the counted orders of the period as `REPORT_COLUMNS`, newest first (page it in SQL)."""
    start = datetime.combine(report.start, time.min)
    end = datetime.combine(report.end + timedelta(days=1), time.min)
    query = (Order.select(*REPORT_COLUMNS).where(Order.created_at >= start, Order.created_at < end,
                                                Order.shop.in_(report.shop_ids(scope)), counted_condition())
             .order_by(Order.created_at.desc(), Order.id.desc()))
    if report.platform:
        query = query.where(_platform_condition(report.platform))
    return query


def _platform_condition(platform: str) -> Expression:
    """An order's 采购平台 is its first active purchase's (the same attribution as the daily figures)."""
    if platform == NOT_BOUGHT:
        return ~fn.EXISTS(Purchase.select(Purchase.id).where(Purchase.order == Order.id,
                                                             Purchase.active == True))  # noqa: E712
    other = Purchase.alias()
    first_id = other.select(fn.MIN(other.id)).where(other.order == Purchase.order, other.active == True)  # noqa: E712
    return Order.id.in_(Purchase.select(Purchase.order).where(Purchase.active == True,  # noqa: E712
                                                              Purchase.platform == platform,
                                                              Purchase.id == first_id))


# -- the report form ------------------------------------------------------------------------------

REPORTS: dict[str, str] = {"orders": "订单报表", "daily": "日报表", "monthly": "月报表", "yearly": "年报表"}
GRAIN_OF: dict[str, str] = {"daily": "day", "monthly": "month", "yearly": "year"}
EARLIEST_YEAR = 2000


def _field(raw: Mapping[str, str], name: str, default: str, errors: dict[str, str], read) -> Any:
    """`read(text)` of one input (its default when empty); a ValueError becomes that field's message."""
    text = (raw.get(name) or "").strip() or default
    try:
        return read(text)
    except ValueError as exc:
        errors[name] = str(exc)
        return read(default)


def _day_text(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError("日期格式应为 2026-11-01") from None


def _month_text(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValueError("月份格式应为 2026-11") from None


def _year_text(text: str) -> int:
    if not (text.isascii() and text.isdigit() and EARLIEST_YEAR <= int(text) <= 2100):
        raise ValueError(f"年份应为 {EARLIEST_YEAR} 到 2100 之间的四位数字")
    return int(text)


def _period(report: str, raw: Mapping[str, str], today: date, errors: dict[str, str],
            since: date | None) -> tuple[date, date]:
    """The period a report's inputs name; defaults: this month (订单报表, 日报表), this year, every year."""
    if report == "orders":
        start = _field(raw, "start", f"{today.replace(day=1)}", errors, _day_text)
        end = _field(raw, "end", f"{today}", errors, _day_text)
        if end < start:
            errors["end"] = "结束日期不能早于开始日期"
        elif (end - start).days > 366:
            errors["end"] = "订单报表一次最多查询 366 天"
        return start, end
    if report == "daily":
        start = _field(raw, "month", f"{today:%Y-%m}", errors, _month_text)
        return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if report == "monthly":
        year = _field(raw, "year", str(today.year), errors, _year_text)
        return date(year, 1, 1), date(year, 12, 31)
    first = _field(raw, "from_year", str((since or today).year), errors, _year_text)
    last = _field(raw, "to_year", str(today.year), errors, _year_text)
    if last < first:
        errors["to_year"] = "结束年份不能早于开始年份"
    return date(first, 1, 1), date(last, 12, 31)


def parse_report(report: str, raw: Mapping[str, str], shops: list[str], scope: Scope,
                 today: date | None = None) -> ReportFilter:
    """Read a report's filter form; a FieldError naming every bad field (shops not granted included)."""
    today = today or date.today()
    errors: dict[str, str] = {}
    start, end = _period(report, raw, today, errors, first_day(scope) if report == "yearly" else None)
    chosen = tuple(dict.fromkeys(int(s) for s in shops if s.isascii() and s.isdigit() and len(s) < 10))
    if len(chosen) != len(set(shops)) or (
            chosen and scope.apply(Shop.select().where(Shop.id.in_(chosen))).count() != len(chosen)):
        errors["shop"] = "店铺不存在，请重新选择"
    platform = (raw.get("platform") or "").strip()
    if platform and platform != NOT_BOUGHT and platform not in PURCHASE_PLATFORMS:
        errors["platform"] = "没有这个采购平台"
    if errors:
        raise FieldError.many(errors)
    return ReportFilter(start=start, end=end, shops=chosen, platform=platform)
