"""Kept tab counts: 订单管理's nine counts without counting a year of orders on every view.

Every order sits in one `OrderCount` bucket: its 显示 (ignored), shop, 成交日 and the set of kept tabs
it belongs to (a bit set over `KEPT_TABS`), and in one `OrderTotal`, the same without the day,
which counts a search without 成交时间 in rows that do not grow with the history. Triggers on "order"
move it between buckets in the very statement that changes it, so the counts are right inside the
transaction of every writer — fetch upserts, roll-ups (purchase, refund), 忽略 / 标记, deletes —
without each one remembering to call us. The moves are compiled from the tab predicates in `tabs`
(their one home) into each database's SQL: SQLite runs them in its trigger bodies, PostgreSQL in a
plpgsql function its row triggers call. Both are named by a hash of their SQL: `ensure_counters`
at start-up reinstalls them and recounts when the predicates changed, when the counts do not add
up to the orders, or when a migration rebuilt the order table (SQLite drops a table's triggers
with it).

A search that narrows by more than 显示, 店铺 and 成交时间 is counted over the orders (`queries`);
so are the partial days at the ends of a 成交时间 window, and the live tabs (即将发货超时, which
moves with the clock) from their index. Until the triggers are in place (`available()`), the page
counts the orders live.
"""
from __future__ import annotations

import functools
import hashlib
import operator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from peewee import Case, Database, Expression, PostgresqlDatabase, SqliteDatabase, fn

from dropship.db import day_of, db, shared_database
from dropship.models import Order, OrderCount, OrderTotal
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TABS, TabContext
from dropship.services.scope import Scope

KEPT_TABS = tuple(tab for tab in TABS[1:] if not tab.live)
# kept tabs do not read the clock; the predicates still take a context
_TIMELESS = TabContext(datetime(2000, 1, 1), 0)
TRIGGER_PREFIX = "ordercount_"
COUNTERS_LOCK = 0x6F636E74  # an advisory-lock number of our own ("ocnt")


def tab_bits() -> Expression:
    """The order's kept tabs as a bit set, in SQL (bit i is KEPT_TABS[i])."""
    terms = [Case(None, [(tab.predicate(_TIMELESS), 1 << i)], 0) for i, tab in enumerate(KEPT_TABS)]
    return functools.reduce(operator.add, terms)


def bucket_key(database: Database | None = None) -> dict[str, Expression]:
    """OrderCount's key columns, each as an expression over one order."""
    return {"ignored": Order.ignored, "shop_id": Order.shop, "day": day_of(Order.created_at, database),
            "tabs": tab_bits()}


def total_key(database: Database | None = None) -> dict[str, Expression]:
    """OrderTotal's key columns: the bucket's without the day."""
    return {column: e for column, e in bucket_key(database).items() if column != "day"}


def _literal(value: object, postgres: bool) -> str:
    if isinstance(value, bool) and postgres:
        return str(value).upper()
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"cannot inline {value!r} into a trigger")


def over_row(expression: Expression, row: str, database: Database | None = None) -> tuple[str, list]:
    """`expression` over one order as SQL reading the row `row` instead (a trigger's NEW or OLD, or
    the alias of a table with the order's column names), and its parameters."""
    sql, params = (database or db).get_sql_context().sql(Order.select(expression)).query()
    return sql[len("SELECT "):sql.rindex(' FROM "order" AS "t1"')].replace('"t1".', f"{row}."), list(params)


def _on_row(expression: Expression, row: str, database: Database) -> str:
    """`expression` over the trigger's NEW or OLD row in `database`'s SQL, parameters inlined (a
    trigger has none)."""
    body, params = over_row(expression, row, database)
    parts = body.split(database.param)
    if len(parts) != len(params) + 1:
        raise ValueError(f"cannot inline the parameters of {body}")
    postgres = isinstance(database, PostgresqlDatabase)
    return "".join(part + _literal(value, postgres) for part, value in zip(parts, params, strict=False)) + parts[-1]


@dataclass(frozen=True)
class Triggers:
    names: tuple[str, ...]
    statements: tuple[str, ...]


def triggers() -> Triggers:
    """The triggers keeping OrderCount in the current database, named by a hash of what they do."""
    return _compiled(shared_database())


@functools.cache  # compiled from constant predicates; `available()` asks on every list view
def _compiled(postgres: bool) -> Triggers:
    """The bucket moves compiled once from `bucket_key` into SQL, wrapped in each dialect's triggers.

    The moves themselves (per table one INSERT … ON CONFLICT, one UPDATE) are the same text in both
    dialects; only the trigger around them differs: SQLite runs them in its trigger body,
    PostgreSQL in one plpgsql function that its three row triggers call.
    """
    database = PostgresqlDatabase(None) if postgres else SqliteDatabase(None)
    key = bucket_key(database)
    new = [_on_row(e, "NEW", database) for e in key.values()]
    old = [_on_row(e, "OLD", database) for e in key.values()]
    moves = [_moves(OrderCount._meta.table_name, key, database),
             _moves(OrderTotal._meta.table_name, total_key(database), database)]
    add, remove = (" ".join(move[i] for move in moves) for i in (0, 1))
    differs = "IS DISTINCT FROM" if postgres else "IS NOT"
    changed = " OR ".join(f"({o}) {differs} ({n})" for o, n in zip(old, new, strict=True))
    read = ", ".join(f'"{f.column_name}"' for f in Order._meta.sorted_fields
                     if f"NEW.\"{f.column_name}\"" in " ".join(new))
    tag = hashlib.sha1((add + remove + read).encode()).hexdigest()[:10]
    names = tuple(f"{TRIGGER_PREFIX}{kind}_{tag}" for kind in ("insert", "delete", "update"))
    if not postgres:
        return Triggers(names, (
            f'CREATE TRIGGER "{names[0]}" AFTER INSERT ON "order" BEGIN {add} END',
            f'CREATE TRIGGER "{names[1]}" AFTER DELETE ON "order" BEGIN {remove} END',
            f'CREATE TRIGGER "{names[2]}" AFTER UPDATE OF {read} ON "order" WHEN {changed} BEGIN {remove} {add} END',
        ))
    function = f"{TRIGGER_PREFIX}move_{tag}"
    run = f'FOR EACH ROW EXECUTE FUNCTION "{function}"()'
    return Triggers(names, (
        f'CREATE OR REPLACE FUNCTION "{function}"() RETURNS trigger LANGUAGE plpgsql AS $move$ BEGIN'
        f" IF TG_OP <> 'INSERT' THEN {remove} END IF; IF TG_OP <> 'DELETE' THEN {add} END IF;"
        " RETURN NULL; END $move$",
        f'CREATE TRIGGER "{names[0]}" AFTER INSERT ON "order" {run}',
        f'CREATE TRIGGER "{names[1]}" AFTER DELETE ON "order" {run}',
        f'CREATE TRIGGER "{names[2]}" AFTER UPDATE OF {read} ON "order" FOR EACH ROW WHEN ({changed})'
        f' EXECUTE FUNCTION "{function}"()',
    ))


def _moves(table: str, key: dict[str, Expression], database: Database) -> tuple[str, str]:
    """The statements adding NEW to its row of `table` (keyed by `key`) and removing OLD from its row."""
    columns = ", ".join(f'"{c}"' for c in key)
    new = ", ".join(_on_row(e, "NEW", database) for e in key.values())
    add = (f'INSERT INTO "{table}" ({columns}, "n") VALUES ({new}, 1)'
           f' ON CONFLICT ({columns}) DO UPDATE SET "n" = "{table}"."n" + 1;')
    remove = (f'UPDATE "{table}" SET "n" = "n" - 1 WHERE '
              + " AND ".join(f'"{c}" = {_on_row(e, "OLD", database)}' for c, e in key.items()) + ";")
    return add, remove


def _installed() -> set[str]:
    if shared_database():
        sql = ("SELECT tgname FROM pg_trigger WHERE tgrelid = '\"order\"'::regclass AND NOT tgisinternal"
               " AND tgname LIKE %s")
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'order' AND name LIKE ?"
    return {name for (name,) in db.execute_sql(sql, (TRIGGER_PREFIX + "%",))}


def _uninstall(names: set[str]) -> None:
    """Drop the kept counts' triggers `names` and, on PostgreSQL, every function they called."""
    if not shared_database():
        for name in names:
            db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
        return
    functions = db.execute_sql("SELECT proname FROM pg_proc WHERE proname LIKE %s", (TRIGGER_PREFIX + "%",))
    for (name,) in list(functions):
        db.execute_sql(f'DROP FUNCTION IF EXISTS "{name}"() CASCADE')  # with whatever trigger calls it


def available() -> bool:
    """Whether the kept counts are kept here (the current triggers are installed)."""
    return set(triggers().names) <= _installed()


def recount() -> None:
    """The repair path: every bucket again from the orders themselves, and the totals from the
    buckets, in one transaction."""
    key = bucket_key()
    with db.atomic():
        if shared_database():
            # Writers on other PCs would move buckets the recount has not read yet, or already has:
            # they wait (reads go on) until the counts are whole again. SQLite has one writer anyway.
            db.execute_sql('LOCK TABLE "order" IN SHARE MODE')
        OrderCount.delete().execute()
        query = Order.select(*key.values(), fn.COUNT(Order.id)).group_by(*key.values())
        OrderCount.insert_from(query, [getattr(OrderCount, c) for c in (*key, "n")]).execute()
        OrderTotal.delete().execute()
        by = [getattr(OrderCount, c) for c in total_key()]
        OrderTotal.insert_from(OrderCount.select(*by, fn.SUM(OrderCount.n)).group_by(*by),
                               [getattr(OrderTotal, c) for c in (*total_key(), "n")]).execute()


def drift() -> dict[tuple, tuple[int, int]]:
    """Buckets whose kept count differs from the orders: {key: (kept, true)}, a total's key with the
    day None; empty when right."""
    key = bucket_key()
    truth = {(bool(i), s, d, t): n for i, s, d, t, n in Order.select(*key.values(), fn.COUNT(Order.id))
             .group_by(*key.values()).tuples()}
    kept = {(bool(i), s, d, t): n for i, s, d, t, n in OrderCount.select().tuples() if n}
    for (i, s, _day, t), n in list(truth.items()):
        truth[i, s, None, t] = truth.get((i, s, None, t), 0) + n
    kept |= {(bool(i), s, None, t): n for i, s, t, n in OrderTotal.select().tuples() if n}
    return {k: (kept.get(k, 0), truth.get(k, 0)) for k in kept.keys() | truth.keys()
            if kept.get(k, 0) != truth.get(k, 0)}


def ensure_counters() -> bool:
    """At start-up: install the current triggers and recount when they are missing or the counts
    do not add up to the orders (a table emptied or edited by hand, orders written with the
    triggers off). True when it (re)built the counts.

    The total is the start-up check because it costs one count of the orders; a count moved to
    the wrong bucket with the total intact is found by the nightly `drift` check instead.
    """
    wanted = triggers()
    with db.atomic():
        if shared_database():  # several PCs start together: one installs, the others find it done
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (COUNTERS_LOCK,))
        present = _installed()
        orders = Order.select().count()
        kept = [table.select(fn.SUM(table.n)).scalar() or 0 for table in (OrderCount, OrderTotal)]
        if set(wanted.names) == present and kept == [orders, orders]:
            return False
        _uninstall(present)
        for statement in wanted.statements:
            db.execute_sql(statement)
        recount()
    return True


def answers(search: OrderFilter) -> bool:
    """Whether the buckets can count this search: nothing narrows it but 显示, 店铺 and 成交时间."""
    return replace(search, tab="all", sort="newest", show="normal", shop=None, created_from=None,
                   created_to=None, created_preset=False) == OrderFilter()


DAY, SECOND = timedelta(days=1), timedelta(seconds=1)


@dataclass(frozen=True)
class Window:
    """A 成交时间 window cut into whole units (days: bucket rows) and the partial units at its ends.

    `first`/`last` are the starts of the first and last whole units, inclusive (None: unbounded);
    `whole` is False when no whole unit is left. Each partial is (from inclusive, to, to inclusive?).
    """

    first: datetime | None
    last: datetime | None
    whole: bool
    partials: tuple[tuple[datetime, datetime, bool], ...]


def _floor(moment: datetime, unit: timedelta) -> datetime:
    return moment - (moment - datetime.min) % unit


def split_window(start: datetime | None, end: datetime | None, unit: timedelta = DAY) -> Window:
    """Cut [start, end] (either open) into whole `unit`s (成交日, or seconds) and the partial ones at its ends."""
    if start and end and _floor(start, unit) == _floor(end, unit):
        return Window(None, None, False, ((start, end, True),))
    partials: list[tuple[datetime, datetime, bool]] = []
    first = last = None
    if start is not None:
        first = _floor(start, unit)
        if first != start:
            first += unit
            partials.append((start, first, False))
    if end is not None:
        last = _floor(end, unit) - unit  # the end's unit is partial (the window stops inside it)
        partials.append((last + unit, end, True))
    whole = first is None or last is None or first <= last
    return Window(first, last, whole, tuple(partials))


def kept_counts(show_ignored: bool, shop: int | None, window: Window, scope: Scope) -> dict[str, int]:
    """全部订单 and every kept tab over the window's whole days: from the buckets, or from the
    totals when the window is every day."""
    counts = {"all": 0, **{tab.code: 0 for tab in KEPT_TABS}}
    if not window.whole:
        return counts
    table = OrderTotal if window.first is None and window.last is None else OrderCount
    query = (table.select(table.tabs, fn.SUM(table.n))
             .where(table.ignored == show_ignored, *scope.conditions(table)))
    if shop is not None:
        query = query.where(table.shop_id == shop)
    if window.first is not None:
        query = query.where(OrderCount.day >= window.first.date().isoformat())
    if window.last is not None:
        query = query.where(OrderCount.day <= window.last.date().isoformat())
    for bits, n in query.group_by(table.tabs).tuples():
        counts["all"] += n or 0
        for i, tab in enumerate(KEPT_TABS):
            if bits >> i & 1:
                counts[tab.code] += n or 0
    return counts
