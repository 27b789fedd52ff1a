"""python -m platform_sandbox --port 8766 --seed 1 --data-dir /tmp/sb [--demo]"""
from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from .api import Sandbox


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m platform_sandbox", description="沙箱平台：模拟淘宝/天猫/淘特/1688/拼多多")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（局域网访问用 0.0.0.0）")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default="data/sandbox")
    parser.add_argument("--demo", action="store_true", help="首次启动时创建演示数据（3 个店铺和采购账号）")
    args = parser.parse_args()
    sandbox = Sandbox.start(seed=args.seed, port=args.port, data_dir=args.data_dir, host=args.host)
    if args.demo and not sandbox.state()["accounts"]:
        sandbox.scenario("demo")
    print(f"沙箱平台已启动：{sandbox.admin_url}  （Ctrl+C 退出）", flush=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopping.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
