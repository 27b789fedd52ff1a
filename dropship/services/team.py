"""账号管理: the manual's 权限管理 tree and who may do what; employees, their grants (授权店铺 /
授权采购号, read by services.scope), 修改密码 and 删除, each change written to the audit log.

The main account may do everything. An employee may do what was granted (a set of codes); a
child code (e.g. `orders.purchase`) only makes sense together with its page code (`orders`), which
the grant dialog enforces. `team` and `billing` belong to the main account alone.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from peewee import IntegrityError, ModelSelect, fn

from dropship.errors import FieldError
from dropship.models import AccountGrant, Job, PurchaseAccount, Shop, ShopGrant, User, UserSession
from dropship.services import audit
from dropship.services.auth import EMPLOYEE_RE, AuthError, check_password_rules, hash_password

SIGNED_IN = "*"  # any signed-in user (jobs panel, logout, own password)
MAIN_ONLY = "main"  # the main account only (账号管理, 充值中心)


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    children: tuple[Permission, ...] = field(default=())
    # the manual's own nodes make a new employee's default set; ours (False) are granted by hand
    in_manual: bool = True


PERMISSION_TREE: tuple[Permission, ...] = (
    Permission("orders", "订单管理", (
        Permission("orders.purchase", "采购"),
        Permission("orders.add_purchase", "添加采购订单信息"),
        Permission("orders.ship", "手动发货", in_manual=False),
        Permission("orders.baitong", "百通一键替换极速", in_manual=False),
        Permission("orders.edit", "忽略、标记、备注、修改地址", in_manual=False),
        Permission("orders.sync", "同步状态、批量同步", in_manual=False),
        Permission("orders.export", "导出订单", in_manual=False),
        # an export is a file that leaves the app: decrypted receivers in it are a grant of their own
        Permission("orders.export_receivers", "导出收货人明文（姓名、手机号、地址）", in_manual=False),
    )),
    Permission("shops", "店铺管理", (
        Permission("shops.fetch", "开始获取"),
        Permission("shops.open_backend", "打开后台"),
        Permission("shops.authorize", "授权登录"),
        Permission("shops.export", "地址脱敏导出", in_manual=False),
        Permission("shops.edit", "新增、编辑、删除店铺", in_manual=False),
    )),
    Permission("accounts", "采购账号", (
        Permission("accounts.add", "添加账号"),
        Permission("accounts.import", "批量导入账号"),
        Permission("accounts.delete", "删除账号"),
        Permission("accounts.authorize", "授权登录"),
        Permission("accounts.open_backend", "打开后台"),
        Permission("accounts.enable", "启用、停用", in_manual=False),
    )),
    Permission("aftersales", "店铺售后", (
        Permission("aftersales.rules", "自动售后设置"),
        Permission("aftersales.sync", "同步状态"),
        Permission("aftersales.memo", "备注"),
        Permission("aftersales.remove", "移除"),
    )),
    Permission("stats", "利润统计", (
        Permission("stats.orders", "订单报表"),
        Permission("stats.daily", "日报表"),
        Permission("stats.monthly", "月报表"),
        Permission("stats.yearly", "年报表"),
    )),
    Permission("dashboard", "数据大屏"),
    Permission("settings", "设置"),
    Permission("verify", "验证中心", in_manual=False),
)


def _walk(nodes: tuple[Permission, ...]) -> Iterator[Permission]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


PERMISSION_LABELS: dict[str, str] = {p.code: p.label for p in _walk(PERMISSION_TREE)}
ALL_CODES: frozenset[str] = frozenset(PERMISSION_LABELS)


# Codes a job checks when it runs rather than a route declaring them (the rest are read off the routes).
CHECKED_BY_JOBS: frozenset[str] = frozenset({"orders.export_receivers"})


def gating_codes(route_codes: set[str]) -> frozenset[str]:
    """The tree's codes that change what an employee may do: declared by a route or checked by a job.
    The others (a manual feature not built yet) are shown in 权限管理 but disabled."""
    return frozenset((route_codes | CHECKED_BY_JOBS) & ALL_CODES)


def is_known(code: str) -> bool:
    return code in ALL_CODES or code in (SIGNED_IN, MAIN_ONLY)


def can(is_main: bool, grants: set[str] | list[str], code: str) -> bool:
    """Whether a user with these facts may use `code`."""
    if code == SIGNED_IN or is_main:
        return True
    if code == MAIN_ONLY:
        return False
    return code in grants


def normalize_grants(codes: list[str]) -> list[str]:
    """Keep known codes only and add each child's page code, in tree order."""
    wanted = {c for c in codes if c in ALL_CODES}
    wanted |= {c.split(".", 1)[0] for c in wanted}
    return [p.code for p in _walk(PERMISSION_TREE) if p.code in wanted]


# A new employee gets the manual's tree; what we added to it (手动发货, 导出订单, …) is granted by hand.
DEFAULT_PERMISSIONS: list[str] = [p.code for p in _walk(PERMISSION_TREE) if p.in_manual]


def permission_summary(codes: list[str]) -> str:
    """The grants as the audit log shows them: labels of the ticked nodes, in tree order."""
    return "、".join(PERMISSION_LABELS[c] for c in normalize_grants(codes)) or "无"


# -- employees ------------------------------------------------------------------------------------

def employees() -> ModelSelect:
    """账号管理's list: every employee with the count of granted (not deleted) shops and of granted
    purchase accounts, as `shop_count` / `account_count`, in the order they were added."""
    shops, accounts = GRANT_KINDS["shops"].count(), GRANT_KINDS["accounts"].count()
    return (User.select(User, shops.alias("shop_count"), accounts.alias("account_count"))
            .where(User.role == "employee").order_by(User.id))


def employee(user_id: int) -> User | None:
    return User.get_or_none(User.id == user_id, User.role == "employee")


def _password_errors(password: str, confirm: str | None = None) -> dict[str, str]:
    try:
        check_password_rules(password, confirm)
    except AuthError as exc:
        return {exc.field: exc.message}
    return {}


def create_employee(actor: User, suffix: str, password: str) -> User:
    """新增员工账号: `<主账号>:<suffix>`, the main part fixed; the manual's default permissions."""
    suffix = suffix.strip()
    username = f"{actor.username}:{suffix}"
    errors: dict[str, str] = {}
    if not suffix:
        errors["suffix"] = "请输入员工账号"
    elif not EMPLOYEE_RE.match(username):
        errors["suffix"] = "员工账号为主账号加两位数字，如 01"
    elif User.select().where(User.username == username).exists():
        errors["suffix"] = "该员工账号已存在"
    errors.update(_password_errors(password))
    if errors:
        raise FieldError.many(errors)
    try:
        user = User.create(username=username, password_hash=hash_password(password), role="employee", owner=actor,
                           permissions=DEFAULT_PERMISSIONS)
    except IntegrityError:  # added at the same moment from another browser
        raise FieldError("suffix", "该员工账号已存在") from None
    audit.record(actor, "新增员工账号", username)
    return user


def set_permissions(actor: User, staff: User, codes: list[str]) -> list[str]:
    """权限管理 保存: the ticked codes, each child with its page; the employee's next request obeys them."""
    staff.permissions = normalize_grants(codes)
    staff.save(only=[User.permissions])
    audit.record(actor, "权限管理", staff.username, permission_summary(staff.permissions))
    return staff.permissions


def set_password(actor: User, staff: User, password: str, confirm: str) -> None:
    """修改密码 of an employee by the main account: the employee's sessions end (they sign in again)."""
    errors = _password_errors(password, confirm)
    if errors:
        raise FieldError.many(errors)
    staff.password_hash = hash_password(password)
    staff.password_changed_at = datetime.now()
    staff.save(only=[User.password_hash, User.password_changed_at])
    UserSession.delete().where(UserSession.user == staff).execute()
    audit.record(actor, "修改密码", staff.username)


def delete_employee(actor: User, staff: User) -> None:
    """删除: the account, its grants and its sessions go at once (its next request is signed out); its
    jobs not yet started never start, the others stay in the 任务 list without a user."""
    username = staff.username
    UserSession.delete().where(UserSession.user == staff).execute()
    Job.update(state="failed", error="发起该任务的员工账号已删除", finished_at=datetime.now()).where(
        Job.user == staff, Job.state == "queued").execute()
    staff.delete_instance()  # grants cascade
    audit.record(actor, "删除员工账号", username)


# -- 授权店铺 / 授权采购号 --------------------------------------------------------------------------

@dataclass(frozen=True)
class GrantKind:
    """授权店铺 or 授权采购号: which grant table links an employee to which rows."""

    label: str
    grant: type[ShopGrant] | type[AccountGrant]
    column: str  # the grant's foreign key to the target
    target: type[Shop] | type[PurchaseAccount]
    name: Callable[[Shop | PurchaseAccount], str]

    def _link(self):
        return getattr(self.grant, self.column)

    def _live(self, query: ModelSelect) -> ModelSelect:
        # a deleted shop keeps its orders and grants, but is no longer offered or counted
        return query.where(Shop.deleted_at.is_null()) if self.target is Shop else query

    def choices(self, staff: User) -> ModelSelect:
        """Every row to choose from, with `granted` telling whether this employee has it."""
        granted = self.grant.select().where(self.grant.user == staff.id, self._link() == self.target.id)
        return self._live(self.target.select(self.target, fn.EXISTS(granted).alias("granted"))
                          .order_by(self.target.id))

    def count(self) -> ModelSelect:
        """The number of an employee's grants, as a subquery correlated with `User` (the list's column)."""
        return self._live(self.grant.select(fn.COUNT(self.grant.id)).join(self.target)
                          .where(self.grant.user == User.id))

    def find(self, target_id: int) -> Shop | PurchaseAccount | None:
        return self._live(self.target.select().where(self.target.id == target_id)).first()

    def set(self, actor: User, staff: User, target: Shop | PurchaseAccount, granted: bool) -> None:
        """添加 (granted) / 移除: counts from the employee's next query on (the scope reads grants)."""
        if granted:
            self.grant.get_or_create(user=staff, **{self.column: target})
        else:
            self.grant.delete().where(self.grant.user == staff, self._link() == target).execute()
        audit.record(actor, self.label if granted else f"移除{self.label}", staff.username, self.name(target))


GRANT_KINDS: dict[str, GrantKind] = {
    "shops": GrantKind("授权店铺", ShopGrant, "shop", Shop, lambda shop: shop.display_name),
    "accounts": GrantKind("授权采购号", AccountGrant, "account", PurchaseAccount, lambda account: account.login),
}
