"""Accounts of our own app: registration rules, password hashing, sessions, login rate limiting."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from peewee import IntegrityError

from dropship.models import AppSetting, LoginFailure, User, UserSession

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
EMPLOYEE_RE = re.compile(r"^1[3-9]\d{9}:\d{2}$")
MIN_PASSWORD = 6
MAX_PASSWORD = 64
SCRYPT_PARAMS = {"n": 2**14, "r": 8, "p": 1}


class AuthError(Exception):
    """A refusal with a message for one form field (`field` = form input name, '' = whole form)."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


# -- passwords ---------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT_PARAMS)
    enc = base64.b64encode
    return f"scrypt${SCRYPT_PARAMS['n']}${SCRYPT_PARAMS['r']}${SCRYPT_PARAMS['p']}${enc(salt).decode()}${enc(digest).decode()}"


@cache
def decoy_hash() -> str:
    """A hash of a random password: unknown accounts are checked against it, so a wrong account
    name costs the same scrypt work as a wrong password and the response time tells nothing."""
    return hash_password(secrets.token_urlsafe(16))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(got, base64.b64decode(digest))


def check_password_rules(password: str, confirm: str | None = None, field: str = "password") -> None:
    if not password:
        raise AuthError(field, "请输入密码")
    if len(password) < MIN_PASSWORD:
        raise AuthError(field, f"密码至少 {MIN_PASSWORD} 位")
    if len(password) > MAX_PASSWORD:
        raise AuthError(field, f"密码最多 {MAX_PASSWORD} 位")
    if confirm is not None and password != confirm:
        raise AuthError("confirm", "两次输入的密码不一致")


# -- registration / login ----------------------------------------------------------------------

def needs_registration() -> bool:
    return not User.select().where(User.role == "main").exists()


# In LAN mode anyone on the office network could reach /register before the owner does; the
# first registration then needs a one-time code printed in the server's console.
SETUP_CODE_KEY = "auth.setup_code_hash"
SETUP_CODE_DIGITS = 12


def _code_hash(code: str) -> str:
    return hashlib.sha256(re.sub(r"[\s-]", "", code).encode()).hexdigest()


def issue_setup_code() -> str:
    """A fresh one-time code (e.g. `4827-1930-5521`) for the first registration; only its hash is stored."""
    digits = "".join(secrets.choice("0123456789") for _ in range(SETUP_CODE_DIGITS))
    code = "-".join(digits[i:i + 4] for i in range(0, SETUP_CODE_DIGITS, 4))
    now, value = datetime.now(), _code_hash(code)
    # an upsert both databases speak (INSERT OR REPLACE is SQLite's alone)
    (AppSetting.insert(key=SETUP_CODE_KEY, value=value, updated_at=now)
     .on_conflict(conflict_target=[AppSetting.key], update={AppSetting.value: value, AppSetting.updated_at: now})
     .execute())
    return code


def setup_code_matches(code: str) -> bool:
    row = AppSetting.get_or_none(AppSetting.key == SETUP_CODE_KEY)
    return bool(row and row.value and code) and hmac.compare_digest(_code_hash(code[:40]), row.value)


def register_main_account(phone: str, password: str, confirm: str, setup_code: str | None = None) -> User:
    """Create the one main account. `setup_code` is checked when given (LAN mode passes what was typed)."""
    phone = phone.strip()
    if not phone:
        raise AuthError("phone", "请输入手机号")
    if not PHONE_RE.match(phone):
        raise AuthError("phone", "请输入 11 位手机号")
    check_password_rules(password, confirm)
    taken = AuthError("", "主账号已注册（只能有一个主账号），请直接登录", status=409)
    if not needs_registration():
        raise taken
    if setup_code is not None and not setup_code_matches(setup_code.strip()):
        raise AuthError("setup_code", "安装码不正确：请查看运行代发工作台的电脑上的启动窗口", status=403)
    try:
        # The partial unique index (migration m0006) decides races: of concurrent registrations
        # exactly one insert succeeds, the others fail here rather than after a racy check.
        user = User.create(username=phone, password_hash=hash_password(password), role="main")
    except IntegrityError:
        raise taken from None
    AppSetting.delete().where(AppSetting.key == SETUP_CODE_KEY).execute()
    return user


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lock_seconds: int = 60
    window: timedelta = timedelta(minutes=15)


def _limit_keys(username: str, ip: str) -> list[str]:
    """Failures count per IP (any account) and per (account, IP): failures from another PC never
    lock the owner out of their own PC."""
    return [f"ip:{ip}", f"acct:{username.strip().lower()[:60]}@{ip[:50]}"]


def login_wait_seconds(username: str, ip: str, policy: LoginPolicy, now: datetime | None = None) -> int:
    """Seconds the caller must wait before another try (0 = may try now)."""
    now = now or datetime.now()
    wait = 0
    for key in _limit_keys(username, ip):
        recent = (LoginFailure.select(LoginFailure.at)
                  .where(LoginFailure.key == key, LoginFailure.at > now - policy.window)
                  .order_by(LoginFailure.at.desc()))
        ats = [row.at for row in recent.limit(policy.max_failures)]
        if len(ats) >= policy.max_failures:
            remaining = (ats[0] + timedelta(seconds=policy.lock_seconds) - now).total_seconds()
            wait = max(wait, int(remaining + 0.999))
    return max(wait, 0)


def _check_not_locked(username: str, ip: str, policy: LoginPolicy, now: datetime) -> None:
    wait = login_wait_seconds(username, ip, policy, now)
    if wait:
        raise AuthError("", f"登录失败次数过多，请 {wait} 秒后再试", status=429)


def _record_failure(username: str, ip: str, now: datetime) -> None:
    for key in _limit_keys(username, ip):
        LoginFailure.create(key=key, at=now)
    LoginFailure.delete().where(LoginFailure.at < now - timedelta(days=1)).execute()


def authenticate(username: str, password: str, ip: str, policy: LoginPolicy,
                 now: datetime | None = None) -> User:
    """Return the user or raise AuthError; every failure counts towards the rate limit."""
    now = now or datetime.now()
    username = username.strip()
    if not username:
        raise AuthError("username", "请输入账号")
    if not password:
        raise AuthError("password", "请输入密码")
    _check_not_locked(username, ip, policy, now)
    user = User.get_or_none(User.username == username) if len(username) <= 40 else None
    # The same scrypt work runs whether the account exists or not (see decoy_hash).
    matches = verify_password(password[:MAX_PASSWORD + 1], user.password_hash if user else decoy_hash())
    if user is None or len(password) > MAX_PASSWORD or not matches:
        _record_failure(username, ip, now)
        raise AuthError("password", "账号或密码错误", status=401)
    LoginFailure.delete().where(LoginFailure.key == _limit_keys(username, ip)[1]).execute()
    user.last_login_at = now
    user.save(only=[User.last_login_at])
    return user


def change_password(user: User, current: str, new: str, confirm: str, ip: str, policy: LoginPolicy,
                    now: datetime | None = None) -> None:
    """修改密码: check the current password (rate limited like a login), store the new one and end
    every session of the user; the caller starts a fresh one for the browser that asked."""
    now = now or datetime.now()
    if not current:
        raise AuthError("current", "请输入当前密码")
    _check_not_locked(user.username, ip, policy, now)
    if len(current) > MAX_PASSWORD or not verify_password(current, user.password_hash):
        _record_failure(user.username, ip, now)
        raise AuthError("current", "当前密码不正确")
    check_password_rules(new, confirm)
    if new == current:
        raise AuthError("password", "新密码不能与当前密码相同")
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    user.save(only=[User.password_hash, User.password_changed_at])
    UserSession.delete().where(UserSession.user == user).execute()


# -- sessions ----------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, remember: bool, lifetime: timedelta, ip: str = "", user_agent: str = "") -> str:
    """Create a server-side session and return the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    UserSession.create(token_hash=_token_hash(token), user=user,
                       remember=remember, expires_at=datetime.now() + lifetime,
                       ip=ip[:64], user_agent=user_agent[:300])
    return token


def load_session(token: str | None, now: datetime | None = None) -> UserSession | None:
    if not token or len(token) > 100:
        return None
    now = now or datetime.now()
    row = (UserSession.select(UserSession, User).join(User)
           .where(UserSession.token_hash == _token_hash(token)).first())
    if row is None or row.expires_at <= now or row.created_at < row.user.password_changed_at:
        return None
    return row


def touch_session(row: UserSession, lifetime: timedelta, now: datetime | None = None) -> None:
    """Slide the expiry of a short session on activity (at most once a minute)."""
    now = now or datetime.now()
    if now - row.last_seen_at < timedelta(minutes=1):
        return
    row.last_seen_at = now
    if not row.remember:
        row.expires_at = now + lifetime
    row.save(only=[UserSession.last_seen_at, UserSession.expires_at])


def end_session(token: str | None) -> None:
    if token:
        UserSession.delete().where(UserSession.token_hash == _token_hash(token)).execute()
