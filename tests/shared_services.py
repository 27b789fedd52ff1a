"""A throwaway PostgreSQL and redis-server for the several-PCs tests, on free ports in a temp dir.

`scripts/ci-services.sh` (run by `make test`) installs them from apt; here they are only started,
each test module its own, so parallel test runs never share a database. PostgreSQL refuses to run
as root: as root the cluster is made and run as the `postgres` user (or `nobody`).
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_DIRS = [Path("/usr/lib/postgresql") / v / "bin" for v in ("17", "16", "15", "14", "13")]


def _tool(name: str) -> str | None:
    for folder in PG_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def missing(redis: bool = True, tools: tuple[str, ...] = ()) -> str:
    """Why the services (and the PostgreSQL client `tools`) cannot start here ('' when they can)."""
    absent = [n for n in ("initdb", "pg_ctl", *tools) if _tool(n) is None]
    if redis and shutil.which("redis-server") is None:
        absent.append("redis-server")
    if not absent:
        return ""
    return f"没有 {', '.join(absent)}：运行 scripts/ci-services.sh（apt 安装 postgresql、redis-server）"


def require(redis: bool = True, tools: tuple[str, ...] = ()) -> None:
    """Skip the calling test or fixture, saying why, where the services cannot start (see `missing`)."""
    why = missing(redis, tools)
    if why:
        pytest.skip(why)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen | None = None, seconds: float = 30) -> None:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"service on port {port} exited with {proc.returncode}")
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def _run_as() -> tuple[list[str], int | None]:
    """The prefix that drops root (PostgreSQL's own rule), and the uid the data dir must belong to."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], user.pw_uid
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


@contextmanager
def postgres() -> Iterator[str]:
    """A fresh cluster in a temp dir; yields its postgresql:// URL (database `dropship`)."""
    prefix, uid = _run_as()
    # Not under pytest's tmp dirs: those are root's alone (0700), where the postgres user cannot go.
    folder = Path(tempfile.mkdtemp(prefix="dropship-pg-"))
    data = folder / "pg"
    data.mkdir()
    if uid is not None:
        os.chown(folder, uid, -1)
        os.chown(data, uid, -1)
    port = free_port()
    subprocess.run([*prefix, _tool("initdb"), "-D", str(data), "-U", "dropship", "--auth=trust", "-E", "UTF8",
                    "--no-sync"], check=True, capture_output=True)
    # Tuned for a throwaway test cluster: durability off, sockets only over TCP on loopback.
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off " \
              "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
    subprocess.run([*prefix, _tool("pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "server.log"),
                    "-w", "start"], check=True, capture_output=True)
    try:
        _wait_port(port)
        subprocess.run([*prefix, _tool("createdb") or "createdb", "-h", "127.0.0.1", "-p", str(port), "-U",
                        "dropship", "dropship"], check=True, capture_output=True)
        yield f"postgresql://dropship@127.0.0.1:{port}/dropship"
    finally:
        subprocess.run([*prefix, _tool("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def redis(folder: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
