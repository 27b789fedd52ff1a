"""How the user first sees the app: the default browser (the usual start) or the pywebview window (`--window`)."""
from __future__ import annotations

import threading
import webbrowser
from pathlib import Path


def open_browser(url: str) -> None:
    """Open the login page in the default browser, like the desktop client a seller double-clicks.

    In a thread: on some systems `webbrowser.open` waits for the browser it starts. Where no browser
    can be found it does nothing; the banner printed the address to open by hand.
    """
    threading.Thread(target=webbrowser.open, args=(f"{url}/login",), name="open-browser", daemon=True).start()


def run_window(url: str, data_dir: Path) -> None:
    """Open the app in a desktop window on the main thread; return when the user closes it."""
    try:
        import webview
    except ImportError as exc:
        raise SystemExit("--window 需要 pywebview：pip install 'dropship-desk[window]'") from exc
    webview.create_window("代发工作台", url, width=1366, height=768, min_size=(1100, 640))
    # A fixed storage path and private_mode=False keep the login cookie between runs.
    webview.start(private_mode=False, storage_path=str((data_dir / "webview").resolve()))
