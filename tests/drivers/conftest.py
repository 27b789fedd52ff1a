"""A sandbox for driver tests (one per module) and a seller driver on a fresh browser context."""
from __future__ import annotations

from datetime import datetime

import pytest

from dropship.platforms.origins import Origins
from dropship.platforms.taobao_seller import TaobaoSeller
from dropship.sandbox import Sandbox

PASSWORD = "shop-pass-1"


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    # The app's fetch windows use the wall clock, so the simulation starts now.
    sandbox = Sandbox.start(seed=11, data_dir=tmp_path_factory.mktemp("sandbox"), start_time=datetime.now())
    yield sandbox
    sandbox.stop()


@pytest.fixture
def seller(sb, context):
    def make(platform: str = "taobao", verifier=None) -> TaobaoSeller:
        return TaobaoSeller(context, Origins(sb.port), platform, verifier=verifier)

    return make


def drag_handle(page, distance: int = 280) -> None:
    """What a person does with the nocaptcha handle: press, drag right in small steps, release."""
    box = page.locator("#nc_1_n1z").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + distance, y + 2, steps=20)
    page.mouse.up()
