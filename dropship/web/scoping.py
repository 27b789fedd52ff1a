"""The acting user's `Scope` for this request, and `get_or_404` for rows the URL names.

A row outside the user's scope is answered exactly like a row that does not exist (404): an
employee who edits an order id in the URL learns nothing about other shops' orders.
"""
from __future__ import annotations

from flask import abort, g
from peewee import Model, ModelSelect

from dropship.services.scope import Scope


def current_scope() -> Scope:
    """The signed-in user's scope (read once per request)."""
    if "scope" not in g:
        g.scope = Scope.of(g.get("user"))
    return g.scope


def get_or_404(model: type[Model] | ModelSelect, row_id: int, scope: Scope, description: str | None = None):
    """The row of `model` (or of a query over it, e.g. with a join) with this id, if `scope` may see it."""
    query = model if isinstance(model, ModelSelect) else model.select()
    row = scope.apply(query.where(query.model.id == row_id)).first()
    if row is None:
        abort(404, description=description)
    return row
