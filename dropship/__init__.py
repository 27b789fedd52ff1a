"""代发工作台 — `create_app(settings)` wires config, database, queue, tasks and the web blueprints."""
from __future__ import annotations

import os
import secrets as _secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask

from dropship.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent

# Every platform we talk to keeps China time, and so do our users' PCs; naive datetimes in the
# database are China time. A server or CI machine on UTC must agree, or deadlines shift by 8 hours.
os.environ.setdefault("TZ", "Asia/Shanghai")
if hasattr(time, "tzset"):  # POSIX; a Windows PC in China is already on China time
    time.tzset()


def web_folders() -> tuple[Path, Path]:
    """(templates, static): inside the package in an installed wheel (setup.py copies them there at
    build time, vendored htmx and echarts included), else the checkout's top-level folders."""
    base = PACKAGE if (PACKAGE / "templates").is_dir() else ROOT
    return base / "templates", base / "static"


def init_backend(settings: Settings) -> None:
    """Everything a web or worker process needs before it serves: db, migrations, secrets, queue."""
    from dropship.db import init_db, optimize, run_migrations
    from dropship.queue import configure_queue
    from dropship.secrets import init_secrets
    from dropship.services.orders.counters import ensure_counters
    from dropship.services.orders.title_counts import ensure_tab_rows
    from dropship.services.orders.titles import ensure_title_index
    from dropship.tasks import configure_tasks

    # The database, the key file and exports hold personal data: our user alone may enter the data dir.
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)
    database = init_db(settings.db_url)
    with database.connection_context():
        run_migrations(database)
        ensure_counters()
        ensure_title_index()
        ensure_tab_rows()
        optimize(database)
    init_secrets(settings.data_dir)
    configure_queue(settings.data_dir, settings.queue_url, immediate=settings.testing)
    configure_tasks(settings)
    configure_channel(settings)


def configure_channel(settings: Settings, together: bool = True) -> None:
    """Where 验证中心's parked pages live. In this process's memory (as always) when its web pages
    and its workers are the same process (`together`) on one PC's SQLite; in the database when the
    web pages may have to show a page a worker of another process parked: a `--web-only` /
    `--worker` process, or a database shared by several PCs (PostgreSQL)."""
    from dropship.coordination import DatabaseStore
    from dropship.db import shared_database
    from dropship.platforms.verification import HUB, MemoryStore
    from dropship.queue import WORKER_ID

    shared = not settings.testing and (shared_database() or not together)
    HUB.use(DatabaseStore(WORKER_ID) if shared else MemoryStore())


def _flask_key(data_dir: Path) -> str:
    """The session-signing key persists in the data dir so logins survive restarts."""
    path = data_dir / "flask.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(_secrets.token_hex(32))
    return path.read_text().strip()


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    settings = settings or load_settings(**overrides)
    init_backend(settings)

    from dropship.db import db
    from dropship.web import register_web
    from dropship.web.access import init_access
    from dropship.web.security import init_security

    templates, static = web_folders()
    app = Flask(__name__, template_folder=str(templates), static_folder=str(static))
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=_flask_key(settings.data_dir),
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        SESSION_COOKIE_NAME="dd_csrf",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        TESTING=settings.testing,
    )

    @app.before_request
    def _connect_db() -> None:
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(exc: BaseException | None) -> None:
        if not db.is_closed():
            db.close()

    init_access(app)
    init_security(app)  # after access: CSRF and login are checked before the text guard
    register_web(app)
    return app
