"""设置 修改记录: save a form's settings all or nothing, and record each change (who, when, old → new).

Every settings form of the 设置 page saves through `save_settings`, so no change goes unrecorded.
Secrets are recorded as 「已修改」 only: the log is shown on the page, and a secret never is.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from dropship.db import db
from dropship.errors import FieldError
from dropship.models import SettingChange, User
from dropship.services.settings import SPECS, get_setting, set_setting

SECRET_CHANGED = "已修改"
# How a stored value reads in the log, per key (choices show their Chinese label); default: `shown`.
_DISPLAY: dict[str, Callable[[Any], str]] = {}
_SECRET_KEYS: set[str] = set()


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "开" if value else "关"
    if isinstance(value, list | tuple):
        return "、".join(shown(v) for v in value) or "（无）"
    if value is None or value == "":
        return "（空）"
    return str(value)


def describe(key: str, display: Callable[[Any], str] | None = None, *, secret: bool = False) -> None:
    """Declare how `key` reads in the log (`display`), or that it is a secret (never shown)."""
    if display is not None:
        _DISPLAY[key] = display
    if secret:
        _SECRET_KEYS.add(key)


def choice_display(labels: dict[str, str]) -> Callable[[Any], str]:
    def display(value: Any) -> str:
        if isinstance(value, list):
            return "、".join(labels.get(v, str(v)) for v in value) or "（无）"
        return labels.get(str(value), shown(value))

    return display


def is_secret(key: str) -> bool:
    return key in _SECRET_KEYS


def save_settings(values: dict[str, Any], user: User | None) -> dict[str, str]:
    """Store every key or none; errors (by setting key) roll the whole form back, nothing is logged.

    A secret key is logged whenever it was written (ciphertext differs each time, and re-typing the
    same password is still a change someone made); other keys only when the value really changed.
    """
    errors: dict[str, str] = {}
    with db.atomic() as transaction:
        for key, raw in values.items():
            old = get_setting(key)
            try:
                new = set_setting(key, raw)
            except FieldError as exc:
                errors.update(exc.errors)
                continue
            if key in _SECRET_KEYS or new != old:
                display = _DISPLAY.get(key, shown)
                before, after = (("", SECRET_CHANGED) if key in _SECRET_KEYS
                                 else (display(old), display(new)))
                SettingChange.create(user=user, username=user.username if user else "", key=key,
                                     label=SPECS[key].label[:60], old=before, new=after, at=datetime.now())
        if errors:
            transaction.rollback()
    return errors


def recent_changes(keys: Iterable[str], limit: int = 20) -> list[SettingChange]:
    """The latest changes of these keys, newest first (shown under the form they belong to)."""
    return list(SettingChange.select().where(SettingChange.key.in_(list(keys)))
                .order_by(SettingChange.at.desc(), SettingChange.id.desc()).limit(limit))
