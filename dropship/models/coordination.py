"""What worker processes on several PCs coordinate through: the database, never a module global.

`ParkedView` + `ViewCommand` carry the 验证中心 channel (a worker writes the parked page's frames,
the web process writes the person's commands); `WorkerLease` is the one-holder-at-a-time lock of an
account's browser and purchases (services/purchasing/locks.py).
"""
from __future__ import annotations

from datetime import datetime

from peewee import BlobField, CharField, DateTimeField, DoubleField, IntegerField

from dropship.models import BaseModel, JSONField

__all__ = ["ParkedView", "ViewCommand", "WorkerLease"]


class ParkedView(BaseModel):
    """A page a worker parked in 验证中心 (platforms/verification.py's Verification, shared)."""

    id = CharField(max_length=16, primary_key=True)
    kind = CharField(max_length=10)
    title = CharField(max_length=120)
    account_key = CharField(max_length=64)
    worker = CharField(max_length=80, index=True)  # queue.WORKER_ID of the process that parked it
    job_id = IntegerField(null=True, index=True)
    state = CharField(max_length=10, index=True)
    created_at = DateTimeField(default=datetime.now)
    deadline = DoubleField()  # wall-clock seconds (time.time()): the PCs of a LAN agree on it
    closed_at = DoubleField(default=0.0)
    seen_at = DoubleField(default=0.0)  # time.time() of the worker's last write: a live page writes ~2/s
    frame = BlobField(null=True)
    frame_no = IntegerField(default=0)
    width = IntegerField(default=0)
    height = IntegerField(default=0)
    page_title = CharField(max_length=200, default="")
    page_url = CharField(max_length=500, default="")


class ViewCommand(BaseModel):
    """A person's input for a parked page, waiting for its worker to replay it (in id order)."""

    view = CharField(max_length=16, index=True)
    command = JSONField()


class WorkerLease(BaseModel):
    """Held by one worker at a time; `holder` is `<WORKER_ID>#<token>`, refreshed by its heartbeat."""

    key = CharField(max_length=80, primary_key=True)
    holder = CharField(max_length=100)
    heartbeat_at = DateTimeField()
