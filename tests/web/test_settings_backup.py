"""设置 › 数据备份: 立即备份 lists the new file, the 保留份数 is validated, the page says the key is inside."""
from __future__ import annotations

from dropship.db import db
from dropship.services.settings import get_setting
from tests.helpers import post


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
