"""Canned situations for tests and demos. Each returns a dict saying what it made."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from . import accounts, clock, orders, purchases, simulation
from .catalog import OUTER_ID_PREFIX
from .models import Account, Item, Order, OrderItem, Shop, Sku

DEFAULT_PASSWORD = "sandbox123"
_SCENARIOS: dict[str, Callable[..., dict]] = {}


def scenario(func: Callable[..., dict]) -> Callable[..., dict]:
    _SCENARIOS[func.__name__] = func
    return func


def run(name: str, **kw: object) -> dict:
    if name not in _SCENARIOS:
        raise LookupError(f"没有这个场景：{name}（可用：{', '.join(sorted(_SCENARIOS))}）")
    return _SCENARIOS[name](**kw)


def names() -> list[str]:
    return sorted(_SCENARIOS)


def _seller(login: str, platform: str, password: str = DEFAULT_PASSWORD, **options: object) -> Account:
    return accounts.find("taobao", login) or accounts.add_seller(login, password, platform, **options)


def _buyer(platform: str, login: str, password: str = DEFAULT_PASSWORD) -> Account:
    return accounts.find(accounts.site_of(platform), login) or accounts.add_buyer(
        platform, login, password, pay_password="123456")


@scenario
def shop_with_paid_orders(login: str = "shop_paid", platform: str = "taobao", count: int = 500, days: float = 7,
                          password: str = DEFAULT_PASSWORD, multi_ratio: float = 0.2) -> dict:
    """``count`` paid, unshipped orders spread over the last ``days`` days (some past their deadline)."""
    account = _seller(login, platform, password, items=20)
    now = clock.now()
    listings = orders.catalogue(account.shop)
    tids = []
    for n in range(int(count)):
        rnd = clock.rng("scenario-paid", login, n)
        at = now - timedelta(minutes=rnd.uniform(1, float(days) * 1440))
        tids.append(orders.place_order(account.shop, at, rnd, multi=rnd.random() < multi_ratio, listings=listings).tid)
    return {"login": login, "password": account.password, "platform": platform, "shop": account.shop.name,
            "count": len(tids), "tids": tids}


@scenario
def unusual_statuses(login: str = "shop_unusual", platform: str = "taobao", password: str = DEFAULT_PASSWORD) -> dict:
    """One order in each status the TOP model has besides the usual ones (PAID_FORBID_CONSIGN …),
    plus one ordinary paid order; returns ``tids`` by status."""
    account = _seller(login, platform, password)
    now = clock.now()
    tids = {}
    for n, status in enumerate((orders.WAIT_SELLER_SEND_GOODS, *orders.UNUSUAL)):
        order = orders.place_order(account.shop, now - timedelta(minutes=5 + n), clock.rng("unusual", login, n))
        Order.update(status=status).where(Order.id == order.id).execute()
        tids[status] = order.tid
    return {"login": login, "password": account.password, "platform": platform, "tids": tids}


@scenario
def decrypt_quota_zero(login: str = "shop_paid") -> dict:
    account = _seller(login, "taobao")
    Shop.update(decrypt_quota=0).where(Shop.id == account.shop_id).execute()
    return {"login": login, "decrypt_quota": 0}


@scenario
def risk_blocked_pdd(login: str = "13800000000", password: str = DEFAULT_PASSWORD) -> dict:
    """A 拼多多 purchase account under risk control: goods pages read 原商品已售罄，为你推荐相似商品,
    the checkout sends it to psnl_verification.html, ordering answers 系统繁忙."""
    account = accounts.find("pdd", login) or accounts.add_buyer("pdd", login, password)
    account.risk_blocked = True
    account.save()
    return {"platform": "pdd", "login": login, "password": account.password, "risk_blocked": True}


@scenario
def supplier_changed_skus(login: str | None = None) -> dict:
    """Suppliers behind a shop (or any) change their listings: a SKU sells out, prices rise, a SKU is renamed."""
    query = Item.select().join(Shop).where(Shop.kind == "supplier")
    if login:
        shop = accounts.find("taobao", login).shop
        query = query.where(Item.id.in_(Item.select(Item.source).where(Item.shop == shop)))
    sources = list(query.order_by(Item.id).limit(3))
    changes = []
    for index, item in enumerate(sources):
        skus = list(item.skus.order_by(Sku.id))
        base = {"platform": item.shop.platform, "item_id": item.item_id, "url": item.url,
                "outer_id": f"{OUTER_ID_PREFIX[item.shop.platform]}-{item.item_id}"}
        if index == 0:
            Sku.update(stock=0).where(Sku.id == skus[0].id).execute()
            changes.append({**base, "change": "sold_out", "sku_id": skus[0].sku_id})
        elif index == 1:
            for sku in skus:
                sku.price_fen = sku.price_fen * 115 // 100
                sku.save()
            changes.append({**base, "change": "price_up", "percent": 15})
        else:
            sku = skus[-1]
            sku.props = [{**p, "value": p["value"] + "（新款）"} if i == len(sku.props) - 1 else p
                         for i, p in enumerate(sku.props)]
            sku.save()
            changes.append({**base, "change": "renamed", "sku_id": sku.sku_id, "props": sku.props})
    return {"changes": changes}


@scenario
def supplier_never_ships(login: str = "shop_stuck", platform: str = "pdd", hours_ago: float = 40,
                         password: str = DEFAULT_PASSWORD) -> dict:
    """A shop order paid ``hours_ago`` hours ago (its 发货 deadline near) that was bought at its
    ``platform`` supplier 10 minutes after payment; that supplier never ships it."""
    shop = _seller(login, "taobao", password, items=24).shop
    listing = next((sku for _, skus in orders.catalogue(shop) for sku in skus
                    if sku.source.item.shop.platform == platform and sku.source.stock > 0), None)
    if listing is None:
        raise LookupError(f"店铺 {login} 没有来自该平台的在售商品")
    paid_at = clock.now() - timedelta(hours=float(hours_ago))
    order = orders.place_order(shop, paid_at, clock.rng("stuck", login, hours_ago), lines=[(listing, 1)])
    buyer = _buyer(platform, STUCK_BUYERS[accounts.site_of(platform)])
    bought_at = paid_at + timedelta(minutes=10)
    purchase = purchases.place(buyer, [(listing.source, 1)], orders.receiver_of(order), bought_at,
                               memo=f"代发 {order.tid}")
    purchase.never_ships = True
    purchase.save()
    purchases.pay(purchase, bought_at)
    return {"login": login, "password": password, "tid": order.tid, "consign_deadline": clock.fmt(order.consign_deadline),
            "platform": platform, "buyer": buyer.login, "buyer_password": buyer.password, "order_id": purchase.tid}


STUCK_BUYERS = {"taobao": "stuck_tb", "alibaba1688": "stuck_1688", "pdd": "13600000000"}
DEMO_BUYERS = (("taobao", "buyer_tb"), ("alibaba1688", "buyer_1688"), ("pdd", "13900139000"))


@scenario
def demo(days: float = 3) -> dict:
    """Three shops (淘宝 / 淘特 / 天猫) with ``days`` days of history, and purchase accounts that
    bought most of those orders from their suppliers (who shipped them, or not yet)."""
    now = clock.now()
    shops, new_shops = [], []
    for login, platform, per_day in (("tb_demo", "taobao", 30), ("tt_demo", "taote", 24), ("tm_demo", "tmall", 16)):
        account = accounts.find("taobao", login)
        if account is None:
            account = accounts.add_seller(login, DEFAULT_PASSWORD, platform, items=16)
            Shop.update(orders_per_day=per_day).where(Shop.id == account.shop_id).execute()
            simulation.start_arrivals(Shop.get_by_id(account.shop_id), now - timedelta(days=float(days)),
                                      autoship_before=now)
            new_shops.append(account.shop_id)
        shops.append({"login": login, "password": account.password, "platform": platform})
    buyers = {accounts.site_of(platform): _buyer(platform, login) for platform, login in DEMO_BUYERS}
    ran = simulation.run_due(now)
    bought = _history_purchases(new_shops, buyers, now)
    ran += simulation.run_due(now)  # suppliers ship (or not) what was bought in the past
    return {"shops": shops, "history_events": len(ran), "history_purchases": bought,
            "buyers": [{"login": login, "password": buyers[accounts.site_of(platform)].password, "platform": platform}
                       for platform, login in DEMO_BUYERS]}


def _history_purchases(shop_ids: list[int], buyers: dict[str, Account], now) -> int:
    """60 % of the paid history orders were bought from the supplier 5 minutes to 2 hours after payment."""
    made = 0
    paid = (Order.select().where(Order.shop.in_(shop_ids) & Order.paid_at.is_null(False)
                                 & (Order.status != orders.TRADE_CLOSED)).order_by(Order.tid))
    for order in paid:
        rnd = clock.rng("demo-purchase", order.tid)
        at = order.paid_at + timedelta(minutes=rnd.uniform(5, 120))
        if rnd.random() >= 0.6 or at >= now:
            continue
        for line in order.items.order_by(OrderItem.id):
            source = line.sku.source
            try:
                purchase = purchases.place(buyers[accounts.site_of(source.item.shop.platform)], [(source, line.quantity)],
                                           orders.receiver_of(order), at,
                                           group=source.item.shop.platform == "pdd" and rnd.random() < 0.5)
            except purchases.PurchaseError:
                continue  # sold out at the supplier
            purchases.pay(purchase, at, "alipay")
            made += 1
    return made
