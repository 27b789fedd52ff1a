"""open_account: a risk page during the session check marks the account 掉线 with the platform's
reason and raises RiskBlocked (it once died on a throttle method that does not exist)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from dropship.models import PurchaseAccount
from dropship.platforms.base import RiskBlocked
from dropship.services.settings import set_setting
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


class Throttled(Manager):
    throttle = None


@pytest.mark.parametrize("ticked", [False, True])
def test_a_taobao_driver_ticks_freight_insurance_per_the_setting(monkeypatch, ticked):
    """采购设置 › 自动勾选运费险 reaches the driver that ticks it on the confirm page (tests/drivers)."""
    monkeypatch.setattr(account_session, "browsers", Throttled)
    monkeypatch.setattr(account_session, "origins", lambda: None)
    set_setting("purchase.freight_insurance", ticked)
    driver = account_session.make_driver(make_account(platform="tmall"), context=None)
    assert driver.freight_insurance is ticked
