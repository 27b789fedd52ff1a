"""The risk cool-down rule: 风控限制 ends by the clock alone, and the shop is usable again after it."""
from datetime import datetime, timedelta

import pytest

from dropship.models import Shop
from dropship.services.shops import LOGIN_STATES, cooling_down, effective_login_state, session_usable

NOW = datetime(2026, 11, 20, 10, 0)


@pytest.mark.parametrize("state,until,shown,usable", [
    ("risk", NOW + timedelta(minutes=1), "risk", False),  # still cooling
    ("risk", NOW, "cooled", True),  # ends exactly at cooldown_until
    ("risk", NOW - timedelta(minutes=1), "cooled", True),
    ("risk", None, "cooled", True),  # a risk answer with no cool-down recorded holds nothing back
    ("ok", None, "ok", True),
    ("ok", NOW - timedelta(hours=1), "ok", True),
    ("expired", NOW - timedelta(minutes=1), "expired", False),  # only 风控限制 ends with the clock
    ("bad_password", None, "bad_password", False),
    ("needs_verification", NOW + timedelta(minutes=5), "needs_verification", False),
])
def test_the_state_shown_and_obeyed(state, until, shown, usable):
    shop = Shop(login_state=state, cooldown_until=until)
    assert effective_login_state(shop, NOW) == shown
    assert session_usable(shop, NOW) is usable
    assert cooling_down(shop, NOW) is (until is not None and until > NOW)


def test_the_label_of_an_ended_cool_down_says_what_happens_next():
    shop = Shop(login_state="risk", cooldown_until=NOW + timedelta(minutes=15))
    assert LOGIN_STATES[effective_login_state(shop, NOW)] == "风控限制"
    assert LOGIN_STATES[effective_login_state(shop, NOW + timedelta(minutes=15))] == "冷却结束，待重新验证"
