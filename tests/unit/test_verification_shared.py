"""验证中心 across processes: the hub over the database store, as a web process and a worker see it."""
import time

from dropship.coordination import SILENT_SECONDS, DatabaseStore
from dropship.db import db
from dropship.models import ParkedView
from dropship.platforms.verification import Hub


def test_the_web_process_sees_and_drives_a_page_a_worker_parked(app):
    worker, web = Hub(DatabaseStore("pc-b-1")), Hub(DatabaseStore("web-1"))
    with db.connection_context():
        item = worker.open("slider", "店铺 A", "shop-1", timeout=60)
        item.frame, item.frame_no, item.width, item.height = b"\xff\xd8jpeg", 1, 1280, 800
        worker.publish(item)
        seen = web.get(item.id)
        assert (seen.frame, seen.width, seen.kind, seen.state) == (b"\xff\xd8jpeg", 1280, "slider", "waiting")
        assert [v.id for v in web.waiting()] == [item.id]

        assert web.send(item.id, {"type": "click", "x": 5, "y": 6})
        assert web.skip(item.id)
        assert worker.take(item, 0.5) == {"type": "click", "x": 5.0, "y": 6.0}
        assert worker.take(item, 0.5) == {"type": "skip"} and worker.take(item, 0) is None

        worker.close(item, "skipped")
        assert web.get(item.id).state == "skipped" and web.waiting() == []
        assert not web.send(item.id, {"type": "click", "x": 1, "y": 1})  # ended: input refused


def test_a_page_whose_worker_went_silent_no_longer_waits(app):
    worker, web = Hub(DatabaseStore("pc-a-1")), Hub(DatabaseStore("web-1"))
    with db.connection_context():
        item = worker.open("slider", "店铺 A", "shop-1", timeout=600)
        ParkedView.update(seen_at=time.time() - SILENT_SECONDS - 1).execute()  # its worker was killed
        assert web.waiting() == [] and web.get(item.id).state == "expired"


def test_a_stopping_worker_forgets_only_its_own_pages(app):
    a, b = Hub(DatabaseStore("pc-a-1")), Hub(DatabaseStore("pc-b-1"))
    with db.connection_context():
        a.open("backend", "店铺 A", "shop-1", timeout=60, state="open", job_id=3)
        kept = b.open("backend", "店铺 B", "shop-2", timeout=60, state="open", job_id=4)
        a.forget_all()
        assert a.for_job(3) is None and b.for_job(4).id == kept.id



def test_one_process_on_sqlite_keeps_its_pages_in_memory_a_split_one_shares_them(app, tmp_path):
    """The desktop app (web + workers in one process, SQLite) never writes a frame to the database;
    a `--web-only` or `--worker` process must, or its partner would show an empty 验证中心."""
    from dropship import configure_channel
    from dropship.config import load_settings
    from dropship.platforms.verification import HUB, MemoryStore

    settings = load_settings(data_dir=tmp_path / "data", env={})  # not testing: a real queue runs
    try:
        configure_channel(settings)
        assert isinstance(HUB.store, MemoryStore)
        configure_channel(settings, together=False)
        assert isinstance(HUB.store, DatabaseStore)
    finally:
        HUB.use(MemoryStore())
