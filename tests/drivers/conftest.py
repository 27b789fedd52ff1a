"""A seller driver on a fresh browser context (the `sb` sandbox fixture is in tests/conftest.py)."""
from __future__ import annotations

import pytest

from dropship.platforms.origins import Origins
from dropship.platforms.taobao_seller import TaobaoSeller

PASSWORD = "shop-pass-1"


@pytest.fixture
def seller(sb, context):
    def make(platform: str = "taobao", verifier=None) -> TaobaoSeller:
        return TaobaoSeller(context, Origins(sb.port), platform, verifier=verifier)

    return make

