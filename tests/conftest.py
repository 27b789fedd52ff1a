"""Shared test fixtures: headless system Chromium for pytest-playwright."""
from __future__ import annotations

import pytest

from dropship.platforms.browser import CHROMIUM_ARGS, find_browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    found = find_browser()
    if found is None:
        raise RuntimeError("没有找到 Chromium：请先运行 make setup（apt 安装 chromium）")
    return {**browser_type_launch_args, "executable_path": found.path, "args": list(CHROMIUM_ARGS)}


@pytest.fixture
def app(tmp_path):
    from tests.helpers import make_app

    return make_app(tmp_path / "data")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def signed_in(client):
    """A client signed in as the freshly registered main account."""
    from tests.helpers import register

    assert register(client).status_code == 302
    return client
