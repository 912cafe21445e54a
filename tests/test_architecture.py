"""The architecture's contracts (pyproject.toml's [tool.importlinter], drawn in
docs/architecture.md) hold, and each one fails when a forbidden import is added.

The code is copied to a scratch folder, one import that breaks one contract is added,
and `lint-imports` runs on the copy: it must name that contract as broken.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("station", "sync", "keys", "forms")

# contract id -> (file to change, the import that breaks the contract)
VIOLATIONS = {
    "forms-leaf": ("forms/schema.py", "import station.errors"),
    "keys-leaf": ("keys/recovery.py", "import sync.errors"),
    "sync-core-pure": ("sync/hlc.py", "import requests"),
    "tk-only-in-ui": ("station/filing/media.py", "import tkinter"),
    "ui-through-services": ("station/ui/opener.py", "from station.store import models"),
    "http-only-in-sync": ("station/network/link.py", "import requests"),
    "station-floors": ("station/filing/pages.py", "from station.casework import review"),
    "sync-floors": ("sync/client.py", "import sync.hub.models"),
    "no-cycles": ("keys/ca.py", "import keys.revocation"),
}


def lint_imports() -> str:
    tool = Path(sys.executable).with_name("lint-imports")
    assert tool.exists(), "lint-imports is missing: install the test extras (import-linter)"
    return str(tool)


def run(folder: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    args = [lint_imports(), "--no-cache", "--no-logo"]
    for contract in contracts:
        args += ["--contract", contract]
    return subprocess.run(args, cwd=folder, capture_output=True, text=True, timeout=300,
                          check=False)


def test_every_contract_is_tested() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    ids = {c["id"] for c in config["tool"]["importlinter"]["contracts"]}
    assert ids == set(VIOLATIONS)


def test_the_code_keeps_every_contract() -> None:
    done = run(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(VIOLATIONS)} kept, 0 broken" in done.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("architecture")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, folder / package,
                        ignore=shutil.ignore_patterns("__pycache__", "data", "locale"))
    shutil.copyfile(ROOT / "pyproject.toml", folder / "pyproject.toml")
    return folder


@pytest.mark.parametrize("contract", sorted(VIOLATIONS))
def test_a_forbidden_import_breaks_its_contract(copy: Path, contract: str) -> None:
    relative, statement = VIOLATIONS[contract]
    path = copy / relative
    original = path.read_text(encoding="utf-8")
    assert statement not in original
    head, _sep, rest = original.partition("from __future__ import annotations\n")
    path.write_text(f"{head}from __future__ import annotations\n{statement}\n{rest}",
                    encoding="utf-8")
    try:
        done = run(copy, contract)
    finally:
        path.write_text(original, encoding="utf-8")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "0 kept, 1 broken" in done.stdout, done.stdout + done.stderr


def station_packages() -> list[str]:
    return sorted(p.name for p in (ROOT / "station").iterdir() if (p / "__init__.py").exists())


def test_the_architecture_page_matches_the_code() -> None:
    """Every package and root module is on docs/architecture.md and on a floor of the
    station-floors contract; the root stays small; each package says what it owns."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    floors = next(c for c in config["tool"]["importlinter"]["contracts"]
                  if c["id"] == "station-floors")["layers"]
    on_floors = {name.strip() for layer in floors for name in layer.replace("|", ":").split(":")}
    for package in station_packages():
        assert f"station.{package}" in doc, f"station.{package} is not on the page"
        docstring = ast.get_docstring(ast.parse(
            (ROOT / "station" / package / "__init__.py").read_text(encoding="utf-8")))
        assert docstring and len(docstring) > 80, f"station/{package}/__init__.py: say what it owns"
    root = sorted(p.stem for p in (ROOT / "station").glob("*.py") if p.stem != "__init__")
    assert len(root) <= 12, root
    for module in root:
        assert re.search(rf"\b{module}\b", doc), f"station/{module}.py is not on the page"
    expected = {f"station.{p}" for p in station_packages()} | {f"station.{m}" for m in root}
    assert on_floors == expected, on_floors ^ expected
