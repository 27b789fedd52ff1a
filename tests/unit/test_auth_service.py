from datetime import datetime, timedelta

import pytest

from dropship.db import db
from dropship.models import LoginFailure, User
from dropship.services import auth
from dropship.services.auth import AuthError, LoginPolicy


@pytest.fixture(autouse=True)
def _db(app):
    with db.connection_context():
        yield


def test_password_hash_round_trip_and_salt():
    h1, h2 = auth.hash_password("abc12345"), auth.hash_password("abc12345")
    assert h1 != h2 and h1.startswith("scrypt$")
    assert auth.verify_password("abc12345", h1) and not auth.verify_password("abc12346", h1)
    assert not auth.verify_password("x", "garbage")


@pytest.mark.parametrize("phone,pw,confirm,field", [
    ("", "abcdef", "abcdef", "phone"),
    ("12345", "abcdef", "abcdef", "phone"),
    ("13912345678", "", "", "password"),
    ("13912345678", "abc", "abc", "password"),
    ("13912345678", "abcdef", "abcdeg", "confirm"),
    ("13912345678", "x" * 10_000, "x" * 10_000, "password"),
])
def test_registration_rules(phone, pw, confirm, field):
    with pytest.raises(AuthError) as err:
        auth.register_main_account(phone, pw, confirm)
    assert err.value.field == field
    assert User.select().count() == 0


def test_only_one_main_account():
    auth.register_main_account("13912345678", "abcdef", "abcdef")
    with pytest.raises(AuthError) as err:
        auth.register_main_account("13912345679", "abcdef", "abcdef")
    assert err.value.status == 409


def test_rate_limit_locks_after_max_failures_then_expires():
    auth.register_main_account("13912345678", "abcdef", "abcdef")
    policy = LoginPolicy(max_failures=5, lock_seconds=60)
    t0 = datetime(2026, 11, 26, 10, 0, 0)
    for i in range(5):
        with pytest.raises(AuthError) as err:
            auth.authenticate("13912345678", "wrong", "10.0.0.1", policy, now=t0 + timedelta(seconds=i))
        assert err.value.status == 401
    with pytest.raises(AuthError) as err:  # right password, but locked
        auth.authenticate("13912345678", "abcdef", "10.0.0.1", policy, now=t0 + timedelta(seconds=10))
    assert err.value.status == 429 and "54 秒" in err.value.message
    # the account is locked from another IP too
    assert auth.login_wait_seconds("13912345678", "10.9.9.9", policy, now=t0 + timedelta(seconds=10)) == 54
    user = auth.authenticate("13912345678", "abcdef", "10.0.0.1", policy, now=t0 + timedelta(seconds=65))
    assert user.username == "13912345678"
    assert not LoginFailure.select().where(LoginFailure.key == "acct:13912345678").exists()


def test_sessions_expire_and_die_with_password_change():
    user = auth.register_main_account("13912345678", "abcdef", "abcdef")
    token = auth.start_session(user, remember=False, lifetime=timedelta(hours=1))
    assert auth.load_session(token).user.id == user.id
    assert auth.load_session(token, now=datetime.now() + timedelta(hours=2)) is None
    assert auth.load_session("not-a-token") is None
    User.update(password_changed_at=datetime.now() + timedelta(seconds=1)).execute()
    assert auth.load_session(token) is None
