"""The sandbox Flask app: every platform host on one port, routed by the Host header."""
from __future__ import annotations

import threading

from flask import Flask, render_template
from peewee import SqliteDatabase

from . import (
    address_book,
    admin,
    buyer_1688,
    buyer_pdd,
    buyer_refunds,
    buyer_taobao,
    cashier,
    dual_logistics,
    images,
    login,
    mtop,
    pdd_api,
    pdd_login,
    risk,
    seller_disputes,
    seller_export,
    seller_modify_consign,
    seller_refund,
    seller_trade,
    seller_wuliu,
    supplier_refunds,
)
from .hosts import HostRouter
from .models import bound


class _OneAtATime:
    """Serve requests one at a time, each in a transaction on this sandbox's database.

    The sandbox is a test double, not a production server: serialising requests (and the
    Python API, which takes the same lock) keeps the simulation deterministic and SQLite simple.
    """

    def __init__(self, wsgi_app, db: SqliteDatabase, lock: threading.RLock) -> None:
        self.wsgi_app, self.db, self.lock = wsgi_app, db, lock

    def __call__(self, environ, start_response):
        with self.lock, bound(self.db), self.db.atomic():
            return self.wsgi_app(environ, start_response)


def create_app(db: SqliteDatabase, lock: threading.RLock) -> Flask:
    app = Flask(__name__, host_matching=True, static_folder=None)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["sandbox.limiter"] = risk.RateLimiter()
    for module in (login, seller_trade, seller_export, seller_wuliu, seller_modify_consign, seller_refund, seller_disputes, buyer_taobao, buyer_refunds, address_book, buyer_1688, cashier, mtop,
                   pdd_login, pdd_api, buyer_pdd, supplier_refunds, dual_logistics, risk, admin, images):
        app.register_blueprint(module.bp)

    @app.errorhandler(404)
    def not_found(error):
        return render_template("message.html", title="页面不存在", text="沙箱里没有这个页面。"), 404

    app.wsgi_app = HostRouter(_OneAtATime(app.wsgi_app, db, lock))
    return app
