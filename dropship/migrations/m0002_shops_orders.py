"""Shops, purchase accounts, orders and their items, purchases, shipments."""
from dropship.db import Migrator
from dropship.models import SHOP_MODELS


def up(m: Migrator) -> None:
    m.create_tables(SHOP_MODELS)
