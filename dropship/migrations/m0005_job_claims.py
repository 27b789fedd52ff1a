"""Jobs run once: the worker that claimed a job and its heartbeat. Orders keep "买家留言 still to read"."""
from peewee import BooleanField, CharField, DateTimeField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.add_column("job", "claimed_by", CharField(max_length=80, default=""))
    m.add_column("job", "heartbeat_at", DateTimeField(null=True))
    m.add_column("order", "message_pending", BooleanField(default=False))
    m.add_index("order", ("shop_id", "message_pending"))
