"""导出订单: the current search and tab as .xlsx, one row per order, with Chinese headers.

rustpy-xlsxwriter (Rust's rust_xlsxwriter) writes the sheet from a generator of rows, and orders are
read in chunks by id (keyset, not OFFSET, so the last chunk costs what the first does): memory stays
flat at 100k orders. Each chunk's orders, sub-orders, purchases and shipments are read as tuples, one
query per table, and each cell is made by the rule the order card uses (`cards.status_label` …):
building cards and models cost ~30 of the ~40 CPU-seconds per 100k rows (tests/benchmarks/test_export_bench.py).
It was chosen over openpyxl (write-only), XlsxWriter (constant_memory) and
PyExcelerate by the side-by-side measurement in tests/benchmarks/test_orders_bench.py: the sheet
itself takes ~4 CPU-seconds per 100k rows against 31–55 s for the pure-Python writers. Strings
stay strings (a buyer message starting with "=" is never a formula). The file is written to a path
the caller chose (the export job's file, which the web layer then streams).

An export is personal data outside the app's encryption: decrypted receivers go in only for users granted
`orders.export_receivers` (else the masked ones the platform shows), the file is readable by our user
alone (0600 in a 0700 folder), and it lives until its download or `exports.keep_minutes`, whichever is first.
"""
from __future__ import annotations

import os
import time
from collections import namedtuple
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import rustpy_xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from peewee import SQL, Expression, Field, ModelSelect

from dropship.couriers import courier_name
from dropship.db import db
from dropship.models import Order, OrderItem, Purchase, PurchaseAccount, Shipment, Shop
from dropship.secrets import EncryptedField
from dropship.services.money import margin_base, yuan_number
from dropship.services.orders.cards import is_shipped, order_margin, order_profit, status_label
from dropship.services.orders.labels import (
    ABNORMAL_LABELS,
    FLAG_NAMES,
    PURCHASE_PLATFORMS,
    PURCHASE_STATUS_LABELS,
)
from dropship.services.orders.queries import order_ids
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TabContext
from dropship.services.receiver import masked_receiver, real_receiver
from dropship.services.scope import Scope
from dropship.services.settings import get_setting, int_between, register
from dropship.services.shops import PLATFORMS as SHOP_PLATFORMS

CHUNK = 2000  # orders per keyset batch: a few MB of tuples, and a progress report every ~2 % of 100k
HEADERS = (
    "订单编号", "店铺名称", "平台", "成交时间", "订单状态", "商品标题", "商家编码", "商品属性", "购买数量",
    "实收金额", "采购金额", "订单利润", "利润率", "买家昵称", "用户留言", "收货人姓名", "收货人手机号", "收货地址",
    "采购单号", "采购时间", "采购账号", "拍单状态", "物流公司", "物流单号", "发货状态", "旗帜颜色", "备注",
    "标记类型", "标记备注",
)
SEP = "；"

register("exports.keep_minutes", "导出文件保留时间", 60, int_between(5, 24 * 60))


def _text(value: str) -> str:
    # Buyer messages may hold control characters that are not allowed in xlsx XML.
    return ILLEGAL_CHARACTERS_RE.sub("", value or "")


def xml_safe(cells: list) -> list:
    """The row with `_text` applied to its text cells; checked as one string first, as almost no row needs it
    (the characters XML refuses are all unprintable, and isprintable() is far cheaper than the search)."""
    text = "".join([c for c in cells if type(c) is str])
    if not text.isprintable() and ILLEGAL_CHARACTERS_RE.search(text):
        return [_text(c) if type(c) is str else c for c in cells]
    return cells


def time_cell(value: datetime | str | None) -> str:
    """The time to the second, "%Y-%m-%d %H:%M:%S"."""
    if isinstance(value, str):  # SQLite's text as stored, "2026-11-20 09:30:05[.123456]": its first 19 characters
        if len(value) >= 19 and value[10] == " ":
            return value[:19]
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _joined(values: list[str]) -> str:
    return SEP.join([v for v in values if v])


class Columns:
    """Columns read as plain tuples named after them, for readers of many rows.

    peewee builds a model per row and converts every cell, most of the export's time at 100k orders;
    here the driver's values are kept as they are, but encrypted text, which its field decrypts.
    """

    def __init__(self, *fields: Field) -> None:
        self.fields = fields
        self.row = namedtuple("Row", [f.column_name for f in fields])  # type: ignore[misc]
        self._decrypt = [(i, f.python_value) for i, f in enumerate(fields) if isinstance(f, EncryptedField)]

    def read(self, query: ModelSelect) -> list[Any]:
        make, decrypt = self.row._make, self._decrypt
        cursor = db.execute(query.select(*self.fields))
        if not decrypt:
            return list(map(make, cursor))
        rows = []
        for values in map(list, cursor):
            for i, python_value in decrypt:
                values[i] = python_value(values[i])
            rows.append(make(values))
        return rows


ORDERS = Columns(Order.id, Order.shop, Order.tid, Order.created_at, Order.status, Order.status_code,
                 Order.status_text, Order.refund_state, Order.paid_amount, Order.purchase_amount, Order.buyer_nick,
                 Order.buyer_message, Order.receiver_name, Order.receiver_phone, Order.receiver_region,
                 Order.receiver_address, Order.seller_flag, Order.seller_memo, Order.abnormal, Order.mark_note)
# without the right to real receivers every row shows the masked one: nothing to decrypt
ORDERS_WITH_RECEIVERS = Columns(*ORDERS.fields, Order.receiver_real)
ITEMS = Columns(OrderItem.order, OrderItem.title, OrderItem.outer_id, OrderItem.sku_text, OrderItem.quantity)
PURCHASES = Columns(Purchase.order, Purchase.platform, Purchase.platform_order_id, Purchase.created_at,
                    Purchase.account, Purchase.status, Purchase.courier, Purchase.tracking_number)
CONSIGNED = Columns(Shipment.order, Shipment.courier, Shipment.courier_name, Shipment.tracking_number)


class Lookups(NamedTuple):
    """What every row reads beside its own tables: read once per export."""

    shops: dict[int, tuple[str, str]]  # id -> (店铺名称, 平台)
    accounts: dict[int, str]  # id -> 采购账号 as shown
    margin_base: str
    real_receivers: bool


def _lookups(real_receivers: bool) -> Lookups:
    shops = {s.id: (s.display_name, SHOP_PLATFORMS.get(s.platform, s.platform))
             for s in Shop.select(Shop.id, Shop.platform, Shop.login, Shop.nick)}
    accounts = {a.id: a.nick or a.login for a in PurchaseAccount.select(PurchaseAccount.id, PurchaseAccount.login,
                                                                          PurchaseAccount.nick)}
    return Lookups(shops, accounts, margin_base(), real_receivers)


def export_row(order: Any, items: list, purchases: list, consigned: list, lookups: Lookups) -> list:
    """One order's row from its tuples (`ORDERS`, `ITEMS`, active `PURCHASES` oldest first, `CONSIGNED`
    shipments); the decrypted receiver only when `lookups.real_receivers` (else what the platform masks)."""
    receiver = (lookups.real_receivers and real_receiver(order)) or masked_receiver(order)
    # our own consign when there is one, else the supplier's parcel as the card shows it
    logistics = ([(s.courier_name or courier_name(s.courier), s.tracking_number) for s in consigned]
                 or [(courier_name(p.courier), p.tracking_number) for p in purchases if p.tracking_number])
    purchased = bool(purchases)
    margin = order_margin(order.paid_amount, order.purchase_amount, purchased, lookups.margin_base)
    shop_name, platform = lookups.shops[order.shop_id]
    return xml_safe([
        order.tid,
        shop_name,
        platform,
        time_cell(order.created_at),
        status_label(order.status, order.status_code, order.status_text, order.refund_state),
        _joined([i.title for i in items]),
        _joined([i.outer_id for i in items]),
        _joined([i.sku_text for i in items]),
        sum([i.quantity for i in items]),
        yuan_number(order.paid_amount),
        yuan_number(order.purchase_amount),
        yuan_number(order_profit(order.paid_amount, order.purchase_amount, purchased)),
        f"{margin}%" if margin is not None else "",
        order.buyer_nick,
        order.buyer_message,
        receiver.name,
        receiver.phone,
        f"{receiver.region} {receiver.address}".strip(),
        _joined([f"{PURCHASE_PLATFORMS.get(p.platform, p.platform)} {p.platform_order_id}" for p in purchases]),
        time_cell(purchases[0].created_at) if purchases else "",
        _joined([lookups.accounts.get(p.account_id, "") for p in purchases]),
        _joined([PURCHASE_STATUS_LABELS.get(p.status, p.status) for p in purchases]),
        _joined([name for name, _ in logistics]),
        _joined([number for _, number in logistics]),
        "已发货" if is_shipped(order.status, bool(consigned)) else "未发货",
        FLAG_NAMES[order.seller_flag] if 0 <= order.seller_flag < len(FLAG_NAMES) else "",
        order.seller_memo,
        ABNORMAL_LABELS.get(order.abnormal, "") if order.abnormal else "",
        order.mark_note,
    ])


def _by_order(rows: list) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.order_id, []).append(row)
    return grouped


def _among(field: Field, orders: list) -> Expression:
    """`field` IN the orders' ids, written as literals: peewee binds a list parameter by parameter at
    ~20 µs each, more than reading the rows (the ids are integers we read, nothing typed)."""
    return field.in_(SQL(f"({','.join(str(int(o.id)) for o in orders)})"))


def _batch_rows(query: ModelSelect, last_id: int | None, lookups: Lookups) -> tuple[int | None, list[list]]:
    """The rows of the next (at most CHUNK) orders of `query` below `last_id`, newest first; and the
    lowest id read (None when there were none). Each of the other tables is read once for the batch."""
    below = query.where(Order.id < last_id) if last_id is not None else query
    orders = (ORDERS_WITH_RECEIVERS if lookups.real_receivers else ORDERS).read(
        below.order_by(Order.id.desc()).limit(CHUNK))
    if not orders:
        return None, []
    # each order's rows in id order, sorted by the order_id index SQLite reads them from
    items = _by_order(ITEMS.read(OrderItem.select().where(_among(OrderItem.order, orders))
                                 .order_by(OrderItem.order, OrderItem.id)))
    purchases = _by_order(PURCHASES.read(
        Purchase.select().where(_among(Purchase.order, orders), Purchase.active == True)  # noqa: E712
        .order_by(Purchase.order, Purchase.created_at, Purchase.id)))
    consigned = _by_order(CONSIGNED.read(
        Shipment.select().where(_among(Shipment.order, orders), Shipment.state == "done")
        .order_by(Shipment.order, Shipment.id)))
    return orders[-1].id, [export_row(o, items.get(o.id, []), purchases.get(o.id, []), consigned.get(o.id, []),
                                      lookups) for o in orders]


def export_file(data_dir: Path, job_id: int) -> Path:
    """Where the export job writes its file and the download reads it."""
    return Path(data_dir) / "exports" / f"orders-{job_id}.xlsx"


def keep_seconds() -> int:
    return int(get_setting("exports.keep_minutes")) * 60


def is_expired(path: Path, now: float | None = None) -> bool:
    """Whether an export file outlived `exports.keep_minutes` (the download refuses it, the sweep deletes it)."""
    try:
        written = path.stat().st_mtime
    except FileNotFoundError:
        return True
    return (time.time() if now is None else now) - written > keep_seconds()


def sweep_exports(data_dir: Path, now: float | None = None) -> int:
    """Delete export files (and half-written ones of a crashed job) older than the setting; return how many."""
    deleted = 0
    for path in (Path(data_dir) / "exports").glob("orders-*"):
        if is_expired(path, now):
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _private_dir(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # also a folder an older version created with the default mode


def export_orders(search: OrderFilter, ctx: TabContext, scope: Scope, path: Path,
                  on_progress: Callable[[int, int], None] = lambda done, total: None,
                  real_receivers: bool = False) -> int:
    """Write the orders of `search` the user may see to `path`; return how many. Newest first (by id,
    for keyset paging).

    `on_progress(done, total)` is called after each chunk, so a job can show how far it got.
    `real_receivers`: the acting user may export decrypted names, phones and addresses.
    """
    query = order_ids(search, ctx, scope)
    total = query.count()
    lookups = _lookups(real_receivers)
    written = [0]

    def records() -> Iterator[dict]:
        last_id = None
        while True:
            last_id, rows = _batch_rows(query, last_id, lookups)
            if not rows:
                break
            for row in rows:
                yield dict(zip(HEADERS, row, strict=True))
            written[0] += len(rows)
            on_progress(written[0], total)
        if not written[0]:  # the writer takes its header from the rows: an empty row keeps the headers
            yield dict.fromkeys(HEADERS)

    _private_dir(path.parent)
    path.unlink(missing_ok=True)  # O_EXCL below: the file is ours, created 0600, never someone's link
    os.close(os.open(path, _NEW_FILE, 0o600))
    # then written by its path (in our 0700 folder): handed a Python file, the writer keeps the whole
    # file in memory until the end
    rustpy_xlsxwriter.write_worksheet(records(), str(path), sheet_name="订单")
    return written[0]
