"""Where a Chromium-family browser lives, and which paths may be one — by looking at the filesystem only.

This module never starts a program (no subprocess, no Playwright): the web layer uses it on request
threads to show the browser and to check the 浏览器路径 setting when it is saved. Starting the file
(`--version`, a launch) is the 浏览器检测 job's business (`platforms/browser.py`, in a worker).
"""
from __future__ import annotations

import ntpath
import os
import posixpath
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

MAX_PATH = 500

_LINUX_CANDIDATES = (
    "/usr/lib/chromium/chromium",  # skips the Debian wrapper script and its warning
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/usr/bin/microsoft-edge",
    "/snap/bin/chromium",
)
_PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "msedge")

# File names (lower case, without .exe) that Chrome, Chromium and Edge install under, on every system.
BROWSER_NAMES = frozenset({
    "chrome", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "google-chrome-beta",
    "google-chrome-unstable", "google chrome", "google chrome canary", "google chrome for testing",
    "msedge", "microsoft-edge", "microsoft-edge-stable", "microsoft-edge-beta", "microsoft-edge-dev",
    "microsoft edge",
})


def _windows_candidates() -> list[str]:
    roots = [os.environ.get(k, "") for k in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")]
    rel = (
        r"Microsoft\Edge\Application\msedge.exe",
        r"Google\Chrome\Application\chrome.exe",
        r"Chromium\Application\chrome.exe",
    )
    return [str(Path(root) / r) for root in roots if root for r in rel]


@dataclass(frozen=True)
class FoundBrowser:
    path: str
    source: str  # 设置 / 环境变量 / 系统 / Playwright


def is_network_path(text: str) -> bool:
    r"""A UNC or network path (\\server\share, //server/share, \\?\UNC\…): a program on another PC."""
    head = text.strip()[:2]
    return len(head) == 2 and head[0] in "\\/" and head[1] in "\\/"


def _base_name(text: str) -> str:
    name = ntpath.basename(text) if "\\" in text else posixpath.basename(text)
    name = name.strip().lower()
    return name[:-4] if name.endswith(".exe") else name


def has_browser_name(text: str) -> bool:
    """Whether the file is named as Chrome, Chromium or Edge install themselves (msedge.exe, chromium …)."""
    return _base_name(text) in BROWSER_NAMES


def check_browser_path(value: object) -> str:
    """The 浏览器路径 setting as typed, or ValueError with the Chinese reason. '' means 自动查找."""
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) > MAX_PATH:
        raise ValueError("路径过长")
    if is_network_path(text):
        raise ValueError("不能使用网络共享路径（\\\\服务器\\共享），请填写本机上的浏览器")
    if not (ntpath.isabs(text) if sys.platform == "win32" else posixpath.isabs(text)):
        raise ValueError("请填写完整路径，例如 C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe")
    if not has_browser_name(text):
        raise ValueError("只能使用 Chrome / Edge / Chromium 浏览器（程序名应为 msedge.exe、chrome.exe 或 chromium）")
    if not Path(text).is_file():
        raise ValueError("该路径下没有找到浏览器程序")
    return text


def locate_browser(setting: str | None = None) -> FoundBrowser | None:
    """The setting, then DROPSHIP_CHROMIUM, then the usual install places: files only, nothing is started."""
    for path, source in ((setting, "设置"), (os.environ.get("DROPSHIP_CHROMIUM"), "环境变量")):
        if path and Path(path).is_file():
            return FoundBrowser(path, source)
    candidates = _windows_candidates() if sys.platform == "win32" else list(_LINUX_CANDIDATES)
    for path in candidates:
        if Path(path).is_file():
            return FoundBrowser(path, "系统")
    for name in _PATH_NAMES:
        path = shutil.which(name)
        if path:
            return FoundBrowser(path, "系统")
    return None


def file_fingerprint(path: str) -> str:
    """Size and modification time: a browser swapped for another file after its check no longer matches."""
    try:
        stat = Path(path).stat()
    except OSError:
        return ""
    return f"{stat.st_size}:{stat.st_mtime_ns}"
