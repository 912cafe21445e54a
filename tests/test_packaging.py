"""pyproject.toml builds the way pip builds it, without a deprecation warning.

A copy of the source tree (no virtual environment, no caches, no earlier build) is
built into a wheel by pip in an isolated build environment, so the build backend is
the one pyproject's [build-system] asks the package registry for, as on a clean
machine.  pip runs verbose so the backend's own warnings reach the output.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", ".hypothesis", "*.pyc",
)
WARNINGS = ("deprecat", "setuptoolsdeprecationwarning")


def test_wheel_builds_without_deprecation_warnings(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    wheels = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-v",
         "--wheel-dir", str(wheels), str(source)],
        capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    warned = [line for line in output.splitlines()
              if any(word in line.lower() for word in WARNINGS)]
    assert warned == [], "\n".join(warned)

    (wheel,) = wheels.glob("bianmin_station-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode("utf-8")
    assert "License-Expression: Apache-2.0" in text
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
