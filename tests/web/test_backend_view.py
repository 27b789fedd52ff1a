"""打开后台 on a PC without a screen: the answer links to 验证中心, which waits for the live view or
says why it could not open; 授权 that succeeded offers 打开后台 in 任务."""
import re
from contextlib import contextmanager

import pytest

from dropship.db import db
from dropship.models import Job, Shop
from dropship.platforms.base import PlatformError
from dropship.queue import start_job
from dropship.services.jobs import job_target
from dropship.tasks import accounts as account_tasks
from dropship.tasks import shops as shop_tasks
from tests.helpers import post
from tests.orders_factory import make_account


@pytest.fixture
def no_screen(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")


@pytest.fixture
def shop(signed_in):
    post(signed_in, "/shops", {"platform": "taobao", "login": "tb61182597", "password": "pw-1"}, token_page="/shops")
    with db.connection_context():
        return Shop.get()


@contextmanager
def _unreachable(row, headed=False):
    assert headed is False  # no screen: never ask for a window
    raise PlatformError("网络错误：连接被拒绝")
    yield


@pytest.mark.parametrize("kind", ["shop", "account"])
def test_open_backend_without_a_screen_links_to_the_verification_center(signed_in, shop, no_screen, monkeypatch,
                                                                         kind):
    if kind == "shop":  # 店铺 and 采购账号 share the path: tasks.shops.show_backend, web.verify.backend_answer
        monkeypatch.setattr(shop_tasks, "open_shop_backend", _unreachable)
        url, job_kind = f"/shops/{shop.id}/open-backend", "open_backend"
    else:
        monkeypatch.setattr(account_tasks, "open_account", _unreachable)
        with db.connection_context():
            account = make_account("13800000001")
        url, job_kind = f"/accounts/{account.id}/open-backend", "open_account_backend"
    response = post(signed_in, url, {}, token_page="/shops")
    html = response.get_data(as_text=True)
    with db.connection_context():
        job = Job.get(Job.kind == job_kind)
    assert response.status_code == 200 and "这台电脑没有屏幕" in html
    assert f'<a href="/verify/job/{job.id}">到验证中心查看和操作</a>' in html
    page = signed_in.get(f"/verify/job/{job.id}").get_data(as_text=True)
    assert "打开后台失败：网络错误：连接被拒绝" in page and 'role="alert"' in page
    assert signed_in.get("/verify/job/999").status_code == 404


def test_a_successful_authorize_offers_open_backend_in_the_jobs_panel(signed_in, shop, no_screen, monkeypatch):
    with db.connection_context():
        done = start_job("authorize_shop", "授权 · tb61182597", target=job_target("shop", shop.id), shop_id=shop.id)
        Job.update(state="done", message="授权成功，登录状态正常").where(Job.id == done.id).execute()
    panel = signed_in.get("/jobs/panel").get_data(as_text=True)
    button = re.search(r'<button[^>]*hx-post="/shops/(\d+)/open-backend"[^>]*>打开后台</button>', panel)
    assert button and int(button[1]) == shop.id and f'hx-target="#job-{done.id}"' in button[0]

    monkeypatch.setattr(shop_tasks, "open_shop_backend", _refusing)
    answer = post(signed_in, f"/shops/{shop.id}/open-backend", {"from": "job"}, token_page="/shops")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "HX-Retarget" not in answer.headers  # stays in the panel
    assert "打开后台 · tb61182597" in html and 'class="job ' in html


@contextmanager
def _refusing(shop, headed=False):
    raise PlatformError("网络错误")
    yield
