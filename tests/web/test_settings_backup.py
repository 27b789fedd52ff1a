"""设置 › 数据备份: 立即备份 lists the new file, the 保留份数 is validated, the page says the key is inside."""
from __future__ import annotations

import re
import zipfile

from cryptography.fernet import Fernet

from dropship import restore
from dropship.db import SchemaMigration, db, init_db, migration_names, run_migrations
from dropship.models import Shop
from dropship.services.backup import list_backups
from dropship.services.settings import get_setting
from tests.helpers import become_employee, make_app, post, register, wait_until
from tests.orders_factory import make_shop


def test_backup_now_lists_the_file_and_warns_that_the_key_is_inside(app, signed_in):
    page = signed_in.get("/settings/backup").get_data(as_text=True)
    assert "没有密钥的备份无法解密任何内容" in page and "还没有备份" in page
    response = post(signed_in, "/settings/backup/now", token_page="/settings/backup")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "已备份：备份-" in html and "备份文件（1）" in html
    assert len(list((app.config["SETTINGS"].data_dir / "backups").glob("备份-*.zip"))) == 1


def test_keep_count_is_validated_beside_the_field(signed_in):
    response = post(signed_in, "/settings/backup", {"keep": "0"}, token_page="/settings/backup")
    assert response.status_code == 400
    assert "请输入 1 到 365 之间的整数" in response.get_data(as_text=True)
    with db.connection_context():
        assert get_setting("backup.keep") == 7
    assert post(signed_in, "/settings/backup", {"keep": "3"}, token_page="/settings/backup").status_code == 200
    with db.connection_context():
        assert get_setting("backup.keep") == 3


# -- 恢复 from the page ----------------------------------------------------------------------------

def _restore_and_wait(client, name: str):
    response = post(client, "/settings/backup/restore", {"name": name}, token_page="/settings/backup")
    if response.status_code == 200:
        wait_until(lambda: restore.progress().state != "running", timeout=60, what="the restore")
    return response


def _shop_names() -> set[str]:
    with db.connection_context():
        return {s.login for s in Shop.select()}


def test_restore_from_the_page_brings_back_the_data_and_its_key_after_a_safety_backup(app, signed_in):
    data = app.config["SETTINGS"].data_dir
    with db.connection_context():
        make_shop(login="kept_shop")
    chosen = post(signed_in, "/settings/backup/now", token_page="/settings/backup")
    name = re.search(r"已备份：(备份-[\d-]+\.zip)", chosen.get_data(as_text=True)).group(1)
    page = signed_in.get("/settings/backup").get_data(as_text=True)
    assert "确定恢复" in page and "备份之后新增和修改的数据都会丢失" in page and "另存为一份新备份" in page
    with db.connection_context():
        make_shop(login="added_after")
    key_before = (data / "secret.key").read_bytes()

    assert _restore_and_wait(signed_in, name).status_code == 200
    assert restore.progress().state == "done", restore.progress().error
    assert _shop_names() == {"kept_shop"}
    with db.connection_context():
        assert Shop.get().password == "pw-123456"  # the key came back with it
    assert (data / "secret.key").read_bytes() == key_before  # same data dir: the same key
    safety = restore.progress().safety
    assert {b.name for b in list_backups(data)} == {name, safety}
    progress = signed_in.get("/settings/backup/restore/progress").get_data(as_text=True)
    assert f"恢复前的数据已备份为 {safety}" in progress and "hx-trigger" not in progress

    assert _restore_and_wait(signed_in, safety).status_code == 200  # and back again
    assert _shop_names() == {"kept_shop", "added_after"}


def test_an_older_backup_is_migrated_when_restored(tmp_path):
    old = tmp_path / "old.db"
    database = init_db(f"sqlite:///{old}")
    run_migrations(database, upto=migration_names()[-2])
    database.close()
    app = make_app(tmp_path / "data")
    client = app.test_client()
    assert register(client).status_code == 302
    folder = tmp_path / "data" / "backups"
    folder.mkdir()
    with zipfile.ZipFile(folder / "备份-20250101-000000.zip", "w") as archive:
        archive.write(old, "app.db")
        archive.writestr("secret.key", Fernet.generate_key())
    assert _restore_and_wait(client, "备份-20250101-000000.zip").status_code == 200
    assert restore.progress().state == "done", restore.progress().error
    with db.connection_context():
        assert {r.name for r in SchemaMigration.select()} == set(migration_names())


def _write_zip(path, **members) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name.replace("_", "."), content)


def test_a_corrupt_foreign_or_keyless_backup_is_refused_and_nothing_changes(app, signed_in):
    data = app.config["SETTINGS"].data_dir
    with db.connection_context():
        make_shop(login="kept_shop")
    post(signed_in, "/settings/backup/now", token_page="/settings/backup")
    good = list_backups(data)[0].path
    with zipfile.ZipFile(good) as archive:
        database = archive.read("app.db")
    folder = data / "backups"
    (folder / "备份-20200101-000001.zip").write_bytes(b"not a zip at all")
    _write_zip(folder / "备份-20200101-000002.zip", app_db=database)
    _write_zip(folder / "备份-20200101-000003.zip", app_db=database, secret_key=Fernet.generate_key())
    _write_zip(folder / "备份-20200101-000004.zip", app_db=b"garbage" * 100, secret_key=Fernet.generate_key())
    before = sorted(p.name for p in data.rglob("*"))
    for stamp, message in (("000001", "不是有效的备份文件"), ("000002", "没有密钥的备份无法解密任何内容"),
                           ("000003", "密钥无法解密其中的数据"), ("000004", "已损坏或不是本软件的数据库")):
        response = _restore_and_wait(signed_in, f"备份-20200101-{stamp}.zip")
        assert response.status_code == 400 and message in response.get_data(as_text=True), stamp
    assert sorted(p.name for p in data.rglob("*")) == before  # no safety backup, nothing swapped
    assert _shop_names() == {"kept_shop"}


def test_only_the_main_account_may_restore_download_or_delete(app, signed_in):
    post(signed_in, "/settings/backup/now", token_page="/settings/backup")
    name = list_backups(app.config["SETTINGS"].data_dir)[0].name
    download = signed_in.get(f"/settings/backup/download?name={name}")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert signed_in.get("/settings/backup/download?name=../secret.key").status_code == 404
    become_employee(signed_in, ["settings"])
    assert "确定恢复" not in signed_in.get("/settings/backup").get_data(as_text=True)
    assert signed_in.get(f"/settings/backup/download?name={name}").status_code == 403
    for action in ("restore", "delete"):
        assert post(signed_in, f"/settings/backup/{action}", {"name": name}, token_page="/settings/backup").status_code == 403
    assert [b.name for b in list_backups(app.config["SETTINGS"].data_dir)] == [name]


def test_delete_removes_the_file(app, signed_in):
    post(signed_in, "/settings/backup/now", token_page="/settings/backup")
    name = list_backups(app.config["SETTINGS"].data_dir)[0].name
    response = post(signed_in, "/settings/backup/delete", {"name": name}, token_page="/settings/backup")
    assert f"已删除：{name}" in response.get_data(as_text=True) and "还没有备份" in response.get_data(as_text=True)


def test_while_a_restore_runs_only_its_progress_answers(signed_in, monkeypatch):
    monkeypatch.setattr(restore, "_progress", restore.Progress(state="running", step=3, name="备份-x.zip"))
    assert signed_in.get("/orders").status_code == 503
    assert signed_in.get("/orders", headers={"HX-Request": "true"}).status_code == 503
    progress = signed_in.get("/settings/backup/restore/progress")
    assert progress.status_code == 200
    assert "替换数据库和密钥" in progress.get_data(as_text=True) and "every 1s" in progress.get_data(as_text=True)
