"""Which browser account a job works for, and when a job handed back may run again: a worker process
that keeps an account's browser open takes that account's next queued jobs itself (dropship.queue)."""
from peewee import CharField, DateTimeField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.add_column("job", "account", CharField(max_length=80, default=""))
    m.add_column("job", "retry_at", DateTimeField(null=True))
    # the keeper's look for its account's next queued job, a few times a second
    m.add_index("job", ("account", "state"), False)
