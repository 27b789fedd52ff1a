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


def test_password_hash_round_trip_and_salt(real_scrypt):
    h1, h2 = auth.hash_password("abc12345"), auth.hash_password("abc12345")
    assert h1 != h2 and h1.startswith("scrypt$16384$8$1$")
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
    # the lock is per (account, IP): the owner's own PC is not locked by failures from another one
    assert auth.login_wait_seconds("13912345678", "10.9.9.9", policy, now=t0 + timedelta(seconds=10)) == 0
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


def test_database_itself_refuses_a_second_main_account():
    """Not a check in Python: the partial unique index refuses the row however the insert comes."""
    from peewee import IntegrityError

    User.create(username="13912345678", password_hash="x", role="main")
    User.create(username="13912345678:01", password_hash="x", role="employee")
    User.create(username="13912345678:02", password_hash="x", role="employee")  # employees: no limit
    with pytest.raises(IntegrityError):
        User.create(username="13912345679", password_hash="x", role="main")


def test_setup_code_is_one_time_and_checked():
    code = auth.issue_setup_code()
    assert len(code.replace("-", "")) == auth.SETUP_CODE_DIGITS
    with pytest.raises(AuthError) as err:
        auth.register_main_account("13912345678", "abcdef", "abcdef", setup_code="0000-0000-0000")
    assert err.value.field == "setup_code" and "安装码不正确" in err.value.message
    with pytest.raises(AuthError):
        auth.register_main_account("13912345678", "abcdef", "abcdef", setup_code="")
    assert User.select().count() == 0
    assert auth.register_main_account("13912345678", "abcdef", "abcdef", setup_code=code.replace("-", " "))
    assert not auth.setup_code_matches(code)  # used up


def _count_scrypt(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = auth.hashlib.scrypt

    def counting(*args, **kw):
        calls.append(kw["n"])
        return real(*args, **kw)

    monkeypatch.setattr(auth.hashlib, "scrypt", counting)
    return calls


@pytest.mark.parametrize("username,password", [
    ("13900000000", "wrong-pass"),  # no such account
    ("13912345678", "wrong-pass"),  # known account, wrong password
    ("13900000000", "p" * 500),  # unknown account, over-long password
    ("x" * 41, "wrong-pass"),  # longer than any account name
])
def test_every_failed_login_costs_one_full_scrypt(monkeypatch, real_scrypt, username, password):
    auth.register_main_account("13912345678", "abcdef", "abcdef")
    auth.decoy_hash()  # made once per process; not part of a login's cost
    calls = _count_scrypt(monkeypatch)
    with pytest.raises(AuthError) as err:
        auth.authenticate(username, password, "10.0.0.1", LoginPolicy())
    assert err.value.status == 401 and err.value.message == "账号或密码错误"
    assert calls == [2**14]


def test_failures_from_another_pc_never_lock_the_owner_on_localhost():
    auth.register_main_account("13912345678", "abcdef", "abcdef")
    policy = LoginPolicy(max_failures=5, lock_seconds=60)
    t0 = datetime(2026, 11, 26, 10, 0, 0)
    for i in range(20):  # someone on the LAN keeps guessing the owner's password
        with pytest.raises(AuthError):
            auth.authenticate("13912345678", "guess", "192.168.1.50", policy, now=t0 + timedelta(seconds=i))
    with pytest.raises(AuthError) as err:
        auth.authenticate("13912345678", "abcdef", "192.168.1.50", policy, now=t0 + timedelta(seconds=21))
    assert err.value.status == 429
    user = auth.authenticate("13912345678", "abcdef", "127.0.0.1", policy, now=t0 + timedelta(seconds=21))
    assert user.username == "13912345678"


def test_per_ip_limit_still_covers_guessing_many_accounts():
    auth.register_main_account("13912345678", "abcdef", "abcdef")
    policy = LoginPolicy(max_failures=5, lock_seconds=60)
    t0 = datetime(2026, 11, 26, 10, 0, 0)
    for i in range(5):
        with pytest.raises(AuthError):
            auth.authenticate(f"1391234567{i}:0{i}", "guess", "192.168.1.50", policy, now=t0)
    assert auth.login_wait_seconds("13912345678", "192.168.1.50", policy, now=t0) == 60


def test_change_password_checks_current_and_ends_every_session():
    user = auth.register_main_account("13912345678", "abcdef", "abcdef")
    tokens = [auth.start_session(user, False, timedelta(hours=1)) for _ in range(3)]
    policy = LoginPolicy()
    with pytest.raises(AuthError) as err:
        auth.change_password(user, "wrong!", "newpass1", "newpass1", "127.0.0.1", policy)
    assert err.value.field == "current"
    with pytest.raises(AuthError) as err:
        auth.change_password(user, "abcdef", "newpass1", "newpass2", "127.0.0.1", policy)
    assert err.value.field == "confirm"
    assert all(auth.load_session(t) for t in tokens)  # refusals change nothing
    auth.change_password(user, "abcdef", "newpass1", "newpass1", "127.0.0.1", policy)
    assert not any(auth.load_session(t) for t in tokens)
    assert auth.authenticate("13912345678", "newpass1", "127.0.0.1", policy)
