"""The 验证中心 channel in the database: web processes and workers on several PCs share it.

`verification.Hub` keeps its rules; this store only keeps its pages: a worker writes the parked
page's row and its frames (~2 a second), the web process reads them and queues the person's
commands as rows, which the worker takes in order. A worker that died with a page parked leaves
a live row behind: it counts as expired once it stops getting frames.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any

from dropship.db import db
from dropship.models import ParkedView, ViewCommand
from dropship.platforms.verification import KEEP_CLOSED, LIVE_STATES, Verification

POLL_SECONDS = 0.1  # how often a parked page looks for commands (a drag waits at most this long)
# A parked page writes a frame about twice a second; one silent this long lost its worker (killed,
# PC switched off): it is shown as expired rather than waiting for an answer nobody can take.
SILENT_SECONDS = 30.0
_COLUMNS = [f.name for f in dataclasses.fields(Verification)]
_LISTED = [*(getattr(ParkedView, name) for name in _COLUMNS if name != "frame"), ParkedView.seen_at]


def _item(row: ParkedView) -> Verification:
    values = {name: getattr(row, name, None) for name in _COLUMNS}
    values["frame"] = bytes(values["frame"] or b"")
    item = Verification(**values)
    now = time.time()
    if item.live and (item.deadline < now or row.seen_at < now - SILENT_SECONDS):
        item.state = "expired"  # its worker died with it parked: nobody will answer it any more
    return item


class DatabaseStore:
    """`verification.Store` over the ParkedView / ViewCommand tables; `worker` names this process."""

    def __init__(self, worker: str) -> None:
        self.worker = worker

    def add(self, item: Verification) -> None:
        values = dataclasses.asdict(item)
        ParkedView.insert(**values, worker=self.worker, seen_at=time.time()).execute()

    def save(self, item: Verification, names: tuple[str, ...]) -> None:
        changes = {name: getattr(item, name) for name in names}
        ParkedView.update(**changes, seen_at=time.time()).where(ParkedView.id == item.id).execute()

    def get(self, item_id: str) -> Verification | None:
        row = ParkedView.get_or_none(ParkedView.id == item_id)
        return _item(row) if row is not None else None

    def items(self) -> list[Verification]:
        self._forget_old()
        return [_item(row) for row in ParkedView.select(*_LISTED)]

    def push(self, item_id: str, command: dict[str, Any]) -> None:
        ViewCommand.create(view=item_id, command=command)

    def take(self, item_id: str, timeout: float) -> dict[str, Any] | None:
        until = time.monotonic() + timeout
        while True:
            row = ViewCommand.select().where(ViewCommand.view == item_id).order_by(ViewCommand.id).first()
            if row is not None:
                ViewCommand.delete().where(ViewCommand.id == row.id).execute()
                return row.command
            left = until - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(POLL_SECONDS, left))

    def forget_all(self) -> None:
        """This process's workers stopped: what they parked is gone (other processes' pages stay)."""
        with db.atomic():
            mine = ParkedView.select(ParkedView.id).where(ParkedView.worker == self.worker)
            ViewCommand.delete().where(ViewCommand.view.in_(mine)).execute()
            ParkedView.delete().where(ParkedView.worker == self.worker).execute()

    @staticmethod
    def _forget_old() -> None:
        now = time.time()
        old = ParkedView.select(ParkedView.id).where(
            (ParkedView.state.not_in(LIVE_STATES) & (ParkedView.closed_at < now - KEEP_CLOSED))
            | (ParkedView.deadline < now - KEEP_CLOSED))
        ids = [row.id for row in old]
        if ids:
            with db.atomic():
                ViewCommand.delete().where(ViewCommand.view.in_(ids)).execute()
                ParkedView.delete().where(ParkedView.id.in_(ids)).execute()
