"""forms stays a leaf: no station, keys, sync, storage or UI toolkit imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FORMS = Path(__file__).resolve().parent.parent / "forms"
FORBIDDEN = {"station", "keys", "sync", "peewee", "sqlite3", "tkinter", "ttkbootstrap", "requests"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.py")), ids=lambda p: p.name)
def test_forms_imports_nothing_it_must_not(path: Path) -> None:
    assert imported_roots(path) & FORBIDDEN == set()


def test_modules_stay_small() -> None:
    for path in FORMS.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 330, path.name
