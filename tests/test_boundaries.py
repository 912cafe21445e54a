"""Package boundaries (DESIGN.md §2): the core imports no UI toolkit and no HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_AND_HTTP = {"tkinter", "ttkbootstrap", "requests", "http", "urllib3", "flask", "falcon",
               "waitress"}
RULES = {
    "station": UI_AND_HTTP,
    "keys": UI_AND_HTTP | {"station", "forms", "sync", "peewee", "sqlite3"},
    "forms": UI_AND_HTTP | {"station", "keys", "sync", "peewee", "sqlite3"},
}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_packages_import_only_what_they_may() -> None:
    problems = []
    for package, forbidden in RULES.items():
        for path in (ROOT / package).rglob("*.py"):
            if "ui" in path.relative_to(ROOT / package).parts:
                continue  # the desktop UI (station/ui/) may use Tk
            bad = imported_roots(path) & forbidden
            if bad:
                problems.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert problems == []
