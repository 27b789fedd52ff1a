"""商品标题 search at 1,000,000 orders: a trigram full-text index of each order's item titles.

SQLite's FTS5 `trigram` tokenizer matches any substring of 3 or more characters from the index,
where `title LIKE '%…%'` read every sub-order (8.8 s at 1M). One document per order, rowid = the
order's 成交时间 and id (ID_SPAN), holding its titles one per line: a hit is an order id with no join
through the items, and a newline (which a search field cannot hold) keeps two titles from matching as one.

Triggers on orderitem (and on "order", for a changed 成交时间 or a deleted order) keep the documents
in the statement that changes a title, so every writer (fetch upserts, deletes, cascades) keeps the
index exact; like the kept counts they are installed at
start-up (`ensure_title_index`), which also rebuilds the documents when they do not add up — the
repair path, also used after a bulk load. 1–2 characters are below a trigram: such a search reads
the titles of the newest SHORT_QUERY_ORDERS orders only (the form's tooltip says so), on SQLite the
newest documents (orders with titles), one rowid range. PostgreSQL has
no FTS5: there m0027's pg_trgm GIN index on the sub-orders' titles serves the ILIKE itself, kept by
PostgreSQL; the same 3-character floor and short-search bound apply (`indexed()` where it exists).
"""
from __future__ import annotations

from datetime import datetime

from peewee import SQL, Expression, ModelSelect, NodeList, Select, Table, fn

from dropship.db import db, shared_database
from dropship.models import Order, OrderItem

TABLE = "ordertitle"  # created by m0024 on SQLite, keyed by 成交时间 since m0026
TRGM_INDEX = "orderitem_title_trgm"  # created by m0027 on PostgreSQL
MIN_INDEXED = 3  # a trigram
SHORT_QUERY_ORDERS = 20_000  # 1–2 character titles: the newest orders searched (a bounded LIKE)
TRIGGER_PREFIX = "ordertitle_"
# A document's rowid is its order's 成交时间 (Unix seconds) times 2^30 plus the order id (ids stay below
# 2^30): FTS5 reads a rowid range straight from its doclists, so a search inside a 成交时间 window
# reads only that window's hits instead of every match of the whole history (1M orders: a common
# word is 145k hits against 21k in the last 15 days). `rowid % ID_SPAN` is the order id again.
ID_SPAN = 1 << 30


def _seconds(moment: str) -> str:
    return f"CAST(strftime('%s', {moment}) AS INTEGER)"


def row_key(row: str) -> str:
    """The document key of the order row `row` (an alias, or a trigger's NEW/OLD), in SQL."""
    return f"({_seconds(f'{row}.created_at')} * {ID_SPAN} + {row}.id)"


_DOCUMENT = (f"INSERT INTO ordertitle (rowid, titles) SELECT {row_key('o')}, group_concat(i.title, char(10))"
             ' FROM orderitem i JOIN "order" o ON o.id = i.order_id WHERE i.order_id = {order_id} GROUP BY i.order_id;')
# an item's order may be gone already (a cascade): its own delete trigger forgot the document
_FORGET = 'DELETE FROM ordertitle WHERE rowid = (SELECT ' + row_key("o") + ' FROM "order" o WHERE o.id = {order_id});'
TRIGGERS = {
    f"{TRIGGER_PREFIX}insert": f"AFTER INSERT ON orderitem BEGIN {_FORGET.format(order_id='NEW.order_id')}"
                               f" {_DOCUMENT.format(order_id='NEW.order_id')} END",
    f"{TRIGGER_PREFIX}delete": f"AFTER DELETE ON orderitem BEGIN {_FORGET.format(order_id='OLD.order_id')}"
                               f" {_DOCUMENT.format(order_id='OLD.order_id')} END",
    f"{TRIGGER_PREFIX}update": f"AFTER UPDATE OF title, order_id ON orderitem BEGIN"
                               f" {_FORGET.format(order_id='OLD.order_id')} {_DOCUMENT.format(order_id='OLD.order_id')}"
                               f" {_FORGET.format(order_id='NEW.order_id')} {_DOCUMENT.format(order_id='NEW.order_id')} END",
    f"{TRIGGER_PREFIX}order_delete": f'AFTER DELETE ON "order" BEGIN DELETE FROM ordertitle WHERE rowid = {row_key("OLD")}; END',
    f"{TRIGGER_PREFIX}order_update": f'AFTER UPDATE OF created_at, id ON "order" WHEN {row_key("OLD")} IS NOT {row_key("NEW")}'
                                     f' BEGIN DELETE FROM ordertitle WHERE rowid = {row_key("OLD")};'
                                     f" {_DOCUMENT.format(order_id='NEW.id')} END",
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


def title_condition(text: str, created_from: datetime | None = None, created_to: datetime | None = None) -> Expression:
    """Orders with a sub-order whose title contains `text` (case-insensitive), as `Order.id IN (…)`.

    `created_from`/`created_to` (the search's 成交时间) narrow SQLite's index read; the caller still
    filters 成交时间 itself, the range only has to hold every order inside it. PostgreSQL's pg_trgm
    index serves the ILIKE itself.
    """
    if not indexed() or (shared_database() and len(text) >= MIN_INDEXED):
        return Order.id.in_(OrderItem.select(OrderItem.order).where(OrderItem.title.contains(text)))
    if len(text) < MIN_INDEXED and shared_database():
        newest = Order.select(Order.id).order_by(Order.created_at.desc()).limit(SHORT_QUERY_ORDERS)
        return Order.id.in_(OrderItem.select(OrderItem.order)
                            .where(OrderItem.order.in_(newest), OrderItem.title.contains(text)))
    if len(text) < MIN_INDEXED:  # the hits are few: the search starts from them, by primary key
        return Order.id.in_(_hits(text, created_from, created_to))
    # `+id`: the hits are a set to probe, not the rows to start from. Read by id, a common word is
    # every match of the whole history looked up and sorted; probed, the window is walked in
    # 成交时间 order (the list itself walks the hits: `in_title_order`).
    return NodeList((SQL("+"), Order.id), glue="").in_(_hits(text, created_from, created_to))


def _hits(text: str, created_from: datetime | None, created_to: datetime | None) -> Select:
    """The order ids of the documents holding `text` inside the 成交时间 range."""
    documents = Table(TABLE, ("rowid", "titles"))
    return documents.select(SQL(f"rowid % {ID_SPAN}")).where(*matching(documents, text, created_from, created_to))


def matching(documents: Table, text: str, created_from: datetime | None,
             created_to: datetime | None) -> list[Expression]:
    """What a search of `text` reads from the index `documents`, inside the rowids of the 成交时间
    range (to the second): 3+ characters its trigram hits; 1–2 characters a LIKE over the documents
    of the newest SHORT_QUERY_ORDERS orders with titles.

    Keyed by 成交时间, the newest documents are one rowid range of a narrow table (1M orders: 15 ms,
    against 70 ms for the newest orders' items looked up one order at a time). `titles || ''` keeps
    the LIKE away from FTS5, whose trigram tokenizer answers a pattern shorter than a trigram with
    no rows at all.
    """
    if len(text) < MIN_INDEXED:
        newest = (documents.select(documents.rowid).order_by(documents.rowid.desc()).limit(1)
                  .offset(SHORT_QUERY_ORDERS - 1))
        conditions = [documents.rowid >= fn.coalesce(newest, 0), documents.titles.concat("").contains(text)]
    else:
        phrase = '"' + text.replace('"', '""') + '"'  # the text itself, never FTS5 query syntax
        conditions = [Expression(documents.titles, "MATCH", phrase)]
    if created_from is not None:
        conditions.append(documents.rowid >= SQL(f"{_seconds('?')} * {ID_SPAN}", [created_from.isoformat(" ")]))
    if created_to is not None:
        conditions.append(documents.rowid < SQL(f"({_seconds('?')} + 1) * {ID_SPAN}", [created_to.isoformat(" ")]))
    return conditions


def in_title_order(query: ModelSelect, text: str, created_from: datetime | None, created_to: datetime | None,
                   descending: bool) -> ModelSelect | None:
    """`query` (without the title condition) joined to the hits of `text`, sorted by 成交时间 then id.

    The index's rowids run in that order, so the list walks the hits from the newest (or oldest)
    and stops at the page: a common word's page no longer collects every hit of the window first
    (1M orders: 0.2 ms against 27). A 1–2 character search walks the newest documents the same way,
    testing each until the page is full (1M: 3.6 ms against 29 for its ~2,900 hits collected and
    sorted). None where there is no trigram table (PostgreSQL: the list reads pg_trgm's hits).
    """
    if shared_database() or not indexed():
        return None
    documents = Table(TABLE, ("rowid", "titles"))
    by_id = Order.id == NodeList((documents.rowid, SQL(f"% {ID_SPAN}")))
    return (query.join(documents, on=by_id).where(*matching(documents, text, created_from, created_to))
            .order_by(documents.rowid.desc() if descending else documents.rowid.asc()))


def search_hint() -> str:
    """The 商品标题 field's tooltip: what a short search reads."""
    return (f"输入 {MIN_INDEXED} 个字及以上搜索全部订单；1–2 个字只搜索最近 {SHORT_QUERY_ORDERS} 个订单的商品标题"
            if indexed() else "")


def rebuild() -> None:
    """The repair path: every order's document again from its items, in one transaction.

    In rowid order: FTS5 writes its pending terms out as a new segment whenever a rowid is not above
    the last one, so documents in order-id order (random against 成交时间) made a segment every other
    row, and merged them (1M orders: 34 s against 15).
    """
    with db.atomic():
        db.execute_sql(f"DELETE FROM {TABLE}")
        db.execute_sql(f"INSERT INTO {TABLE} (rowid, titles) SELECT {row_key('o')}, group_concat(i.title, char(10))"
                       ' FROM orderitem i JOIN "order" o ON o.id = i.order_id GROUP BY i.order_id ORDER BY 1')


def _installed() -> set[str]:
    rows = db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('orderitem', 'order')"
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
