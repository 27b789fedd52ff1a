"""Settings edited on the 设置 page: a registry of keys with defaults and validation.

Startup configuration (ports, paths) lives in `dropship.config`; these are business settings that
staff change while the app runs, stored as JSON in `AppSetting`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dropship.browser_paths import check_browser_path
from dropship.errors import FieldError
from dropship.models import AppSetting
from dropship.services.by_ids import rows_by_key


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    default: Any
    clean: Callable[[Any], Any]


def _browser_check(value: Any) -> dict[str, Any]:
    """浏览器检测's last outcome, written by the job (never typed): which file, and what it said it was."""
    if not isinstance(value, dict) or not isinstance(value.get("path"), str):
        raise ValueError("检测结果格式不正确")
    return {"path": value["path"], "fingerprint": str(value.get("fingerprint", "")), "ok": bool(value.get("ok")),
            "version": str(value.get("version", "")), "message": str(value.get("message", "")),
            "checked_at": str(value.get("checked_at", ""))}


def int_between(low: int, high: int) -> Callable[[Any], int]:
    """A clean function for a whole number setting within [low, high]."""
    def clean(value: Any) -> int:
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 9 or not low <= int(text) <= high:
            raise ValueError(f"请输入 {low} 到 {high} 之间的整数")
        return int(text)

    return clean


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in {"1", "true", "on", "yes"}


SPECS: dict[str, SettingSpec] = {}


def register(key: str, label: str, default: Any, clean: Callable[[Any], Any]) -> None:
    SPECS[key] = SettingSpec(key, label, default, clean)


# Main account only (web/settings.py): whatever file this names is started by every shop job.
register("browser.path", "浏览器路径", "", check_browser_path)
register("browser.check", "浏览器检测结果", {}, _browser_check)
register("browser.headed", "显示浏览器窗口（有界面）", False, _bool)


def get_setting(key: str) -> Any:
    spec = SPECS[key]
    # by key with its SQL text kept: read on every page (订单管理 reads two), building it each time cost 0.5 ms
    row = next(iter(rows_by_key(AppSetting, [key])), None)
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
