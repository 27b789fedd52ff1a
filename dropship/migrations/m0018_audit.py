"""账号管理's audit log: who did what, when (the username kept after the user is deleted); and three
actions that had shared a coarser permission got their own (百通一键替换极速 was 手动发货's, 地址脱敏导出
开始获取's, 启用/停用 授权登录's): employees who had the old one keep being allowed."""
import json

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, Model

from dropship.db import Migrator


def _user_table(m: Migrator) -> type[Model]:
    """A frozen stand-in for the user table, as the foreign key's target."""
    meta = type("Meta", (), {"database": m.database, "table_name": "user"})
    return type("user_key_m0018", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


def up(m: Migrator) -> None:
    m.create_table("auditentry", {
        "user": ForeignKeyField(_user_table(m), null=True, on_delete="SET NULL"),
        "username": CharField(max_length=40, default=""),
        "action": CharField(max_length=40, index=True),
        "target": CharField(max_length=200, default=""),
        "detail": CharField(max_length=500, default=""),
        "at": DateTimeField(index=True),
    })

    # frozen here: the codes as they were split when this step was written
    split = {"orders.ship": "orders.baitong", "shops.fetch": "shops.export", "accounts.authorize": "accounts.enable"}
    rows = m.database.execute_sql("SELECT id, permissions FROM \"user\" WHERE role = 'employee'").fetchall()
    for user_id, stored in rows:
        codes = json.loads(stored or "[]")
        if not isinstance(codes, list):
            continue
        added = [new for old, new in split.items() if old in codes and new not in codes]
        if added:
            m.execute('UPDATE "user" SET permissions = ? WHERE id = ?', (json.dumps(codes + added), user_id))
