"""The sandbox world in one SQLite file: accounts, shops, items, orders, disputes, the clock.

Several sandboxes may live in one process (tests start a fresh one per module), each with its
own ``sandbox.db``; models therefore talk to a database chosen per thread (see ``bound``).
Buyers and sellers share one set of tables so the purchase side reuses the shop side: a
supplier is a ``Shop`` of kind ``supplier`` and a purchase is an ``Order`` whose
``buyer_account`` is one of our purchase accounts.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)
from playhouse.migrate import SqliteMigrator, migrate

_current: ContextVar[SqliteDatabase | None] = ContextVar("sandbox_db", default=None)


class _RoutedDatabase:
    """Stands in for the database of whichever sandbox the current thread is serving."""

    def __getattr__(self, name: str):
        return getattr(current_database(), name)


def current_database() -> SqliteDatabase:
    db = _current.get()
    if db is None:
        raise RuntimeError("沙箱数据库未绑定到当前线程")
    return db


@contextmanager
def bound(db: SqliteDatabase) -> Iterator[SqliteDatabase]:
    token = _current.set(db)
    try:
        yield db
    finally:
        _current.reset(token)


class JSONField(TextField):
    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = _RoutedDatabase()
        legacy_table_names = False


class World(BaseModel):
    """One row: the seed every random stream derives from, and the simulation clock."""

    seed = IntegerField()
    started_at = DateTimeField()
    now = DateTimeField()


class Counter(BaseModel):
    name = CharField(primary_key=True)
    value = IntegerField(default=0)


class Shop(BaseModel):
    platform = CharField()  # taobao / tmall / taote / alibaba1688 / pdd
    kind = CharField(default="seller")  # seller: a shop we run; supplier: a shop we buy from
    name = CharField()
    seller_uid = CharField()
    phone = CharField(default="")
    decrypt_quota = IntegerField(default=50)  # decrypted orders per day
    decrypt_slider_chance = FloatField(default=0.0)
    orders_per_day = FloatField(default=0.0)  # simulated paying buyers
    lost_batch_filter = BooleanField(default=False)  # batch lookups lose their filter (20,000+ pages)
    # wuliu2's JSON consign.do not served (404 page) for this shop, so clients use the legacy form (assumption:
    # shops still on the old 物流工具 exist; what the real site answers there is not documented)
    legacy_consign_only = BooleanField(default=False)


class Account(BaseModel):
    """A login on a platform. ``site`` is the login namespace: 淘宝/天猫/淘特 share one."""

    site = CharField()  # taobao / alibaba1688 / pdd
    platform = CharField()
    role = CharField()  # seller / buyer
    login = CharField()
    password = CharField()
    uid = CharField()
    nick = CharField()
    shop = ForeignKeyField(Shop, null=True, backref="accounts")
    parent = ForeignKeyField("self", null=True, backref="sub_accounts")
    phone = CharField(default="")
    slider_chance = FloatField(default=0.0)
    sms_on_new_device = BooleanField(default=False)
    rate_limit_per_min = IntegerField(default=40)
    risk_cooldown_minutes = IntegerField(default=5)
    risk_until = DateTimeField(null=True)
    can_export = BooleanField(default=True)
    can_ship = BooleanField(default=True)
    pay_password = CharField(default="")
    risk_blocked = BooleanField(default=False)  # PDD-style account-level risk control
    access_token = CharField(default="")  # PDD: the PDDAccessToken an imported account logs in with
    alipay_account = CharField(default="")  # PDD 支付宝账号密码 payment: the 支付宝 login (+ pay_password)
    list_shape = CharField(default="")  # PDD order_list_v4 spelling: snake / camel; '' = by uid parity (pdd_api)
    login_attempts = IntegerField(default=0)
    # How a risk block answers scripts: json (rgv587_flag), html (HTTP 200 punish script), sec
    # (302 to sec.taobao.com) or mixed (the three in turn, one per block, as the real sites vary)
    risk_style = CharField(default="mixed")
    risk_trips = IntegerField(default=0)  # blocks so far (mixed picks the style from it)
    bot_signals = IntegerField(default=0)  # requests that looked automated (HeadlessChrome, webdriver)
    punish_bots = BooleanField(default=False)  # scenario: answer a bot-looking browser with the punish page

    class Meta:
        indexes = ((("site", "login"), True),)


class Device(BaseModel):
    """A browser profile (its long-lived ``cna`` cookie) that passed SMS for an account."""

    account = ForeignKeyField(Account, backref="devices")
    cna = CharField()

    class Meta:
        indexes = ((("account", "cna"), True),)


class Session(BaseModel):
    token = CharField(primary_key=True)  # the cookie2 value
    account = ForeignKeyField(Account, backref="sessions")
    tb_token = CharField()
    h5_tk = CharField()
    created_at = DateTimeField()


class Challenge(BaseModel):
    """A pending slider or SMS step, identified by a server-issued token."""

    token = CharField(primary_key=True)
    kind = CharField()  # slider / sms
    purpose = CharField()  # login / tmd
    account = ForeignKeyField(Account, null=True)
    passed = BooleanField(default=False)
    used = BooleanField(default=False)
    created_at = DateTimeField()
    data = JSONField(default=dict)


class SmsCode(BaseModel):
    phone = CharField()
    code = CharField()
    purpose = CharField()  # login / export
    account = ForeignKeyField(Account, null=True)
    shop = ForeignKeyField(Shop, null=True)
    created_at = DateTimeField()
    used = BooleanField(default=False)


class Item(BaseModel):
    """A listing. Items of seller shops resell an item of a supplier shop (``source``)."""

    shop = ForeignKeyField(Shop, backref="items")
    item_id = CharField(unique=True)
    title = CharField()
    pic = CharField()
    price_fen = IntegerField()
    outer_id = CharField(default="")  # 商家编码
    source = ForeignKeyField("self", null=True, backref="resold_by")

    @property
    def url(self) -> str:
        return supplier_url(self.shop.platform, self.item_id)


def supplier_url(platform: str, item_id: str) -> str:
    """The real product URL of a listing (drivers map the host to their configured origin)."""
    return {
        "taobao": f"https://item.taobao.com/item.htm?id={item_id}",
        "taote": f"https://item.taobao.com/item.htm?id={item_id}",
        "tmall": f"https://detail.tmall.com/item.htm?id={item_id}",
        "alibaba1688": f"https://detail.1688.com/offer/{item_id}.html",
        "pdd": f"https://mobile.yangkeduo.com/goods.html?goods_id={item_id}",
    }[platform]


class Sku(BaseModel):
    item = ForeignKeyField(Item, backref="skus")
    sku_id = CharField(unique=True)
    props = JSONField()  # [{"name": "颜色分类", "value": "黑色"}, ...]
    price_fen = IntegerField()
    stock = IntegerField(default=999)
    source = ForeignKeyField("self", null=True, backref="resold_by")


class Order(BaseModel):
    tid = CharField(unique=True)
    shop = ForeignKeyField(Shop, backref="orders")
    buyer_account = ForeignKeyField(Account, null=True, backref="purchases")  # set for our purchases
    buyer_nick = CharField()
    buyer_uid = CharField()
    status = CharField(index=True)  # TOP trade status, e.g. WAIT_SELLER_SEND_GOODS
    created_at = DateTimeField(index=True)
    paid_at = DateTimeField(null=True)
    consign_deadline = DateTimeField(null=True)
    shipped_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    buyer_message = TextField(default="")
    buyer_memo = TextField(default="")  # the buyer's own memo (purchase marker lives here)
    seller_memo = TextField(default="")
    seller_flag = IntegerField(default=0)
    post_fee_fen = IntegerField(default=0)
    receiver_name = CharField()
    receiver_mobile = CharField()
    receiver_province = CharField()
    receiver_city = CharField()
    receiver_district = CharField()
    receiver_town = CharField(default="")
    receiver_address = CharField()
    receiver_zip = CharField(default="000000")
    logistics_order_id = CharField()
    pay_method = CharField(default="")  # purchases: alipay / wechat / unionpay / alipay_password
    group_status = CharField(default="")  # PDD 拼单: "" / 待分享 / 拼单成功
    group_order_id = CharField(default="")  # PDD 拼单 id
    insurance_fen = IntegerField(default=0)  # 运费险 bought with a purchase
    card_fen = IntegerField(default=0)  # 拼多多 省钱月卡 bought with a purchase, less its 本单立减
    never_ships = BooleanField(default=False)  # a purchase whose supplier will not ship on its own
    glitch = BooleanField(default=False)  # the sold list shows this order broken (unreadable fields)


class Shipment(BaseModel):
    order = ForeignKeyField(Order, backref="shipments")
    courier_code = CharField()
    tracking_no = CharField(index=True)
    dummy = BooleanField(default=False)  # 无需物流
    created_at = DateTimeField()


class OrderItem(BaseModel):
    oid = CharField(unique=True)
    order = ForeignKeyField(Order, backref="items")
    item = ForeignKeyField(Item, null=True)
    sku = ForeignKeyField(Sku, null=True)
    title = CharField()
    sku_text = JSONField()
    outer_id = CharField(default="")
    pic = CharField()
    item_url = CharField()
    price_fen = IntegerField()  # unit price before discount
    quantity = IntegerField()
    discount_fen = IntegerField(default=0)
    shipment = ForeignKeyField(Shipment, null=True, backref="items")

    @property
    def total_fen(self) -> int:
        return self.price_fen * self.quantity - self.discount_fen


class Dispute(BaseModel):
    """售后: a refund, a return or a complaint on one sub-order."""

    dispute_id = CharField(unique=True)
    order = ForeignKeyField(Order, backref="disputes")
    order_item = ForeignKeyField(OrderItem, backref="disputes")
    kind = CharField()  # refund_only / return_refund / complaint
    status = IntegerField()  # disputeData codes: 1 待处理 6 已拒绝 2 待买家发货 3 待商家收货 4 关闭 5 成功
    reason = CharField()
    amount_fen = IntegerField()
    after_sale = BooleanField()  # 售后 (after shipping) vs 售中
    return_courier = CharField(default="")
    return_tracking_no = CharField(default="")
    refuse_reason = CharField(default="")
    created_at = DateTimeField()
    updated_at = DateTimeField()


class Address(BaseModel):
    """A purchase account's saved receiver (拼多多 address book; the checkout form saves into it)."""

    account = ForeignKeyField(Account, backref="addresses")
    name = CharField()
    mobile = CharField()
    province = CharField()
    city = CharField()
    district = CharField()
    town = CharField(default="")
    address = CharField()
    is_default = BooleanField(default=False)


class CouponClaim(BaseModel):
    """A shop coupon a purchase account claimed (领取); ``order`` is set once a purchase used it."""

    account = ForeignKeyField(Account)
    shop = ForeignKeyField(Shop)
    claimed_at = DateTimeField()
    order = ForeignKeyField(Order, null=True)


class DualWaybill(BaseModel):
    """双物流: a replacement tracking number the provider issued for a supplier's one."""

    courier_code = CharField()
    tracking_no = CharField()
    new_courier_code = CharField()
    new_tracking_no = CharField(unique=True)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("courier_code", "tracking_no"), True),)


class DecryptUse(BaseModel):
    shop = ForeignKeyField(Shop)
    day = DateField()
    tid = CharField()

    class Meta:
        indexes = ((("shop", "day", "tid"), True),)


class Event(BaseModel):
    """Something the simulation will do at ``due_at`` (a buyer pays, confirms, opens a refund…)."""

    due_at = DateTimeField()
    kind = CharField()
    payload = JSONField(default=dict)
    done = BooleanField(default=False)

    class Meta:
        indexes = ((("done", "due_at"), False),)


MODELS = (World, Counter, Shop, Account, Device, Session, Challenge, SmsCode, Item, Sku, Order,
          Shipment, OrderItem, Dispute, Address, CouponClaim, DualWaybill, DecryptUse, Event)


def open_database(path: Path) -> SqliteDatabase:
    db = SqliteDatabase(str(path), pragmas={"journal_mode": "wal", "foreign_keys": 1,
                                            "busy_timeout": 10000, "synchronous": "normal"})
    with bound(db):
        db.create_tables(MODELS)
        _add_new_columns(db)
    return db


def _add_new_columns(db: SqliteDatabase) -> None:
    """A sandbox.db made by an older version keeps its world: columns added since get created
    (every later field has a default)."""
    migrator = SqliteMigrator(db)
    for model in MODELS:
        have = {column.name for column in db.get_columns(model._meta.table_name)}
        missing = [f for f in model._meta.sorted_fields if f.column_name not in have]
        if missing:
            migrate(*(migrator.add_column(model._meta.table_name, f.column_name, f) for f in missing))
