"""Process lifecycle: waitress + an in-process Huey consumer, graceful stop, worker-only / web-only / window.

Huey's Consumer installs signal handlers, which only works on the main thread, so it runs in a
thread with those handlers disabled and this module handles SIGINT/SIGTERM itself. The main
thread waits for a stop request (or runs the pywebview window); waitress serves from its own thread.
"""
from __future__ import annotations

import argparse
import errno
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from huey.consumer import Consumer

from dropship import configure_channel, create_app, init_backend, restore
from dropship.config import ConfigError, Settings, default_data_dir, load_settings
from dropship.services.backup import MAX_UPLOAD, BackupError, sweep_work_folders

log = logging.getLogger("dropship")
STOP_TIMEOUT = 8.0  # seconds a running task gets to finish or hand its job back


# waitress reads a whole body before the app sees it and answers a larger one itself, in English; above
# the 上传备份 limit the app refuses it in Chinese (settings._upload_limit), up to twice that size.
BODY_LIMIT = 2 * MAX_UPLOAD


class InProcessConsumer(Consumer):
    """A consumer that may live in a thread: the process owns the signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="代发工作台：本地网页版代发管理软件")
    parser.add_argument("--host", help="监听地址（默认 127.0.0.1；0.0.0.0 让局域网访问）")
    parser.add_argument("--port", type=int, help="监听端口（默认 8765）")
    parser.add_argument("--data-dir", help="运行数据目录（默认：源码目录中为 data/，安装版为用户应用数据目录；演示模式在其下的 demo/）")
    parser.add_argument("--window", action="store_true", help="在桌面窗口中打开（pywebview），关闭窗口即退出")
    parser.add_argument("--no-browser", action="store_true", help="启动后不自动打开浏览器")
    parser.add_argument("--demo", action="store_true", help="演示模式：启动沙箱平台和演示数据（独立数据目录）")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--worker", action="store_true", help="只运行后台任务队列，不提供网页")
    mode.add_argument("--web-only", action="store_true", help="只提供网页，不运行后台任务")
    parser.add_argument("--print-config", action="store_true", help="打印生效的设置后退出")
    parser.add_argument("--restore", metavar="备份文件", help="先停止正在运行的程序，再用它把数据目录恢复为该备份（设置 › 数据备份）后退出")
    return parser.parse_args(argv)


def lan_addresses() -> list[str]:
    """Best-effort IPv4 addresses other PCs could use (no traffic is sent)."""
    found = set()
    # No route or no resolver simply means fewer addresses to print.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe, suppress(OSError):
        probe.connect(("10.255.255.255", 1))
        found.add(probe.getsockname()[0])
    with suppress(OSError):
        found.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    return sorted(a for a in found if not a.startswith("127."))


class Runtime:
    """Owns the server thread, the consumer thread and the order in which they stop."""

    def __init__(self, settings: Settings, web: bool = True, worker: bool = True) -> None:
        self.settings = settings
        self.web, self.worker = web, worker
        self.stop_requested = threading.Event()
        self._beat_stop = threading.Event()
        self._web_closed = threading.Event()
        self.server = None
        self.front = None  # dropship.tls.TlsFront when HTTPS is on
        self.certificate: Path | None = None
        self.setup_code = ""  # LAN mode, fresh install: the one-time code the first registration needs
        self.consumer: InProcessConsumer | None = None
        self._threads: list[threading.Thread] = []
        self.on_started: list[Callable[[Runtime], None]] = []
        self.on_stopped: list[Callable[[Runtime], None]] = []

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "::") else self.settings.host
        return f"http://{host}:{self.port}"

    @property
    def port(self) -> int:
        if self.front is not None:
            return self.front.port
        return self.server.effective_port if self.server is not None else self.settings.port

    def _start_web(self) -> None:
        from waitress import create_server

        app = create_app(self.settings)
        s = self.settings
        if not s.use_https:
            self.server = create_server(app, host=s.host, port=s.port, threads=s.web_threads, ident="dropship",
                                        max_request_body_size=BODY_LIMIT)
            self._spawn(self._serve_web, "web")
        else:
            from dropship import tls

            cert, key = tls.ensure_certificate(s.data_dir, lan_addresses())
            self.certificate = cert
            # waitress serves the front only, on an ephemeral loopback port (see dropship.tls)
            self.server = create_server(app, host="127.0.0.1", port=0, threads=s.web_threads, ident="dropship",
                                        max_request_body_size=BODY_LIMIT)
            self.front = tls.TlsFront(s.host, s.port, self.server.effective_port, tls.server_context(cert, key))
            self.server.application = tls.RealClient(app, self.front)
            self._spawn(self._serve_web, "web")
            self._spawn(self.front.serve_forever, "tls-front")
        if s.lan:
            from dropship.db import db
            from dropship.services import auth

            with db.connection_context():
                if auth.needs_registration():
                    self.setup_code = auth.issue_setup_code()

    def start(self) -> None:
        from dropship.queue import recover_jobs, stopping

        stopping.clear()
        self._beat_stop.clear()
        self._web_closed.clear()
        if self.web:
            self._start_web()
        else:
            init_backend(self.settings)
        if not (self.web and self.worker):
            configure_channel(self.settings, together=False)
        if self.worker:
            from dropship.db import db
            from dropship.queue import begin_worker

            with db.connection_context():
                begin_worker()  # before recovery: our own lock must not look like a dead worker's
                recover_jobs()
            self._spawn(self._beat, "heartbeat")
            self._start_consumer()
        restore.attach(self)
        sweep_work_folders(self.settings.data_dir)  # what a crash mid-upload or mid-restore left
        for hook in self.on_started:
            hook(self)

    def _start_consumer(self) -> None:
        from dropship.queue import huey, limit_running

        limit_running(self.settings.workers)
        self.consumer = InProcessConsumer(huey, workers=self.settings.workers, worker_type="thread",
                                          initial_delay=0.1, backoff=1.15, max_delay=1.0,
                                          shutdown_timeout=STOP_TIMEOUT)
        self._spawn(self.consumer.run, "consumer")

    def pause_worker(self) -> None:
        """恢复备份: take no more jobs; running ones finish or hand back at their next checkpoint, and the
        worker threads close their browsers as they end."""
        from dropship.queue import ACCOUNTS, stopping

        if not self.worker:
            raise BackupError("本程序只提供网页（--web-only），任务在其他进程中运行：请停止所有进程后用 --restore 恢复")
        stopping.set()
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
        ACCOUNTS.join(STOP_TIMEOUT)  # they close the browsers they kept
        from dropship.platforms.verification import HUB

        HUB.forget_all()  # parked pages belonged to the jobs just stopped

    def resume_worker(self) -> None:
        from dropship.db import db
        from dropship.queue import recover_jobs, stopping

        stopping.clear()
        with db.connection_context():
            recover_jobs()
        self._start_consumer()

    def _serve_web(self) -> None:
        try:
            self.server.run()
        except OSError as exc:
            # stop() closes the listening socket under the loop's select(), which may then end with EBADF
            if exc.errno != errno.EBADF or not self._web_closed.is_set():
                raise

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _beat(self) -> None:
        """Keep this worker's running jobs marked alive, so no other worker takes them back."""
        from dropship.db import db
        from dropship.queue import HEARTBEAT_SECONDS, heartbeat

        while not self._beat_stop.wait(HEARTBEAT_SECONDS):
            try:
                with db.connection_context():
                    heartbeat()
            except Exception:  # a busy database this round; the next beat is well within STALE_AFTER
                log.exception("job heartbeat failed")

    def request_stop(self, *_: object) -> None:
        self.stop_requested.set()

    def stop(self) -> None:
        """Stop accepting work, let running tasks finish or hand back, then close the server."""
        from dropship.queue import ACCOUNTS, stopping

        stopping.set()
        restore.attach(None)
        if self.front is not None:
            self.front.close()
        if self.server is not None:
            self._web_closed.set()
            self.server.close()
            self.server.task_dispatcher.shutdown(timeout=5)
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
            ACCOUNTS.join(STOP_TIMEOUT)
        self._beat_stop.set()
        for thread in self._threads:
            thread.join(timeout=STOP_TIMEOUT)
        if self.worker:
            from dropship.platforms.verification import HUB
            from dropship.queue import end_worker

            end_worker()
            HUB.forget_all()
        for hook in self.on_stopped:
            hook(self)

    def wait(self) -> None:
        # Short waits keep the main thread responsive to signals on every platform.
        while not self.stop_requested.wait(0.5):
            pass


def print_banner(runtime: Runtime) -> None:
    s = runtime.settings
    lines = [f"代发工作台已启动：{runtime.url}" if runtime.web else "代发工作台任务队列已启动（--worker）",
             f"数据目录：{s.data_dir.resolve()}"]
    scheme = "https" if runtime.front is not None else "http"
    if runtime.web and s.host in ("0.0.0.0", "::"):
        for address in lan_addresses():
            lines.append(f"局域网地址：{scheme}://{address}:{runtime.port}")
        lines.append("注意：局域网内其他电脑现在可以打开登录页面，请使用强密码，并只在可信网络中开启。")
    if runtime.certificate is not None:
        from dropship.tls import fingerprint

        lines.append("局域网访问已加密（HTTPS，自签名证书）：浏览器第一次打开时会提示“不安全/证书无效”，"
                     "核对下面的证书指纹（SHA-256）一致后选择继续访问。")
        lines.append(f"证书指纹：{fingerprint(runtime.certificate)}")
    if runtime.setup_code:
        lines.append(f"安装码：{runtime.setup_code}（局域网模式下首次注册主账号时需要填写；本次启动有效，注册后作废）")
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)
    data_dir = args.data_dir or (str(default_data_dir() / "demo") if args.demo else None)
    try:
        settings = load_settings(data_dir=data_dir, host=args.host, port=args.port)
    except ConfigError as exc:
        print(f"设置有误：{exc}", file=sys.stderr)
        return 2
    if args.restore:
        try:
            safety = restore.restore_offline(Path(args.restore), settings)
        except (BackupError, OSError) as exc:
            print(f"恢复失败：{exc}", file=sys.stderr)
            return 1
        kept = f"；恢复前的数据已备份为 {safety.path.resolve()}" if safety else ""
        print(f"已恢复：{Path(args.restore).name}{kept}。启动时会自动升级数据库结构。", flush=True)
        return 0
    sandbox = None
    if args.demo and not args.print_config:
        try:
            from dropship.demo import DEMO_PACE, start_sandbox
        except ImportError as exc:  # the sandbox needs the demo extra (faker)
            print(f"演示模式需要安装 demo 组件：pip install 'dropship-desk[demo]'（源码目录中 pip install -e .[demo]）（{exc}）", file=sys.stderr)
            return 2
        sandbox = start_sandbox(settings.data_dir, settings.sandbox_port)
        settings = load_settings(data_dir=data_dir, host=args.host, port=args.port, sandbox=True,
                                 sandbox_port=sandbox.port, **DEMO_PACE)
    if args.print_config:
        for name, value, help_text in settings.describe():
            print(f"{name} = {value!r}    # {help_text}")
        return 0

    runtime = Runtime(settings, web=not args.worker, worker=not args.web_only)
    if sandbox is not None:
        from dropship.demo import attach_demo

        attach_demo(runtime, sandbox)
    signal.signal(signal.SIGINT, runtime.request_stop)
    signal.signal(signal.SIGTERM, runtime.request_stop)
    try:
        runtime.start()
    except OSError as exc:
        print(f"无法启动：{exc}（端口 {settings.port} 可能已被占用，可用 --port 换一个）", file=sys.stderr)
        return 1
    print_banner(runtime)
    if runtime.web and not args.window and not args.no_browser:
        from dropship.desktop import open_browser

        open_browser(runtime.url)
    try:
        if args.window:
            from dropship.desktop import run_window

            run_window(runtime.url, settings.data_dir)  # returns when the window closes
        else:
            runtime.wait()
    finally:
        print("正在退出…", flush=True)
        runtime.stop()
    return 0
