"""Test helpers mirroring the package: build apps on a temp data dir, sign up, sign in, post with CSRF."""
from __future__ import annotations

import atexit
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from dropship import create_app
from dropship.config import Settings, load_settings

MAIN_PHONE = "13912345678"
MAIN_PASSWORD = "secret-pass-1"


_templates: dict[str, Path] = {}


def migrated_template() -> Path:
    """An SQLite file migrated to head, built once per process (per xdist worker) and keyed by the newest
    migration: most tests need an empty database at head, and migrating one from scratch (~1,000
    statements) was most of building an app. It holds schema only; the keys live in the data dir."""
    from dropship.db import init_db, migration_names, run_migrations

    head = migration_names()[-1]
    if head not in _templates:
        path = Path(tempfile.mkdtemp(prefix="dropship-template-")) / "app.db"
        atexit.register(shutil.rmtree, path.parent, True)
        database = init_db(f"sqlite:///{path.as_posix()}")
        with database.connection_context():
            run_migrations(database)
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file we copy
        _templates[head] = path
    return _templates[head]


def seed_database(settings: Settings) -> None:
    """Give a new data dir the migrated template, so create_app's run_migrations finds nothing to do.
    Only the default SQLite file of a data dir that has none: a given database URL is left alone."""
    target = settings.data_dir / "app.db"
    if settings.database_url or target.exists():
        return
    template = migrated_template()
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copyfile(template, target)


def make_app(data_dir: Path, **overrides) -> Flask:
    settings = load_settings(data_dir=data_dir, env={}, testing=True, **overrides)
    seed_database(settings)
    return create_app(settings)


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token the server put in a page (also seeds the session cookie)."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client: FlaskClient, path: str, data: dict | None = None, token_page: str = "/login", **kw):
    token = csrf(client, token_page)
    return client.post(path, data=data or {}, headers={"X-CSRFToken": token, **kw.pop("headers", {})}, **kw)


def register(client: FlaskClient, phone: str = MAIN_PHONE, password: str = MAIN_PASSWORD):
    return post(client, "/register", {"phone": phone, "password": password, "confirm": password},
                token_page="/register")


def login(client: FlaskClient, username: str = MAIN_PHONE, password: str = MAIN_PASSWORD, remember: bool = False):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "1"
    return post(client, "/login", data)


def become_employee(client: FlaskClient, permissions: list[str], shops: tuple = (), accounts: tuple = (),
                    number: str = "01", password: str = "staff-pass-1") -> None:
    """Add an employee of the main account with these permission codes and shop / purchase-account
    grants, then sign `client` out and in again as that employee."""
    from dropship.db import db
    from dropship.models import AccountGrant, ShopGrant, User
    from dropship.services.auth import hash_password

    username = f"{MAIN_PHONE}:{number}"
    with db.connection_context():
        owner = User.get(User.username == MAIN_PHONE)
        user = User.create(username=username, password_hash=hash_password(password), role="employee", owner=owner,
                           permissions=permissions)
        for shop in shops:
            ShopGrant.create(user=user, shop=shop)
        for account in accounts:
            AccountGrant.create(user=user, account=account)
    client.post("/logout", headers={"X-CSRFToken": csrf(client, "/")})
    assert login(client, username, password).status_code == 302


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def every_second(action: Callable[[], None], name: str) -> Iterator[None]:
    """Run `action` once a second in a thread of its own while the block runs (the sandbox's world
    moving on beside the app); the thread has ended when the block has."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(1.0):
            action()

    ticker = threading.Thread(target=tick, name=name, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()


def wait_until(condition: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    """Poll until `condition()` is truthy and return it; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@contextmanager
def recorded_sql() -> Iterator[list[tuple[str, tuple]]]:
    """The statements the block runs on the app's database, in order, with their parameters."""
    from dropship.db import db

    statements: list[tuple[str, tuple]] = []
    original = type(db.obj).execute_sql

    def record(self, sql, params=None, *args, **kwargs):
        statements.append((sql, tuple(params or ())))
        return original(self, sql, params, *args, **kwargs)

    type(db.obj).execute_sql = record
    try:
        yield statements
    finally:
        type(db.obj).execute_sql = original
