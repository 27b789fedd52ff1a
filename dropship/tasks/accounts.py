"""采购账号 jobs: 授权 / 重新授权, 获取验证码 (拼多多), 在线检测 (scheduled), 批量导入 token check, 打开后台."""
from __future__ import annotations

import shutil

from huey import crontab

from dropship import secrets
from dropship.errors import UserError
from dropship.models import Job, PurchaseAccount, User
from dropship.platforms import verification
from dropship.platforms.base import BadCredentials, PlatformError
from dropship.platforms.pdd_buyer import PddBuyer
from dropship.queue import checkpoint, huey, job_task, progress, start_unique_job
from dropship.services.accounts import (
    ImportLine,
    due_for_check,
    existing_for,
    job_title,
    result_text,
    store_pdd_account,
)
from dropship.tasks import browsers
from dropship.tasks.account_session import account_key, account_thread, account_title, open_account
from dropship.tasks.shop_session import origins
from dropship.tasks.shops import show_backend


def _account(account_id: int) -> PurchaseAccount:
    account = PurchaseAccount.get_or_none(PurchaseAccount.id == account_id)
    if account is None:
        raise UserError("采购账号不存在或已删除")
    return account


@job_task("authorize_account", account=account_thread)
def authorize_account(job_id: int, account_id: int, code_token: str = "") -> None:
    """Log in through the driver; only a working login makes the account 在线."""
    account = _account(account_id)
    code = secrets.decrypt(code_token) if code_token else ""  # kept encrypted in the Job row and the queue
    progress(job_id, 0, 1, "正在登录采购账号…")
    with open_account(account, force_login=True, code=code):
        progress(job_id, 1, 1, "授权成功，账号在线")


@job_task("account_send_code", account=account_thread)
def account_send_code(job_id: int, account_id: int) -> None:
    """拼多多 获取验证码: the code goes to the account's phone; it is then typed in our dialog."""
    account = _account(account_id)
    if account.platform != "pdd":
        raise UserError("只有拼多多账号用短信验证码登录")
    with browsers().session(account_key(account)) as context:
        driver = PddBuyer(context, origins(), throttle=lambda host: browsers().throttle.wait(account_key(account)))
        try:
            driver.send_code(account.login)
        finally:
            driver.close()
    progress(job_id, 1, 1, f"验证码已发送到 {account.login[:3]}****{account.login[-4:]}，请在弹窗中填写")


@job_task("check_account", account=account_thread)
def check_account(job_id: int, account_id: int) -> None:
    """在线检测: prove the stored session with a cheap read; a failure is 掉线 (and the header notice)."""
    account = _account(account_id)
    with open_account(account):
        progress(job_id, 1, 1, "账号在线")


@huey.periodic_task(crontab(minute="*/5"))
def check_accounts_online() -> None:
    """Every enabled online account is proven every ONLINE_CHECK_MINUTES (see services.accounts)."""
    for account in due_for_check():
        start_unique_job("check_account", job_title("在线检测", account), target=f"account:{account.id}",
                         account_id=account.id)


@job_task("import_pdd_accounts")
def import_pdd_accounts(job_id: int, lines: list[dict], tag: str, note: str = "") -> None:
    """批量导入 拼多多: each well-formed line's token is tried on the platform; only accepted ones are stored.

    The check runs in a throw-away profile of this job (an account that is refused gets no profile
    and no row); tokens travel encrypted in the Job row and the queue.
    """
    parsed = [ImportLine(**{**line, "secret": secrets.decrypt(line["secret"]) if line["secret"] else ""})
              for line in lines]
    todo = [line for line in parsed if not line.error]
    creator = Job.get_by_id(job_id).user  # an employee's imports are granted to them
    verdicts: dict[int, str] = {}
    key = f"pdd-import-{job_id}"
    manager = browsers()
    try:
        with manager.session(key) as context:
            driver = PddBuyer(context, origins(), throttle=lambda host: manager.throttle.wait(key))
            for done, line in enumerate(todo, start=1):
                checkpoint()
                verdicts[line.number] = _import_one(driver, line, tag, note, creator)
                progress(job_id, done, len(todo), f"已检查 {done}/{len(todo)} 个 Token")
            driver.close()
    finally:
        shutil.rmtree(manager.profile_dir(key), ignore_errors=True)
    final = [ImportLine(ln.number, ln.login, "", ln.account_id, ln.error or verdicts.get(ln.number, ""))
             for ln in parsed]
    progress(job_id, message=result_text(final))


def _import_one(driver: PddBuyer, line: ImportLine, tag: str, note: str, creator: User | None) -> str:
    """'' when stored, else the precise reason."""
    try:
        identity = driver.use_token(line.secret)
    except BadCredentials as exc:
        return str(exc)
    except PlatformError as exc:
        return f"Token 检查失败：{exc}"
    if line.account_id and identity.user_id != line.account_id:
        return f"账号ID与 Token 不符（Token 属于 {identity.user_id}）"
    existing = existing_for("pdd")
    if identity.user_id in existing.pdd_ids or (line.login or line.account_id or identity.user_id).lower() in existing.logins:
        return "重复：账号已存在"
    store_pdd_account(line, identity.user_id, identity.nick, tag, note, creator)
    return ""


@job_task("open_account_backend", account=account_thread)
def open_account_backend(job_id: int, account_id: int) -> None:
    """打开后台: the account's platform home with the stored session (see tasks.shops.show_backend)."""
    account = _account(account_id)
    local = verification.display_available()
    with open_account(account, headed=local) as driver:
        show_backend(job_id, driver.open_home(), account_title(account), account_key(account), local)
