"""Shared test fixtures: headless system Chromium for pytest-playwright."""
from __future__ import annotations

from datetime import datetime

import pytest

from dropship.platforms.browser import CHROMIUM_ARGS, find_browser


def pytest_configure(config: pytest.Config) -> None:
    # xdist's --loadscope-reorder (its default) hands out files with the most tests first, undoing the order
    # below; set here rather than in addopts, which `-p no:xdist` would refuse
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first (tests/heavy_files.py): `--dist loadfile` hands files out in this order."""
    from tests.heavy_files import heavy_first

    items[:] = [items[n] for n in heavy_first(item.nodeid.split("::")[0] for item in items)]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    found = find_browser()
    if found is None:
        raise RuntimeError("没有找到 Chromium：请先运行 make setup（apt 安装 chromium）")
    return {**browser_type_launch_args, "executable_path": found.path, "args": list(CHROMIUM_ARGS)}


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A password hash costs ~70 ms of CPU on purpose (scrypt n=2**14) and ~600 tests sign up or in, so
    tests hash at n=2**4. A hash records its n, so checking a password still follows what was stored.
    Tests that request `real_scrypt` (the ones about the cost itself) run with the product's parameters."""
    from dropship.services import auth

    if "real_scrypt" not in request.fixturenames:
        monkeypatch.setitem(auth.SCRYPT_PARAMS, "n", 2**4)
    auth.decoy_hash.cache_clear()  # the decoy must cost what this test's real hashes cost
    yield
    auth.decoy_hash.cache_clear()


@pytest.fixture
def real_scrypt() -> None:
    """Run with the product's scrypt parameters (see _cheap_password_hashing)."""


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


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    """A sandbox per test module. The app's fetch windows use the wall clock, so its simulation starts now
    (tests/sandbox overrides this with a fixed start for determinism)."""
    from platform_sandbox import Sandbox

    sandbox = Sandbox.start(seed=11, data_dir=tmp_path_factory.mktemp("sandbox"), start_time=datetime.now())
    yield sandbox
    sandbox.stop()
