"""采购账号: who the account is on the platform, why it is 掉线, when it was checked, a token search key."""
from peewee import CharField, DateTimeField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.add_column("purchaseaccount", "platform_user_id", CharField(max_length=32, default=""))
    m.add_column("purchaseaccount", "login_message", CharField(max_length=300, default=""))
    m.add_column("purchaseaccount", "checked_at", DateTimeField(null=True))
    m.add_column("purchaseaccount", "token_key", CharField(max_length=32, default="", index=True))
