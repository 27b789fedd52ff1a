"""Accounts on the platforms: shop logins (main and sub-accounts), purchase logins, sessions."""
from __future__ import annotations

from datetime import datetime

from . import catalog, clock, ids, people, simulation
from .models import Account, Session, Shop

SELLER_PLATFORMS = ("taobao", "tmall", "taote")
BUYER_PLATFORMS = ("taobao", "tmall", "taote", "alibaba1688", "pdd")
PLATFORM_TEXT = {"taobao": "淘宝", "tmall": "天猫", "taote": "淘特", "alibaba1688": "1688", "pdd": "拼多多"}

# Options a seller account accepts (documented in README.md); the rest belong to the shop.
SELLER_OPTIONS = {"nick", "phone", "slider_chance", "sms_on_new_device", "rate_limit_per_min",
                  "risk_cooldown_minutes", "can_export", "can_ship", "risk_style", "punish_bots"}
SHOP_OPTIONS = {"shop_name", "decrypt_quota", "decrypt_slider_chance", "orders_per_day", "items", "lost_batch_filter",
                "legacy_consign_only"}
BUYER_OPTIONS = {"nick", "phone", "slider_chance", "sms_on_new_device", "rate_limit_per_min",
                 "risk_cooldown_minutes", "pay_password", "risk_blocked", "access_token", "alipay_account",
                 "list_shape"}


def site_of(platform: str) -> str:
    """淘宝, 天猫 and 淘特 share one account system (login.taobao.com)."""
    return "taobao" if platform in SELLER_PLATFORMS else platform


def add_seller(login: str, password: str, platform: str = "taobao", **options: object) -> Account:
    """A shop login. ``主账号:子账号`` makes a sub-account of an existing main account's shop."""
    if platform not in SELLER_PLATFORMS:
        raise ValueError(f"店铺平台只能是 {SELLER_PLATFORMS}")
    unknown = set(options) - SELLER_OPTIONS - SHOP_OPTIONS
    if unknown:
        raise ValueError(f"未知选项: {sorted(unknown)}")
    account_opts = {k: v for k, v in options.items() if k in SELLER_OPTIONS}
    shop_opts = {k: v for k, v in options.items() if k in SHOP_OPTIONS}
    rnd = clock.rng("seller", login)
    main_login, _, sub_name = login.partition(":")
    if sub_name:
        parent = Account.get((Account.site == "taobao") & (Account.login == main_login))
        account_opts.setdefault("can_export", False)  # 客服子账号 cannot export by default
        return Account.create(site="taobao", platform=parent.platform, role="seller", login=login,
                              password=password, uid=ids.user_id(), nick=login, shop=parent.shop,
                              parent=parent, phone=parent.phone, **account_opts)
    phone = str(account_opts.pop("phone", people.phone(rnd)))
    shop = Shop.create(platform=platform, kind="seller", name=str(shop_opts.get("shop_name") or f"{login}的小店"),
                       seller_uid=ids.user_id(), phone=phone,
                       **{k: v for k, v in shop_opts.items() if k not in ("shop_name", "items")})
    catalog.stock_shop(shop, int(shop_opts.get("items", 12)))
    simulation.start_arrivals(shop, clock.now())
    return Account.create(site="taobao", platform=platform, role="seller", login=login, password=password,
                          uid=shop.seller_uid, nick=str(account_opts.pop("nick", login)), shop=shop, phone=phone,
                          **account_opts)


def add_buyer(platform: str, login: str, password: str, **options: object) -> Account:
    """A purchase account (淘宝/天猫/淘特/1688/拼多多). PDD logins are phone numbers."""
    if platform not in BUYER_PLATFORMS:
        raise ValueError(f"采购平台只能是 {BUYER_PLATFORMS}")
    unknown = set(options) - BUYER_OPTIONS
    if unknown:
        raise ValueError(f"未知选项: {sorted(unknown)}")
    rnd = clock.rng("buyer", platform, login)
    options.setdefault("phone", login if platform == "pdd" else people.phone(rnd))
    options.setdefault("nick", login)
    if platform == "pdd":
        options.setdefault("access_token", ids.token("pdd-token", 40).upper())
        options.setdefault("alipay_account", login)
    return Account.create(site=site_of(platform), platform=platform, role="buyer", login=login,
                          password=password, uid=ids.user_id(), **options)


def find(site: str, login: str) -> Account | None:
    return Account.get_or_none((Account.site == site) & (Account.login == login))


def open_session(account: Account, at: datetime) -> Session:
    expires = clock.epoch_ms(at) + 24 * 3600 * 1000
    return Session.create(token=ids.token("cookie2"), account=account, tb_token=ids.token("tb", 13),
                          h5_tk=f"{ids.token('h5')}_{expires}", created_at=at)
