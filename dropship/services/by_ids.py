"""Rows by a list of ids, with the SQL text built once per shape rather than on every page.

peewee turns a query into SQL on each execution, walking every selected column: about 1 ms for a
wide table such as `order`, several times the SQLite work of reading ten rows by key. A page of
订单管理 reads seven such lists, so the text is kept per query and per number of ids, the ids padded
(with the last one repeated, which changes no IN) to a few sizes so that few texts exist.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial

from peewee import Model, ModelRaw, ModelSelect

from dropship.db import db

_SIZES = (8, 16, 32, 64, 128, 256)
_texts: dict[tuple, tuple[type, str]] = {}
_by_key: dict[type[Model], Callable[[list[int]], ModelSelect]] = {}


def _padded(ids: list[int]) -> list[int]:
    size = next((s for s in _SIZES if s >= len(ids)), len(ids))
    return ids + [ids[-1]] * (size - len(ids))


def by_ids(build: Callable[[list[int]], ModelSelect], ids: Collection[int]) -> ModelRaw | list:
    """The rows of `build(ids)`, a query whose only parameters are `ids` (in the order given).

    `build` is called only the first time a shape is seen: it must be the same query for any ids
    (a module-level function, not one closing over other values).
    """
    if not ids:
        return []
    padded = _padded(list(ids))
    key = (build, len(padded), type(db.obj))  # the placeholder style differs between SQLite and PostgreSQL
    known = _texts.get(key)
    if known is None:
        query = build(padded)
        sql, params = query.sql()
        if params != padded:
            raise ValueError(f"{build}: the query must have the ids as its only parameters")
        known = (query.model, sql)
        if len(padded) <= _SIZES[-1]:  # a longer list is rare and of any length: not kept, or texts pile up
            _texts[key] = known
    model, sql = known
    return model.raw(sql, *padded)


def _select_by_key(model: type[Model], ids: list[int]) -> ModelSelect:
    return model.select().where(model._meta.primary_key.in_(ids))


def rows_by_key(model: type[Model], ids: Collection[int] | Collection[str]) -> ModelRaw | list:
    """Every column of the `model` rows with these primary keys, in no particular order."""
    return by_ids(_by_key.setdefault(model, partial(_select_by_key, model)), ids)
