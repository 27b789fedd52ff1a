"""The web entrance: one blueprint per menu item, and the menu itself."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, abort, g, redirect, url_for

from dropship.web.access import public, user_can
from dropship.web.inputs import init_inputs


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: str
    permission: str
    icon: str


# The manual's seven modules, in its order, plus 设置. 充值中心 sits in the header.
MENU: tuple[MenuItem, ...] = (
    MenuItem("orders.index", "订单管理", "orders", "📋"),
    MenuItem("shops.index", "店铺管理", "shops", "🏪"),
    MenuItem("accounts.index", "采购账号", "accounts", "🛒"),
    MenuItem("aftersales.index", "店铺售后", "aftersales", "↩"),
    MenuItem("stats.index", "利润统计", "stats", "📈"),
    MenuItem("dashboard.index", "数据大屏", "dashboard", "🖥"),
    MenuItem("team.index", "账号管理", "main", "👥"),
    MenuItem("settings.index", "设置", "settings", "⚙"),
)


def register_web(app: Flask) -> None:
    from dropship.web import (
        accounts,
        aftersales,
        auth,
        billing,
        dashboard,
        jobs,
        orders,
        settings,
        shops,
        stats,
        team,
        verify,
    )

    init_inputs(app)  # the <dbid:…> converter must exist before the blueprints add their rules
    for module in (auth, orders, shops, accounts, aftersales, stats, dashboard, team, settings, billing,
                   verify, jobs):
        app.register_blueprint(module.bp)

    @app.context_processor
    def _menu() -> dict:
        return {"menu": [item for item in MENU if user_can(item.permission)]}

    @app.get("/")
    @public
    def home():
        if g.user is None:
            return redirect(url_for("auth.login"))
        allowed = [item for item in MENU if user_can(item.permission)]
        if not allowed:
            abort(403, description="该账号还没有任何权限，请联系主账号授权")
        return redirect(url_for(allowed[0].endpoint))

    @app.get("/healthz")
    @public
    def healthz():
        return {"ok": True}
