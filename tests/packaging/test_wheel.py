"""The wheel is the product: built from the sources, installed into a fresh venv with no checkout,
`dropship-desk --demo` serves the demo from the user's app folder and stops cleanly on SIGTERM."""
from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import free_port
from tests.packaging.wheel import build_wheel, clean_env, fresh_venv, lend_dev_dependencies, pip_into

pytestmark = pytest.mark.e2e


def _read_banner(proc: subprocess.Popen) -> dict[str, str]:
    """`label：value` lines the app prints on start, up to the data dir (the banner's second line)."""
    seen: dict[str, str] = {}
    for line in proc.stdout:
        label, sep, value = line.strip().partition("：")
        if sep:
            seen[label] = value
        if label == "数据目录":
            return seen
    raise AssertionError(f"no start-up banner: {seen}")


def _run(python: Path, *args: str, **kwargs) -> str:
    return subprocess.run([str(python), *args], capture_output=True, text=True, check=True, **kwargs).stdout


def test_installed_wheel_runs_the_demo_without_the_checkout(tmp_path: Path, page: Page):
    wheel = build_wheel(tmp_path / "build")
    python = fresh_venv(tmp_path / "venv")
    started = time.monotonic()
    pip_into(python, "install", "-q", "--no-deps", "--no-index", str(wheel))
    lend_dev_dependencies(python)
    pip_into(python, "check")  # every dependency the wheel declares is there
    home, run_dir = tmp_path / "home", tmp_path / "elsewhere"
    run_dir.mkdir()
    env = clean_env(home)
    command = python.parent / "dropship-desk"
    proc = subprocess.Popen([str(command), "--demo", "--no-browser", "--port", str(free_port())], cwd=run_dir,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = _read_banner(proc)
        url = banner["代发工作台已启动"]
        assert Path(banner["数据目录"]) == home / ".local/share/代发工作台/demo"
        phone, _, password = banner["演示账号"].partition("  密码：")
        page.goto(url)
        expect(page.get_by_role("button", name="登录")).to_be_visible()
        print(f"\nwheel {wheel.stat().st_size / 1e6:.2f} MB; pip install → login page {time.monotonic() - started:.1f} s")
        page.get_by_label("账号").fill(phone)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="店铺管理").click()
        expect(page.get_by_role("table", name="店铺列表").get_by_role("row")).to_have_count(4)  # header + 3 shops
        for platform in ("淘宝", "淘特", "天猫"):
            expect(page.get_by_role("cell", name=platform, exact=True)).to_be_visible()
        with urllib.request.urlopen(f"{url}/static/vendor/htmx.min.js", timeout=5) as response:
            assert response.status == 200  # vendored at build time, shipped inside the package
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
        output = proc.stdout.read()
    assert code == 0, output
    assert "--no-browser" in _run(python, "-m", "dropship", "--help", env=env, cwd=run_dir)
    located = _run(python, "-c", "import dropship; print(dropship.web_folders()[0])", env=env, cwd=run_dir)
    assert Path(located.strip()).is_relative_to(tmp_path / "venv")  # the wheel's templates, not the checkout's
