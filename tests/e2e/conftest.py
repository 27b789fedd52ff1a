"""A live app (waitress + real in-process Huey consumer) for Playwright to drive."""
from __future__ import annotations

import pytest

from dropship.config import load_settings
from dropship.runtime import Runtime
from tests.helpers import free_port


@pytest.fixture
def live_app(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", env={}, port=free_port(), workers=2)
    runtime = Runtime(settings)
    runtime.start()
    yield runtime
    runtime.stop()
