"""Structure rules beyond the layer test: private names stay in their module, services reach no driver,
drivers and services share domain data through the neutral modules, and every order rule has one home."""
from __future__ import annotations

import ast

from tests.unit.test_layers import ROOT, imports_of, modules

NEUTRAL = {"dropship.errors", "dropship.couriers", "dropship.memo_size", "dropship.browser_paths", "dropship.file_lock",
           "dropship.safe_urls", "dropship.request_budget"}  # importable by every layer


PEEWEE_API = {"_meta"}  # peewee's model metadata: underscored, but its documented interface


def _private_imports(path) -> list[str]:
    """Private names of another `dropship` module that `path` imports or reaches through an imported name."""
    own = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, bound = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dropship") and node.module != own:
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
            bound |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("dropship")}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
                and node.attr.startswith("_") and not node.attr.startswith("__") and node.attr not in PEEWEE_API):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_module_imports_another_modules_private_names():
    leaks = {str(p.relative_to(ROOT)): _private_imports(p) for p in modules("dropship") + modules("tests")}
    assert {k: v for k, v in leaks.items() if v} == {}


def test_services_import_no_driver_and_no_web_machinery():
    allowed_platforms = {"dropship.platforms.base"}
    bad = {}
    for path in modules("dropship/services"):
        names = {m for m in imports_of(path) if m.split(".")[0] in {"flask", "huey", "playwright", "jinja2_fragments"}
                 or (m.startswith("dropship.platforms") and not any(m.startswith(a) for a in allowed_platforms))
                 or m.startswith(("dropship.web", "dropship.tasks", "dropship.queue"))}
        if names:
            bad[str(path.relative_to(ROOT))] = sorted(names)
    assert bad == {}


def test_drivers_import_only_platforms_and_the_neutral_modules():
    bad = {}
    for path in modules("dropship/platforms"):
        ours = {m for m in imports_of(path) if m.startswith("dropship.")}
        wrong = {m for m in ours if not m.startswith("dropship.platforms")
                 and not any(m == n or m.startswith(n + ".") for n in NEUTRAL)}
        if wrong:
            bad[str(path.relative_to(ROOT))] = sorted(wrong)
    assert bad == {}


def test_the_neutral_modules_import_nothing_of_ours():
    for name in NEUTRAL:
        path = ROOT / (name.replace(".", "/") + ".py")
        assert not {m for m in imports_of(path) if m.startswith("dropship")}, name


def test_the_memo_size_and_open_statuses_have_one_home():
    # the byte count and the open statuses are spelled once; everyone else imports them
    spelled = {"gb18030": [], '"paid", "partly_shipped"': []}
    for path in modules("dropship"):
        text = path.read_text(encoding="utf-8")
        for needle, where in spelled.items():
            if needle in text:
                where.append(str(path.relative_to(ROOT)))
    assert spelled == {"gb18030": ["dropship/memo_size.py"],
                       '"paid", "partly_shipped"': ["dropship/services/orders/labels.py"]}
