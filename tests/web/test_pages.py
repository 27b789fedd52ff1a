"""Every menu page renders with its title and real (empty) table; the jobs panel polls only while work runs."""
import pytest

from dropship.db import db
from dropship.models import Job
from tests.helpers import post

PAGES = [
    ("/orders", "订单管理", ["全部订单", "待采购", "即将发货超时"]),
    ("/shops", "店铺管理", ["新增店铺", "今日获取新订单", "截止日期"]),
    ("/accounts", "采购账号", ["淘宝账号", "拼多多", "批量导入账号"]),
    ("/aftersales", "店铺售后", ["仅退款", "退货退款", "自动售后设置"]),
    ("/stats", "利润统计", ["日报表", "月报表"]),
    ("/dashboard", "数据大屏", ["今日订单"]),
    ("/team", "账号管理", ["新增员工账号", "授权采购号"]),
    ("/settings/browser", "设置", ["浏览器检测"]),
    ("/billing", "充值中心", ["充值卡充值"]),
    ("/verify", "验证中心", ["平台账号", "验证类型"]),
]


@pytest.mark.parametrize("path,title,texts", PAGES)
def test_menu_pages_render(signed_in, path, title, texts):
    response = signed_in.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in html
    for text in texts:
        assert text in html


def test_jobs_panel_polls_while_running_and_stops_when_done(signed_in):
    with db.connection_context():
        job = Job.create(kind="browser_check", title="浏览器检测", state="running", done=1, total=3)
    html = signed_in.get("/jobs/panel", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s, jobs-changed from:body"' in html
    assert f'id="job-{job.id}"' in html and "33%" in html
    with db.connection_context():
        Job.update(state="done", done=3).where(Job.id == job.id).execute()
    html = signed_in.get("/jobs/panel", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "every 1s" not in html and "100%" in html


def test_failed_job_shows_error_and_retry(signed_in):
    with db.connection_context():
        job = Job.create(kind="browser_check", title="浏览器检测", state="failed", error="没有找到可用的浏览器")
    html = signed_in.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "没有找到可用的浏览器" in html and "重试" in html
    response = post(signed_in, f"/jobs/{job.id}/retry", token_page="/orders")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "jobs-changed"
    with db.connection_context():
        assert Job.select().where(Job.kind == "browser_check").count() == 2


def test_retry_refuses_jobs_that_did_not_fail(signed_in):
    with db.connection_context():
        job = Job.create(kind="browser_check", title="浏览器检测", state="done")
    assert post(signed_in, f"/jobs/{job.id}/retry", token_page="/orders").status_code == 400


def test_browser_setting_rejects_a_missing_path(signed_in):
    response = post(signed_in, "/settings/browser", {"path": "/no/such/chromium"}, token_page="/orders")
    assert response.status_code == 400
    assert "该路径下没有找到浏览器程序" in response.get_data(as_text=True)
    page = signed_in.get("/settings/browser").get_data(as_text=True)
    assert 'value="/no/such/chromium"' not in page
