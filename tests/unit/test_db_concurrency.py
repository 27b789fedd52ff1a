"""Two writers on one SQLite file (two worker processes, or a job and the heartbeat thread)."""
import threading

from dropship.db import init_db


def test_a_transaction_that_reads_then_writes_survives_another_writer(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    ours = init_db(url)
    ours.execute_sql("create table t (a integer)")
    theirs = init_db(url)  # another connection, as another process has
    theirs.connect()
    with ours.atomic():
        ours.execute_sql("select count(*) from t").fetchone()
        writer = threading.Thread(target=lambda: theirs.execute_sql("insert into t values (2)"))
        writer.start()
        writer.join(0.3)  # it waits for our transaction (before: it wrote now and ours then failed)
        ours.execute_sql("insert into t values (1)")
    writer.join(10)
    assert not writer.is_alive()
    assert [a for (a,) in ours.execute_sql("select a from t order by rowid")] == [1, 2]
    theirs.close()
    ours.close()
