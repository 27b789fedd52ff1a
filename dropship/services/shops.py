"""店铺管理 rules: adding, editing and deleting shops, login/fetch states, fetch windows and schedule."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peewee import fn

from dropship.errors import FieldError, UserError
from dropship.models import Order, Purchase, Shop, ShopDailyStat
from dropship.platforms.base import Receiver
from dropship.services.billing import in_service, trial_until
from dropship.services.orders.tabs import TabContext, tab_to_purchase
from dropship.services.purchasing import auto
from dropship.services.scope import Scope
from dropship.services.settings import register

PLATFORMS: dict[str, str] = {"taobao": "淘宝", "tmall": "天猫", "taote": "淘特"}

# 登录状态: each failure is distinct so the user knows what to do next
LOGIN_STATES: dict[str, str] = {
    "unknown": "未登录",
    "ok": "正常",
    "bad_password": "密码错误",
    "needs_verification": "需要验证",
    "risk": "风控限制",
    "cooled": "冷却结束，待重新验证",  # never stored: see effective_login_state
    "network": "网络错误",
    "expired": "登录失效",
}
# The sessions 批量同步 and fetching may use: a cool-down that has ended is tried again, and that job's
# login check decides (success → 正常, another risk answer → the next, longer cool-down).
SESSION_USABLE: tuple[str, ...] = ("ok", "cooled")
FETCH_STATES: dict[str, str] = {"stopped": "停止获取", "fetching": "正在获取"}
FETCH_DAY_CHOICES: tuple[int, ...] = (1, 3, 7, 15, 30)
FETCH_INTERVAL = timedelta(minutes=5)  # while 正在获取, each shop is re-read this often
MAX_CUSTOM_RANGE = timedelta(days=92)  # the sold list only offers the last three months
MAX_LOGIN = 64
MAX_PASSWORD = 64


# 设置 › 店铺后台设置 › 地址解密: which route decrypts masked receivers (see tasks.shops). All four
# use the one decrypt the seller backend offers (the logistics order's getRealReceiverInfo); what truly
# differs, and what the text says, is our own daily cap and what happens at a slider.
DECRYPT_ROUTES: dict[int, str] = {
    1: "线路 1：遇到滑块本轮暂停、下次获取时继续（不打扰人），不设每日上限",
    2: "线路 2：遇到滑块本轮暂停，每店每日最多解密 20 个（最省平台额度）",
    3: "线路 3：遇到滑块交给验证中心由人完成后继续，不设每日上限",
    4: "线路 4：遇到滑块交给验证中心，每店每日最多解密 50 个",
}


@dataclass(frozen=True)
class DecryptPolicy:
    """How a route spends the scarce decryptions: a daily cap of ours, and whether a slider is
    shown to a person (验证中心) or ends the round until the next fetch."""

    daily_cap: int | None
    ask_person: bool


DECRYPT_POLICIES: dict[int, DecryptPolicy] = {
    1: DecryptPolicy(daily_cap=None, ask_person=False),
    2: DecryptPolicy(daily_cap=20, ask_person=False),
    3: DecryptPolicy(daily_cap=None, ask_person=True),
    4: DecryptPolicy(daily_cap=50, ask_person=True),
}


def decrypt_allowance(shop_id: int, route: int, day: date | None = None) -> int | None:
    """How many more addresses this route may decrypt for the shop today (None = the platform decides)."""
    cap = DECRYPT_POLICIES[route].daily_cap
    if cap is None:
        return None
    stat = today_stats([shop_id], day).get(shop_id)
    return max(0, cap - (stat.decrypted if stat else 0))


def _route(value) -> int:
    try:
        route = int(value)
    except (TypeError, ValueError):
        route = 0
    if route not in DECRYPT_ROUTES:
        raise ValueError("请选择线路 1–4")
    return route


register("address.decrypt_route", "地址解密", 1, _route)


def _clean_login(platform: str, login: str, password: str, require_password: bool = True) -> tuple[str, str]:
    if platform not in PLATFORMS:
        raise FieldError("platform", "请选择店铺平台（淘宝 / 天猫 / 淘特）")
    login = login.strip()
    if not login:
        raise FieldError("login", "请输入登录账号")
    if len(login) > MAX_LOGIN:
        raise FieldError("login", f"登录账号最多 {MAX_LOGIN} 个字符")
    if login.count(":") > 1 or login.startswith(":") or login.endswith(":"):
        raise FieldError("login", "子账号格式应为 主账号:子账号")
    if require_password and not password:
        raise FieldError("password", "请输入登录密码")
    if len(password) > MAX_PASSWORD:
        raise FieldError("password", f"登录密码最多 {MAX_PASSWORD} 个字符")
    return login, password


def _duplicate(platform: str, login: str, exclude_id: int | None = None) -> bool:
    query = Shop.select().where(Shop.platform == platform, fn.LOWER(Shop.login) == login.lower(),
                                Shop.deleted_at.is_null())
    if exclude_id is not None:
        query = query.where(Shop.id != exclude_id)
    return query.exists()


def add_shop(platform: str, login: str, password: str) -> Shop:
    login, password = _clean_login(platform, login, password)
    if _duplicate(platform, login):
        raise FieldError("login", f"{PLATFORMS[platform]}店铺 {login} 已经添加过了")
    return Shop.create(platform=platform, login=login, password=password, nick=login.split(":")[0],
                       service_until=trial_until())


def edit_shop(shop: Shop, platform: str, login: str, password: str, headed: bool | None = None) -> Shop:
    """修改店铺: a sub-account's login may change, a main account's may not (as the manual says)."""
    login, password = _clean_login(platform, login, password, require_password=False)
    if login != shop.login and not shop.is_sub_account:
        raise FieldError("login", "主账号店铺不支持修改登录账号；子账号可以修改")
    if _duplicate(platform, login, exclude_id=shop.id):
        raise FieldError("login", f"{PLATFORMS[platform]}店铺 {login} 已经添加过了")
    changed = login != shop.login or platform != shop.platform or bool(password)
    shop.platform, shop.login = platform, login
    if password:
        shop.password = password
    if changed:  # new credentials: the old session no longer proves anything
        shop.login_state, shop.login_message = "unknown", ""
    if headed is not None:
        shop.headed = headed
    shop.save()
    return shop


def delete_shops(shop_ids: list[int], scope: Scope) -> int:
    """删除店铺: the shop disappears from lists; its orders stay, marked as from a deleted shop."""
    if not shop_ids:
        raise FieldError("shop_ids", "请先勾选要删除的店铺")
    return (Shop.update(deleted_at=datetime.now(), fetch_state="stopped", next_fetch_at=None)
            .where(Shop.id.in_(shop_ids), Shop.deleted_at.is_null(), *scope.conditions(Shop)).execute())


def active_shops(scope: Scope):
    """The shops the user may see, deleted ones left out (the system's own work passes Scope.everything())."""
    return scope.apply(Shop.select().where(Shop.deleted_at.is_null()))


def fetch_job_title(shop: Shop) -> str:
    return f"获取订单 · {PLATFORMS.get(shop.platform, '')} {shop.display_name}"


# -- fetching ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FetchOptions:
    days: int  # 0 = custom
    start: datetime | None
    end: datetime | None
    auto_login: bool
    auto_sync_deleted_address: bool
    auto_ship: bool
    auto_purchase: bool = False  # 自动采购 (services.purchasing.auto)
    auto_purchase_buffer: int = auto.DEFAULT_BUFFER  # 取消缓冲（分钟）


def parse_fetch_options(days: str, start: str, end: str, auto_login: bool, auto_sync_deleted_address: bool,
                        auto_ship: bool, now: datetime | None = None, auto_purchase: bool = False,
                        auto_purchase_buffer: str | int = auto.DEFAULT_BUFFER) -> FetchOptions:
    now = now or datetime.now()
    buying = {"auto_purchase": auto_purchase, "auto_purchase_buffer": auto.parse_buffer(auto_purchase_buffer)}
    if days != "custom":
        try:
            value = int(days)
        except ValueError:
            raise FieldError("days", "请选择时间段") from None
        if value not in FETCH_DAY_CHOICES:
            raise FieldError("days", "请选择时间段")
        return FetchOptions(value, None, None, auto_login, auto_sync_deleted_address, auto_ship, **buying)
    begin, finish = _parse_time(start, "start"), _parse_time(end, "end")
    if finish <= begin:
        raise FieldError("end", "结束时间必须晚于开始时间")
    if begin < now - MAX_CUSTOM_RANGE:
        raise FieldError("start", "开始时间不能早于三个月前（平台只提供近三个月订单）")
    if begin > now:
        raise FieldError("start", "开始时间不能晚于现在")
    return FetchOptions(0, begin, finish, auto_login, auto_sync_deleted_address, auto_ship, **buying)


def _parse_time(text: str, field: str) -> datetime:
    text = text.strip().replace("T", " ")
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise FieldError(field, "请输入正确的时间，例如 2026-11-20 08:00")


def fetch_window(shop: Shop, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The 成交时间 range the next fetch reads."""
    now = now or datetime.now()
    if shop.fetch_days == 0 and shop.fetch_from and shop.fetch_to:
        return shop.fetch_from, min(shop.fetch_to, now)
    return now - timedelta(days=shop.fetch_days or 3), now


FETCH_SWITCH_HINT = "获取中想换店铺或改开关：先点“暂停获取”，重新勾选店铺，再点“开始获取”"
# The manual's FAQ 4: 自动发货 is one of the switches 开始获取 saves per shop, so turning it back on goes
# the FAQ's way (暂停获取 → 勾选 → 打开 → 开始获取). Unlike the manual, nothing is lost meanwhile: the
# purchase-status sync looks at every open parcel again, so what waited while it was off ships then.
AUTO_SHIP_HINT = ("自动发货：上家发货后，按“采购设置 → 发货物流”自动用上家物流单号（或双物流）在店铺发货。"
                  "关闭期间上家发货的订单不会自动发货；要重新打开，先“暂停获取”，勾选店铺，打开“自动发货”再“开始获取”，"
                  "这些订单会在下一次同步采购状态时自动补发。")


def start_fetching(shop_ids: list[int], options: FetchOptions, scope: Scope,
                   now: datetime | None = None) -> tuple[list[Shop], list[str]]:
    """开始获取 for the ticked shops; returns (shops to fetch now, refusals with reasons).

    The manual's FAQ 1: to fetch other shops while shops are fetching, 暂停获取 first, tick again,
    开始获取. So nothing starts while any shop the user can see is 正在获取 (a shop fetching with
    other options is never silently joined or changed); shops outside the scope do not count.
    """
    now = now or datetime.now()
    if not shop_ids:
        raise FieldError("shop_ids", "请先勾选要获取订单的店铺")
    if any_fetching(scope):
        raise UserError(f"有店铺正在获取订单。{FETCH_SWITCH_HINT}")
    started, refused = [], []
    for shop in active_shops(scope).where(Shop.id.in_(shop_ids)).order_by(Shop.id):
        if not in_service(shop, now):
            refused.append(f"{shop.display_name}：服务已到期，请先在充值中心续费")
            continue
        shop.fetch_state = "fetching"
        shop.fetch_days = options.days
        shop.fetch_from, shop.fetch_to = options.start, options.end
        shop.auto_login = options.auto_login
        shop.auto_sync_deleted_address = options.auto_sync_deleted_address
        shop.auto_ship = options.auto_ship
        # 自动采购 buys orders fetched from the moment it went on, never the backlog before it
        if options.auto_purchase and not (shop.auto_purchase and shop.auto_purchase_since):
            shop.auto_purchase_since = now
        elif not options.auto_purchase:
            shop.auto_purchase_since = None
        shop.auto_purchase = options.auto_purchase
        shop.auto_purchase_buffer = options.auto_purchase_buffer
        shop.next_fetch_at = now
        shop.save()
        started.append(shop)
    return started, refused


def any_fetching(scope: Scope) -> bool:
    """Is any shop the user can see 正在获取?"""
    return active_shops(scope).where(Shop.fetch_state == "fetching").exists()


def pause_fetching(scope: Scope, shop_ids: list[int] | None = None) -> int:
    """暂停获取 for the given shops; None pauses every fetching shop in scope (the web asks first)."""
    query = (Shop.update(fetch_state="stopped", next_fetch_at=None)
             .where(Shop.fetch_state == "fetching", *scope.conditions(Shop)))
    if shop_ids is not None:
        query = query.where(Shop.id.in_(shop_ids))
    return query.execute()


def fetch_period(shop: Shop) -> str:
    """The 选择时间段 a shop fetches with, as the start dialog offered it."""
    if shop.fetch_days == 0 and shop.fetch_from and shop.fetch_to:
        return f"{shop.fetch_from:%Y-%m-%d %H:%M} 至 {shop.fetch_to:%Y-%m-%d %H:%M}"
    return f"{shop.fetch_days or 3}天"


def fetch_switches(shop: Shop) -> list[tuple[str, bool]]:
    """The switches a shop fetches with (saved per shop by 开始获取), by the start dialog's labels."""
    return [("店铺筛选自动登录", shop.auto_login), ("删除地址自动同步", shop.auto_sync_deleted_address),
            ("自动发货", shop.auto_ship), ("自动采购", shop.auto_purchase)]


def to_purchase_counts(shop_ids: list[int], scope: Scope) -> dict[int, int]:
    """待下单数 per shop: the 待采购 tab's orders (ignored ones left out, as the tab does), one grouped query."""
    if not shop_ids:
        return {}
    rows = (Order.select(Order.shop, fn.COUNT(Order.id))
            .where(Order.shop.in_(shop_ids), Order.ignored == False,  # noqa: E712
                   tab_to_purchase(TabContext.current()), *scope.conditions(Order))
            .group_by(Order.shop).tuples())
    return {shop_id: count for shop_id, count in rows}


def due_shops(now: datetime | None = None) -> list[Shop]:
    """Shops whose next scheduled fetch has come (and that are not cooling down)."""
    now = now or datetime.now()
    due = active_shops(Scope.everything()).where(Shop.fetch_state == "fetching", Shop.next_fetch_at <= now)
    return [shop for shop in due.order_by(Shop.next_fetch_at) if not cooling_down(shop, now)]


def schedule_next(shop: Shop, now: datetime | None = None) -> None:
    now = now or datetime.now()
    if shop.fetch_state == "fetching":
        Shop.update(next_fetch_at=now + FETCH_INTERVAL, last_fetch_at=now).where(Shop.id == shop.id).execute()
    else:
        Shop.update(last_fetch_at=now).where(Shop.id == shop.id).execute()


def set_login_state(shop: Shop, state: str, message: str = "", cooldown: timedelta | None = None,
                    now: datetime | None = None) -> None:
    now = now or datetime.now()
    changes = {Shop.login_state: state, Shop.login_message: message[:300], Shop.login_checked_at: now}
    if cooldown:
        changes[Shop.cooldown_until] = now + cooldown
        changes[Shop.next_fetch_at] = now + cooldown
    Shop.update(changes).where(Shop.id == shop.id).execute()


# -- today's figures -----------------------------------------------------------------------------

def bump_daily(shop_id: int, field: str, amount: int = 1, day: date | None = None) -> None:
    day = day or date.today()
    column = getattr(ShopDailyStat, field)
    (ShopDailyStat.insert(shop=shop_id, day=day, **{field: amount})
     .on_conflict(conflict_target=[ShopDailyStat.shop, ShopDailyStat.day], update={column: column + amount})
     .execute())


def today_stats(shop_ids: list[int], day: date | None = None) -> dict[int, ShopDailyStat]:
    day = day or date.today()
    rows = ShopDailyStat.select().where(ShopDailyStat.shop.in_(shop_ids), ShopDailyStat.day == day)
    return {row.shop_id: row for row in rows}



# After a risk answer the shop rests, longer each time: 15 → 30 → 60 … minutes, capped; a day without
# a risk answer starts the count again. Retrying soon after a block is what gets shops banned.
RISK_COOLDOWN_CAP = timedelta(hours=4)
CLEAN_DAY = timedelta(days=1)


def next_cooldown(strikes: int, last_risk_at: datetime | None, now: datetime,
                  first: timedelta = timedelta(minutes=15)) -> tuple[int, timedelta]:
    """(strikes counting this risk answer, the cool-down it calls for)."""
    if last_risk_at is None or now - last_risk_at >= CLEAN_DAY:
        strikes = 0
    strikes += 1
    return strikes, min(first * 2 ** min(strikes - 1, 16), RISK_COOLDOWN_CAP)


def cooling_down(shop: Shop, now: datetime | None = None) -> bool:
    """The one rule of a risk cool-down: it lasts until cooldown_until, and the clock alone ends it."""
    return shop.cooldown_until is not None and shop.cooldown_until > (now or datetime.now())


def effective_login_state(shop: Shop, now: datetime | None = None) -> str:
    """登录状态 as shown and obeyed: 风控限制 whose cool-down has passed reads 冷却结束，待重新验证.

    Computed, not stored, so no process has to be awake when the cool-down ends; the next job that
    opens the shop stores what its login check finds.
    """
    if shop.login_state == "risk" and not cooling_down(shop, now):
        return "cooled"
    return shop.login_state


def session_usable(shop: Shop, now: datetime | None = None) -> bool:
    """May 批量同步 / fetching use this shop's session now (see SESSION_USABLE)."""
    return effective_login_state(shop, now) in SESSION_USABLE


def record_risk(shop: Shop, message: str, first: timedelta = timedelta(minutes=15),
                now: datetime | None = None) -> timedelta:
    """登录状态 风控限制 with the next cool-down (read from the row: another process may have struck too)."""
    now = now or datetime.now()
    fresh = Shop.get_by_id(shop.id)
    strikes, cooldown = next_cooldown(fresh.risk_strikes, fresh.last_risk_at, now, first)
    minutes = int(cooldown.total_seconds() // 60)
    set_login_state(shop, "risk", f"{message}（第 {strikes} 次，冷却 {minutes} 分钟）", cooldown, now)
    Shop.update(risk_strikes=strikes, last_risk_at=now).where(Shop.id == shop.id).execute()
    return cooldown


def state_for_error(exc: BaseException) -> tuple[str, str]:
    """Which 登录状态 a failure means and the message to show (risk: see record_risk for the cool-down)."""
    from dropship.platforms.base import BadCredentials, LoginRequired, NeedsVerification, RiskBlocked

    message = str(exc)
    if isinstance(exc, BadCredentials):
        return "bad_password", message or "账号名或登录密码不正确"
    if isinstance(exc, NeedsVerification):
        return "needs_verification", f"{message}：请到验证中心处理，或点“授权”重试"
    if isinstance(exc, RiskBlocked):
        return "risk", message
    if isinstance(exc, LoginRequired):
        return "expired", message
    return "network", message


# -- 删除地址自动同步 -------------------------------------------------------------------------------

ADDRESS_CHANGED = "address_changed"  # Order.abnormal: the buyer changed the address after we decrypted/bought


def receivers_seen(shop: Shop, seen: list[tuple[int, Receiver]]) -> list[int]:
    """Store the masked receivers a detail page showed; returns the orders to decrypt again.

    A masked receiver different from the stored one means the buyer changed the address. With
    删除地址自动同步 on, the old real address is dropped and the order decrypted again; an order
    already bought (an active purchase) goes to 异常订单 with 「买家已修改地址」, so nobody ships to
    the old address. Off: only the masked text is refreshed.
    """
    if not seen:
        return []
    auto = Shop.get_by_id(shop.id).auto_sync_deleted_address
    stored = {o.id: o for o in Order.select().where(Order.id.in_([order_id for order_id, _ in seen]))}
    bought = {order_id for (order_id,) in Purchase.select(Purchase.order).where(
        Purchase.order.in_(list(stored)), Purchase.active == True).tuples()}  # noqa: E712
    again = []
    for order_id, masked in seen:
        order = stored[order_id]
        known = (order.receiver_name, order.receiver_phone, order.receiver_region, order.receiver_address)
        now = (masked.name, masked.phone, masked.region, masked.address)
        if known == now:
            continue
        changes = {Order.receiver_name: masked.name, Order.receiver_phone: masked.phone,
                   Order.receiver_region: masked.region, Order.receiver_address: masked.address}
        changed = any(known) and order.address_state != "manual"  # first sight is not a change; 手动 is the user's
        if changed and auto:
            changes.update({Order.receiver_real: None, Order.address_state: "masked", Order.updated_at: datetime.now()})
            if order_id in bought:
                changes.update({Order.abnormal: ADDRESS_CHANGED, Order.mark_note: "买家已修改地址"})
            again.append(order_id)
        Order.update(changes).where(Order.id == order_id).execute()
    return again
