"""Employee scope: which shops and purchase accounts the acting user may see, as SQL conditions.

The main account sees everything; an employee sees the shops and purchase accounts granted to
them (`ShopGrant`, `AccountGrant`), and the orders of those shops. Every list, count and export
query takes a `Scope`, so scope is enforced in the queries themselves, not by hiding menus: an
employee who types another shop's order id gets nothing, because the query finds nothing.

Conditions are subqueries on the grant tables, not id lists read up front, so a grant given or
taken away counts from the next query on, and a large shop list stays one query.
"""
from __future__ import annotations

from dataclasses import dataclass

from peewee import Expression, ModelSelect

from dropship.models import (
    AccountGrant,
    Order,
    OrderCount,
    OrderTotal,
    PurchaseAccount,
    Shop,
    ShopGrant,
    User,
)


@dataclass(frozen=True)
class Scope:
    """What one user may see; `user_id` None means everything (the main account, system jobs)."""

    user_id: int | None

    @classmethod
    def of(cls, user: User | None) -> Scope:
        """The acting user's scope; no user (e.g. a job whose user was deleted) sees nothing."""
        if user is None:
            return cls(0)  # no user has id 0: every grant subquery is empty
        return cls(None) if user.is_main else cls(user.id)

    @classmethod
    def everything(cls) -> Scope:
        """For work the system does for the whole install (scheduled fetches), never for a request."""
        return cls(None)

    @property
    def unlimited(self) -> bool:
        return self.user_id is None

    def shop_ids(self) -> ModelSelect:
        """The granted shop ids, as a subquery."""
        return ShopGrant.select(ShopGrant.shop).where(ShopGrant.user == self.user_id)

    def account_ids(self) -> ModelSelect:
        return AccountGrant.select(AccountGrant.account).where(AccountGrant.user == self.user_id)

    def condition(self, model: type) -> Expression | None:
        """The condition limiting `model`'s rows to this scope; None when nothing is limited."""
        # checked first, so a model nobody taught the scope about fails for the main account too
        if model not in (Shop, Order, OrderCount, OrderTotal, PurchaseAccount):
            raise TypeError(f"Scope does not know how to limit {model.__name__}")
        if self.unlimited:
            return None
        if model is Shop:
            return Shop.id.in_(self.shop_ids())
        if model is Order:
            return Order.shop.in_(self.shop_ids())
        if model in (OrderCount, OrderTotal):  # the kept tab counts, per shop (services.orders.counters)
            return model.shop_id.in_(self.shop_ids())
        return PurchaseAccount.id.in_(self.account_ids())

    def conditions(self, model: type) -> list[Expression]:
        """`condition` as a list, to splice into `.where(*…)` next to other conditions."""
        condition = self.condition(model)
        return [] if condition is None else [condition]

    def apply(self, query: ModelSelect, model: type | None = None) -> ModelSelect:
        """`query` limited to this scope (its model's rows unless `model` says which)."""
        condition = self.condition(model or query.model)
        return query if condition is None else query.where(condition)
