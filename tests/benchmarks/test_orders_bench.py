"""订单管理 at scale (issue 17): 100,000 and 1,000,000 orders over 50 shops, generated straight into SQLite.

The busy user of the issue takes 50 shops × 200 orders a day, so both sizes have the same daily
volume (DAILY) and differ in history: 10 days against 100. Open orders are recent, older ones
shipped, finished or closed — what a longer history adds is rows no page should have to read.

Each page is timed through the Flask test client (server time, 40 requests after a warm-up: PAGE_REQUESTS) and
printed beside the bare SQL for the same request: the very statements the page ran, recorded once
and replayed on a raw cursor; at 1M the p95 is also printed against the same page at 100k. The
kept tab counts are rebuilt by the repair path after the bulk insert (timed). The export of the
whole list runs in a child process so its peak memory is its own; the xlsx writers are compared
side by side on the same rows; and 10 clients click once a second while 2 worker processes fetch.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dropship.db import db
from dropship.models import Order, PurchaseAccount, Shop
from dropship.secrets import search_key
from dropship.services.orders import counters, title_counts, titles
from dropship.services.rollups import refresh_rollups
from tests.benchmarks.conftest import p95, timed
from tests.helpers import become_employee, login, make_app, recorded_sql, register
from tests.load import run_load

SIZES = tuple(int(n) for n in os.environ.get("BENCH_ORDERS", "100000,1000000").split(","))
SHOPS, ACCOUNTS, DAILY = 50, 20, 10_000
EMPLOYEE_SHOPS = 5
NOW = datetime.now().replace(microsecond=0)
PAGE_TARGET_MS = 100  # every tab and filter page p95 at 1M orders (issue 17)
SCALE_TARGET = 1.5  # p95 at 1M / p95 at 100k
# over 20 requests a p95 is the worst but one: a single pause of the machine decided it
PAGE_REQUESTS = 40
_P95: dict[tuple[str, int], float] = {}  # (page, size) -> p95 ms, for the 1M/100k ratio
_BARE: dict[tuple[str, int], float] = {}  # (page, size) -> p95 ms of the same statements on a raw cursor
WORDS = ("保温杯", "收纳盒", "除臭喷雾", "泡酒瓶", "遮阳帽", "抽纸", "数据线", "拖鞋", "雨伞", "洗碗布")
# by age in days: open orders are the last few days', history is shipped, finished or closed
STATUSES = ((3, (("paid", 80), ("partly_shipped", 4), ("unpaid", 6), ("shipped", 6), ("closed", 4))),
            (15, (("shipped", 80), ("finished", 10), ("closed", 8), ("paid", 2))),
            (10**6, (("finished", 86), ("closed", 14))))


def _status(rnd: random.Random, age_days: float) -> str:
    for limit, weights in STATUSES:
        if age_days < limit:
            return rnd.choices([s for s, _ in weights], [w for _, w in weights])[0]
    raise AssertionError(age_days)


def _rows(size: int):
    """Orders, items, purchases, purchase lines and shipments, with the roll-ups they imply."""
    rnd = random.Random(20261120)
    orders, items, purchases, lines, shipments, phones = [], [], [], [], [], []
    item_id = purchase_id = 0
    minutes = size * 24 * 60 // DAILY
    for order_id in range(1, size + 1):
        created = NOW - timedelta(minutes=rnd.randrange(minutes))
        status = _status(rnd, (NOW - created).total_seconds() / 86400)
        count = 2 if order_id % 2 == 0 else 1  # 150,000 sub-orders in all
        paid = rnd.randrange(500, 20000)
        bought = status in ("shipped", "finished", "partly_shipped") or (status == "paid" and rnd.random() < 0.45)
        pending = amount = 0
        refunds = []
        for n in range(count):
            item_id += 1
            refund = rnd.choices(("", "refunding", "refunded"), (95, 3, 2))[0]
            refunds.append(refund)
            items.append((item_id, order_id, f"{order_id}{n}", f"{rnd.choice(WORDS)} 款式{rnd.randrange(100)}",
                          f"SKU-{rnd.randrange(5000)}", 1, paid // count, status, refund))
            if not bought and refund != "refunded":
                pending += 1
        if bought:
            purchase_id += 1
            amount = int(paid * rnd.uniform(0.55, 0.9))
            tracking = f"7{rnd.randrange(10**13):013d}" if status != "paid" else ""
            purchases.append((purchase_id, order_id, rnd.randrange(1, ACCOUNTS + 1), "pdd",
                              f"{created:%y%m%d}-{rnd.randrange(10**15):015d}", amount, "shipped" if tracking else "paid",
                              "ZTO" if tracking else "", tracking, 1, created + timedelta(hours=1)))
            lines += [(purchase_id, i) for i in range(item_id - count + 1, item_id + 1)]
            if status in ("shipped", "finished"):
                shipments.append((order_id, "ZTO", "中通快递", tracking, "[]", "automatic", "done"))
        refund_state = ("refunding" if "refunding" in refunds
                        else "refunded" if all(r == "refunded" for r in refunds) else "")
        decrypted = rnd.random() < 0.3
        name, phone = f"张{rnd.randrange(1000)}", f"13{rnd.randrange(10**9):09d}"
        if decrypted:
            phones.append(phone)
        orders.append((
            order_id, rnd.randrange(1, SHOPS + 1), f"{3250000000000000000 + order_id * 7919}", status, f"tb{order_id}",
            paid, created, created + timedelta(minutes=2), created + timedelta(hours=48),
            name[0] + "**", phone[:3] + "****" + phone[-4:], "浙江省 杭州市 西湖区", "文三路****",
            search_key(name) if decrypted else "", search_key(phone) if decrypted else "",
            "decrypted" if decrypted else "masked", int(rnd.random() < 0.02),
            rnd.choices(("", "out_of_stock", "no_source", "loss"), (97, 1, 1, 1))[0], rnd.choices(range(6), (80, 6, 4, 4, 3, 3))[0],
            pending, refund_state, amount, created,
        ))
    return (orders, items, purchases, lines, shipments), phones


def _insert(orders, items, purchases, lines, shipments) -> None:
    cursor = db.cursor()
    now = NOW.isoformat(" ")
    for i in range(1, SHOPS + 1):
        Shop.create(id=i, platform="taobao", login=f"店铺{i:02d}", password="", nick=f"店铺{i:02d}", login_state="ok")
    for i in range(1, ACCOUNTS + 1):
        PurchaseAccount.create(id=i, platform="pdd", login=f"1380000{i:04d}", nick=f"买手{i}", online=True)
    cursor.executemany(
        'insert into "order" (id, shop_id, tid, status, status_text, buyer_nick, buyer_message, paid_amount, post_fee,'
        " created_at, paid_at, ship_deadline, receiver_name, receiver_phone, receiver_region, receiver_address,"
        " receiver_name_key, receiver_phone_key, address_state, ignored, abnormal, mark_note, seller_flag, seller_memo,"
        " memo_state, memo_error, pending_items, refund_state, purchase_amount, fetched_at, updated_at, sync_message,"
        " memo_auto, message_pending, status_code) values (?, ?, ?, ?, '', ?, '', ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, '',"
        " '', '', ?, ?, ?, ?, ?, '', '', 0, '')", [(*o, o[-1]) for o in orders])
    cursor.executemany("insert into orderitem (id, order_id, oid, title, sku_text, outer_id, quantity, paid_amount,"
                       " pic, item_url, item_id, status, refund_status, refund_text) values (?, ?, ?, ?, '颜色:黑色', ?,"
                       " ?, ?, '', '', '', ?, ?, '')", items)
    cursor.executemany("insert into purchase (id, order_id, account_id, platform, platform_order_id, amount, status,"
                       " marker, courier, tracking_number, active, manual, note, created_at, state, reason, item_id, sku_id,"
                       " quantity, attempts, tracking_state) values (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, 0, '', ?, 'recorded', '',"
                       " '', '', 1, 1, '')", purchases)
    cursor.executemany("insert into purchaseitem (purchase_id, item_id, active) values (?, ?, 1)", lines)
    cursor.executemany("insert into shipment (order_id, courier, courier_name, tracking_number, oids, mode, state,"
                       " error, created_at, original_courier, original_tracking_number, attempts)"
                       " values (?, ?, ?, ?, ?, ?, ?, '', ?, '', '', 1)", [(*s, now) for s in shipments])


GENERATOR_VERSION = 1  # bump when _rows or _insert change what they write
CACHE = Path(__file__).resolve().parents[2] / ".bench"  # gitignored


def _cached_dir(size: int) -> Path:
    """Where a generated data folder is kept between runs: keyed by size, schema and generator."""
    schema = max(p.stem for p in (Path(__file__).resolve().parents[2] / "dropship" / "migrations").glob("m0*.py"))
    return CACHE / f"orders-{size}-{schema}-g{GENERATOR_VERSION}"


def _older_cache(size: int) -> Path | None:
    """The newest complete cache of the same size and generator under an earlier schema, if any."""
    found = sorted(p.parent for p in CACHE.glob(f"orders-{size}-m*-g{GENERATOR_VERSION}/phones.json"))
    return found[-1] if found else None


@pytest.fixture(scope="module", params=SIZES, ids=lambda n: f"{n // 1000}k")
def big(request, tmp_path_factory):
    size = request.param
    data_dir = tmp_path_factory.mktemp("orders-bench") / "data"
    cached = _cached_dir(size)
    older = _older_cache(size)
    if (cached / "phones.json").exists():  # written last: a half-copied cache is never used
        shutil.copytree(cached, data_dir)
        phones = json.loads((cached / "phones.json").read_text())
        app = make_app(data_dir)
        print(f"\n{size} orders from the cache {cached.name}")
    else:
        if older:  # the same rows under an older schema: migrated as a user's database would be
            shutil.copytree(older, data_dir)
            phones = json.loads((older / "phones.json").read_text())
            started = time.perf_counter()
            app = make_app(data_dir)
            with db.connection_context():
                db.execute_sql("analyze")
            print(f"\n{size} orders from the cache {older.name}, migrated in {time.perf_counter() - started:.1f} s")
        else:
            app = make_app(data_dir)
            phones = _generate(size)
        with db.connection_context():
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.rmtree(cached, ignore_errors=True)
        shutil.copytree(data_dir, cached)
        (cached / "phones.json").write_text(json.dumps(phones))
    client = app.test_client()
    assert register(client).status_code == 302
    staff = app.test_client()  # an employee granted 5 of the 50 shops: every query carries the scope
    with db.connection_context():
        granted = list(Shop.select().where(Shop.id <= EMPLOYEE_SHOPS))
    become_employee(staff, ["orders"], shops=granted)
    return {"client": client, "staff": staff, "data_dir": data_dir, "phone": phones[len(phones) // 2], "size": size}


def _generate(size: int) -> list[str]:
    """Bulk-load `size` orders, rebuild the kept counts and check the roll-ups; return the decrypted phones."""
    started = time.perf_counter()
    with db.connection_context():
        rows, phones = _rows(size)
        # a bulk load counts and indexes the titles once afterwards, by the repair paths
        for name in (*counters.triggers().names, *titles.TRIGGERS, *title_counts.triggers()):
            db.execute_sql(f'DROP TRIGGER "{name}"')
        with db.atomic():
            _insert(*rows)
        loaded = time.perf_counter()
        print(f"\n{size} orders made and inserted in {loaded - started:.1f} s; the repair paths next", flush=True)
        assert counters.ensure_counters()
        recount = time.perf_counter() - loaded
        assert titles.ensure_title_index()
        reindex = time.perf_counter() - loaded - recount
        assert title_counts.ensure_tab_rows()
        tab_rows = time.perf_counter() - loaded - recount - reindex
        db.execute_sql("analyze")
        assert counters.drift() == {}
        sample = list(range(1, size + 1, 997))  # the generator's roll-ups are what the service computes
        before = list(Order.select(Order.pending_items, Order.refund_state, Order.purchase_amount)
                      .where(Order.id.in_(sample)).order_by(Order.id).tuples())
        refresh_rollups(sample)
        after = list(Order.select(Order.pending_items, Order.refund_state, Order.purchase_amount)
                     .where(Order.id.in_(sample)).order_by(Order.id).tuples())
        assert before == after
    print(f"generated {size} orders / {len(rows[1])} sub-orders in {time.perf_counter() - started:.1f} s;"
          f" repair paths: kept counts {recount:.1f} s,"
          f" title index {reindex:.1f} s, its tab rows {tab_rows:.1f} s")
    return phones


def _recorded_sql(client, url: str) -> list[tuple[str, tuple]]:
    """The statements one request runs, in order."""
    with recorded_sql() as statements:
        assert client.get(url).status_code == 200
    return statements


def _bare(statements) -> None:
    cursor = db.cursor()
    for sql, params in statements:
        cursor.execute(sql, params).fetchall()


@pytest.fixture(scope="module", autouse=True)
def page_table():
    """The issue's table once every size ran: the page's p95 at each size and 1M/100k, then the bare
    SQL's (the statements alone, on a warm connection: what grows with the history, without the
    page's ~20 ms of rendering and the machine's noise), and the page against its bare SQL."""
    yield
    if not _P95:
        return
    small, large = min(SIZES), max(SIZES)

    def cell(value: float | None) -> str:
        return f"{value:8.1f}" if value is not None else "       –"

    def ratio(value: float | None, baseline: float | None) -> str:
        return f"{value / baseline:6.2f}×" if value and baseline else "      –"

    large_label = f"{large // 1000}k" if large != small else "–"
    lines = [f"{'page':<40} {'p95 ' + str(small // 1000) + 'k':>8} {large_label:>8}  大/小"
             f"   {'SQL ' + str(small // 1000) + 'k':>8} {large_label:>8}  大/小   页/SQL",
             f"load average {os.getloadavg()[0]:.1f} (ms, p95 over {PAGE_REQUESTS} requests)"]
    for page in dict.fromkeys(p for p, _ in _P95):
        a, bare_a = _P95.get((page, small)), _BARE.get((page, small))
        b, bare_b = (_P95.get((page, large)), _BARE.get((page, large))) if large != small else (None, None)
        lines.append(f"{page:<40} {cell(a)} {cell(b)} {ratio(b, a)}   {cell(bare_a)} {cell(bare_b)}"
                     f" {ratio(bare_b, bare_a)} {ratio(b or a, bare_b or bare_a)}")
    print("\n" + "\n".join(lines))


WEEK = f"{(NOW - timedelta(days=7)):%Y-%m-%dT%H:%M}"
CASES = [
    ("全部订单 + 9 个分类计数", "/orders"),  # the default 成交时间 window: the last 15 days
    ("全部订单, 成交时间清空", "/orders?created_from="),  # every order, as /orders was before the window
    ("待采购", "/orders?tab=to_purchase"),
    ("异常订单", "/orders?tab=abnormal"),
    ("已发货", "/orders?tab=shipped"),
    ("退款中", "/orders?tab=refunding"),
    ("交易关闭, 成交时间清空", "/orders?tab=closed&created_from="),
    ("交易成功, 成交时间清空", "/orders?tab=finished&created_from="),
    ("显示 忽略订单", "/orders?show=ignored&created_from="),
    ("店铺 + 待发货", "/orders?shop=3&tab=to_ship"),  # a shop the benchmark's employee is granted too
    ("商品标题 保温杯", "/orders?title=%E4%BF%9D%E6%B8%A9%E6%9D%AF"),
    ("商品标题 杯 (1 个字: 最近的订单)", "/orders?title=%E6%9D%AF"),
    # the same window at both sizes (the default 15 days hold 10 days of orders at 100k, 15 at 1M):
    # a title search reads the hits inside its window, whatever the history behind it
    ("商品标题 保温杯 + 成交时间近 7 天", f"/orders?title=%E4%BF%9D%E6%B8%A9%E6%9D%AF&created_from={WEEK}"),
    ("成交时间近 7 天 + 红旗", f"/orders?created_from={WEEK}&flag=1"),
    ("即将发货超时, 按截止时间", "/orders?tab=due_soon&sort=deadline"),
    ("收货人手机号 (解密后)", "/orders?receiver_phone={phone}"),
    ("第 50 页", "/orders?page=50"),
]


@pytest.mark.parametrize("who", ["client", "staff"], ids=["主账号", f"员工 {EMPLOYEE_SHOPS} 个店铺"])
@pytest.mark.parametrize("name,url", CASES, ids=[c[0] for c in CASES])
def test_order_pages(big, report, name, url, who):
    client, url, size = big[who], url.format(phone=big["phone"]), big["size"]
    name = f"{size // 1000}k · " + (name if who == "client" else f"员工 · {name}")
    page = timed(lambda: client.get(url), repeat=PAGE_REQUESTS)
    statements = _recorded_sql(client, url)  # the request opens and closes its own connection
    with db.connection_context():
        bare = timed(lambda: _bare(statements), repeat=PAGE_REQUESTS)
    report(f"{name} p95 vs SQL", p95(page), p95(bare))
    _P95[(name.split(" · ", 1)[1], size)] = p95(page)
    _BARE[(name.split(" · ", 1)[1], size)] = p95(bare)
    smaller = _P95.get((name.split(" · ", 1)[1], min(SIZES)))
    if size > min(SIZES) and smaller:
        report(f"{name} p95 vs {min(SIZES) // 1000}k", p95(page), smaller, target=SCALE_TARGET)
    if size >= 1_000_000:
        assert p95(page) <= PAGE_TARGET_MS, f"{name}: p95 {p95(page):.0f} ms > {PAGE_TARGET_MS} ms"


EXPORT_SCRIPT = """
import json, sys, threading, time
from pathlib import Path
from tests.helpers import make_app, login, post
from dropship.db import db
from dropship.models import Job

def vm(name):  # this process's own figures (ru_maxrss would include the parent's, kept across exec)
    line = next(l for l in open('/proc/self/status') if l.startswith(name + ':'))
    return int(line.split()[1]) / 1024

app = make_app(Path(sys.argv[1]))
client = app.test_client()
assert login(client).status_code == 302
before = vm('VmRSS')
samples, done = [], threading.Event()
def watch():
    while not done.is_set():
        samples.append(vm('VmRSS'))
        time.sleep(0.2)
threading.Thread(target=watch, daemon=True).start()
start = time.perf_counter()
assert post(client, '/orders/export', {'created_from': sys.argv[2]}, token_page='/orders').status_code == 200
with db.connection_context():  # the job ran inline (testing mode)
    job = Job.get(Job.kind == 'export_orders')
assert job.state == 'done', job.error
response = client.get(f'/orders/export/{job.id}.xlsx')
size = sum(len(block) for block in response.response)
response.close()
elapsed = time.perf_counter() - start
done.set()
quarter = max(1, len(samples) // 4)
print(json.dumps({"seconds": elapsed, "bytes": size, "rss_before_mb": before, "peak_mb": vm('VmHWM'),
                  "rss_first_quarter_mb": max(samples[:quarter]), "rss_last_quarter_mb": max(samples[-quarter:])}))
"""
EXPORT_TARGET_S = 10


def test_export_of_the_last_10_days_streams_in_flat_memory(big, report):
    """The last 10 days: every order at 100k, the newest 100k of 1M (the issue's 100k rows)."""
    root, since = Path(__file__).resolve().parents[2], NOW - timedelta(days=10)
    with db.connection_context():
        rows = Order.select().where(Order.ignored == False, Order.created_at >= since).count()  # noqa: E712
    result = subprocess.run([sys.executable, "-c", EXPORT_SCRIPT, str(big["data_dir"]), f"{since:%Y-%m-%dT%H:%M}"],
                            cwd=root, capture_output=True, text=True, timeout=900, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    label = f"{big['size'] // 1000}k · 导出 {rows} 行"
    report(f"{label} (s, 目标 ≤ {EXPORT_TARGET_S})", figures["seconds"], EXPORT_TARGET_S, unit="s ", target=1)
    report(f"{label} 峰值内存 vs 导出前 (MB, 目标 < 200)", figures["peak_mb"], figures["rss_before_mb"], unit="MB")
    report(f"{label} RSS 末段 / 首段 (MB, 平稳 ≈ 1)", figures["rss_last_quarter_mb"],
           figures["rss_first_quarter_mb"], unit="MB")
    assert figures["bytes"] > 1_000_000
    assert figures["peak_mb"] < 200


WRITER_SCRIPT = """
import json, resource, sys, time
from dropship.services.order_export import HEADERS
lib, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
row = ["3250000000000007919", "店铺01", "淘宝", "2026-11-20 11:59:00", "买家已付款", "保温杯 款式1", "SKU-1",
       "颜色:黑色", 1, 25.9, 15.0, 10.9, "72.7%", "tb1", "", "张**", "138****1234", "浙江省 杭州市 西湖区 文三路****",
       "拼多多 261120-000000000000002", "2026-11-20 12:59:00", "买手1", "待发货", "中通快递", "73123456789012",
       "未发货", "灰", "", "", ""]
def rows():
    for i in range(count):
        yield [str(3250000000000007919 + i), *row[1:5], f"保温杯 款式{i % 100}", *row[6:]]
start = time.perf_counter()
if lib == "openpyxl":
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单")
    sheet.append(list(HEADERS))
    for r in rows():
        sheet.append(r)
    book.save(out)
elif lib == "xlsxwriter":
    import xlsxwriter
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("订单")
    sheet.write_row(0, 0, HEADERS)
    for n, r in enumerate(rows(), 1):
        sheet.write_row(n, 0, r)
    book.close()
elif lib == "pyexcelerate":  # takes the whole sheet as one list: no streaming API
    from pyexcelerate import Workbook
    book = Workbook()
    book.new_sheet("订单", data=[list(HEADERS), *rows()])
    book.save(out)
else:
    import rustpy_xlsxwriter
    rustpy_xlsxwriter.write_worksheet((dict(zip(HEADERS, r)) for r in rows()), out, sheet_name="订单")
usage = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it reported the benchmark's own peak
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": peak / 1024}))
"""
WRITERS = ("openpyxl", "xlsxwriter", "pyexcelerate", "rustpy-xlsxwriter")


@pytest.mark.parametrize("lib", WRITERS)
def test_xlsx_writers_side_by_side(lib, report, tmp_path):
    """The candidate writers on the same 100k rows of the export's width, no database: CPU s and peak MB."""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", WRITER_SCRIPT, lib, "100000", str(tmp_path / "out.xlsx")],
                            cwd=root, capture_output=True, text=True, timeout=1800, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    report(f"写 100000 行 {lib} CPU (s) vs 墙钟", figures["cpu"], figures["seconds"], unit="s ")
    report(f"写 100000 行 {lib} 峰值内存 (MB) vs 200", figures["peak_mb"], 200, unit="MB")


LOAD_CLIENTS, LOAD_SECONDS, LOAD_TARGET_MS = 10, 20, 200


def test_ten_clients_click_while_two_workers_fetch(big, report):
    """10 clients, each clicking once a second through the pages, while 2 worker processes fetch."""
    app = big["client"].application
    clients = [app.test_client() for _ in range(LOAD_CLIENTS)]
    for c in clients:
        assert login(c).status_code == 302

    def getter(client):
        def get(url: str) -> tuple[int, bytes]:
            response = client.get(url)
            return response.status_code, response.data
        return get

    urls = [url.format(phone=big["phone"]) for _, url in CASES]
    for url in urls:  # warm, as `timed` is: run alone, the first clicks would time the template compiles
        assert clients[0].get(url).status_code == 200
    started_load = os.getloadavg()[0]
    result = run_load(big["data_dir"], [getter(c) for c in clients], urls, LOAD_SECONDS)
    print(f"\nload average {started_load:.2f} -> {os.getloadavg()[0]:.2f}")
    label = f"{big['size'] // 1000}k · 10 客户端 + 2 抓单进程"
    report(f"{label} p95 (ms, 负载 {os.getloadavg()[0]:.1f})", p95(result.samples), LOAD_TARGET_MS, target=1)
    report(f"{label} CPU ms/请求 mean vs p95", statistics.mean(result.cpu), p95(result.cpu))
    report(f"{label} 5xx / 请求", result.server_errors, len(result.statuses), unit="  ")
    report(f"{label} 抓单批次 / 出错", sum(f["batches"] for f in result.fetched),
           max(1, sum(f["errors"] for f in result.fetched)), unit="  ")
    assert result.clean(), result.fetched
    assert p95(result.samples) <= LOAD_TARGET_MS
