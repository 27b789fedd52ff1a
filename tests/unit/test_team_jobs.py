"""Jobs started by an employee run with that employee's scope, as granted when they run."""
import pytest

from dropship.db import db
from dropship.models import Job, Order, ShopGrant, User
from dropship.queue import start_job
from dropship.services import team
from tests.orders_factory import fake_shops, make_order, make_shop


@pytest.fixture(autouse=True)
def _db(app):
    # Jobs run in a worker thread with its own connection: rows must be committed, not rolled back.
    with db.connection_context():
        yield


@pytest.fixture
def staff():
    main = User.create(username="13900000000", password_hash="x")
    return main, team.create_employee(main, "01", "staff-pass-1")


def test_batch_sync_of_an_employee_syncs_only_the_shops_granted_when_it_runs(monkeypatch, staff):
    main, employee = staff
    backend = fake_shops(monkeypatch)
    east, west = make_shop("东店"), make_shop("西店")
    for order in (make_order(east, tid="1001"), make_order(west, tid="2001")):
        backend.serve(order, status="finished")
    ShopGrant.create(user=employee, shop=east)
    # the form offered both shops a moment ago; west was never granted
    job = start_job("batch_sync", "批量同步", user=employee, shop_ids=[east.id, west.id], tab="all", days=30)
    assert job.state == "done" and job.message == "已同步 1 个订单"
    assert {o.tid: o.status for o in Order.select()} == {"1001": "finished", "2001": "paid"}
    # withdrawn before the job runs: nothing of that shop is touched any more
    team.GRANT_KINDS["shops"].set(main, employee, east, False)
    again = start_job("batch_sync", "批量同步", user=employee, shop_ids=[east.id], tab="all", days=30)
    assert again.state == "done" and again.message == "没有需要同步的订单"
    # the main account's job (and the system's) still sees every shop
    everything = start_job("batch_sync", "批量同步", user=main, shop_ids=[east.id, west.id], tab="all", days=30)
    assert everything.message == "已同步 2 个订单"


def test_a_deleted_employees_waiting_jobs_never_start(staff):
    main, employee = staff
    waiting = Job.create(kind="batch_sync", title="批量同步", user=employee, args={"shop_ids": []})
    running = Job.create(kind="batch_sync", title="批量同步", user=employee, state="running")
    team.delete_employee(main, employee)
    waiting, running = Job.get_by_id(waiting.id), Job.get_by_id(running.id)
    assert (waiting.state, waiting.error, waiting.user_id) == ("failed", "发起该任务的员工账号已删除", None)
    assert (running.state, running.user_id) == ("running", None)
