"""A refresh updates only its own element: every self-refreshing element names its target.

Without hx-target an htmx request inherits the nearest ancestor's, so a status poll inside a dialog's
form (hx-target="this" on the form) replaced the whole form the user was typing in.
"""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TAG = re.compile(r"""<[a-zA-Z][\w-]*(?:[^>"']|"[^"]*"|'[^']*')*>""")


def _refreshing_tags() -> list[tuple[str, str]]:
    """(file, tag) for every element that fetches on a timer or an event rather than on a click."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in TAG.findall(path.read_text()):
            trigger = re.search(r'hx-trigger="([^"]*)"', tag)
            if trigger and re.search(r"\b(every|load)\b|from:", trigger.group(1)):
                found.append((str(path.relative_to(TEMPLATES)), " ".join(tag.split())))
    return found


def test_every_refresh_names_its_own_target():
    tags = _refreshing_tags()
    assert len(tags) >= 8  # the job, the 任务 panel, the shop table, the badges, 验证中心 …
    inheriting = [(path, tag) for path, tag in tags if "hx-target=" not in tag]
    assert inheriting == []
