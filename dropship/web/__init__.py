"""The web entrance: one blueprint per menu item, the menu itself, and what every template can use."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, abort, g, redirect, url_for

from dropship.web.access import csrf_token, public, user_can
from dropship.web.inputs import init_inputs, platform_href


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
        purchase,
        settings,
        shipping,
        shops,
        stats,
        team,
        verify,
    )

    init_inputs(app)  # the <dbid:…> converter must exist before the blueprints add their rules
    for module in (auth, orders, purchase, shipping, shops, accounts, aftersales, stats, dashboard, team, settings, billing,
                   verify, jobs):
        app.register_blueprint(module.bp)
    init_templates(app)

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


def init_templates(app: Flask) -> None:
    """The one place for app-wide template filters and globals, so a partial rendered alone (an htmx
    answer) sees exactly what the full page sees."""
    from dropship.couriers import courier_name
    from dropship.services.money import yuan
    from dropship.services.purchasing.labels import state_label
    from dropship.services.shops import effective_login_state, session_usable
    from dropship.services.tracking import TRACKING_LABELS
    from dropship.web.jobs import panel_jobs
    from dropship.web.purchase import cancel_confirm, purchase_ready
    from dropship.web.shipping import baitong_ready, consign_ready
    from dropship.web.verify import backend_view, waiting_count

    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.add_template_filter(yuan, "yuan")
    app.add_template_filter(courier_name, "courier")
    app.add_template_filter(platform_href, "platform_href")
    app.add_template_filter(effective_login_state, "login_state")  # 风控限制 ends with its cool-down
    app.add_template_filter(session_usable, "session_usable")
    app.add_template_filter(state_label, "purchase_state")  # a purchase not yet on the supplier's list
    app.add_template_filter(cancel_confirm, "cancel_confirm")  # 取消下单: at the supplier, or by hand there
    app.add_template_filter(lambda code: TRACKING_LABELS.get(code, code), "tracking_state")  # 在途 / 已签收 / 异常

    @app.context_processor
    def _globals() -> dict:
        # Callables, not values: most fragments never show the menu, the jobs or the 验证中心 badge.
        return {
            "csrf_token": csrf_token,
            "current_user": g.get("user"),
            "can": user_can,
            "menu": lambda: [item for item in MENU if user_can(item.permission)],
            "panel_jobs": panel_jobs,
            "verify_count": waiting_count,
            "backend_view": backend_view,
            "purchase_ready": purchase_ready,  # 去下单 / 批量采购 are 即将开放 until the purchase task exists
            "consign_ready": consign_ready,  # 手动发货 / 替换极速 likewise until their jobs exist
            "baitong_ready": baitong_ready,
        }
