"""Permissions: the manual's 权限管理 tree, and who may do what.

The main account may do everything. An employee may do what was granted (a set of codes); a
child code (e.g. `orders.purchase`) only makes sense together with its page code (`orders`), which
the grant dialog enforces. `team` and `billing` belong to the main account alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SIGNED_IN = "*"  # any signed-in user (jobs panel, logout, own password)
MAIN_ONLY = "main"  # the main account only (账号管理, 充值中心)


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    children: tuple[Permission, ...] = field(default=())


PERMISSION_TREE: tuple[Permission, ...] = (
    Permission("orders", "订单管理", (
        Permission("orders.purchase", "采购"),
        Permission("orders.add_purchase", "添加采购订单信息"),
        Permission("orders.ship", "手动发货"),
        Permission("orders.edit", "忽略、标记、备注、修改地址"),
        Permission("orders.sync", "同步状态、批量同步"),
        Permission("orders.export", "导出订单"),
        # an export is a file that leaves the app: decrypted receivers in it are a grant of their own
        Permission("orders.export_receivers", "导出收货人明文（姓名、手机号、地址）"),
    )),
    Permission("shops", "店铺管理", (
        Permission("shops.fetch", "开始获取"),
        Permission("shops.open_backend", "打开后台"),
        Permission("shops.authorize", "授权登录"),
        Permission("shops.edit", "新增、编辑、删除店铺"),
    )),
    Permission("accounts", "采购账号", (
        Permission("accounts.add", "添加账号"),
        Permission("accounts.import", "批量导入账号"),
        Permission("accounts.delete", "删除账号"),
        Permission("accounts.authorize", "授权登录"),
        Permission("accounts.open_backend", "打开后台"),
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
    Permission("verify", "验证中心"),
)


def _walk(nodes: tuple[Permission, ...]):
    for node in nodes:
        yield node
        yield from _walk(node.children)


PERMISSION_LABELS: dict[str, str] = {p.code: p.label for p in _walk(PERMISSION_TREE)}
ALL_CODES: frozenset[str] = frozenset(PERMISSION_LABELS)


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
