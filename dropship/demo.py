"""演示模式 (`python app.py --demo`): the app beside the built-in 沙箱平台, with demo data.

The sandbox runs in this process on its own port with its own database under `data/demo/`, so
demo data never mixes with real data. Its simulation clock follows the wall clock, so new buyer
orders keep arriving while someone clicks around.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

from dropship.db import db
from dropship.models import PurchaseAccount, Shop, User
from dropship.services.auth import hash_password
from platform_sandbox import Sandbox

DEMO_PHONE = "13800000000"
DEMO_PASSWORD = "demo123456"
CLOCK_STEP = 30.0  # seconds between catching the simulation up with the wall clock
# The sandbox is local: short spacing lets a newcomer see results at once, while the budget per
# account and host stays below the sandbox's risk limit (40 a minute), so the demo never trips it.
DEMO_PACE = {"throttle_seconds": 0.5, "throttle_jitter": 0.3, "requests_per_minute": 30}


def start_sandbox(data_dir: Path, port: int = 0):
    return Sandbox.start(seed=1, port=port, data_dir=data_dir / "sandbox")


def seed_demo(sandbox) -> None:
    """Create the demo login, shops and purchase accounts once (a restart keeps them)."""
    world = sandbox.scenario("demo")
    with db.connection_context(), db.atomic():
        if not User.select().where(User.username == DEMO_PHONE).exists():
            User.create(username=DEMO_PHONE, password_hash=hash_password(DEMO_PASSWORD), role="main")
        for shop in world["shops"]:
            if not Shop.select().where(Shop.platform == shop["platform"], Shop.login == shop["login"]).exists():
                Shop.create(platform=shop["platform"], login=shop["login"], password=shop["password"],
                            nick=shop["login"], service_until=datetime.now() + timedelta(days=365), points=100)
        for buyer in world["buyers"]:
            PurchaseAccount.get_or_create(platform=buyer["platform"], login=buyer["login"],
                                          defaults={"password": buyer["password"], "nick": buyer["login"]})


def follow_wall_clock(sandbox, stop: threading.Event) -> None:
    """Advance the simulation to now, every CLOCK_STEP seconds, until `stop` is set."""
    while not stop.wait(CLOCK_STEP):
        behind = (datetime.now() - sandbox.now()).total_seconds() / 60
        if behind >= 1:
            sandbox.advance(behind)


def attach_demo(runtime, sandbox) -> None:
    """Hook demo setup into the runtime: seed once the database is ready, stop with the app."""
    stop = threading.Event()

    def started(rt) -> None:
        seed_demo(sandbox)
        threading.Thread(target=follow_wall_clock, args=(sandbox, stop), name="demo-clock", daemon=True).start()
        print(f"沙箱平台：{sandbox.admin_url}", flush=True)
        print(f"演示账号：{DEMO_PHONE}  密码：{DEMO_PASSWORD}", flush=True)
        print("提示：在 店铺管理 勾选店铺，点“授权”后“开始获取”即可看到订单。", flush=True)

    def stopped(rt) -> None:
        stop.set()
        sandbox.stop()

    runtime.on_started.append(started)
    runtime.on_stopped.append(stopped)
