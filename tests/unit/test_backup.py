"""数据备份: a consistent copy while orders are being written, restored into a fresh data dir with its key."""
from __future__ import annotations

import os
import threading
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dropship.config import load_settings
from dropship.db import db
from dropship.models import Order, OrderItem, Shop
from dropship.restore import restore_offline
from dropship.services.backup import (
    BackupError,
    create_backup,
    find_backup,
    list_backups,
    pg_dump_command,
    pg_restore_command,
    prune_backups,
    sweep_work_folders,
    work_folder,
)
from dropship.services.settings import set_setting
from dropship.tasks.backup import daily_backup
from tests.helpers import make_app, wait_until
from tests.orders_factory import make_order, make_shop


def _url(data_dir) -> str:
    return load_settings(data_dir=data_dir, env={}).db_url


def test_backup_during_a_fetch_restores_every_order_and_secret_into_a_fresh_data_dir(tmp_path):
    data, fresh = tmp_path / "data", tmp_path / "fresh"
    make_app(data)
    with db.connection_context():
        shop = make_shop()
        before = {make_order(shop, items=2).tid for _ in range(20)}
    fetched, stop = [], threading.Event()

    def fetch() -> None:  # orders keep arriving while the copy is made, as during 开始获取
        with db.connection_context():
            while not stop.is_set():
                with db.atomic():  # an order and its sub-orders are saved together
                    fetched.append(make_order(shop, items=2).tid)

    writer = threading.Thread(target=fetch)
    writer.start()
    try:
        wait_until(lambda: len(fetched) >= 5, timeout=30, what="the fetch writing orders")
        backup = create_backup(data, _url(data))
    finally:
        stop.set()
        writer.join()

    assert restore_offline(backup.path, load_settings(data_dir=fresh, env={})) is None  # nothing there to keep
    make_app(fresh)  # a fresh install started on the restored files
    with db.connection_context():
        assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        restored = {o.tid for o in Order.select()}
        assert before <= restored <= before | set(fetched)
        # consistent: no order caught between its row and its sub-orders
        assert {OrderItem.select().where(OrderItem.order == o).count() for o in Order.select()} == {2}
        assert Shop.get().password == "pw-123456"  # decrypts: the key came with the backup


def test_restore_takes_a_safety_backup_and_refuses_a_file_that_is_not_a_backup(tmp_path):
    data = tmp_path / "data"
    make_app(data)
    backup = create_backup(data, _url(data), now=datetime(2026, 11, 1, 3, 40))
    safety = restore_offline(backup.path, load_settings(data_dir=data, env={}))
    assert {b.name for b in list_backups(data)} == {backup.name, safety.name}
    stray = tmp_path / "not-a-backup.zip"
    with zipfile.ZipFile(stray, "w") as archive:
        archive.writestr("app.db", b"")
    with pytest.raises(BackupError, match="没有密钥"):
        restore_offline(stray, load_settings(data_dir=tmp_path / "other", env={}))
    assert list((tmp_path / "other").iterdir()) == []
    with pytest.raises(BackupError, match="pg_dump"):
        create_backup(data, "postgresql://localhost/dropship")


def test_two_backups_in_one_second_do_not_overwrite_each_other(tmp_path):
    data = tmp_path / "data"
    make_app(data)
    now = datetime(2026, 11, 1, 3, 40)
    first, second = create_backup(data, _url(data), now=now), create_backup(data, _url(data), now=now)
    assert first.path != second.path and len(list_backups(data)) == 2


def test_postgresql_is_dumped_in_custom_format_and_restored_cleanly_in_one_transaction(tmp_path):
    url = "postgresql://desk:pw@db.local:5432/dropship"
    assert pg_dump_command(url, tmp_path / "app.dump") == [
        "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp_path / 'app.dump'}",
        f"--dbname={url}"]
    restore = pg_restore_command(url, tmp_path / "app.dump")
    assert restore[0] == "pg_restore" and {"--clean", "--if-exists", "--single-transaction"} <= set(restore)
    assert restore[-2:] == [f"--dbname={url}", str(tmp_path / "app.dump")]


def test_the_daily_backup_keeps_the_newest_as_many_as_the_setting_says(tmp_path):
    data = tmp_path / "data"
    make_app(data)
    old = [create_backup(data, _url(data), now=datetime(2026, 11, 1) + timedelta(days=d)) for d in range(3)]
    (data / "backups" / "备份-renamed-by-hand.zip").write_bytes(b"")  # not ours: neither listed nor pruned
    with db.connection_context():
        set_setting("backup.keep", "2")
        made = daily_backup.call_local()
    assert [b.name for b in list_backups(data)] == [made.name, old[2].name]
    assert find_backup(data, old[2].name).size > 0
    assert (data / "backups" / "备份-renamed-by-hand.zip").exists()
    assert prune_backups(data, 1) == [old[2].path]


def test_work_folders_a_crash_left_are_swept_after_12_hours_but_live_ones_stay(tmp_path):
    data = tmp_path / "data"
    (data / "backups").mkdir(parents=True)
    held = [work_folder(data, "upload"), work_folder(data / "backups", "backup"), work_folder(data, "restore")]
    *crashed, live = [Path(work.name) for work in held]  # `held` keeps them from their own cleanup
    for folder in crashed:
        (folder / "upload.zip").write_bytes(b"half a file")
    mine = data / "my-own-folder"  # not a work folder: never touched
    mine.mkdir()
    then = (datetime.now() - timedelta(hours=12, minutes=1)).timestamp()
    for folder in (*crashed, mine):
        os.utime(folder, (then, then))
    assert sorted(sweep_work_folders(data)) == sorted(crashed)
    assert live.is_dir() and mine.is_dir() and not any(f.exists() for f in crashed)
