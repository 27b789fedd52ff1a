"""订单采购 on the order card: the 采购 dialog (请输入下单链接, 规格对应, 切换帐号, 去下单), 添加采购订单信息,
重新下单, 取消下单, 历史, and 批量采购 in 待采购.

The dialog is one sub-order's (its 商家编码's links, its 商品属性's 规格对应). Every form in it answers with
the dialog again, an error beside its field (400) and nothing changed. 去下单 creates the Purchase (准备)
and hands it to the `purchase` job; until that task is registered the buttons are shown disabled
(即将开放) and the routes refuse with 409, creating nothing.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, abort, g, render_template, request, url_for
from markupsafe import Markup

from dropship import queue
from dropship.errors import FieldError, UserError
from dropship.models import Job, Order, OrderItem, Purchase, PurchaseAccount, PurchaseItem, Shop, SupplierLink
from dropship.platforms.verification import needs_live_view
from dropship.services.accounts import is_usable, usable
from dropship.services.jobs import job_target, memo_push_job, purchase_batch_job
from dropship.services.purchasing import links, manual, records, sku_map
from dropship.services.purchasing.labels import PURCHASE_PLATFORMS, PURCHASE_STATUS_LABELS
from dropship.services.rollups import still_to_buy
from dropship.tls import is_loopback
from dropship.web.access import requires
from dropship.web.forms import form as show_form
from dropship.web.inputs import form_ids, parse_db_id
from dropship.web.scoping import current_scope, get_or_404

bp = Blueprint("purchase", __name__, url_prefix="/purchase")
MODES: dict[str, str] = {"auto": "自动下单", "assisted": "辅助下单"}
# 淘宝 / 天猫 / 淘特 / 1688 / 拼多多: each site's own search page for the item title (a new tab)
SEARCH_URLS: dict[str, str] = {
    "taobao": "https://s.taobao.com/search?q={}",
    "tmall": "https://list.tmall.com/search_product.htm?q={}",
    "taote": "https://s.taobao.com/search?q={}",  # 淘特 sells 淘宝 items and has no web search of its own
    "alibaba1688": "https://s.1688.com/selloffer/offer_search.htm?charset=utf8&keywords={}",
    "pdd": "https://mobile.yangkeduo.com/search_result.html?search_key={}",
}
MAX_BATCH = 200
CANCEL_HINT = "已发货的采购单不能取消，需到采购平台申请退款"
NOT_YET = "自动下单 / 辅助下单即将开放"


def purchase_ready() -> bool:
    """Whether the `purchase` task is registered in this process (else 去下单 is 即将开放)."""
    return "purchase" in queue.JOB_TASKS


def _message(text: str, status: int = 200, error: bool = False, events: tuple[str, ...] = ()):
    headers = {"HX-Retarget": "#order-message", "HX-Reswap": "innerHTML"}
    if events:
        headers["HX-Trigger"] = json.dumps(dict.fromkeys(events, True))
    return render_template("orders/_message.html", text=text, error=error), status, headers


def _item_or_404(item_id: int) -> OrderItem:
    """A sub-order of an order the user may see (its order and shop loaded)."""
    query = OrderItem.select(OrderItem, Order, Shop).join(Order).join(Shop)
    item = current_scope().apply(query.where(OrderItem.id == item_id), Order).first()
    if item is None:
        abort(404, description="订单不存在")
    return item


def _link_or_404(item: OrderItem, link_id: int) -> SupplierLink:
    """A link remembered for this sub-order's 商家编码 (any other id is a 404, like a forged one)."""
    link = SupplierLink.get_or_none(SupplierLink.id == link_id, SupplierLink.outer_id == item.outer_id)
    if link is None or not item.outer_id:
        abort(404, description="下单链接不存在")
    return link


def accounts_for(platform: str) -> list[PurchaseAccount]:
    """切换帐号: the enabled, online accounts the user is granted that buy on `platform`."""
    kinds = [kind for kind, buys in manual.ACCOUNT_BUYS.items() if platform in buys]
    return list(usable(current_scope()).where(PurchaseAccount.platform.in_(kinds))
                .order_by(PurchaseAccount.platform, PurchaseAccount.id))


def _dialog(item: OrderItem, error: FieldError | None = None, typed: dict | None = None, status: int | None = None,
            notice: str = ""):
    scope = current_scope()
    rows = []
    for link in links.links_for(scope, item.outer_id):
        rows.append({"link": link, "mapping": sku_map.mapping_for(item.outer_id, item.sku_text, link.platform,
                                                                  link.item_id),
                     "accounts": accounts_for(link.platform)})
    pending = OrderItem.select().where(OrderItem.id == item.id, still_to_buy()).exists()
    search = {code: url.format(quote(item.title, safe="")) for code, url in SEARCH_URLS.items()}
    return show_form("purchase/_dialog.html", error=error, status=status, item=item, rows=rows, typed=typed or {},
                     search=search, platforms=PURCHASE_PLATFORMS, modes=MODES, ready=purchase_ready(),
                     pending=pending, notice=notice, not_yet=NOT_YET)


# -- 采购: the dialog ------------------------------------------------------------------------------------

@bp.get("/items/<dbid:item_id>")
@requires("orders.purchase")
def dialog(item_id: int):
    return _dialog(_item_or_404(item_id))


@bp.post("/items/<dbid:item_id>/links")
@requires("orders.purchase")
def add_link(item_id: int):
    """+ 新增: a pasted link, normalised; a bad one gets its message in place (400)."""
    item = _item_or_404(item_id)
    typed = {"url": request.form.get("url", ""), "note": request.form.get("note", "")}
    try:
        links.remember_link(current_scope(), item.outer_id, typed["url"], typed["note"], g.user)
    except FieldError as exc:
        return _dialog(item, exc, typed)
    return _dialog(item, notice="已添加下单链接")


@bp.post("/items/<dbid:item_id>/links/<dbid:link_id>/delete")
@requires("orders.purchase")
def delete_link(item_id: int, link_id: int):
    item = _item_or_404(item_id)
    link = _link_or_404(item, link_id)
    links.delete_link(current_scope(), link.id)
    return _dialog(item, notice="已删除下单链接")


@bp.post("/items/<dbid:item_id>/links/<dbid:link_id>/sku")
@requires("orders.purchase")
def map_sku(item_id: int, link_id: int):
    """规格对应: this shop SKU → the supplier SKU id (and its words) × the multiplier, remembered."""
    item = _item_or_404(item_id)
    link = _link_or_404(item, link_id)
    typed = {"link": link.id, "sku_id": request.form.get("sku_id", "").strip(),
             "sku_text": request.form.get("sku_text", "").strip(), "multiplier": request.form.get("multiplier", "")}
    try:
        sku_map.remember_typed(current_scope(), item.outer_id, item.sku_text, link.platform, link.item_id,
                               typed["sku_id"], typed["sku_text"], typed["multiplier"])
    except FieldError as exc:
        return _dialog(item, exc, typed)
    return _dialog(item, notice="已保存规格对应")


def _begin(order: Order, items: list[OrderItem], link: SupplierLink, account: PurchaseAccount) -> Purchase:
    """records.begin (准备) with the link's 规格对应 applied; UserError from begin."""
    mapping = sku_map.mapping_for(items[0].outer_id, items[0].sku_text, link.platform, link.item_id)
    quantity = sum(i.quantity for i in items) * (mapping.multiplier if mapping else 1)
    return records.begin(current_scope(), order, items, account, link.platform, link.item_id,
                         mapping.sku_id if mapping else "", quantity)


def _begin_and_start(order: Order, items: list[OrderItem], link: SupplierLink, account: PurchaseAccount,
                     mode: str, **options: bool) -> Job:
    """_begin then the purchase job, with the agreed arguments; UserError from begin."""
    purchase = _begin(order, items, link, account)
    title = f"{MODES[mode]} · {PURCHASE_PLATFORMS.get(link.platform, link.platform)} · {order.tid}"
    return queue.start_job("purchase", title, target=job_target("purchase", purchase.id), user=g.user,
                           purchase_id=purchase.id, mode=mode, **options)


def _account_choice(name: str, platform: str) -> PurchaseAccount | None:
    """The ticked account if it is one of `accounts_for(platform)`; None otherwise."""
    account_id = parse_db_id(request.form.get(name, ""))
    return next((a for a in accounts_for(platform) if a.id == account_id), None)


@bp.post("/items/<dbid:item_id>/links/<dbid:link_id>/go")
@requires("orders.purchase")
def go(item_id: int, link_id: int):
    """去下单 (自动下单 / 辅助下单) with the link and the account chosen in 切换帐号."""
    item = _item_or_404(item_id)
    link = _link_or_404(item, link_id)
    mode = request.form.get("mode", "")
    typed = {"link": link.id, "account": request.form.get("account", "")}
    if not purchase_ready():
        return _dialog(item, FieldError("go", NOT_YET), typed, status=409)
    if mode not in MODES:
        return _dialog(item, FieldError("go", "请选择 自动下单 或 辅助下单"), typed)
    account = _account_choice("account", link.platform)
    if account is None:
        return _dialog(item, FieldError("account", "请在“切换帐号”中选择一个可用的采购账号"), typed)
    # 辅助下单 asked from another PC of the LAN is bought there, through 验证中心's live view
    options = {"remote": not is_loopback(request.remote_addr or "")} if mode == "assisted" else {}
    try:
        job = _begin_and_start(item.order, [item], link, account, mode, **options)
    except UserError as exc:
        return _dialog(item, FieldError("go", str(exc)), typed)
    text = f"已开始{MODES[mode]}（订单 {item.order.tid}），可在右上角“任务”查看进度"
    if options and needs_live_view(options["remote"]):
        text = Markup('{}；<a href="{}">在此电脑操作：打开实时页面</a>').format(text, url_for("verify.for_job", job_id=job.id))
    elif options:
        text += "；下单页面在本机的浏览器窗口中打开"
    return _message(text, events=("close-dialog", "orders-changed", "jobs-changed"))


# -- 添加采购订单信息 / 重新下单 / 取消下单 / 历史 ---------------------------------------------------------------

def _order_or_404(order_id: int) -> Order:
    return get_or_404(Order.select(Order, Shop).join(Shop), order_id, current_scope())


def _manual_form(order: Order, form: dict, error: FieldError | None = None):
    accounts = list(current_scope().apply(PurchaseAccount.select()).order_by(PurchaseAccount.platform,
                                                                                PurchaseAccount.id))
    return show_form("purchase/_manual_form.html", error=error, order=order, form=form, accounts=accounts,
                     platforms=PURCHASE_PLATFORMS)


@bp.get("/orders/<dbid:order_id>/manual")
@requires("orders.add_purchase")
def manual_form(order_id: int):
    return _manual_form(_order_or_404(order_id), {})


@bp.post("/orders/<dbid:order_id>/manual")
@requires("orders.add_purchase")
def add_manual(order_id: int):
    order = _order_or_404(order_id)
    form = {name: request.form.get(name, "") for name in ("platform", "platform_order_id", "amount", "account")}
    try:
        memo_changed = manual.add_manual(current_scope(), order.id, form)
    except FieldError as exc:
        return _manual_form(order, form, exc)
    _push_memo(order, memo_changed)
    return _message(f"已添加采购订单信息（订单 {order.tid}）", events=("close-dialog", "orders-changed", "jobs-changed"))


def _push_memo(order: Order, memo_changed: bool) -> None:
    """The memo template changed the seller memo: push it to the shop backend (the existing job)."""
    if memo_changed:
        queue.start_job(**memo_push_job(order), user=g.user)


def _active_purchase_order(purchase_id: int) -> Order:
    purchase = records.get_purchase(current_scope(), purchase_id)
    if purchase is None:
        abort(404, description="采购不存在")
    return _order_or_404(purchase.order_id)


@bp.post("/purchases/<dbid:purchase_id>/repurchase")
@requires("orders.purchase")
def repurchase(purchase_id: int):
    """重新下单: the purchase moves to 历史, its sub-orders are 待采购 again, and the answer is the 采购
    dialog of the first of them (the manual: 此时弹出采购链接弹窗)."""
    order = _active_purchase_order(purchase_id)
    first = (PurchaseItem.select(PurchaseItem.item).where(PurchaseItem.purchase == purchase_id)
             .order_by(PurchaseItem.item).scalar())
    try:
        memo_changed = manual.repurchase(current_scope(), purchase_id)
    except FieldError as exc:
        return _message(str(exc), 409, error=True, events=("close-dialog",))
    _push_memo(order, memo_changed)
    html, status = _dialog(_item_or_404(first), notice=f"原采购已移入历史，请选择下单链接重新下单（订单 {order.tid}）")
    return html, status, {"HX-Trigger": json.dumps({"orders-changed": True, "jobs-changed": True})}


def cancel_confirm(purchase: Purchase) -> str:
    """The 取消下单 confirm text: what will happen at the supplier, or that a person must do it there."""
    if manual.cancels_at_supplier(purchase):
        return (f"确定取消下单？将用采购账号到采购平台取消采购单 {purchase.platform_order_id}，取消成功后采购信息移入"
                f"采购历史，订单回到待采购（{CANCEL_HINT}）。")
    return ("确定取消下单？采购信息将移入采购历史，订单回到待采购。这笔采购没有采购单号或采购账号，不会到采购平台取消："
            "如果采购平台上有这笔订单，请到采购平台手动取消。")


@bp.post("/purchases/<dbid:purchase_id>/cancel")
@requires("orders.purchase")
def cancel(purchase_id: int):
    """取消下单 (confirmed): at the supplier through the `cancel_purchase` job when the purchase has a
    supplier order and an account (the user must be granted that account too), else recorded here."""
    order = _active_purchase_order(purchase_id)
    scope = current_scope()
    account_id = records.get_purchase(scope, purchase_id).account_id  # found: _active_purchase_order 404s otherwise
    account = scope.apply(PurchaseAccount.select().where(PurchaseAccount.id == account_id)).first()
    if account_id is not None and account is None:
        abort(404, description="采购不存在")  # bought with an account this employee is not granted
    try:
        purchase = manual.cancellable(scope, purchase_id)
        if not manual.cancels_at_supplier(purchase):
            _push_memo(order, manual.cancel(scope, purchase_id))
            return _message(f"已取消下单，订单 {order.tid} 回到待采购", events=("orders-changed", "jobs-changed"))
    except UserError as exc:  # gone meanwhile (FieldError) or a task in the middle of it
        return _message(str(exc), 409, error=True)
    if not is_usable(account):
        return _message(f"采购账号 {account.nick or account.login} 未启用或已掉线：请先授权，再取消下单", 409, error=True)
    title = f"取消下单 · {PURCHASE_PLATFORMS.get(purchase.platform, purchase.platform)} · {order.tid}"
    job = queue.start_unique_job("cancel_purchase", title, target=job_target("purchase", purchase.id), user=g.user,
                                 purchase_id=purchase.id)
    if job is None:
        return _message(f"采购单 {purchase.platform_order_id} 正在取消，可在右上角“任务”查看进度", 409, error=True)
    return _message(f"正在到采购平台取消采购单 {purchase.platform_order_id}（订单 {order.tid}），可在右上角“任务”查看进度",
                    events=("orders-changed", "jobs-changed"))


@bp.get("/orders/<dbid:order_id>/history")
@requires("orders")
def history(order_id: int):
    order = _order_or_404(order_id)
    return render_template("purchase/_history.html", order=order, rows=records.history(current_scope(), order.id),
                           platforms=PURCHASE_PLATFORMS, statuses=PURCHASE_STATUS_LABELS)


# -- 批量采购 (待采购) -------------------------------------------------------------------------------------

def _batch_plan(ids: list[int]) -> tuple[list[tuple[Order, OrderItem, SupplierLink]], list[str]]:
    """For each ticked order's sub-orders still to buy: the newest link of its 商家编码 with a 规格对应
    (the ones batch can buy), and a reason for each that cannot be bought this way."""
    scope = current_scope()
    plan, skipped = [], []
    items = (OrderItem.select(OrderItem, Order).join(Order)
             .where(Order.id.in_(ids), still_to_buy()).order_by(Order.id, OrderItem.id))
    for item in scope.apply(items, Order):
        ready = sku_map.ready_link(scope, item.outer_id, item.sku_text)
        if ready:
            plan.append((item.order, item, ready[0]))
        else:
            skipped.append(f"{item.order.tid} {item.title}：没有设置好规格对应的下单链接")
    return plan, skipped


@bp.post("/batch")
@requires("orders.purchase")
def batch():
    """批量采购: one Purchase per ticked sub-order whose link and 规格对应 are set, bought by the account
    chosen for its platform (`account_<platform>`): one `purchase_batch` job per account (accounts in
    parallel, each account's orders one at a time in one browser session)."""
    ids = form_ids("ids", "订单", MAX_BATCH)
    if current_scope().apply(Order.select().where(Order.id.in_(ids))).count() < len(set(ids)):
        abort(404, description="订单不存在")
    if not purchase_ready():
        return _message(NOT_YET, 409, error=True)
    mode = request.form.get("mode", "auto")
    if mode not in MODES:
        return _message("请选择 自动下单 或 辅助下单", 400, error=True)
    if not ids:
        return _message("请先在“待采购”中勾选订单", 400, error=True)
    plan, skipped = _batch_plan(ids)
    chosen: dict[str, PurchaseAccount | None] = {}
    for _, _, link in plan:
        if link.platform not in chosen:
            chosen[link.platform] = _account_choice(f"account_{link.platform}", link.platform) or next(
                iter(accounts_for(link.platform)), None)
    begun: dict[int, list[int]] = {}
    for order, item, link in plan:
        account = chosen[link.platform]
        if account is None:
            skipped.append(f"{order.tid}：没有可用的{PURCHASE_PLATFORMS[link.platform]}采购账号")
            continue
        try:
            begun.setdefault(account.id, []).append(_begin(order, [item], link, account).id)
        except UserError as exc:
            skipped.append(f"{order.tid}：{exc}")
    accounts = {a.id: a for a in chosen.values() if a is not None}
    for account_id, purchase_ids in begun.items():  # one job per account: one browser session, one at a time
        queue.start_job(**purchase_batch_job(f"批量采购 · {MODES[mode]}", accounts[account_id], purchase_ids, mode),
                        user=g.user)
    started = sum(map(len, begun.values()))
    text = f"批量采购已开始 {started} 笔" + (f"；未开始：{'；'.join(skipped)}" if skipped else "")
    return _message(text, 200 if started else 400, error=not started, events=("orders-changed", "jobs-changed"))
