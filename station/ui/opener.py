"""Open a printed document with the system's viewer (for printing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def open_file(path: Path) -> bool:
    """Hand the file to the desktop's default application; never blocks."""
    if os.environ.get("STATION_NO_OPEN"):
        return False
    if sys.platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]
        return True
    opener = shutil.which("xdg-open") or shutil.which("open")
    if opener is None:
        return False
    subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
    return True
