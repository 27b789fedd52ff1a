"""One typed settings object: defaults <- `<data_dir>/config.toml` <- `DROPSHIP_*` env <- explicit overrides.

Each field documents itself (`help`), so `python app.py --print-config` and the 设置 page can list
what is configurable without a second source of truth.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

APP_NAME = "代发工作台"
ENV_PREFIX = "DROPSHIP_"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
CHOICES = {"https": ("auto", "on", "off")}


def from_checkout() -> bool:
    """Running from a source checkout (its pyproject.toml beside the package), not an installed wheel."""
    return (Path(__file__).resolve().parents[1] / "pyproject.toml").is_file()


def default_data_dir() -> Path:
    """A checkout keeps `data/` in the current folder as always; an installed app keeps its data in the
    user's app folder (Windows %LOCALAPPDATA%\\代发工作台, Linux ~/.local/share/代发工作台), because a
    seller starting it from a shortcut has no meaningful current folder."""
    if from_checkout():
        return Path("data")
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False, roaming=False)


class ConfigError(ValueError):
    """A setting could not be read; the message names the setting and the source."""


def _setting(default: Any, help: str) -> Any:  # noqa: A002 - mirrors dataclass metadata wording
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(Path("data"), "运行数据目录（数据库、队列、密钥、浏览器配置）")
    host: str = _setting("127.0.0.1", "监听地址；0.0.0.0 让局域网其他电脑访问")
    port: int = _setting(8765, "监听端口")
    database_url: str = _setting("", "数据库地址；空 = <data_dir>/app.db；支持 postgresql://")
    queue_url: str = _setting("", "任务队列；空 = <data_dir>/queue.db；支持 redis://")
    workers: int = _setting(2, "后台任务线程数")
    web_threads: int = _setting(8, "网页服务线程数")
    chromium: str = _setting("", "浏览器路径；空 = 自动查找")
    profiles_dir: str = _setting("", "浏览器配置目录（各账号的登录状态）；空 = <data_dir>/profiles；"
                                     "多台电脑运行 --worker 时都填同一个共享文件夹")
    headless: bool = _setting(True, "浏览器默认无界面运行")
    browser_keep_seconds: float = _setting(10.0, "账号的浏览器在两个任务之间保持打开的秒数（同一账号连续的任务不必每次重新启动浏览器；0 = 每个任务后关闭）")
    session_hours: int = _setting(12, "未勾选自动登陆时，登录多久后过期（小时）")
    remember_days: int = _setting(30, "勾选自动登陆后保持登录的天数")
    login_max_failures: int = _setting(5, "连续登录失败多少次后暂停登录")
    login_lock_seconds: int = _setting(60, "登录失败过多后需要等待的秒数")
    throttle_seconds: float = _setting(3.0, "同一账号两次平台操作的最小间隔（秒）")
    throttle_jitter: float = _setting(1.5, "操作间隔的随机抖动上限（秒）")
    requests_per_minute: int = _setting(12, "同一账号对同一平台网址每分钟最多请求数（真实客户端约 20；0 = 不限，仅供测试）")
    cooldown_minutes: int = _setting(15, "出现风控迹象后该账号的首次冷却时间（分钟；再次风控依次加倍，最长 4 小时）")
    verification_timeout_minutes: int = _setting(5, "验证中心无人处理多久后跳到下一个店铺（分钟）")
    https: str = _setting("auto", "HTTPS（自签名证书）：auto = 局域网模式开启、仅本机时关闭；on；off")
    sandbox: bool = _setting(False, "演示模式：同时启动沙箱平台并连接到它")
    sandbox_port: int = _setting(0, "沙箱平台端口；0 = 自动选择")
    testing: bool = _setting(False, "测试模式：任务在请求内同步执行")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'app.db').as_posix()}"

    @property
    def profiles_path(self) -> Path:
        return Path(self.profiles_dir) if self.profiles_dir else self.data_dir / "profiles"

    @property
    def lan(self) -> bool:
        """Reachable from other PCs (anything but a loopback address)."""
        return self.host not in LOOPBACK_HOSTS

    @property
    def use_https(self) -> bool:
        return self.https == "on" or (self.https == "auto" and self.lan)

    def describe(self) -> list[tuple[str, Any, str]]:
        return [(f.name, getattr(self, f.name), f.metadata.get("help", "")) for f in fields(self)]


def _coerce(name: str, kind: Any, raw: Any, source: str) -> Any:
    kind = kind if isinstance(kind, type) else {"Path": Path, "str": str, "int": int, "float": float,
                                                "bool": bool}[str(kind)]
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind is Path:
            return Path(raw)
        if kind is int and isinstance(raw, float):
            raise ValueError(raw)
        value = kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {name} 的值 {raw!r} 不是有效的 {kind.__name__}") from exc
    if name in CHOICES and value not in CHOICES[name]:
        raise ConfigError(f"{source}: {name} 只能是 {' / '.join(CHOICES[name])}，不能是 {raw!r}")
    return value


def load_settings(
    data_dir: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build Settings from the layered sources; `overrides` (e.g. CLI flags) win over everything."""
    env = os.environ if env is None else env
    known = {f.name: f for f in fields(Settings)}
    data_dir = Path(data_dir or env.get(f"{ENV_PREFIX}DATA_DIR") or default_data_dir())
    values: dict[str, Any] = {"data_dir": data_dir}

    toml_path = data_dir / "config.toml"
    if toml_path.is_file():
        try:
            table = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{toml_path}: {exc}") from exc
        for key, raw in table.items():
            if key not in known or key == "data_dir":
                raise ConfigError(f"{toml_path}: 未知设置 {key}")
            values[key] = _coerce(key, known[key].type, raw, str(toml_path))

    for key, f in known.items():
        raw = env.get(f"{ENV_PREFIX}{key.upper()}")
        if raw is not None and key != "data_dir":
            values[key] = _coerce(key, f.type, raw, f"{ENV_PREFIX}{key.upper()}")

    for key, raw in overrides.items():
        if raw is None:
            continue
        if key not in known:
            raise ConfigError(f"未知设置 {key}")
        values[key] = _coerce(key, known[key].type, raw, "命令行")
    return replace(Settings(), **values)
