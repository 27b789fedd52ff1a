"""Peewee models. Money is integer fen; platform ids are strings; secrets use `EncryptedField`."""
from __future__ import annotations

import json
from datetime import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from dropship.db import db
from dropship.secrets import EncryptedField


class JSONField(TextField):
    """JSON in a TEXT column: portable between SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db


class User(BaseModel):
    """A login: the main account (手机号) or an employee (`主账号:01`).

    Exactly one main account can exist: migration m0006 adds a partial unique index on
    `role` where role = 'main' (peewee's Meta.indexes cannot describe a partial index).
    """

    username = CharField(unique=True, max_length=40)
    password_hash = CharField(max_length=200)
    role = CharField(max_length=10, default="main")  # main | employee
    owner = ForeignKeyField("self", null=True, backref="employees", on_delete="CASCADE")
    permissions = JSONField(default=list)  # employee grants: permission codes
    created_at = DateTimeField(default=datetime.now)
    last_login_at = DateTimeField(null=True)
    password_changed_at = DateTimeField(default=datetime.now)

    @property
    def is_main(self) -> bool:
        return self.role == "main"


class UserSession(BaseModel):
    """Server-side session: revocable, survives restarts; the cookie carries only a random token."""

    token_hash = CharField(unique=True, max_length=64)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    remember = BooleanField(default=False)
    created_at = DateTimeField(default=datetime.now)
    expires_at = DateTimeField(index=True)
    last_seen_at = DateTimeField(default=datetime.now)
    ip = CharField(max_length=64, default="")
    user_agent = CharField(max_length=300, default="")


class LoginFailure(BaseModel):
    """One failed login; counted per IP and per account for rate limiting."""

    key = CharField(max_length=120, index=True)
    at = DateTimeField(default=datetime.now, index=True)


class Job(BaseModel):
    """Long work with progress, shown in the 任务 panel: the one record of whether it has run.

    A worker claims the row (queued -> running, `claimed_by`) before running it; a queue message
    for a row it cannot claim does nothing (see dropship.queue).
    """

    kind = CharField(max_length=40, index=True)
    title = CharField(max_length=200)
    target = CharField(max_length=80, default="", index=True)
    state = CharField(max_length=12, default="queued", index=True)  # queued running done failed
    done = IntegerField(default=0)
    total = IntegerField(default=0)
    message = TextField(default="")
    error = TextField(default="")
    args = JSONField(default=dict)
    task_id = CharField(max_length=64, default="")  # the last queue message sent for it
    claimed_by = CharField(max_length=80, default="")  # the worker process running (or that ran) it
    heartbeat_at = DateTimeField(null=True)  # refreshed while running; a stale one means the worker died
    user = ForeignKeyField(User, null=True, backref="jobs", on_delete="SET NULL")
    created_at = DateTimeField(default=datetime.now, index=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    # the browser account it works for (`job_task(account=…)`): the worker keeping that account's
    # browser open takes the account's queued jobs itself (dropship.queue)
    account = CharField(max_length=80, default="")
    retry_at = DateTimeField(null=True)  # handed back: not taken by an account's keeper before then

    ACTIVE = ("queued", "running")

    class Meta:
        indexes = ((("account", "state"), False),)

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE


class AppSetting(BaseModel):
    """Settings edited in the 设置 page (JSON value per key); startup config lives in config.toml."""

    key = CharField(primary_key=True, max_length=80)
    value = JSONField(null=True)
    updated_at = DateTimeField(default=datetime.now)


FOUNDATION_MODELS: list[type[BaseModel]] = [User, UserSession, LoginFailure, Job, AppSetting]


# -- shops and their orders ----------------------------------------------------------------------

class Shop(BaseModel):
    """A seller shop we fetch orders from and ship for (淘宝 / 天猫 / 淘特)."""

    platform = CharField(max_length=10)  # taobao | tmall | taote
    login = CharField(max_length=64)  # 登录账号; `主账号:子账号` for a sub-account
    password = EncryptedField()
    nick = CharField(max_length=64, default="")  # shop name shown in lists (defaults to the login)
    platform_user_id = CharField(max_length=32, default="")  # `unb` cookie once authorized
    login_state = CharField(max_length=20, default="unknown")  # see services.shops.LOGIN_STATES
    login_message = CharField(max_length=300, default="")
    login_checked_at = DateTimeField(null=True)
    fetch_state = CharField(max_length=12, default="stopped")  # stopped | fetching
    fetch_days = IntegerField(default=3)  # 选择时间段 (0 = custom range)
    fetch_from = DateTimeField(null=True)
    fetch_to = DateTimeField(null=True)
    auto_login = BooleanField(default=True)  # 店铺筛选自动登录
    auto_sync_deleted_address = BooleanField(default=False)  # 删除地址自动同步
    auto_ship = BooleanField(default=True)  # 自动发货
    auto_purchase = BooleanField(default=False)  # 自动采购 (services.purchasing.auto)
    auto_purchase_buffer = IntegerField(default=10)  # 取消缓冲: minutes after 付款时间 before buying
    auto_purchase_since = DateTimeField(null=True)  # the switch went on: orders fetched since are bought
    last_fetch_at = DateTimeField(null=True)
    next_fetch_at = DateTimeField(null=True, index=True)
    cooldown_until = DateTimeField(null=True)
    risk_strikes = IntegerField(default=0)  # risk answers in a row (no clean day between): the cool-down grows
    last_risk_at = DateTimeField(null=True)
    headed = BooleanField(default=False)  # 有界面: show this shop's browser window
    service_until = DateTimeField(null=True)  # 截止日期
    points = IntegerField(default=0)  # 点数
    created_at = DateTimeField(default=datetime.now)
    deleted_at = DateTimeField(null=True, index=True)  # 删除店铺 keeps its orders

    class Meta:
        indexes = ((("platform", "login"), False),)

    @property
    def is_sub_account(self) -> bool:
        return ":" in self.login

    @property
    def display_name(self) -> str:
        return self.nick or self.login


class ShopDailyStat(BaseModel):
    """Per shop and day: 今日获取新订单 / 今日发货 / 今日发货失败 / decryptions used."""

    shop = ForeignKeyField(Shop, backref="daily_stats", on_delete="CASCADE")
    day = DateField()
    new_orders = IntegerField(default=0)
    shipped = IntegerField(default=0)
    ship_failed = IntegerField(default=0)
    decrypted = IntegerField(default=0)

    class Meta:
        indexes = ((("shop", "day"), True),)


class PurchaseAccount(BaseModel):
    """A buyer account on a supplier platform (采购账号)."""

    platform = CharField(max_length=12)  # taobao | tmall | taote | alibaba1688 | pdd
    login = CharField(max_length=64)
    nick = CharField(max_length=64, default="")
    password = EncryptedField(null=True)
    token = EncryptedField(null=True)  # PDD PDDAccessToken
    tag = CharField(max_length=10, default="permanent")  # temporary | permanent
    enabled = BooleanField(default=True)
    online = BooleanField(default=False)
    note = CharField(max_length=200, default="")
    buy_count = IntegerField(default=0)
    headed = BooleanField(default=False)
    last_authorized_at = DateTimeField(null=True)
    created_at = DateTimeField(default=datetime.now)
    platform_user_id = CharField(max_length=32, default="")  # `unb` / PDD uid once authorized
    login_message = CharField(max_length=300, default="")  # why it is 掉线 (shown beside the state)
    checked_at = DateTimeField(null=True)  # last online check
    token_key = CharField(max_length=32, default="", index=True)  # secrets.search_key(token): duplicates

    class Meta:
        indexes = ((("platform", "login"), True),)


class Order(BaseModel):
    """A buyer's order in one of our shops (店铺订单). Roll-up columns keep the tab counts cheap."""

    shop = ForeignKeyField(Shop, backref="orders", on_delete="RESTRICT")
    tid = CharField(max_length=32)
    status = CharField(max_length=16, index=True)  # see services.orders.labels.STATUS_LABELS
    status_text = CharField(max_length=60, default="")
    status_code = CharField(max_length=40, default="")  # platform code kept verbatim when status is `other`
    buyer_nick = CharField(max_length=64, default="", index=True)
    buyer_message = TextField(default="")
    # the sold list flags a 买家留言 that only the detail page shows: set until the message is read, so
    # a fetch cut short by a crash still reads it later
    message_pending = BooleanField(default=False)
    paid_amount = IntegerField(default=0)  # fen, 实收金额
    post_fee = IntegerField(default=0)
    created_at = DateTimeField(index=True)  # 成交时间
    paid_at = DateTimeField(null=True)
    ship_deadline = DateTimeField(null=True, index=True)
    shipped_at = DateTimeField(null=True)
    # receiver: masked text as the platform lists it; the decrypted one only encrypted
    receiver_name = CharField(max_length=64, default="")
    receiver_phone = CharField(max_length=40, default="")
    receiver_region = CharField(max_length=120, default="")
    receiver_address = CharField(max_length=300, default="")
    receiver_real = EncryptedField(null=True)  # JSON of the full Receiver
    receiver_name_key = CharField(max_length=32, default="", index=True)
    receiver_phone_key = CharField(max_length=32, default="", index=True)
    address_state = CharField(max_length=10, default="masked")  # masked | decrypted | manual
    # our own marks
    ignored = BooleanField(default=False)
    abnormal = CharField(max_length=16, default="", index=True)  # '' | out_of_stock | no_source | loss
    mark_note = CharField(max_length=300, default="")
    # 云端备注
    seller_flag = IntegerField(default=0)
    seller_memo = TextField(default="")
    memo_state = CharField(max_length=10, default="")  # '' | syncing | synced | failed
    memo_error = CharField(max_length=300, default="")
    # roll-ups maintained by services (never edited by hand)
    pending_items = IntegerField(default=0)  # sub-orders still to purchase
    refund_state = CharField(max_length=10, default="", index=True)  # '' | refunding | refunded
    purchase_amount = IntegerField(default=0)  # fen, active purchases
    fetched_at = DateTimeField(default=datetime.now)
    updated_at = DateTimeField(default=datetime.now)
    synced_at = DateTimeField(null=True)
    sync_message = CharField(max_length=300, default="")
    # the part of seller_memo our 店铺后台设置 template wrote last time, so a new one replaces it
    # without touching what the seller typed around it
    memo_auto = TextField(default="")

    class Meta:
        indexes = (
            (("shop", "tid"), True),
            (("ignored", "status", "created_at"), False),
            (("shop", "message_pending"), False),
        )


class OrderItem(BaseModel):
    """One line (子订单) of an order."""

    order = ForeignKeyField(Order, backref="items", on_delete="CASCADE")
    oid = CharField(max_length=32)
    title = CharField(max_length=200)
    sku_text = CharField(max_length=200, default="")
    outer_id = CharField(max_length=80, default="", index=True)  # 商家编码
    quantity = IntegerField(default=1)
    paid_amount = IntegerField(default=0)  # fen
    pic = CharField(max_length=300, default="")
    item_url = CharField(max_length=300, default="")
    item_id = CharField(max_length=32, default="")
    status = CharField(max_length=16, default="")
    refund_status = CharField(max_length=10, default="")  # '' | refunding | refunded | closed
    refund_text = CharField(max_length=60, default="")

    class Meta:
        indexes = ((("order", "oid"), True),)


class Purchase(BaseModel):
    """Our order at a supplier (采购) for one or more items of a shop order.

    `state` is the purchase's own progress (services.purchasing.states, persisted before each step so a
    crash never buys twice); `status` is the supplier's 拍单状态 as its order list shows it. Partial
    unique indexes (m0013, peewee's Meta.indexes cannot describe them): one active purchase per
    sub-order (on PurchaseItem) and one active purchase per supplier order (platform, 采购单号).
    """

    order = ForeignKeyField(Order, backref="purchases", on_delete="CASCADE")
    account = ForeignKeyField(PurchaseAccount, null=True, backref="purchases", on_delete="SET NULL")
    platform = CharField(max_length=12)
    platform_order_id = CharField(max_length=40, default="", index=True)  # 采购单号
    amount = IntegerField(default=0)  # fen, 采购金额
    status = CharField(max_length=12, default="")  # 拍单状态 code
    marker = CharField(max_length=40, default="", index=True)  # 采购标记 (idempotency)
    courier = CharField(max_length=20, default="")  # supplier's courier code
    tracking_number = CharField(max_length=40, default="", index=True)
    active = BooleanField(default=True)  # False once cancelled or replaced (重新下单 keeps history)
    manual = BooleanField(default=False)  # 添加采购订单信息 (bought elsewhere)
    note = CharField(max_length=200, default="")
    created_at = DateTimeField(default=datetime.now, index=True)
    state = CharField(max_length=12, default="preparing", index=True)  # services.purchasing.states.STATES
    reason = CharField(max_length=300, default="")  # why it was refused or parked (shown to people)
    item_id = CharField(max_length=32, default="")  # the supplier item bought: what the diff looks for
    sku_id = CharField(max_length=40, default="")
    quantity = IntegerField(default=0)
    orders_before = JSONField(null=True)  # the account's supplier order ids (window start → submit): the diff's before
    submitted_at = DateTimeField(null=True)  # start of the diff's time window
    purchased_at = DateTimeField(null=True, index=True)  # 采购时间
    step_at = DateTimeField(null=True)  # when `state` last changed
    attempts = IntegerField(default=0)  # task runs that worked on it (a resume after a crash counts)
    # the supplier parcel (services.tracking): '' | in_transit | signed | exception, when the number
    # arrived (百通's 同步时间) and when its trace last moved (物流异常)
    tracking_state = CharField(max_length=10, default="")
    tracking_at = DateTimeField(null=True)
    tracking_moved_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("active", "tracking_state", "tracking_moved_at"), False),
        )


class PurchaseItem(BaseModel):
    """Which sub-orders a purchase covers. `active` mirrors its purchase's (written only by
    services.purchasing.states) so the database itself refuses a second active purchase of a sub-order."""

    purchase = ForeignKeyField(Purchase, backref="lines", on_delete="CASCADE")
    item = ForeignKeyField(OrderItem, backref="purchase_lines", on_delete="CASCADE")
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("purchase", "item"), True),)


class SupplierLink(BaseModel):
    """下单链接: a supplier product link remembered for a 商家编码, canonical (services.purchasing.links)."""

    outer_id = CharField(max_length=80)  # 商家编码
    platform = CharField(max_length=12)  # purchase platform
    item_id = CharField(max_length=32)  # the supplier's item / offer / goods id
    url = CharField(max_length=300)  # canonical link
    note = CharField(max_length=100, default="")  # 自定义备注
    created_by = ForeignKeyField(User, null=True, backref="supplier_links", on_delete="SET NULL")
    created_at = DateTimeField(default=datetime.now)

    class Meta:
        indexes = ((("outer_id", "platform", "item_id"), True),)


class SkuMapping(BaseModel):
    """Which supplier SKU (× how many) to buy for a shop SKU (商家编码 + 商品属性) from one supplier item."""

    outer_id = CharField(max_length=80)
    shop_sku = CharField(max_length=200)  # 商品属性 as the shop lists it (OrderItem.sku_text)
    platform = CharField(max_length=12)
    item_id = CharField(max_length=32)
    sku_id = CharField(max_length=40)  # the supplier's SKU id
    sku_text = CharField(max_length=200, default="")  # the supplier's SKU words, to show
    multiplier = IntegerField(default=1)  # supplier pieces per shop piece (2 瓶装 = 1 瓶 × 2)
    updated_at = DateTimeField(default=datetime.now)

    class Meta:
        indexes = ((("outer_id", "shop_sku", "platform", "item_id"), True),)


class Shipment(BaseModel):
    """A consign (发货) on the shop backend, manual or automatic."""

    order = ForeignKeyField(Order, backref="shipments", on_delete="CASCADE")
    courier = CharField(max_length=20)  # company code, e.g. ZTO
    courier_name = CharField(max_length=20, default="")
    tracking_number = CharField(max_length=40, index=True)
    oids = JSONField(default=list)  # empty = whole order
    mode = CharField(max_length=10, default="manual")  # manual | automatic | platform | replace (百通一键替换极速)
    state = CharField(max_length=10, default="pending")  # pending | done | failed | skipped | replaced
    error = CharField(max_length=300, default="")
    created_at = DateTimeField(default=datetime.now)
    # 双物流: the supplier's parcel this shipment replaces (courier / number stay '' until the provider answers)
    original_courier = CharField(max_length=20, default="")
    original_tracking_number = CharField(max_length=40, default="")
    attempts = IntegerField(default=0)  # consign runs (a transient failure is retried, services.shipping)
    finished_at = DateTimeField(null=True, index=True)  # when it became done / failed / skipped (今日发货)
    job = ForeignKeyField(Job, null=True, backref="shipments", on_delete="SET NULL")  # the job consigning it


SHOP_MODELS: list[type[BaseModel]] = [Shop, ShopDailyStat, PurchaseAccount, Order, OrderItem, Purchase,
                                      PurchaseItem, SupplierLink, SkuMapping, Shipment]


# -- employee grants (授权店铺 / 授权采购号) -------------------------------------------------------------

class ShopGrant(BaseModel):
    """An employee may see and work on this shop and its orders (services.scope reads these)."""

    user = ForeignKeyField(User, backref="shop_grants", on_delete="CASCADE")
    shop = ForeignKeyField(Shop, backref="grants", on_delete="CASCADE")
    created_at = DateTimeField(default=datetime.now)

    class Meta:
        indexes = ((("user", "shop"), True),)


class AccountGrant(BaseModel):
    """An employee may see and buy with this purchase account."""

    user = ForeignKeyField(User, backref="account_grants", on_delete="CASCADE")
    account = ForeignKeyField(PurchaseAccount, backref="grants", on_delete="CASCADE")
    created_at = DateTimeField(default=datetime.now)

    class Meta:
        indexes = ((("user", "account"), True),)


# -- platform request budget ------------------------------------------------------------------

class RequestSlot(BaseModel):
    """One request an account sent to a platform host (request_budget): the budget counts these in
    the database, so every worker process and PC spends the same budget. Kept for two minutes."""

    account = CharField(max_length=64)  # the browser profile's key, e.g. shop-3
    host = CharField(max_length=64)
    at = DoubleField()  # wall-clock seconds (time.time()); 8 bytes: PostgreSQL's real rounds them to 128 s

    class Meta:
        indexes = ((("account", "host", "at"), False), (("account", "at"), False))


# -- 设置 修改记录 -------------------------------------------------------------------------------------

class SettingChange(BaseModel):
    """One changed setting: who, when, which key, old → new as shown to people (secrets: 「已修改」)."""

    user = ForeignKeyField(User, null=True, backref="setting_changes", on_delete="SET NULL")
    username = CharField(max_length=40, default="")  # kept when the user is deleted later
    key = CharField(max_length=80, index=True)
    label = CharField(max_length=60, default="")
    old = TextField(default="")
    new = TextField(default="")
    at = DateTimeField(default=datetime.now, index=True)


# Feature modules add their models below (each imports BaseModel and the core models from here).
from dropship.models.aftersales import *  # noqa: E402,F401,F403
from dropship.models.billing import RedeemedCard  # noqa: E402,F401
from dropship.models.coordination import *  # noqa: E402,F401,F403
from dropship.models.order_counts import OrderCount, OrderTotal  # noqa: E402,F401
from dropship.models.stats import *  # noqa: E402,F401,F403
from dropship.models.team import *  # noqa: E402,F401,F403
