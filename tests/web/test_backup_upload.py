"""设置 › 数据备份 › 上传备份并恢复: another PC's backup file, checked whole before it is kept, then restored."""
from __future__ import annotations

import io
import zipfile

import pytest
from cryptography.fernet import Fernet

from dropship import restore
from dropship.db import db
from dropship.models import Order, Shop
from dropship.services import backup as backups
from dropship.services.backup import BackupError, add_backup, create_backup
from tests.helpers import become_employee, make_app, post, register, wait_until
from tests.orders_factory import make_order, make_shop


def _upload(client, content: bytes, filename: str = "备份-20261101-034000.zip", **kw):
    return post(client, "/settings/backup/upload", {"file": (io.BytesIO(content), filename)},
                token_page="/settings/backup", content_type="multipart/form-data", **kw)


def _other_pc_backup(data_dir) -> tuple[bytes, set[str], bytes]:
    """A backup made on another PC (its own data dir and key): the zip, its orders' tids, its key."""
    old = make_app(data_dir)
    with db.connection_context():
        shop = make_shop(login="old_pc_shop")
        tids = {make_order(shop, items=2).tid for _ in range(5)}
    made = create_backup(data_dir, old.config["SETTINGS"].db_url)
    return made.path.read_bytes(), tids, (data_dir / "secret.key").read_bytes()


def test_a_backup_from_another_pc_is_uploaded_then_restored_with_its_orders_and_secrets(tmp_path):
    content, tids, key = _other_pc_backup(tmp_path / "old")
    app = make_app(tmp_path / "new")
    client = app.test_client()
    assert register(client).status_code == 302
    folder = tmp_path / "new" / "backups"

    uploaded = _upload(client, content, "C:\\下载\\备份-20261101-034000 (1).zip")  # a Windows browser's name
    page = uploaded.get_data(as_text=True)
    assert uploaded.status_code == 200 and "已上传：备份-20261101-034000.zip，检查通过" in page
    assert "确定恢复" in page and "备份文件（1）" in page
    again = _upload(client, content)  # the same name again: kept beside the first, never over it
    assert "已上传：备份-20261101-034001.zip" in again.get_data(as_text=True)
    assert sorted(p.name for p in folder.iterdir()) == ["备份-20261101-034000.zip", "备份-20261101-034001.zip"]

    started = post(client, "/settings/backup/restore", {"name": "备份-20261101-034000.zip"}, token_page="/settings/backup")
    assert started.status_code == 200 and 'id="restore-progress"' in started.get_data(as_text=True)
    wait_until(lambda: restore.progress().state != "running", timeout=60, what="the restore")
    assert restore.progress().state == "done", restore.progress().error
    # the restored database has the other PC's logins, not this session: the page still learns the end
    ended = client.get("/settings/backup/restore/progress", headers={"HX-Request": "true"})
    assert ended.status_code == 200 and "已恢复 备份-20261101-034000.zip" in ended.get_data(as_text=True)
    assert app.test_client().get("/settings/backup/restore/progress").status_code == 302  # only that browser
    assert (tmp_path / "new" / "secret.key").read_bytes() == key
    with db.connection_context():
        assert {o.tid for o in Order.select()} == tids
        assert Shop.get().password == "pw-123456"  # decrypts with the key that came in the file


def _zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name.replace("_", "."), content)
    return out.getvalue()


def test_a_bad_upload_is_refused_beside_the_field_and_leaves_nothing(app, signed_in, monkeypatch):
    data = app.config["SETTINGS"].data_dir
    with db.connection_context():
        make_shop(login="kept_shop")
    database = backups.sqlite_path(app.config["SETTINGS"].db_url).read_bytes()
    before = sorted(p.relative_to(data) for p in data.rglob("*"))
    refused = {
        "corrupt": (b"PK not really a zip", "备份-1.zip", "不是有效的备份文件"),
        "foreign zip": (_zip(readme_txt=b"hello"), "photos.zip", "没有密钥"),
        "missing key": (_zip(app_db=database), "备份-2.zip", "没有密钥的备份无法解密任何内容"),
        "wrong key": (_zip(app_db=database, secret_key=Fernet.generate_key()), "备份-3.zip", "密钥无法解密其中的数据"),
        "wrong extension": (_zip(app_db=database), "备份.rar", "只能上传本软件生成的 .zip 备份文件"),
    }
    for case, (content, filename, message) in refused.items():
        response = _upload(signed_in, content, filename)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and 'class="field-error"' in html and message in html, case
    empty = post(signed_in, "/settings/backup/upload", {}, token_page="/settings/backup")
    assert empty.status_code == 400 and "请选择要上传的备份文件" in empty.get_data(as_text=True)
    monkeypatch.setattr(backups, "MAX_UPLOAD", 2048)
    too_large = _upload(signed_in, b"x" * 4096)
    assert too_large.status_code == 413 and "备份文件超过" in too_large.get_data(as_text=True)
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == before
    with db.connection_context():
        assert [s.login for s in Shop.select()] == ["kept_shop"]


def test_uploading_needs_the_main_account_and_the_csrf_token(app, signed_in):
    content = create_backup(app.config["SETTINGS"].data_dir, app.config["SETTINGS"].db_url).path.read_bytes()
    no_token = signed_in.post("/settings/backup/upload", data={"file": (io.BytesIO(content), "备份-1.zip")},
                              content_type="multipart/form-data")
    assert no_token.status_code == 400 and "CSRF" in no_token.get_data(as_text=True)
    become_employee(signed_in, ["settings"])
    assert "上传备份并恢复" not in signed_in.get("/settings/backup").get_data(as_text=True)
    assert _upload(signed_in, content).status_code == 403
    assert len(list((app.config["SETTINGS"].data_dir / "backups").iterdir())) == 1


class _Broken(io.RawIOBase):
    """An upload whose connection drops after the first chunk."""

    def __init__(self) -> None:
        self.sent = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.sent:
            raise ConnectionResetError(104, "Connection reset by peer")
        self.sent = True
        buffer[:4] = b"PK\x03\x04"
        return 4


def test_a_partial_upload_leaves_no_file(tmp_path):
    with pytest.raises(BackupError, match="没有完整上传"):
        add_backup(io.BufferedReader(_Broken()), "备份-20261101-034000.zip", tmp_path, "sqlite:///unused.db")
    assert list(tmp_path.iterdir()) == []
