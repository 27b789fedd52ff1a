"""浏览器检测: identify the browser file, launch it through the manager from a worker thread, render a page.

The identity check (file name + `--version`) is recorded in the `browser.check` setting, which the
设置 page shows and which every job consults before it starts the 设置 path (`approved_browser_path`):
a file that failed is never launched, and a file that changed since its check is checked again.
"""
from __future__ import annotations

import time
from datetime import datetime

from dropship.browser_paths import file_fingerprint
from dropship.errors import UserError
from dropship.platforms.browser import BrowserUnavailable, find_browser, identify_browser
from dropship.queue import job_task, progress
from dropship.services.settings import get_setting, set_setting
from dropship.tasks import browsers, settings

PROBE_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>浏览器检测</title>
<body><h1 id="probe">浏览器检测</h1>
<script>document.getElementById('probe').dataset.sum = String(20 + 22);</script></body></html>"""


def check_identity(path: str) -> str:
    """Identify `path` (starts it with --version), record the outcome, return the version text."""
    record = {"path": path, "fingerprint": file_fingerprint(path), "checked_at": f"{datetime.now():%Y-%m-%d %H:%M}"}
    try:
        version = identify_browser(path)
    except BrowserUnavailable as exc:
        set_setting("browser.check", {**record, "ok": False, "message": str(exc)})
        raise
    set_setting("browser.check", {**record, "ok": True, "version": version})
    return version


def approved_browser_path() -> str | None:
    """The browser the jobs may start: the 设置 path once it passed the check, else the startup configuration
    (DROPSHIP_CHROMIUM / config.toml, chosen by whoever runs the server) or None for 自动查找."""
    configured = str(get_setting("browser.path") or "")
    if not configured:
        return settings().chromium or None
    record = get_setting("browser.check") or {}
    if record.get("path") == configured and record.get("fingerprint") == file_fingerprint(configured):
        if not record.get("ok"):
            raise BrowserUnavailable(record.get("message") or "设置的浏览器路径没有通过浏览器检测")
        return configured
    check_identity(configured)  # new or changed since its check (e.g. the browser updated itself)
    return configured


@job_task("browser_check")
def check_browser(job_id: int) -> None:
    manager = browsers()
    progress(job_id, 0, 3, "正在查找浏览器…")
    found = find_browser(str(get_setting("browser.path") or "") or settings().chromium or None)
    if found is None:
        raise UserError("没有找到可用的浏览器：请安装 Chrome / Edge / Chromium，或在下方填写浏览器路径")
    version = check_identity(found.path)
    progress(job_id, 1, 3, f"正在启动 {found.path}（{version}）")
    started = time.monotonic()
    with manager.session("browser-check") as context:
        launched = time.monotonic() - started
        page = context.new_page()
        progress(job_id, 2, 3, "正在打开本地页面…")
        page.set_content(PROBE_PAGE)
        answer = page.get_attribute("#probe", "data-sum")
    if answer != "42":
        raise UserError("浏览器已启动，但页面脚本没有运行：请换一个浏览器或检查安全软件")
    progress(job_id, 3, 3, f"浏览器正常：{version}（{found.source}），启动用时 {launched:.1f} 秒")
