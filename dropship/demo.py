"""演示模式 (`python app.py --demo`): a demo main account in a separate data dir, printed at start."""
from __future__ import annotations

from dropship.db import db
from dropship.models import User
from dropship.services.auth import hash_password

DEMO_PHONE = "13800000000"
DEMO_PASSWORD = "demo123456"


def ensure_demo_account() -> None:
    with db.connection_context():
        if not User.select().where(User.username == DEMO_PHONE).exists():
            User.create(username=DEMO_PHONE, password_hash=hash_password(DEMO_PASSWORD), role="main")


def attach_demo(runtime) -> None:
    """Hook demo setup into the runtime: it runs once the database is ready."""

    def _started(rt) -> None:
        ensure_demo_account()
        print(f"演示账号：{DEMO_PHONE}  密码：{DEMO_PASSWORD}", flush=True)

    runtime.on_started.append(_started)
