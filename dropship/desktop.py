"""The pywebview window around the same local server (`python app.py --window`)."""
from __future__ import annotations

from pathlib import Path


def run_window(url: str, data_dir: Path) -> None:
    """Open the app in a desktop window on the main thread; return when the user closes it."""
    try:
        import webview
    except ImportError as exc:
        raise SystemExit("--window 需要 pywebview：pip install 'dropship-desk[window]'") from exc
    webview.create_window("代发工作台", url, width=1366, height=768, min_size=(1100, 640))
    # A fixed storage path and private_mode=False keep the login cookie between runs.
    webview.start(private_mode=False, storage_path=str((data_dir / "webview").resolve()))
