"""导出订单 holds personal data: a private data dir, one download per export, gone after the keep time, and
decrypted receivers only for users granted 导出收货人明文."""
from __future__ import annotations

import os
import stat
import time

import pytest

from dropship.db import db
from dropship.models import Job
from dropship.services.order_export import export_file
from dropship.tasks import orders as order_tasks
from tests.helpers import become_employee, make_app, post
from tests.orders_factory import make_order, make_shop


@pytest.fixture
def exported(app, signed_in):
    """One finished export of one order, by the main account."""
    with db.connection_context():
        make_order(make_shop())
    assert post(signed_in, "/orders/export", {}, token_page="/orders").status_code == 200
    with db.connection_context():
        job = Job.get(Job.kind == "export_orders")
    assert job.state == "done"
    return {"client": signed_in, "job": job, "path": export_file(app.config["SETTINGS"].data_dir, job.id)}


def test_the_data_dir_and_exports_are_private(tmp_path, exported):
    path = exported["path"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700  # the data dir
    older = tmp_path / "older"
    older.mkdir(mode=0o755)
    older.chmod(0o755)  # a data dir made before this version
    make_app(older)
    assert stat.S_IMODE(older.stat().st_mode) == 0o700


def test_an_export_is_deleted_by_its_download(exported):
    client, job, path = exported["client"], exported["job"], exported["path"]
    download = client.get(f"/orders/export/{job.id}.xlsx")
    assert download.status_code == 200 and download.get_data()[:2] == b"PK"
    download.close()
    assert not path.exists()
    again = client.get(f"/orders/export/{job.id}.xlsx")
    assert again.status_code == 404 and "已过期，请重新导出" in again.get_data(as_text=True)


@pytest.mark.parametrize("keep_minutes,status", [("5", 404), ("60", 200)])
def test_an_export_older_than_the_setting_is_refused_and_deleted(exported, keep_minutes, status):
    client, job, path = exported["client"], exported["job"], exported["path"]
    response = post(client, "/settings/orders", {"export_keep_minutes": keep_minutes}, token_page="/settings/orders")
    assert response.status_code == 200
    ten_minutes_ago = time.time() - 600
    os.utime(path, (ten_minutes_ago, ten_minutes_ago))
    assert client.get(f"/orders/export/{job.id}.xlsx").status_code == status
    assert not path.exists()  # refused and deleted, or downloaded and deleted


def test_the_keep_setting_is_shown_with_its_default_and_checked(signed_in):
    html = signed_in.get("/settings/orders").get_data(as_text=True)
    assert "导出文件保留时间（分钟）" in html and 'name="export_keep_minutes" value="60"' in html
    response = post(signed_in, "/settings/orders", {"export_keep_minutes": "0"}, token_page="/settings/orders")
    assert response.status_code == 400
    assert "导出文件保留时间：请输入 5 到 1440 之间的整数" in response.get_data(as_text=True)


@pytest.mark.parametrize("grants,real", [
    (["orders", "orders.export"], False),
    (["orders", "orders.export", "orders.export_receivers"], True),
])
def test_decrypted_receivers_need_a_grant_of_their_own(signed_in, monkeypatch, grants, real):
    asked = []
    monkeypatch.setattr(order_tasks, "export_orders",
                        lambda *args, real_receivers=False, **kwargs: asked.append(real_receivers) or 0)
    become_employee(signed_in, grants)
    assert post(signed_in, "/orders/export", {}, token_page="/orders").status_code == 200
    assert asked == [real]


def test_the_main_account_exports_decrypted_receivers(signed_in, monkeypatch):
    asked = []
    monkeypatch.setattr(order_tasks, "export_orders",
                        lambda *args, real_receivers=False, **kwargs: asked.append(real_receivers) or 0)
    assert post(signed_in, "/orders/export", {}, token_page="/orders").status_code == 200
    assert asked == [True]
