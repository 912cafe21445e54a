"""Errors a person can act on: a message in the window, never a traceback.

Known errors (any package's root error) are shown with their catalogue
message.  Anything else is logged with its traceback to the station log (the
log never carries personal data: only exception types and code locations,
not values) and the person is told it was recorded.  A problem report — the
log files — can be saved for support.
"""

from __future__ import annotations

import logging
import shutil
import traceback
from pathlib import Path

from forms.errors import FormsError
from keys.errors import KeysError
from station import i18n
from station.errors import StationError
from station.i18n import _
from sync.errors import SyncError

log = logging.getLogger("station.ui")
KNOWN = (StationError, FormsError, KeysError, SyncError)


def describe(error: BaseException) -> str:
    if isinstance(error, KNOWN):
        return i18n.render(error)
    frames = traceback.extract_tb(error.__traceback__)
    where = "; ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[-6:])
    log.error("unexpected %s at %s", type(error).__name__, where)
    return _("出了意外的问题，已记入日志。可以在“设置”中保存问题报告交给技术支持。")


def save_report(logs: Path, target: Path) -> Path:
    """Copy the station's logs (no personal data) into one file for support."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        for path in sorted(logs.glob("station.log*")):
            out.write(f"==== {path.name}\n")
            with path.open(encoding="utf-8", errors="replace") as src:
                shutil.copyfileobj(src, out)
    return target
