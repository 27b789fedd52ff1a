"""Driver-test fixtures: a seller driver on a fresh browser context, the app wired to the sandbox (the `sb`
sandbox fixture is in tests/conftest.py)."""
from __future__ import annotations

import pytest

from dropship.db import db
from dropship.platforms.origins import Origins
from dropship.platforms.taobao_seller import TaobaoSeller
from tests.helpers import make_app, register

PASSWORD = "shop-pass-1"


@pytest.fixture
def seller(sb, context):
    def make(platform: str = "taobao", verifier=None) -> TaobaoSeller:
        return TaobaoSeller(context, Origins(sb.port), platform, verifier=verifier)

    return make



@pytest.fixture
def desk(tmp_path, sb):
    """The app wired to the sandbox, tasks inline (the real browser manager), no throttle wait (the
    sandbox is local), with a database connection for the test; yields the data folder (for worker processes). Modules that need more define their own."""
    make_app(tmp_path / "data", sandbox=True, sandbox_port=sb.port, throttle_seconds=0, throttle_jitter=0,
             requests_per_minute=0)
    with db.connection_context():
        yield tmp_path / "data"


@pytest.fixture
def desk_client(tmp_path, sb):
    """The app wired to the sandbox, tasks inline, no throttle wait, a parked page given up at once;
    a signed-in main account's test client (requests open and close their own connection)."""
    app = make_app(tmp_path / "data", sandbox=True, sandbox_port=sb.port, throttle_seconds=0, throttle_jitter=0,
                   requests_per_minute=0, verification_timeout_minutes=0)
    client = app.test_client()
    assert register(client).status_code == 302
    return client
