"""设置 › 浏览器: only a local Chrome / Edge / Chromium file is accepted, by the main account alone; 浏览器检测
identifies it before anything launches it; the web layer never starts a program."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dropship.browser_paths import check_browser_path, locate_browser
from dropship.db import db
from dropship.models import Job
from dropship.platforms import browser
from dropship.platforms.browser import BrowserUnavailable, identify_browser
from dropship.services.settings import get_setting, set_setting
from dropship.tasks import browsers
from dropship.tasks.browser_check import approved_browser_path
from tests.helpers import become_employee, post
from tests.unit.test_layers import ROOT, imports_of


def fake_browser(folder: Path, version_line: str, name: str = "chromium") -> tuple[Path, Path]:
    """A script named like a browser: prints `version_line` for --version; any other start leaves a marker."""
    folder.mkdir(parents=True, exist_ok=True)
    path, marker = folder / name, folder / "launched"
    path.write_text(f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "{version_line}"; exit 0; fi\n'
                    f'touch "{marker}"\nexit 1\n', encoding="utf-8")
    path.chmod(0o755)
    return path, marker


def _setting(key: str):
    with db.connection_context():
        return get_setting(key)


@pytest.mark.parametrize("path,message", [
    ("/bin/sh", "只能使用 Chrome / Edge / Chromium"),
    ("/usr/bin/python3", "只能使用 Chrome / Edge / Chromium"),
    ("//server/share/chrome.exe", "不能使用网络共享路径"),
    (r"\\server\share\msedge.exe", "不能使用网络共享路径"),
    ("chromium", "请填写完整路径"),
    ("/no/such/chromium", "该路径下没有找到浏览器程序"),
])
def test_only_a_local_file_named_as_a_browser_is_accepted(signed_in, path, message):
    response = post(signed_in, "/settings/browser", {"path": path}, token_page="/settings/browser")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _setting("browser.path") == ""


def test_a_browser_file_is_accepted(signed_in, tmp_path):
    path, _ = fake_browser(tmp_path / "bin", "Chromium 120.0.6099.224")
    response = post(signed_in, "/settings/browser", {"path": str(path)}, token_page="/settings/browser")
    assert response.status_code == 200 and "已保存" in response.get_data(as_text=True)
    assert _setting("browser.path") == str(path)


def test_the_browser_path_is_the_main_accounts_alone(signed_in, tmp_path):
    path, _ = fake_browser(tmp_path / "bin", "Chromium 120.0.6099.224")
    become_employee(signed_in, ["settings"])
    html = signed_in.get("/settings/browser").get_data(as_text=True)
    assert "浏览器检测" in html and 'name="path"' not in html
    response = post(signed_in, "/settings/browser", {"path": str(path)}, token_page="/settings/browser")
    assert response.status_code == 403 and _setting("browser.path") == ""


def test_a_file_that_fails_the_check_is_never_launched(signed_in, tmp_path):
    path, marker = fake_browser(tmp_path / "bin", "GNU bash, version 5.2.15")
    assert post(signed_in, "/settings/browser", {"path": str(path)}, token_page="/settings/browser").status_code == 200
    response = post(signed_in, "/settings/browser/check", token_page="/settings/browser")
    assert response.status_code == 200
    with db.connection_context():
        job = Job.get(Job.kind == "browser_check")
        assert job.state == "failed" and "浏览器检测未通过" in job.error
        with pytest.raises(BrowserUnavailable, match="没有报告 Chrome / Edge / Chromium 的版本"):
            browsers().resolve_executable()  # what every shop job asks before it launches
    assert not marker.exists()
    html = signed_in.get("/settings/browser").get_data(as_text=True)
    assert "检测未通过" in html and "任务不会启动该程序" in html


def test_a_file_changed_since_its_check_is_checked_again(app, tmp_path):
    path, marker = fake_browser(tmp_path / "bin", "Chromium 120.0.6099.224")
    with db.connection_context():
        set_setting("browser.path", str(path))
        assert approved_browser_path() == str(path)
        assert get_setting("browser.check")["version"] == "Chromium 120.0.6099.224"
        fake_browser(tmp_path / "bin", "something else 1.0")  # swapped for another program
        with pytest.raises(BrowserUnavailable):
            approved_browser_path()
        assert get_setting("browser.check")["ok"] is False
    assert not marker.exists()


def test_the_page_shows_the_version_the_check_stored_and_starts_nothing(signed_in, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the web layer started a program")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(browser, "_playwright_chromium", refuse)
    found = locate_browser()
    assert found is not None  # make setup installs Chromium
    html = signed_in.get("/settings/browser").get_data(as_text=True)
    assert "未检测" in html
    with db.connection_context():
        set_setting("browser.check", {"path": found.path, "ok": True, "version": "Chromium 156.0.1.2",
                                      "checked_at": "2026-11-20 08:00"})
    html = signed_in.get("/settings/browser").get_data(as_text=True)
    assert "Chromium 156.0.1.2" in html and found.path in html


def test_the_web_layer_cannot_reach_a_program_starter():
    starters = {"subprocess", "playwright", "dropship.platforms.browser"}
    for path in [*sorted((ROOT / "dropship" / "web").rglob("*.py")), ROOT / "dropship/browser_paths.py"]:
        found = {m for m in imports_of(path) if m in starters or m.split(".")[0] in {"subprocess", "playwright"}}
        assert found == set(), path


# -- the identity check itself ----------------------------------------------------------------------------

def test_the_installed_chromium_identifies_itself():
    found = locate_browser()
    assert found is not None
    assert identify_browser(found.path).startswith(("Chromium ", "Google Chrome ", "Microsoft Edge "))


@pytest.mark.parametrize("name,line,identity", [
    ("chromium", "Chromium 156.0.8078.108 built on Debian", "Chromium 156.0.8078.108"),
    ("google-chrome", "Google Chrome 120.0.6099.224 ", "Google Chrome 120.0.6099.224"),
    ("microsoft-edge", "Microsoft Edge 120.0.2210.91", "Microsoft Edge 120.0.2210.91"),
    ("chromium", "Chromium-ish tool 1.0", None),
    ("chromium", "", None),
    ("calc", "Chromium 120.0.0.1", None),  # the name alone refuses it, before it is started
])
def test_identity_needs_the_name_and_the_version_output(tmp_path, name, line, identity):
    path, marker = fake_browser(tmp_path / "bin", line, name=name)
    if identity:
        assert identify_browser(str(path)) == identity
    else:
        with pytest.raises(BrowserUnavailable, match="浏览器检测未通过"):
            identify_browser(str(path))
    assert not marker.exists()


def test_windows_reads_the_version_resource_without_putting_the_path_in_a_command(monkeypatch):
    seen = {}

    def run(command, **kwargs):
        seen.update(command=command, env=kwargs["env"])
        return subprocess.CompletedProcess(command, 0, stdout="Microsoft Edge 120.0.2210.91\n")

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(subprocess, "run", run)
    path = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe'; calc; '"
    with pytest.raises(BrowserUnavailable):  # the name check comes first: this is not msedge.exe
        identify_browser(path)
    path = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
    assert identify_browser(path) == "Microsoft Edge 120.0.2210.91"
    assert seen["command"][0] == "powershell" and path not in " ".join(seen["command"])
    assert seen["env"]["DROPSHIP_BROWSER_FILE"] == path


@pytest.mark.parametrize("text", ["", "  "])
def test_an_empty_path_means_find_it_automatically(text):
    assert check_browser_path(text) == ""
