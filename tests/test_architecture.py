"""The architecture's contracts (pyproject.toml's [tool.importlinter], drawn in
docs/architecture.md) hold, and each one fails when a forbidden import is added.

The code is copied to a scratch folder, one import that breaks one contract is added,
and `lint-imports` runs on the copy: it must name that contract as broken.
"""

from __future__ import annotations

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
