"""``Sandbox``: start the emulator in a background thread and drive it from Python."""
from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase
from waitress import wasyncore
from waitress.server import create_server

from . import accounts, buyer_control, clock, control, scenarios, simulation, sms
from .app import create_app
from .client import HttpResponse, request
from .hosts import REAL_HOSTS, cookie_domain, origin
from .login import login_cookie_values
from .models import Account, Order, Session, Shop, World, bound, open_database


class Sandbox:
    """A running sandbox. Start with ``Sandbox.start(...)``; see README.md for the contract."""

    def __init__(self, db: SqliteDatabase, lock: threading.RLock, server, socket_map: dict,
                 thread: threading.Thread, data_dir: Path) -> None:
        self._db, self._lock, self._server, self._thread = db, lock, server, thread
        self._socket_map = socket_map
        self.data_dir = data_dir
        self.port: int = server.effective_port

    @classmethod
    def start(cls, seed: int = 1, port: int = 0, data_dir: str | Path | None = None,
              start_time: datetime | None = None, host: str = "127.0.0.1") -> Sandbox:
        """Open (or create) ``data_dir/sandbox.db`` and serve it on ``host:port`` (0 = any free port).

        ``start_time``: naive = China time, aware = converted to China time; default now, floored
        to the minute. An existing sandbox.db keeps its own seed and clock.
        """
        data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="sandbox-"))
        data_dir.mkdir(parents=True, exist_ok=True)
        db = open_database(data_dir / "sandbox.db")
        lock = threading.RLock()
        with lock, bound(db), db.atomic():
            if not World.select().exists():
                start = clock.to_cst_naive(start_time) if start_time else clock.default_start()
                simulation.create_world(seed, start.replace(second=0, microsecond=0))
        socket_map: dict = {}
        app = create_app(db, lock)
        server = create_server(app, map=socket_map, host=host, port=port, threads=4,
                               ident="sandbox")
        thread = threading.Thread(target=server.run, name="sandbox-waitress", daemon=True)
        thread.start()
        sandbox = cls(db, lock, server, socket_map, thread, data_dir)
        sandbox._limiter = app.extensions["sandbox.limiter"]
        return sandbox

    def stop(self) -> None:
        # waitress: server.close() leaves dispatcher threads and open channels behind (STACK-NOTES.md).
        # Finish running requests, then have the loop thread itself close every socket (closing them
        # from here would leave it asleep in select() for a second), which ends its loop.
        self._server.task_dispatcher.shutdown()
        self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._socket_map))
        self._thread.join(timeout=5)
        self._db.close()

    def _run(self, func, *args, **kw):
        """Call into the world as a request would: same lock, same database, one transaction."""
        with self._lock, bound(self._db), self._db.atomic():
            return func(*args, **kw)

    # --- addresses ---------------------------------------------------------------------------

    def origin(self, real_host: str) -> str:
        return origin(real_host, self.port)

    @property
    def origins(self) -> dict[str, str]:
        return {host: self.origin(host) for host in REAL_HOSTS}

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/__sandbox"

    def http(self, method: str, url: str, **kw: Any) -> HttpResponse:
        """One HTTP request to a platform host, real (``https://trade.taobao.com/…``) or sandbox URL;
        see ``client.request`` for the keyword arguments. Redirects are returned, not followed."""
        return request(self.port, method, url, **kw)

    # --- the world ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._run(clock.now)

    def advance(self, minutes: float) -> dict:
        """Move the clock and run what is due; returns {"now", "ran": [summaries]}."""
        return self._run(simulation.advance, minutes)

    def scenario(self, name: str, **kw: Any) -> dict:
        return self._run(scenarios.run, name, **kw)

    def add_seller(self, login: str, password: str, platform: str = "taobao", **options: Any) -> dict:
        account = self._run(accounts.add_seller, login, password, platform, **options)
        return {"login": account.login, "uid": account.uid, "platform": account.platform}

    def add_buyer(self, platform: str, login: str, password: str, **options: Any) -> dict:
        account = self._run(accounts.add_buyer, platform, login, password, **options)
        return {"login": account.login, "uid": account.uid, "platform": account.platform,
                "access_token": account.access_token}

    def update_account(self, login: str, site: str = "taobao", **fields: Any) -> None:
        """Change an account's options (e.g. ``slider_chance``) after creating it."""
        def update() -> None:
            account = accounts.find(site, login)
            if account is None:
                raise LookupError(login)
            Account.update(**fields).where(Account.id == account.id).execute()
        self._run(update)

    def update_shop(self, login: str, **fields: Any) -> None:
        """Change the shop behind a seller login (``decrypt_quota``, ``decrypt_slider_chance``, …)."""
        def update() -> None:
            Shop.update(**fields).where(Shop.id == control.shop_account(login).shop_id).execute()
        self._run(update)

    def place_order(self, login: str, **kw: Any) -> dict:
        """A buyer orders now from the shop of ``login`` (see control.place_order)."""
        return self._run(lambda: control.order_dict(control.place_order(login, **kw)))

    def change_address(self, tid: str) -> dict:
        """The buyer changes the order's delivery address (see control.change_address)."""
        return self._run(lambda: control.order_dict(control.change_address(tid)))

    def seller_ship(self, tid: str, courier_code: str = "", tracking_no: str = "", dummy: bool = False) -> dict:
        """The seller ships the order in the shop backend (千牛) itself (see control.seller_ship)."""
        return self._run(lambda: control.order_dict(control.seller_ship(tid, courier_code, tracking_no, dummy)))

    def baitong_shipped(self, tid: str, tracking_no: str, hours_ago: float = 1) -> dict:
        """The order was consigned with 百通 `hours_ago`, when the backend still took it (seller_modify_consign)."""
        from .seller_modify_consign import baitong_parcel

        def ship() -> dict:
            baitong_parcel(control.order_by_tid(tid), clock.now() - timedelta(hours=hours_ago), tracking_no)
            return control.order_dict(control.order_by_tid(tid))
        return self._run(ship)

    def open_dispute(self, tid: str, kind: str = "refund_only", oid: str = "", reason: str = "") -> dict:
        return self._run(lambda: control.dispute_dict(control.open_dispute(tid, kind, oid, reason)))

    def return_goods(self, dispute_id: str, courier_code: str = "", tracking_no: str = "") -> dict:
        return self._run(lambda: control.dispute_dict(control.return_goods(dispute_id, courier_code, tracking_no)))

    def use_rate_clock(self, clock: Callable[[], float]) -> None:
        """Count requests per minute on `clock` instead of real time (a test in virtual time)."""
        self._limiter.clock = clock

    def lift_risk(self, login: str) -> None:
        self._run(control.lift_risk, login)

    def expire_sessions(self, login: str, site: str = "taobao") -> int:
        """End every session of a login now (a session expiring in the middle of a job)."""
        def expire() -> int:
            account = accounts.find(site, login)
            if account is None:
                raise LookupError(login)
            return Session.delete().where(Session.account == account).execute()
        return self._run(expire)

    def glitch_order(self, tid: str) -> None:
        """From now on the sold list shows this order broken (no times, an amount that is no number)."""
        self._run(lambda: Order.update(glitch=True).where(Order.tid == tid).execute())

    def account_state(self, login: str, site: str = "taobao") -> dict:
        """``{login_attempts, bot_signals, risk_trips, risk_until}`` of a login."""
        def read() -> dict:
            account = accounts.find(site, login)
            if account is None:
                raise LookupError(login)
            return {"login_attempts": account.login_attempts, "bot_signals": account.bot_signals,
                    "risk_trips": account.risk_trips, "risk_until": account.risk_until}
        return self._run(read)

    def sms_codes(self) -> list[dict]:
        """Every SMS sent, newest first: {phone, code, purpose, login, shop, created_at, used}."""
        return self._run(sms.pending)

    def login_cookies(self, login: str, platform: str = "taobao") -> list[dict]:
        """Cookies of a fresh session, ready for Playwright's ``add_cookies`` (skips the login page:
        for tests of other pages). 淘宝/天猫/淘特 logins (shops and buyers) get the session on
        .taobao and .tmall, 1688 on .1688, 拼多多 ``PDDAccessToken`` + ``pdd_user_id``."""
        def make() -> list[dict]:
            account = buyer_control.buyer_account(platform, login)
            if account.site == "pdd":
                values, families = {"PDDAccessToken": account.access_token, "pdd_user_id": account.uid}, ("yangkeduo.com",)
            else:
                session = accounts.open_session(account, clock.now())
                values = {k: v for k, (v, _) in login_cookie_values(session).items()}
                families = ("taobao.com", "tmall.com") if account.site == "taobao" else ("1688.com",)
            return [{"name": k, "value": v, "domain": cookie_domain(family), "path": "/"}
                    for family in families for k, v in values.items()]
        return self._run(make)

    # --- reading -----------------------------------------------------------------------------

    def shop_order(self, tid: str) -> dict:
        """The full order, receiver unmasked (see control.order_dict for the keys)."""
        return self._run(lambda: control.order_dict(control.order_by_tid(tid)))

    def shop_orders(self, login: str, status: str | None = None) -> list[dict]:
        return self._run(control.shop_orders, login, status)

    def seller_memo(self, tid: str) -> dict:
        order = self.shop_order(tid)
        return {"memo": order["seller_memo"], "flag": order["seller_flag"]}

    def disputes(self, login: str) -> list[dict]:
        return self._run(control.shop_disputes, login)

    def state(self) -> dict:
        return self._run(control.overview)

    # --- purchases (the buyer side) --------------------------------------------------------------

    def supplier_items(self, platform: str | None = None) -> list[dict]:
        """Supplier products (of one platform: taobao / tmall / alibaba1688 / pdd), with their SKUs."""
        return self._run(buyer_control.supplier_items, platform)

    def supplier_item(self, url: str) -> dict:
        """The supplier product behind a product URL: {platform, item_id, title, url, shop, coupon,
        skus[{sku_id, props, price_fen, group_price_fen, spec_id, stock, path}]}."""
        return self._run(lambda: buyer_control.supplier_item_dict(buyer_control.supplier_item_by_url(url)))

    def update_sku(self, sku_id: str, **fields: Any) -> None:
        """Change a supplier SKU: ``stock`` (0 = 售罄), ``price_fen``, ``props``."""
        self._run(buyer_control.update_sku, sku_id, **fields)

    def buy(self, platform: str, login: str, sku_id: str, **kw: Any) -> dict:
        """A purchase without the pages (same rules): ``quantity``, ``receiver`` (form keys fullName,
        mobile, province, city, district, town, addressDetail), ``memo``, ``paid`` (True), ``group``
        (拼多多 发起拼单), ``never_ships``."""
        return self._run(lambda: buyer_control.purchase_dict(buyer_control.buy(platform, login, sku_id, **kw)))

    def addresses(self, login: str, platform: str = "taobao") -> list[dict]:
        """A purchase account's address book, default first: ``{id, fullName, mobile, province, city,
        district, town, addressDetail, divisionCode, isDefault}``."""
        return self._run(buyer_control.addresses, platform, login)

    def purchase_orders(self, platform: str | None = None, login: str | None = None) -> list[dict]:
        return self._run(buyer_control.purchase_orders, platform, login)

    def purchase_order(self, order_id: str) -> dict:
        return self._run(lambda: buyer_control.purchase_dict(buyer_control.purchase_by_id(order_id)))

    def supplier_refunds(self, order_id: str) -> list[dict]:
        """Our refunds on a purchase as the supplier's side saw them (buyer_control.supplier_refunds)."""
        return self._run(buyer_control.supplier_refunds, order_id)

    def ship_now(self, order_id: str, courier_code: str = "", tracking_no: str = "") -> dict:
        """The supplier ships the purchase now (a courier and number of its own unless given)."""
        return self._run(lambda: buyer_control.purchase_dict(buyer_control.ship_now(order_id, courier_code, tracking_no)))

    def complete_group(self, order_id: str) -> dict:
        """A 拼多多 拼单 fills up now: 待分享 → 待发货."""
        return self._run(lambda: buyer_control.purchase_dict(buyer_control.complete_group(order_id)))

    def digest(self) -> str:
        """Fingerprint of orders, shipments and disputes (same seed + start + steps → same digest)."""
        return self._run(control.digest)
