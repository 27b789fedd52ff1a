"""Build the product wheel from a copy of the sources and install it into a fresh venv (shared by the
`make test` check and the full-install benchmark)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the build reads; copying them proves nothing else in the checkout is needed.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "dropship", "platform_sandbox", "templates", "static")


def build_wheel(out: Path) -> Path:
    """`pip wheel` over a copy of the sources (without build isolation: the dev venv has setuptools)."""
    src = out / "src"
    src.mkdir(parents=True)
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(out / "dist"), str(src)], check=True, cwd=out)
    return next((out / "dist").glob("dropship_desk-*.whl"))


def fresh_venv(path: Path) -> Path:
    """A venv of its own (no pip in it: the dev venv's pip installs into it); returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def pip_into(python: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), *args], check=True)


def lend_dev_dependencies(python: Path) -> None:
    """Make the dev venv's installed packages importable in `python`'s venv, behind its own.

    A plain path line in a .pth file adds the directory without running the .pth files inside it,
    so the dev venv's editable hook (which points at the checkout) stays out: only the wheel provides
    `dropship`. Saves downloading ~60 MB of dependencies on every test run.
    """
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    (Path(purelib) / "dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a user's session: no checkout on the path, no project settings, own home."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DROPSHIP_", "PYTHON", "XDG_", "VIRTUAL_ENV"))}
    return {**env, "HOME": str(home), "PYTHONUNBUFFERED": "1", "PYTHONNOUSERSITE": "1"}
