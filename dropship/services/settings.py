"""Settings edited on the 设置 page: a registry of keys with defaults and validation.

Startup configuration (ports, paths) lives in `dropship.config`; these are business settings that
staff change while the app runs, stored as JSON in `AppSetting`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dropship.errors import FieldError
from dropship.models import AppSetting


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    default: Any
    clean: Callable[[Any], Any]


def _browser_path(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > 500:
        raise ValueError("路径过长")
    if text and not Path(text).is_file():
        raise ValueError("该路径下没有找到浏览器程序")
    return text


def int_between(low: int, high: int) -> Callable[[Any], int]:
    """A cleaner for a whole number in [low, high], as a settings form posts it (text)."""

    def clean(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"请输入 {low} 到 {high} 之间的整数") from None
        if not low <= number <= high:
            raise ValueError(f"请输入 {low} 到 {high} 之间的整数")
        return number

    return clean


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in {"1", "true", "on", "yes"}


SPECS: dict[str, SettingSpec] = {}


def register(key: str, label: str, default: Any, clean: Callable[[Any], Any]) -> None:
    SPECS[key] = SettingSpec(key, label, default, clean)


register("browser.path", "浏览器路径", "", _browser_path)
register("browser.headed", "显示浏览器窗口（有界面）", False, _bool)


def get_setting(key: str) -> Any:
    spec = SPECS[key]
    row = AppSetting.get_or_none(AppSetting.key == key)
    return spec.default if row is None else row.value


def set_setting(key: str, raw: Any) -> Any:
    """Validate and store; raise a FieldError named by `key` and store nothing on bad input."""
    spec = SPECS[key]
    try:
        value = spec.clean(raw)
    except (TypeError, ValueError) as exc:
        raise FieldError(key, f"{spec.label}：{exc}") from exc
    (AppSetting.insert(key=key, value=value, updated_at=datetime.now())
     .on_conflict(conflict_target=[AppSetting.key],
                  update={AppSetting.value: value, AppSetting.updated_at: datetime.now()})
     .execute())
    return value
