"""A stand-in for PyInstaller's ``dist/bianmin-station``: placeholder files in the
layout bianmin-station.spec produces, so that bianmin-station.nsi can be compiled
where the Windows build cannot run (tests/test_windows_installer.py does that).

    python installer/windows/stand_in_dist.py DIR
    makensis -WX -DVERSION=0.1.0 -DDIST=DIR installer/windows/bianmin-station.nsi
"""

from __future__ import annotations

import sys
from pathlib import Path

PLACEHOLDERS = (
    "station.exe",
    "bianmin-station-gui.exe",
    "_internal/python311.dll",
    "_internal/base_library.zip",
    "_internal/LICENSE",
    "_internal/fonts/wqy-microhei.ttc",
    "_internal/fonts/copyright",
    "_internal/station/locale/en/station.po",
    "_internal/forms/data/450981-MZ-001.toml",
    "_internal/sync/hub/openapi.json",
)


def make(folder: Path) -> list[Path]:
    """Write the placeholders under ``folder``; their paths."""
    made = []
    for name in PLACEHOLDERS:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"stand-in for {name}\n", encoding="utf-8")
        made.append(path)
    return made


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python installer/windows/stand_in_dist.py DIR")
    make(Path(sys.argv[1]))
