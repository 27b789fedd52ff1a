"""采购账号 rules: adding, importing, enabling and deleting purchase accounts; who may be used.

`usable()` is the one predicate for "may this account buy or sync": enabled (启用) and online
(在线). Every purchase and purchase-sync query must filter with it, so a switched-off or dropped
account is never picked, whatever screen started the work.

Batch import is split in two: `parse_import` is a pure function (text → one verdict per line),
and the platform's own word on a PDD token is asked by a job (tasks.accounts), because only the
platform can say whether a token is alive.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from peewee import Expression, fn

from dropship import secrets
from dropship.errors import FieldError
from dropship.models import AccountGrant, PurchaseAccount, User
from dropship.secrets import search_key
from dropship.services.purchasing.labels import PURCHASE_PLATFORMS
from dropship.services.scope import Scope

PLATFORMS: dict[str, str] = PURCHASE_PLATFORMS  # 采购平台: one home in purchasing.labels
# 淘宝账号 tab: the Alibaba-family logins (账号 + 密码), 1688 included (平台 column); 拼多多 its own tab.
TABS: dict[str, tuple[str, ...]] = {"taobao": ("taobao", "tmall", "taote", "alibaba1688"), "pdd": ("pdd",)}
TAB_LABELS: dict[str, str] = {"taobao": "淘宝账号", "pdd": "拼多多"}
TAGS: dict[str, str] = {"temporary": "临时", "permanent": "永久"}
SEPARATOR = "---"
MAX_IMPORT_LINES = 1000
MAX_LOGIN = 64
MAX_PASSWORD = 64
MAX_NOTE = 200
ONLINE_CHECK_MINUTES = 30  # 在线检测: each enabled account's session is proven this often
_TOKEN = re.compile(r"[A-Za-z0-9_\-=+/.]{16,200}")
_PDD_ID = re.compile(r"\d{1,20}")
_PHONE = re.compile(r"1\d{10}")


# -- the one predicate later purchase code must use ------------------------------------------------

def usable_condition() -> Expression:
    """SQL: the account may buy and sync (启用 on and 在线)."""
    return (PurchaseAccount.enabled == True) & (PurchaseAccount.online == True)  # noqa: E712


def is_usable(account: PurchaseAccount) -> bool:
    """The same rule as `usable_condition`, for a row already loaded."""
    return bool(account.enabled and account.online)


def usable(scope: Scope, platform: str | None = None):
    """The accounts `scope` may buy or sync with now."""
    query = scope.apply(PurchaseAccount.select().where(usable_condition()))
    return query if platform is None else query.where(PurchaseAccount.platform == platform)


# -- lists --------------------------------------------------------------------------------------

def accounts(scope: Scope, tab: str = "taobao"):
    """The tab's accounts the user may see, newest first (paged in SQL by the caller)."""
    platforms = TABS.get(tab, TABS["taobao"])
    return scope.apply(PurchaseAccount.select().where(PurchaseAccount.platform.in_(platforms))
                       ).order_by(PurchaseAccount.id.desc())


def needs_login_confirmation(scope: Scope):
    """采购账号登录确认: enabled accounts that were authorized once and have dropped offline."""
    return scope.apply(PurchaseAccount.select().where(
        PurchaseAccount.enabled == True, PurchaseAccount.online == False,  # noqa: E712
        PurchaseAccount.last_authorized_at.is_null(False))).order_by(PurchaseAccount.id)


def due_for_check(now: datetime | None = None) -> list[PurchaseAccount]:
    """Enabled online accounts whose session has not been proven for ONLINE_CHECK_MINUTES."""
    limit = (now or datetime.now()) - timedelta(minutes=ONLINE_CHECK_MINUTES)
    return list(PurchaseAccount.select().where(
        usable_condition(), PurchaseAccount.checked_at.is_null() | (PurchaseAccount.checked_at <= limit)))


def mask(secret: str | None) -> str:
    """A token as the list shows it: enough to tell two apart, never enough to use."""
    if not secret:
        return ""
    return f"{secret[:4]}****{secret[-4:]}" if len(secret) > 12 else "****"


# -- adding -------------------------------------------------------------------------------------

def clean_tag_note(tag: str, note: str) -> tuple[str, str]:
    if tag not in TAGS:
        raise FieldError("tag", "请选择账号类型（临时 / 永久）")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise FieldError("note", f"备注最多 {MAX_NOTE} 个字符")
    return tag, note


def _exists(platform: str, login: str) -> bool:
    return PurchaseAccount.select().where(PurchaseAccount.platform == platform,
                                          fn.LOWER(PurchaseAccount.login) == login.lower()).exists()


def add_password_account(platform: str, login: str, password: str, tag: str = "permanent",
                         note: str = "") -> PurchaseAccount:
    """添加淘宝账号 (also 天猫 / 淘特 / 1688): kept 掉线 until the login job proves it."""
    if platform not in TABS["taobao"]:
        raise FieldError("platform", "请选择平台（淘宝 / 天猫 / 淘特 / 1688）")
    login = login.strip()
    if not login:
        raise FieldError("login", "请输入账号")
    if len(login) > MAX_LOGIN:
        raise FieldError("login", f"账号最多 {MAX_LOGIN} 个字符")
    if not password:
        raise FieldError("password", "请输入密码")
    if len(password) > MAX_PASSWORD:
        raise FieldError("password", f"密码最多 {MAX_PASSWORD} 个字符")
    tag, note = clean_tag_note(tag, note)
    if _exists(platform, login):
        raise FieldError("login", f"{PLATFORMS[platform]}账号 {login} 已经添加过了")
    return PurchaseAccount.create(platform=platform, login=login, nick=login, password=password, tag=tag,
                                  note=note, online=False, login_message="正在登录…")


def add_pdd_account(phone: str, token: str = "", tag: str = "permanent", note: str = "") -> PurchaseAccount:
    """添加拼多多账号 by phone (the SMS code comes later) or with a token (checked by the job)."""
    phone, token = phone.strip(), token.strip()
    errors = {}
    if not _PHONE.fullmatch(phone):
        errors["phone"] = "请输入 11 位手机号"
    if token and not _TOKEN.fullmatch(token):
        errors["token"] = "Token 格式不正确（16–200 位字母、数字或 -_=+/.）"
    if errors:
        raise FieldError.many(errors)
    tag, note = clean_tag_note(tag, note)
    if _exists("pdd", phone):
        raise FieldError("phone", f"拼多多账号 {phone} 已经添加过了")
    if token and _token_taken(token):
        raise FieldError("token", "这个 Token 已属于另一个账号")
    return PurchaseAccount.create(platform="pdd", login=phone, nick=phone, token=token or None,
                                  token_key=search_key(token), tag=tag, note=note, online=False,
                                  login_message="等待验证码" if not token else "正在验证 Token…")


def _token_taken(token: str) -> bool:
    return PurchaseAccount.select().where(PurchaseAccount.token_key == search_key(token)).exists()


def grant_to_creator(accounts: list[PurchaseAccount], user: User | None) -> None:
    """An employee who adds accounts may see and use them (the main account sees everything anyway)."""
    if user is None or user.is_main:
        return
    for account in accounts:
        AccountGrant.get_or_create(user=user, account=account)


# -- switching, deleting, recording the platform's answers ----------------------------------------

def set_enabled(account: PurchaseAccount, enabled: bool) -> None:
    PurchaseAccount.update(enabled=enabled).where(PurchaseAccount.id == account.id).execute()


def delete_accounts(account_ids: list[int], scope: Scope) -> int:
    """删除账号: its purchases stay (their account becomes empty, see Purchase.account)."""
    if not account_ids:
        raise FieldError("account_ids", "请先勾选要删除的账号")
    return PurchaseAccount.delete().where(PurchaseAccount.id.in_(account_ids),
                                          *scope.conditions(PurchaseAccount)).execute()


def record_online(account: PurchaseAccount, user_id: str, nick: str = "", logged_in: bool = False,
                  now: datetime | None = None) -> None:
    """The session was proven (and, with `logged_in`, freshly authorized)."""
    now = now or datetime.now()
    changes = {PurchaseAccount.online: True, PurchaseAccount.login_message: "", PurchaseAccount.checked_at: now,
               PurchaseAccount.platform_user_id: user_id}
    if nick:
        changes[PurchaseAccount.nick] = nick[:64]
    if logged_in:
        changes[PurchaseAccount.last_authorized_at] = now
    PurchaseAccount.update(changes).where(PurchaseAccount.id == account.id).execute()


def record_offline(account: PurchaseAccount, message: str, now: datetime | None = None) -> None:
    PurchaseAccount.update(online=False, login_message=message[:300], checked_at=now or datetime.now()).where(
        PurchaseAccount.id == account.id).execute()


# -- 批量导入账号 ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportLine:
    """One pasted line: what it names, and why it is refused ('' = may be imported)."""

    number: int  # 1-based line number in the paste
    login: str = ""  # 账号 / 拼多多账号 ('' when the platform will name it)
    secret: str = ""  # 密码 or 账号Token (never shown back)
    account_id: str = ""  # 拼多多 账号ID
    error: str = ""

    @property
    def label(self) -> str:
        return self.login or self.account_id or (mask(self.secret) if self.secret else "")


@dataclass(frozen=True)
class Existing:
    """What is already stored, to refuse duplicates: lowercase logins, PDD ids, token search keys."""

    logins: frozenset[str] = frozenset()
    pdd_ids: frozenset[str] = frozenset()
    token_keys: frozenset[str] = frozenset()


def existing_for(platform: str) -> Existing:
    rows = PurchaseAccount.select(PurchaseAccount.login, PurchaseAccount.platform_user_id,
                                  PurchaseAccount.token_key).where(PurchaseAccount.platform == platform).tuples()
    logins, ids, keys = set(), set(), set()
    for login, uid, key in rows:
        logins.add(login.lower())
        if uid:
            ids.add(uid)
        if key:
            keys.add(key)
    return Existing(frozenset(logins), frozenset(ids), frozenset(keys))


def _lines(text: str) -> list[tuple[int, str]]:
    numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    return [(n, line) for n, line in numbered if line]


def parse_import(tab: str, text: str, existing: Existing, key=search_key) -> list[ImportLine]:
    """Every non-empty line of a paste with its verdict. Pure: reads nothing but its arguments.

    淘宝 tab: ``账号---密码``. 拼多多: ``拼多多账号---账号ID---账号Token``, ``账号ID---账号Token`` or
    ``账号Token``. A duplicate is refused whether it is already stored or earlier in the same paste.
    More than MAX_IMPORT_LINES lines: the whole paste is refused (FieldError), nothing is read.
    """
    lines = _lines(text)
    if not lines:
        raise FieldError("text", "请粘贴要导入的账号，每行一个")
    if len(lines) > MAX_IMPORT_LINES:
        raise FieldError("text", f"一次最多导入 {MAX_IMPORT_LINES} 行，当前 {len(lines)} 行：请分批导入")
    parse = _parse_password_line if tab == "taobao" else _parse_pdd_line
    seen: dict[str, int] = {}  # duplicate key -> first line number
    result = []
    for number, raw in lines:
        line = parse(number, raw)
        if not line.error:
            line = _check_duplicate(line, existing, seen, key if tab == "pdd" else None)
        result.append(line)
    return result


def _parse_password_line(number: int, raw: str) -> ImportLine:
    parts = raw.split(SEPARATOR)
    if len(parts) != 2:
        return ImportLine(number, error="格式错误：应为 账号---密码")
    login, password = parts[0].strip(), parts[1].strip()
    if not login or not password:
        return ImportLine(number, login=login, error="格式错误：账号和密码都不能为空")
    if len(login) > MAX_LOGIN:
        return ImportLine(number, error=f"格式错误：账号超过 {MAX_LOGIN} 个字符")
    if len(password) > MAX_PASSWORD:
        return ImportLine(number, login=login, error=f"格式错误：密码超过 {MAX_PASSWORD} 个字符")
    return ImportLine(number, login=login, secret=password)


def _parse_pdd_line(number: int, raw: str) -> ImportLine:
    parts = [p.strip() for p in raw.split(SEPARATOR)]
    if len(parts) > 3 or any(not p for p in parts):
        return ImportLine(number, error="格式错误：应为 拼多多账号---账号ID---账号Token、账号ID---账号Token 或 账号Token")
    *head, token = parts
    login = head[0] if len(head) == 2 else ""
    account_id = head[-1] if head else ""
    if login and len(login) > MAX_LOGIN:
        return ImportLine(number, error=f"格式错误：拼多多账号超过 {MAX_LOGIN} 个字符")
    if account_id and not _PDD_ID.fullmatch(account_id):
        return ImportLine(number, login=login, error="格式错误：账号ID 应为数字")
    if not _TOKEN.fullmatch(token):
        return ImportLine(number, login=login, account_id=account_id,
                          error="格式错误：账号Token 应为 16–200 位字母、数字或 -_=+/.")
    return ImportLine(number, login=login, account_id=account_id, secret=token)


def _check_duplicate(line: ImportLine, existing: Existing, seen: dict[str, int], key) -> ImportLine:
    keys: list[tuple[str, str, bool]] = []  # (seen-key, what, already stored)
    if line.login:
        keys.append((f"login:{line.login.lower()}", "账号", line.login.lower() in existing.logins))
    if line.account_id:
        keys.append((f"id:{line.account_id}", "账号ID", line.account_id in existing.pdd_ids))
    if key is not None:  # a PDD token names its account; a password names nothing
        token_key = key(line.secret)
        keys.append((f"token:{token_key}", "Token", token_key in existing.token_keys))
    for seen_key, what, stored in keys:
        if stored:
            return replace(line, error=f"重复：{what}已存在")
        if seen_key in seen:
            return replace(line, error=f"重复：与第 {seen[seen_key]} 行{what}相同")
    for seen_key, _, _ in keys:
        seen[seen_key] = line.number
    return line


def import_password_accounts(platform: str, lines: list[ImportLine], tag: str, note: str = "",
                             user: User | None = None) -> int:
    """Store the valid 淘宝-tab lines (掉线 until 重新授权 logs each one in)."""
    if platform not in TABS["taobao"]:
        raise FieldError("platform", "请选择平台（淘宝 / 天猫 / 淘特 / 1688）")
    tag, note = clean_tag_note(tag, note)
    rows = [PurchaseAccount(platform=platform, login=ln.login, nick=ln.login, password=ln.secret, tag=tag,
                            note=note, online=False, login_message="未登录：请点“重新授权”")
            for ln in lines if not ln.error]
    with PurchaseAccount._meta.database.atomic():
        for row in rows:
            row.save(force_insert=True)
        grant_to_creator(rows, user)
    return len(rows)


def store_pdd_account(line: ImportLine, user_id: str, nick: str, tag: str, note: str = "",
                      creator: User | None = None, now: datetime | None = None) -> PurchaseAccount:
    """A PDD line whose token the platform accepted (as `user_id`)."""
    now = now or datetime.now()
    account = PurchaseAccount.create(platform="pdd", login=line.login or line.account_id or user_id, nick=nick[:64],
                                  token=line.secret, token_key=search_key(line.secret), tag=tag, note=note,
                                  online=True, platform_user_id=user_id, last_authorized_at=now, checked_at=now)
    grant_to_creator([account], creator)
    return account


def result_text(lines: list[ImportLine]) -> str:
    """The per-line report: 第N行 label：导入成功 / reason."""
    ok = sum(1 for ln in lines if not ln.error)
    rows = [f"第 {ln.number} 行{' ' + ln.label if ln.label else ''}：{ln.error or '导入成功'}" for ln in lines]
    return "\n".join([f"导入成功 {ok} 个，失败 {len(lines) - ok} 个", *rows])


def import_job_lines(lines: list[ImportLine]) -> list[dict]:
    """Lines as Job arguments: the token encrypted (the Job row and the queue are not secret stores)."""
    return [{**asdict(line), "secret": secrets.encrypt(line.secret) if line.secret and not line.error else ""}
            for line in lines]


def job_title(action: str, account: PurchaseAccount) -> str:
    return f"{action} · {PLATFORMS.get(account.platform, '')} {account.login}"
