"""任务: one visibility rule (main account: every job; employee: their own) for the panel, a job's
progress, 重试 and the 导出订单 download."""
from dropship.db import db
from dropship.models import Job, User
from dropship.services.auth import hash_password
from dropship.services.jobs import job_target, parse_target, visible_jobs
from tests.helpers import MAIN_PHONE, login, post

STAFF = f"{MAIN_PHONE}:01"


def _jobs_of_both(signed_in) -> tuple[Job, Job, Job]:
    """A failed job and a finished export of the main account, and a failed job of an employee."""
    with db.connection_context():
        main = User.get(User.username == MAIN_PHONE)
        staff = User.create(username=STAFF, password_hash=hash_password("staff-pass-1"), role="employee",
                            owner=main, permissions=["orders", "orders.export"])
        mine = Job.create(kind="browser_check", title="主账号的任务", state="failed", user=main)
        export = Job.create(kind="export_orders", title="主账号的导出", state="done", user=main)
        theirs = Job.create(kind="browser_check", title="员工的任务", state="failed", user=staff)
    return mine, export, theirs


def test_an_employee_sees_and_retries_only_their_own_jobs(signed_in):
    mine, export, theirs = _jobs_of_both(signed_in)
    html = signed_in.get("/jobs/panel", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "主账号的任务" in html and "员工的任务" in html  # the main account sees every job

    employee = signed_in.application.test_client()
    assert login(employee, STAFF, "staff-pass-1").status_code == 302
    html = employee.get("/jobs/panel", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "员工的任务" in html and "主账号的任务" not in html and "主账号的导出" not in html
    assert employee.get(f"/jobs/{mine.id}").status_code == 404
    assert employee.get(f"/jobs/{theirs.id}").status_code == 200
    assert post(employee, f"/jobs/{mine.id}/retry", token_page="/orders").status_code == 404
    assert employee.get(f"/orders/export/{export.id}.xlsx").status_code == 404
    assert post(employee, f"/jobs/{theirs.id}/retry", token_page="/orders").status_code == 200
    with db.connection_context():
        staff = User.get(User.username == STAFF)
        assert [j.title for j in visible_jobs(staff).order_by(Job.id)] == ["员工的任务", "员工的任务"]


def test_job_targets_are_built_and_read_by_one_pair_of_functions():
    assert job_target("shop", 12) == "shop:12" and parse_target("shop:12") == ("shop", 12)
    assert job_target("orders", "batch") == "orders:batch" and parse_target("orders:batch") == ("orders", "batch")
    assert job_target("browser") == "browser" and parse_target("browser") == ("browser", None)
