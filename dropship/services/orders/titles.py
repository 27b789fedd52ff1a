"""商品标题 search at 1,000,000 orders: a trigram full-text index of each order's item titles.

SQLite's FTS5 `trigram` tokenizer matches any substring of 3 or more characters from the index,
where `title LIKE '%…%'` read every sub-order (8.8 s at 1M). One document per order, rowid = the
order's id, holding its titles one per line: a hit is an order id with no join through the items,
and a newline (which a search field cannot hold) keeps two titles from matching as one.

Triggers on orderitem keep the documents in the statement that changes a title, so every writer
(fetch upserts, deletes, cascades) keeps the index exact; like the kept counts they are installed at
start-up (`ensure_title_index`), which also rebuilds the documents when they do not add up — the
repair path, also used after a bulk load. 1–2 characters are below a trigram: such a search reads
the titles of the newest SHORT_QUERY_ORDERS orders only (the form's tooltip says so). PostgreSQL has
no FTS5: there m0027's pg_trgm GIN index on the sub-orders' titles serves the ILIKE itself, kept by
PostgreSQL; the same 3-character floor and short-search bound apply (`indexed()` where it exists).
"""
from __future__ import annotations

from peewee import SQL, Expression, NodeList, fn

from dropship.db import db, shared_database
from dropship.models import Order, OrderItem

TABLE = "ordertitle"  # created by m0024 on SQLite
TRGM_INDEX = "orderitem_title_trgm"  # created by m0027 on PostgreSQL
MIN_INDEXED = 3  # a trigram
SHORT_QUERY_ORDERS = 20_000  # 1–2 character titles: the newest orders searched (a bounded LIKE)
TRIGGER_PREFIX = "ordertitle_"
_DOCUMENT = ("INSERT INTO ordertitle (rowid, titles) SELECT order_id, group_concat(title, char(10))"
             " FROM orderitem WHERE order_id = {row}.order_id GROUP BY order_id;")
_FORGET = "DELETE FROM ordertitle WHERE rowid = {row}.order_id;"
TRIGGERS = {
    f"{TRIGGER_PREFIX}insert": f"AFTER INSERT ON orderitem BEGIN {_FORGET.format(row='NEW')}"
                               f" {_DOCUMENT.format(row='NEW')} END",
    f"{TRIGGER_PREFIX}delete": f"AFTER DELETE ON orderitem BEGIN {_FORGET.format(row='OLD')}"
                               f" {_DOCUMENT.format(row='OLD')} END",
    f"{TRIGGER_PREFIX}update": f"AFTER UPDATE OF title, order_id ON orderitem BEGIN {_FORGET.format(row='OLD')}"
                               f" {_DOCUMENT.format(row='OLD')} {_FORGET.format(row='NEW')}"
                               f" {_DOCUMENT.format(row='NEW')} END",
}


_INDEXED: dict[tuple, bool] = {}  # by database: looked up once, not on every list view


def indexed() -> bool:
    """Whether this database has a trigram index of the titles: SQLite's FTS5 table (m0024) or
    PostgreSQL's pg_trgm index (m0027), each only where the database could create it."""
    where = (type(db.obj).__name__, db.obj.database, repr(sorted(db.obj.connect_params.items())))
    if where not in _INDEXED:
        if shared_database():
            found = db.execute_sql("SELECT 1 FROM pg_indexes WHERE indexname = %s", (TRGM_INDEX,))
        else:
            found = db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,))
        _INDEXED[where] = bool(found.fetchone())
    return _INDEXED[where]


def title_condition(text: str) -> Expression:
    """Orders with a sub-order whose title contains `text` (case-insensitive), as `Order.id IN (…)`."""
    if not indexed() or (shared_database() and len(text) >= MIN_INDEXED):
        return Order.id.in_(OrderItem.select(OrderItem.order).where(OrderItem.title.contains(text)))
    if len(text) < MIN_INDEXED:
        newest = Order.select(Order.id).order_by(Order.created_at.desc()).limit(SHORT_QUERY_ORDERS)
        return Order.id.in_(OrderItem.select(OrderItem.order)
                            .where(OrderItem.order.in_(newest), OrderItem.title.contains(text)))
    phrase = '"' + text.replace('"', '""') + '"'  # the text itself, never FTS5 query syntax
    # `+id`: the hits are a set to probe, not the rows to start from. Read by id, a common word is
    # every match of the whole history looked up and sorted; probed, the list walks its window in
    # 成交时间 order and stops at the page (100k orders: 9 ms against 29, the counts history-free).
    hits = SQL(f"(SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ?)", (phrase,))
    return NodeList((SQL("+"), Order.id), glue="").in_(hits)


def search_hint() -> str:
    """The 商品标题 field's tooltip: what a short search reads."""
    return (f"输入 {MIN_INDEXED} 个字及以上搜索全部订单；1–2 个字只搜索最近 {SHORT_QUERY_ORDERS} 个订单的商品标题"
            if indexed() else "")


def rebuild() -> None:
    """The repair path: every order's document again from its items, in one transaction."""
    with db.atomic():
        db.execute_sql(f"DELETE FROM {TABLE}")
        db.execute_sql(f"INSERT INTO {TABLE} (rowid, titles) SELECT order_id, group_concat(title, char(10))"
                       " FROM orderitem GROUP BY order_id")


def _installed() -> set[str]:
    rows = db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'orderitem'"
                          " AND name LIKE ?", (TRIGGER_PREFIX + "%",))
    return {name for (name,) in rows}


def drift() -> bool:
    """Whether the documents do not add up: not one per order with items."""
    (documents,) = db.execute_sql(f"SELECT COUNT(*) FROM {TABLE}").fetchone()
    return documents != OrderItem.select(fn.COUNT(OrderItem.order.distinct())).scalar()


def ensure_title_index() -> bool:
    """At start-up: install the triggers and rebuild when they were missing or the documents drifted.

    True when it rebuilt. A migration that copies orderitem drops its triggers; this puts them back.
    PostgreSQL keeps its own trigram index: nothing to do there.
    """
    if shared_database() or not indexed():
        return False
    missing = set(TRIGGERS) - _installed()
    if not missing and not drift():
        return False
    with db.atomic():
        for name in missing:
            db.execute_sql(f'CREATE TRIGGER "{name}" {TRIGGERS[name]}')
        rebuild()
    return True
