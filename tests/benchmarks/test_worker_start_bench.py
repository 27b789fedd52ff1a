"""What a crash-worker start costs: a fresh `python -m tests.crash_worker` (each start imports the app)
against a fork of tests/worker_zygote.py (imported once). CPU is the figure (a loaded machine inflates wall
times): the fresh process's as the test reaps it, the forks' as the zygote reaps them (/proc cutime+cstime)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests import worker_zygote
from tests.crash_worker import kill_hard, spawn
from tests.helpers import make_app

STARTS = 5


def _started(log: Path) -> None:
    deadline = time.monotonic() + 120
    while "worker started" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.02)


def _fresh_start(data_dir: Path, log: Path) -> None:
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.crash_worker", str(data_dir), "--workers", "1"],
                                cwd=worker_zygote.ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _started(log)
    finally:
        kill_hard(proc)


def _zygote_cpu() -> float:
    assert worker_zygote._zygote is not None
    fields = Path(f"/proc/{worker_zygote._zygote._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[13:15]) / os.sysconf("SC_CLK_TCK")  # cutime + cstime: reaped forks


def test_a_forked_worker_starts_for_a_fraction_of_a_fresh_ones_cpu(tmp_path, report):
    data_dir = tmp_path / "data"
    make_app(data_dir)
    before = os.times()
    for n in range(STARTS):
        _fresh_start(data_dir, tmp_path / f"fresh-{n}.log")
    after = os.times()
    fresh = (after.children_user + after.children_system - before.children_user - before.children_system) / STARTS

    kill_hard(spawn(data_dir, "--workers", "1"))  # the zygote's own import is paid once, by the first start
    reaped = _zygote_cpu()
    for _ in range(STARTS):
        logs = set(tmp_path.glob("worker-*.log"))
        worker = spawn(data_dir, "--workers", "1")
        [log] = set(tmp_path.glob("worker-*.log")) - logs
        try:
            _started(log)
            assert os.getpgid(worker.pid) == worker.pid  # its own group: the SIGKILL to it takes its Chromium
            assert any(f"-{worker.pid}-" in lock.name for lock in (data_dir / "workers").glob("*.lock"))
        finally:
            kill_hard(worker)
        assert worker.returncode == -9
    forked = (_zygote_cpu() - reaped) / STARTS
    print(f"\nworker start CPU: fresh process {fresh:.2f} s, zygote fork {forked:.2f} s "
          f"(load {os.getloadavg()[0]:.1f})")
    report("crash worker start CPU: fork vs fresh process", forked, fresh, unit="s", target=0.5)
