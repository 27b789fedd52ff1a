"""SMS codes. Nothing is sent anywhere: codes are listed on the admin page and by ``sb.sms_codes()``."""
from __future__ import annotations

from datetime import datetime, timedelta

from . import clock
from .ids import next_seq
from .models import Account, Shop, SmsCode

VALID_FOR = timedelta(minutes=15)


def send(phone: str, purpose: str, at: datetime, account: Account | None = None, shop: Shop | None = None) -> SmsCode:
    code = f"{clock.rng('sms', next_seq('sms')).randrange(10**6):06d}"
    return SmsCode.create(phone=phone, code=code, purpose=purpose, account=account, shop=shop, created_at=at)


def check(code: str, purpose: str, at: datetime, *, account: Account | None = None, shop: Shop | None = None) -> bool:
    """True once for the latest matching unused code still valid at ``at``."""
    query = SmsCode.select().where((SmsCode.purpose == purpose) & (SmsCode.used == False)  # noqa: E712
                                   & (SmsCode.created_at >= at - VALID_FOR))
    if account is not None:
        query = query.where(SmsCode.account == account)
    if shop is not None:
        query = query.where(SmsCode.shop == shop)
    latest = query.order_by(SmsCode.id.desc()).first()
    if latest is None or latest.code != code.strip():
        return False
    latest.used = True
    latest.save()
    return True


def pending() -> list[dict]:
    rows = SmsCode.select().order_by(SmsCode.id.desc())
    return [{"phone": r.phone, "code": r.code, "purpose": r.purpose, "login": r.account.login if r.account else "",
             "shop": r.shop.name if r.shop else "", "created_at": clock.fmt(r.created_at), "used": r.used}
            for r in rows]
