"""The run order of test files (tests/heavy_files.py): the longest first, each file's tests together."""
from __future__ import annotations

from pathlib import Path

from tests.heavy_files import HEAVY_FILES, heavy_first

ROOT = Path(__file__).resolve().parents[2]


def test_known_heavy_files_go_first_longest_first_and_the_rest_keep_their_order():
    paths = ["a.py", "a.py", "slow.py", "b.py", "slowest.py", "slowest.py", "c.py"]
    order = [paths[n] for n in heavy_first(paths, {"slow.py": 50, "slowest.py": 100})]
    assert order == ["slowest.py", "slowest.py", "slow.py", "a.py", "a.py", "b.py", "c.py"]
    assert heavy_first(paths, {"slowest.py": 100})[:2] == [4, 5]  # a file's tests in their own order


def test_every_listed_file_exists():
    """A renamed heavy file would silently lose its early start."""
    assert [path for path in HEAVY_FILES if not (ROOT / path).is_file()] == []
