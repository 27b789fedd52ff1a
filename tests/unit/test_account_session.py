"""open_account: a risk page during the session check marks the account 掉线 with the platform's
reason and raises RiskBlocked (it once died on a throttle method that does not exist)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from dropship.models import PurchaseAccount
from dropship.platforms.base import RiskBlocked
from dropship.tasks import account_session
from tests.orders_factory import make_account, orders_app, orders_db  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")


class RiskyDriver:
    def check_session(self):
        raise RiskBlocked("访问受限，请稍后再试", cooldown_minutes=30)

    def close(self) -> None:
        pass


class Manager:
    @contextmanager
    def session(self, key, headed=False):
        yield object()


def test_a_risk_answer_during_the_session_check_marks_the_account_offline(monkeypatch):
    account = make_account(platform="taobao")
    PurchaseAccount.update(online=True).where(PurchaseAccount.id == account.id).execute()
    monkeypatch.setattr(account_session, "browsers", Manager)
    monkeypatch.setattr(account_session, "make_driver", lambda account, context, key: RiskyDriver())
    with pytest.raises(RiskBlocked), account_session.open_account(account):
        pass
    fresh = PurchaseAccount.get_by_id(account.id)
    assert fresh.online is False
    assert "访问受限" in fresh.login_message
