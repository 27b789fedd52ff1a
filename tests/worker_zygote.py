"""Start tests/crash_worker.py processes as forks of one process that has already imported the app.

The kill tests start a worker some 26 times; each fresh `python -m tests.crash_worker` spent about 2 s
of CPU importing dropship, Huey and Playwright before doing anything. The zygote
(`python -m tests.worker_zygote`, one per test process, started at the first spawn) imports them once;
each worker is then an `os.fork` of it that calls `setsid` (its own process group, so a SIGKILL to the
group still takes its Chromium, as in a crash) and runs crash_worker's main with its arguments. The
zygote stays single-threaded, with no event loop and no database connection: only then is a fork safe.

Protocol over the zygote's stdin/stdout, one JSON object a line: the test sends {"args", "log", "env"};
the zygote answers {"pid"} once the child is its own session with its log open, and {"exit": pid, "code"} when a child
ends (negative: killed by that signal, as `subprocess.Popen.returncode`).
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import random
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ForkedWorker:
    """The part of `subprocess.Popen` the crash tests use, for a process the zygote forked."""

    def __init__(self, zygote: Zygote, pid: int) -> None:
        self._zygote, self.pid = zygote, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self._zygote.wait_exit(self.pid, timeout)
        return self.returncode


class Zygote:
    def __init__(self) -> None:
        self._proc = subprocess.Popen([sys.executable, "-m", "tests.worker_zygote"], cwd=ROOT, text=True,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1)
        self._exits: dict[int, int] = {}
        self._started: list[int] = []
        self._changed = threading.Condition()
        self._spawning = threading.Lock()  # one request at a time: answers come back in order
        threading.Thread(target=self._read, name="zygote-reader", daemon=True).start()
        atexit.register(self.close)

    def close(self) -> None:
        """End the zygote with the test process (its stdin closes), reaped: its CPU counts in `time`."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=10)

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            message = json.loads(line)
            with self._changed:
                if "exit" in message:
                    self._exits[message["exit"]] = message["code"]
                else:
                    self._started.append(message["pid"])
                self._changed.notify_all()
        with self._changed:  # the zygote is gone: nobody will report
            self._started.append(0)
            self._changed.notify_all()

    def alive(self) -> bool:
        return self._proc.poll() is None

    def spawn(self, args: list[str], log: Path) -> ForkedWorker:
        assert self._proc.stdin is not None
        with self._spawning:
            self._proc.stdin.write(json.dumps({"args": args, "log": str(log), "env": dict(os.environ)}) + "\n")
            self._proc.stdin.flush()
            with self._changed:
                if not self._changed.wait_for(lambda: self._started, timeout=60):
                    raise TimeoutError("the worker zygote did not fork")
                pid = self._started.pop(0)
        if not pid:
            raise RuntimeError("the worker zygote exited")
        return ForkedWorker(self, pid)

    def exit_code(self, pid: int) -> int | None:
        with self._changed:
            return self._exits.get(pid)

    def wait_exit(self, pid: int, timeout: float | None) -> int:
        with self._changed:
            if not self._changed.wait_for(lambda: pid in self._exits, timeout=timeout):
                raise subprocess.TimeoutExpired(f"worker {pid}", timeout or 0)
            return self._exits[pid]


_zygote: Zygote | None = None
_zygote_lock = threading.Lock()


def spawn_worker(args: list[str], log: Path) -> ForkedWorker:
    """A crash_worker process with these command-line arguments, its output in `log`."""
    global _zygote
    with _zygote_lock:
        if _zygote is None or not _zygote.alive():
            _zygote = Zygote()
        zygote = _zygote
    return zygote.spawn(args, log)


# ---- the zygote process ----

def _child(request: dict, ready: int) -> None:
    """In the fork: become a session of its own, take the test's environment and output, run the worker."""
    os.setsid()
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.close(null)
    os.write(ready, b"x")  # as after Popen: its group exists, its log file too
    os.close(ready)
    os.environ.clear()
    os.environ.update(request["env"])
    random.seed()  # each fork would otherwise draw the zygote's numbers
    from dropship import queue

    # its name carries the pid: recovery tells a dead worker by it and by the lock file it names
    queue.WORKER_ID = queue.new_worker_id()
    sys.argv = ["tests.crash_worker", *request["args"]]
    code = 0
    try:
        from tests.crash_worker import main

        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _report(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _reap(live: set[int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return
        live.discard(pid)
        _report({"exit": pid, "code": os.waitstatus_to_exitcode(status)})


def _kill_left(live: set[int]) -> None:
    """The test process ended with workers running (a test failed between spawn and kill): they would
    run on, holding their data dir and Chromium, so they go as a crash would."""
    for pid in live:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def serve() -> None:
    # What every worker imports, imported once here; none of it may start a thread or open a connection.
    import playwright.sync_api  # noqa: F401

    import dropship.runtime  # noqa: F401
    import dropship.tasks  # noqa: F401
    import tests.crash_worker  # noqa: F401
    import tests.sandbox_buyer  # noqa: F401

    assert threading.active_count() == 1, [t.name for t in threading.enumerate()]  # fork would copy a thread's locks
    stdin = sys.stdin.buffer
    pending = b""
    live: set[int] = set()
    while True:
        readable, _, _ = select.select([stdin], [], [], 0.05)
        _reap(live)
        if not readable:
            continue
        chunk = os.read(stdin.fileno(), 65536)
        if not chunk:
            _kill_left(live)  # the test process closed its end: it has ended
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            ready_read, ready_write = os.pipe()
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                os.close(ready_read)
                _child(request, ready_write)
            os.close(ready_write)
            os.read(ready_read, 1)  # its own process group exists: a killpg of its pid now reaches it
            os.close(ready_read)
            live.add(pid)
            _report({"pid": pid})


if __name__ == "__main__":
    serve()
