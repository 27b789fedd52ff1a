"""浏览器检测: launch the browser through the manager from a worker thread and render a page."""
from __future__ import annotations

import time

from dropship.errors import UserError
from dropship.platforms.browser import browser_version, find_browser
from dropship.queue import job_task, progress
from dropship.tasks import browsers

PROBE_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>浏览器检测</title>
<body><h1 id="probe">浏览器检测</h1>
<script>document.getElementById('probe').dataset.sum = String(20 + 22);</script></body></html>"""


@job_task("browser_check")
def check_browser(job_id: int) -> None:
    manager = browsers()
    progress(job_id, 0, 3, "正在查找浏览器…")
    found = find_browser(manager.executable_setting())
    if found is None:
        raise UserError("没有找到可用的浏览器：请安装 Chrome / Edge / Chromium，或在下方填写浏览器路径")
    progress(job_id, 1, 3, f"正在启动 {found.path}")
    started = time.monotonic()
    with manager.session("browser-check") as context:
        launched = time.monotonic() - started
        page = context.new_page()
        progress(job_id, 2, 3, "正在打开本地页面…")
        page.set_content(PROBE_PAGE)
        answer = page.get_attribute("#probe", "data-sum")
        agent = page.evaluate("navigator.userAgent")
    if answer != "42":
        raise UserError("浏览器已启动，但页面脚本没有运行：请换一个浏览器或检查安全软件")
    version = browser_version(found.path) or agent
    progress(job_id, 3, 3, f"浏览器正常：{version}（{found.source}），启动用时 {launched:.1f} 秒")
