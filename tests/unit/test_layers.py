"""The import rules of DESIGN.md, checked on the source: a layer that reaches upwards fails here."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module `path` imports (relative imports resolved)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    here = list(parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_the_sandbox_imports_nothing_of_the_app():
    leaks = {str(p.relative_to(ROOT)): sorted(m for m in imports_of(p)
                                              if m == "dropship" or m.startswith("dropship."))
             for p in modules("platform_sandbox")}
    assert {k: v for k, v in leaks.items() if v} == {}


def test_only_demo_mode_imports_the_sandbox():
    # the test fixtures import it too; they live outside the package
    users = {str(p.relative_to(ROOT)) for p in modules("dropship")
             if any(m.split(".")[0] == "platform_sandbox" for m in imports_of(p))}
    assert users <= {"dropship/demo.py"}


def test_the_checker_sees_relative_and_absolute_imports():
    # a guard for the guard: both spellings of a forbidden import are caught
    fake = ROOT / "platform_sandbox" / "__layers_probe__.py"
    fake.write_text("from dropship import models\nimport dropship.db\n", encoding="utf-8")
    try:
        found = imports_of(fake)
    finally:
        fake.unlink()
    assert {"dropship", "dropship.models", "dropship.db"} <= found


# -- the layers of DESIGN.md: dependencies point downwards only ---------------------------------

def _forbidden(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


LAYER_RULES = {
    # layer: (forbidden prefixes, allowed exceptions)
    "dropship/services": (("flask", "huey", "playwright", "waitress", "subprocess", "dropship.web",
                           "dropship.tasks", "dropship.queue", "dropship.platforms"),
                          ("dropship.platforms.base",)),
    "dropship/platforms": (("flask", "huey", "dropship.models", "dropship.db", "dropship.services",
                            "dropship.web", "dropship.tasks", "dropship.queue"), ()),
    "dropship/web": (("playwright", "subprocess", "dropship.tasks", "dropship.platforms"),
                     ("dropship.platforms.verification",)),
    "dropship/models": (("flask", "huey", "playwright", "dropship.services", "dropship.web",
                            "dropship.tasks", "dropship.platforms", "dropship.queue"), ()),
}


def test_each_layer_imports_only_downwards():
    broken = {}
    for layer, (forbidden, allowed) in LAYER_RULES.items():
        paths = modules(layer)
        for path in paths:
            bad = sorted(m for m in imports_of(path)
                         if _forbidden(m, forbidden) and not _forbidden(m, allowed))
            if bad:
                broken[str(path.relative_to(ROOT))] = bad
    assert broken == {}
