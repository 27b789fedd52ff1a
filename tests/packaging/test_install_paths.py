"""Where an installed app finds its web folders and its data, and when it opens the browser (no processes)."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

import dropship
from dropship import config, desktop, runtime


def test_a_checkout_keeps_data_in_the_current_folder():
    assert config.from_checkout()
    assert config.default_data_dir() == Path("data")


def test_an_installed_app_keeps_data_in_the_users_app_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "from_checkout", lambda: False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert config.default_data_dir() == tmp_path / "代发工作台"
    assert config.load_settings(env={}).data_dir == tmp_path / "代发工作台"
    assert config.load_settings(data_dir=tmp_path / "x", env={}).data_dir == tmp_path / "x"  # --data-dir wins


def test_web_folders_come_from_the_package_once_the_build_put_them_there(monkeypatch, tmp_path):
    assert dropship.web_folders() == (dropship.ROOT / "templates", dropship.ROOT / "static")
    (tmp_path / "templates").mkdir()
    monkeypatch.setattr(dropship, "PACKAGE", tmp_path)
    assert dropship.web_folders() == (tmp_path / "templates", tmp_path / "static")


def test_open_browser_opens_the_login_page(monkeypatch):
    opened = threading.Event()
    urls = []
    monkeypatch.setattr(desktop.webbrowser, "open", lambda url: (urls.append(url), opened.set()))
    desktop.open_browser("http://127.0.0.1:8765")
    assert opened.wait(5)
    assert urls == ["http://127.0.0.1:8765/login"]


class _QuietRuntime:
    """Stands in for the server: main() only decides, nothing starts."""

    url = "http://127.0.0.1:1"

    def __init__(self, settings, web=True, worker=True) -> None:
        self.settings, self.web = settings, web

    def request_stop(self, *_: object) -> None: ...
    def start(self) -> None: ...
    def wait(self) -> None: ...
    def stop(self) -> None: ...


@pytest.mark.parametrize(("flags", "opens"), [((), True), (("--no-browser",), False), (("--worker",), False)])
def test_start_opens_the_browser_unless_told_not_to(monkeypatch, tmp_path, flags, opens):
    opened = []
    monkeypatch.setattr(runtime, "Runtime", _QuietRuntime)
    monkeypatch.setattr(runtime, "print_banner", lambda rt: None)
    monkeypatch.setattr(runtime.signal, "signal", lambda *a: None)
    monkeypatch.setattr(desktop, "open_browser", opened.append)
    assert runtime.main(["--data-dir", str(tmp_path), *flags]) == 0
    assert opened == ([_QuietRuntime.url] if opens else [])
