"""Build step of the wheel: templates/ and static/ (vendored htmx and echarts included) go inside the
`dropship` package, so an installed app finds them without a checkout (see dropship.web_folders).

They stay at the repository's top level in the source tree, where every feature edits them; copying
at build time keeps that layout and still ships one self-contained wheel. `make wheel` runs the
npm step first: a seller's PC never needs Node.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
WEB_FOLDERS = ("templates", "static")
VENDORED = ("static/vendor/htmx.min.js", "static/vendor/echarts.min.js")


class BuildWithWebAssets(build_py):
    def run(self) -> None:
        if getattr(self, "editable_mode", False):  # `pip install -e .`: the checkout's own folders are used
            super().run()
            return
        missing = [name for name in VENDORED if not (HERE / name).is_file()]
        if missing:
            raise SystemExit(f"{', '.join(missing)} missing: build the wheel with `make wheel` (npm ci vendors them)")
        super().run()
        for folder in WEB_FOLDERS:
            target = Path(self.build_lib) / "dropship" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / folder, target, ignore=shutil.ignore_patterns(".installed", "__pycache__"))


setup(cmdclass={"build_py": BuildWithWebAssets})
