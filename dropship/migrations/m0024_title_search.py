"""商品标题 search at 1,000,000 orders (issue 17 §1): a trigram full-text table of each order's titles.

SQLite only, and only where FTS5 has the trigram tokenizer (SQLite ≥ 3.34): elsewhere the search
reads the titles with LIKE / ILIKE (services.orders.titles.indexed). The triggers that keep it and
the first fill are installed at start-up (titles.ensure_title_index), as for the kept counts.
"""
from peewee import OperationalError, SqliteDatabase

from dropship.db import Migrator


def up(m: Migrator) -> None:
    if not isinstance(m.database, SqliteDatabase):
        return
    try:
        m.execute("CREATE VIRTUAL TABLE IF NOT EXISTS ordertitle USING fts5(titles, tokenize = 'trigram')")
    except OperationalError:  # an SQLite without FTS5 or its trigram tokenizer: the search stays LIKE
        return
