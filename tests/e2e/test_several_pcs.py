"""Several PCs (issue 17 §2): a web process and two `--worker` processes share PostgreSQL and
redis-server; each worker has its own data dir (another PC) and all share one browser-profiles folder.

200 real tasks over 4 sandbox accounts — 获取订单 of two shops, 去下单 and 同步采购状态 of two 淘宝
purchase accounts (after their 授权) — plus a shop login stopped at a slider, run while the worker
buying is killed mid-run (holding a purchase) and started again (the PC came back). Meanwhile the shops get new
paid orders and the supplier ships what was bought. Afterwards every job is done and nothing was lost;
the sandbox holds exactly one supplier order per purchase, our purchases carry its number, state and
tracking number; our orders are the shops' paid orders. The slider, parked in a worker process, is
solved from the 验证中心 pages this (web) process serves.
"""
from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest

from dropship.config import load_settings
from dropship.db import SchemaMigration, db
from dropship.models import Job, Order, OrderItem, ParkedView, Purchase, PurchaseAccount, RequestSlot, Shop
from dropship.platforms.verification import HUB
from dropship.queue import WORKER_ID, start_job
from dropship.services import shops
from dropship.services.accounts import add_password_account
from dropship.services.jobs import job_target
from dropship.services.purchasing.records import begin
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.tasks.purchase_sync import SYNC_JOB
from tests import crash_worker, shared_services
from tests.decrypt_spent import spend_todays_decrypts
from tests.e2e.test_verification_center import _handle_position
from tests.helpers import csrf, every_second, register, wait_until
from tests.orders_factory import make_order, make_shop
from tests.purchase_crash import RECEIVER, add_buyer, auto_pay_on, clock_follows_wall, stocked_sku

SHOPS = 2
BUYERS = 2
ORDERS = 12  # paid orders per shop at the start; one more a second arrives while the shops are fetched
# The mix, by measured cost. An account's browser stays open on the worker running its jobs (9
# launches in all), so a task costs its pages: wall seconds per task at load ~10 (2 CPUs) a purchase
# ~9.4, a fetch ~4.7, a sync ~4.1. One account's tasks run one after another, so the four accounts'
# lanes are sized to take about as long as each other and end together.
FETCHES = 55  # per shop, the first at once and the last after the shops stopped getting orders
PURCHASES = 67  # bought by the purchase accounts in turn
SYNCS = 10  # per purchase account, the last after the supplier shipped everything
TASKS = 1 + BUYERS + SHOPS * FETCHES + PURCHASES + BUYERS * SYNCS  # the slider login and the 授权 too
# Worker threads per PC (the `workers` setting): one per account lane, the parked slider and the jobs
# a fetch starts (获取买家留言) find one too.
THREADS = 3


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    shared_services.require()
    folder = tmp_path_factory.mktemp("services")
    with shared_services.postgres() as database_url, shared_services.redis(folder) as queue_url:
        yield database_url, queue_url


@pytest.fixture
def office(tmp_path, services, sb):
    """The web side in this process (no consumer: `--web-only`), and a way to start worker PCs."""
    from dropship import create_app

    database_url, queue_url = services
    web_dir, profiles = tmp_path / "web", tmp_path / "profiles"
    settings = load_settings(data_dir=web_dir, env={}, database_url=database_url, queue_url=queue_url,
                             sandbox=True, sandbox_port=sb.port, throttle_seconds=0, throttle_jitter=0,
                             requests_per_minute=0)
    app = create_app(settings)
    workers: list = []

    def start_worker(name: str):
        data_dir = tmp_path / name
        data_dir.mkdir(exist_ok=True)
        # every PC needs the office's key: the shop passwords in the shared database are encrypted with it
        shutil.copy(web_dir / "secret.key", data_dir / "secret.key")
        proc = crash_worker.spawn(data_dir, "--sandbox-port", str(sb.port), "--database-url", database_url,
                                  "--queue-url", queue_url, "--profiles-dir", str(profiles), "--workers", str(THREADS))
        workers.append(proc)
        return proc

    yield app, start_worker, tmp_path
    for proc in workers:
        if proc.poll() is None:
            crash_worker.kill_hard(proc)


def _all_finished() -> bool:
    return not Job.select().where(Job.state.in_(Job.ACTIVE)).exists()


def fetch(shop: Shop) -> Job:
    return start_job("fetch_orders", "获取订单", target=job_target("shop", shop.id), shop_id=shop.id)


def sync(account: PurchaseAccount) -> Job:
    return start_job(SYNC_JOB, "同步采购状态", target=job_target("account", account.id), account_id=account.id)


def buy(purchase: Purchase) -> Job:
    return start_job("purchase", f"采购 #{purchase.id}", target=job_target("purchase", purchase.id),
                     purchase_id=purchase.id, mode="auto")


class Lanes:
    """Each account's tasks in a lane of their own, the next queued once the one before finished.

    As an office's work comes in over a day. One account's tasks run one at a time (its browser, its
    purchases) on the worker keeping its browser open, which takes them from the database as they
    come; all queued at once would run as well, but each waiting task's queue message would come back
    every 3 s (queue.ACCOUNT_RECHECK) until then. The lanes run side by side on both PCs."""

    def __init__(self, lanes: list[list[tuple[Callable[[object], Job], object]]]) -> None:
        self.lanes = [list(lane) for lane in lanes]
        self.jobs: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._feed, name="lanes", daemon=True)

    def _feed(self) -> None:
        with db.connection_context():
            current: list[int | None] = [None] * len(self.lanes)
            while not self.stop.wait(0.1) and any(self.lanes):
                for n, lane in enumerate(self.lanes):
                    if lane and (current[n] is None or Job.get_by_id(current[n]).state not in Job.ACTIVE):
                        start, arg = lane.pop(0)
                        current[n] = start(arg).id
                        self.jobs.append(current[n])

    def __enter__(self) -> Lanes:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def drained(self) -> bool:
        return not any(self.lanes)


def buyer_lane(purchases: list[Purchase], account: PurchaseAccount, syncs: int) -> list:
    """The account's purchases with a 同步采购状态 after every few of them."""
    every = len(purchases) // syncs
    lane: list = []
    for k, purchase in enumerate(purchases, 1):
        lane.append((buy, purchase))
        if k % every == 0 and k // every <= syncs:
            lane.append((sync, account))
    return lane


def platforms_move(sb, logins: list[str], buyers: list[str]) -> None:
    """Each shop gets a new paid order and the supplier ships every paid purchase order of our buyers,
    as the real platforms move while the office works (once a second, `every_second`)."""
    for login in logins:
        sb.place_order(login)
    ship_paid(sb, buyers)


def ship_paid(sb, buyers: list[str]) -> None:
    for order in sb.purchase_orders():
        if order["login"] in buyers and order["state"] == "unshipped":
            sb.ship_now(order["order_id"])


@pytest.mark.timeout(1200)  # ~600-750 CPU seconds, 7-10 minutes at load 12-20: see the mix above
def test_web_and_two_worker_pcs_share_postgres_and_redis(office, sb, page):
    app, start_worker, tmp_path = office
    client = app.test_client()
    assert register(client).status_code == 302
    shop_logins, buyer_logins = [f"pc_shop_{n}" for n in range(SHOPS)], [f"pc_buyer_{n}" for n in range(BUYERS)]
    with db.connection_context():
        assert SchemaMigration.select().count() > 10 and db.obj.__class__.__name__ == "PostgresqlDatabase"
        # the request budget compares wall-clock seconds across PCs: kept whole (a `real` rounds to 128 s)
        now = time.time()
        assert RequestSlot.get_by_id(RequestSlot.create(account="probe", host="h", at=now).id).at == now
        # the first shop: _handle_position measures the slider in shop-1's window size
        sb.add_seller("pc_slider", "pw-slider", "taobao", slider_chance=1.0)
        slider_shop = shops.add_shop("taobao", "pc_slider", "pw-slider")
        shop_rows = []
        for login in shop_logins:
            info = sb.scenario("shop_with_paid_orders", login=login, count=ORDERS, days=1)
            sb.update_account(login, rate_limit_per_min=10_000)
            shop = shops.add_shop("taobao", login, info["password"])
            spend_todays_decrypts(shop.id)  # the 地址解密 a fetch queues ends at once: not this test's subject
            shop_rows.append(shop)
        # the purchases are for orders of a shop no task opens: the memo template is off (no 云端备注 push)
        # and so is its 自动发货 (its orders are on no sandbox shop to consign them to)
        item, sku = stocked_sku(sb)
        auto_pay_on()
        accounts = []
        for login in buyer_logins:
            add_buyer(sb, login)
            accounts.append(add_password_account("taobao", login, "pw-123456"))
        sold = make_shop("pc_sold")
        Shop.update(auto_ship=False).where(Shop.id == sold.id).execute()
        to_buy = [make_order(sold, items=1, paid=sku["price_fen"] * 3) for _ in range(PURCHASES)]
        for order in to_buy:
            store_receiver(order, RECEIVER)  # as 地址解密 leaves it

    handle = _handle_position(page, sb, "pc_slider")  # where the slider sits in a worker's window
    pcs = {name: start_worker(name) for name in ("pc-a", "pc-b")}
    started = time.monotonic()
    with clock_follows_wall(sb), every_second(lambda: platforms_move(sb, shop_logins, buyer_logins), "platforms"):
        with db.connection_context():
            login = start_job("authorize_shop", "授权", target=job_target("shop", slider_shop.id), shop_id=slider_shop.id)
            authorized = [start_job("authorize_account", "授权", target=job_target("account", a.id), account_id=a.id)
                          for a in accounts]
            first = [fetch(s) for s in shop_rows]
        # solved first: a parked page streams its frames to 验证中心 (CPU) until it is solved
        _solve_the_slider(client, handle)  # (web requests: outside this thread's connection)
        with db.connection_context():
            wait_until(lambda: all(Job.get_by_id(j.id).state == "done" for j in authorized), 120, "the 授权 of the buyers")
            accounts = [PurchaseAccount.get_by_id(a.id) for a in accounts]  # 在线 now
            # 去下单 on the orders page: each order's purchase in 准备, the accounts in turn
            purchases = [begin(Scope.everything(), order, list(OrderItem.select().where(OrderItem.order == order.id)),
                               accounts[n % BUYERS], "taobao", item["item_id"], sku["sku_id"], 1)
                         for n, order in enumerate(to_buy)]
        lanes = [[(fetch, s)] * (FETCHES - 2) for s in shop_rows]
        lanes += [buyer_lane([p for p in purchases if p.account_id == a.id], a, SYNCS - 1) for a in accounts]
        with Lanes(lanes) as fed:
            with db.connection_context():

                wait_until(lambda: Job.select().where(Job.kind == "purchase", Job.state == "done").count()
                           >= PURCHASES // 3, 600, "a third of the purchases")
                # mid-run, while it buys: it dies holding a purchase (an account's jobs stay on the
                # worker keeping its browser, so which PC buys is not known beforehand)
                buying = wait_until(lambda: Job.get_or_none(Job.kind == "purchase", Job.state == "running"), 180,
                                    "a worker buying")
                name, victim = next((n, p) for n, p in pcs.items() if f"-{p.pid}-" in buying.claimed_by)
                crash_worker.kill_hard(victim)
                held = list(Job.select().where(Job.state == "running", Job.claimed_by.contains(f"-{victim.pid}-")))
                held_purchases = {j.args["purchase_id"] for j in held if j.kind == "purchase"}
                print(f"\nkilled {name} at {time.monotonic() - started:.0f} s holding jobs "
                      f"{[(j.id, j.kind) for j in held]}; its purchases then: "
                      f"{[(p.id, p.state) for p in Purchase.select().where(Purchase.id.in_(held_purchases))]}")
            start_worker(name)  # the PC comes back: its start takes back what the dead process held
            wait_until(fed.drained, 700, "every lane's tasks queued")

    with db.connection_context():
        # the platforms stood still: the last fetch and sync of each account see all there is
        ship_paid(sb, buyer_logins)
        wait_until(lambda: not Job.select().where(Job.kind == "purchase", Job.state.in_(Job.ACTIVE)).exists(), 300,
                   "every purchase")
        ship_paid(sb, buyer_logins)
        last = [fetch(s) for s in shop_rows] + [sync(a) for a in accounts]
        wait_until(_all_finished, 300, "every job finished")
        elapsed = time.monotonic() - started
        jobs = {job.id: job for job in Job.select()}
        tasks = [login.id, *(j.id for j in authorized), *(j.id for j in first), *fed.jobs, *(j.id for j in last)]
        _report(jobs, tasks, elapsed, tmp_path)
        # nothing lost: every task and every job the tasks started (地址解密, 获取买家留言) ran to completion
        assert len(tasks) == TASKS == 200 and {jobs[j].state for j in tasks} == {"done"}, \
            [(j.id, j.kind, j.state, j.error) for j in jobs.values() if j.state != "done"]
        assert {j.state for j in jobs.values()} == {"done"}, \
            [(j.id, j.kind, j.state, j.error) for j in jobs.values() if j.state != "done"]
        # each sync read the account's bought orders (none ended at once finding nothing to sync)
        assert all(jobs[j].total > 0 for j in tasks if jobs[j].kind == SYNC_JOB)
        _assert_bought_once(sb, purchases, buyer_logins, held_purchases)
        for shop, login_ in zip(shop_rows, shop_logins, strict=True):
            paid = {o["tid"] for o in sb.shop_orders(login_, "WAIT_SELLER_SEND_GOODS")}
            assert len(paid) > ORDERS and {o.tid for o in Order.select(Order.tid).where(Order.shop == shop.id)} == paid
        assert Shop.get_by_id(slider_shop.id).login_state == "ok"


def _solve_the_slider(client, handle: dict) -> None:
    """验证中心 here shows the page a worker process parked, and the drag sent from here solves it."""
    def parked_by_a_worker():
        with db.connection_context():
            for item in HUB.waiting():
                if ParkedView.get_by_id(item.id).worker not in ("", WORKER_ID):
                    return item
        return None

    item = wait_until(parked_by_a_worker, 120, "the slider parked in a worker")
    assert client.get(f"/verify/{item.id}").status_code == 200
    wait_until(lambda: HUB.get(item.id).frame, 20, "a frame of the parked page")
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    drag = [[x + 10 * i, y + (i % 3), 30 * i] for i in range(31)]
    sent = client.post(f"/verify/{item.id}/input", json={"type": "drag", "points": drag},
                       headers={"X-CSRFToken": csrf(client, "/verify")})
    assert sent.status_code == 200
    wait_until(lambda: HUB.get(item.id).state == "solved", 30, "the slider solved")


def _assert_bought_once(sb, purchases: list[Purchase], logins: list[str], held: set[int]) -> None:
    """The sandbox's own records decide: one supplier order per purchase (found by the 采购标记 in its
    buyer memo), paid and shipped; our purchase carries its number, state and tracking number."""
    supplier = [o for login in logins for o in sb.purchase_orders(login=login)]
    by_marker = Counter(o["memo"] for o in supplier)
    assert len(supplier) == len(purchases) and set(by_marker.values()) == {1}, \
        {m: n for m, n in by_marker.items() if n > 1}  # none lost, none bought twice
    order_of = {o["memo"]: o for o in supplier}
    for purchase in purchases:
        row, bought = Purchase.get_by_id(purchase.id), order_of[f"DS{purchase.id}"]
        [parcel] = bought["shipments"]
        assert (row.state, row.active, row.platform_order_id, row.status, row.tracking_number) == \
            ("paid", True, bought["order_id"], "shipped", parcel["tracking_no"]), row.id
        assert bought["login"] == row.account.login and bought["paid_at"]
        # started once, but for those the killed worker died with (each started again on the next worker)
        assert row.attempts == 1 or (row.id in held and row.attempts == 2), (row.id, row.attempts)


def _report(jobs: dict[int, Job], tasks: list[int], elapsed: float, logs) -> None:
    """Wall time per kind of task (start to finish of its last run), for the time budget."""
    import os

    launches = sum(path.read_text().count("browser launched") for path in logs.glob("worker-*.log"))
    print(f"{len(tasks)} tasks in {elapsed:.0f} s (load {os.getloadavg()[0]:.1f}), {launches} browser launches; "
          f"other jobs: {dict(Counter(jobs[j].kind for j in jobs if j not in set(tasks)))}")
    by_kind: dict[str, list[float]] = {}
    for j in tasks:
        job = jobs[j]
        by_kind.setdefault(job.kind, []).append((job.finished_at - job.started_at).total_seconds())
        by_kind.setdefault(job.kind + " wait", []).append((job.started_at - job.created_at).total_seconds())
    for kind, seconds in sorted(by_kind.items()):
        seconds.sort()
        print(f"  {kind}: {len(seconds)} × median {seconds[len(seconds) // 2]:.1f} s, "
              f"max {seconds[-1]:.1f} s, sum {sum(seconds):.0f} s")
