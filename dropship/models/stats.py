"""利润统计 / 数据大屏: figures pre-aggregated per shop, 成交日 (or month) and 采购平台 (services.daily_figures keeps them)."""
from __future__ import annotations

from peewee import CharField, DateField, ForeignKeyField, IntegerField

from dropship.models import BaseModel, Shop

__all__ = ["DailyFigure", "MonthlyFigure"]


class _Figures(BaseModel):
    """The summable columns both tables share (services.profit.Figures, money in fen)."""

    platform = CharField(max_length=12, default="")
    orders = IntegerField(default=0)
    sales = IntegerField(default=0)  # 实收金额
    refunds = IntegerField(default=0)  # 退款金额
    purchase = IntegerField(default=0)  # 采购金额 (active purchases)
    purchased_orders = IntegerField(default=0)
    purchased_net = IntegerField(default=0)  # 实收 − 退款 of the orders with an active purchase
    shipped_orders = IntegerField(default=0)
    finished_orders = IntegerField(default=0)


class DailyFigure(_Figures):
    """The counted orders of one shop made on one day, bought on one platform ('' = nothing bought yet).

    Derived data, never edited by hand: `services.daily_figures` recomputes a (shop, day) bucket
    from its orders whenever the roll-ups of one of them change.
    """

    shop = ForeignKeyField(Shop, backref="figures", on_delete="CASCADE")
    day = DateField()

    class Meta:
        # shop first: a bucket's refresh and an employee's granted shops seek it; the main account's
        # reports read a period of every shop: a month or more is scanned, a day (数据大屏's today) is
        # sought by `day`
        indexes = ((("shop", "day", "platform"), True), (("day",), False))


class MonthlyFigure(_Figures):
    """The daily figures of one shop and platform summed over a month (`month` is its first day).

    月报表 / 年报表 read 12 rows a year instead of 365; recomputed from the daily rows in the same
    transaction as they are (`services.daily_figures`).
    """

    shop = ForeignKeyField(Shop, backref="monthly_figures", on_delete="CASCADE")
    month = DateField()

    class Meta:
        indexes = ((("shop", "month", "platform"), True),)
