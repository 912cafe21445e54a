"""每天自动备份: a copy a day into a folder the agent picked (a USB stick), the last
``KEEP`` kept, named by date.

The folder and the last outcome are node settings in the store (``Setting``), so they
survive a restart and travel with a restore; a folder path is not personal data.
A copy is due when none succeeded in the last day.  A missing folder (the stick not
plugged in) is an outcome like any other: recorded, shown, and tried again later.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from station import i18n
from station.app import Station
from station.backup.errors import BackupFolderMissing
from station.backup.take import BackupMade, Progress, take_backup
from station.store.models import Setting

FOLDER_SETTING = "backup.folder"
LAST_SETTING = "backup.last"
KEEP = 7
EVERY = timedelta(days=1)
EXTENSION = ".bmsbackup"
NAME = "便民站备份-{code}-{day}" + EXTENSION  # a file name, the same in every language
_DAY = re.compile(r"\d{8}")


@dataclass(frozen=True)
class LastBackup:
    """The last attempt (``at``, ``ok``, ``path`` or ``error``) and the last success."""

    at: str
    ok: bool
    path: str = ""
    error: str = ""
    last_ok: str = ""

    def to_json(self) -> dict[str, object]:
        return {"at": self.at, "ok": self.ok, "path": self.path, "error": self.error,
                "last_ok": self.last_ok}


@dataclass(frozen=True)
class DailyState:
    folder: Path | None
    last: LastBackup | None

    def due(self, now: datetime) -> bool:
        if self.folder is None:
            return False
        if self.last is None or not self.last.last_ok:
            return True
        return now - datetime.fromisoformat(self.last.last_ok) >= EVERY


def file_name(code: str, day: date) -> str:
    return NAME.format(code=code, day=f"{day:%Y%m%d}")


def manual_name(code: str, at: datetime) -> str:
    """The name 立即备份 suggests: the date and time, so none overwrites another."""
    return NAME.format(code=code, day=f"{at:%Y%m%d-%H%M}")


def state(station: Station) -> DailyState:
    values = {s.key: s.value for s in
              Setting.select().where(Setting.key.in_([FOLDER_SETTING, LAST_SETTING]))}
    folder = Path(values[FOLDER_SETTING]) if values.get(FOLDER_SETTING) else None
    last = None
    if values.get(LAST_SETTING):
        try:
            last = LastBackup(**json.loads(values[LAST_SETTING]))
        except (ValueError, TypeError):
            last = None  # unreadable: as if never backed up, so one is taken
    return DailyState(folder, last)


def set_folder(station: Station, folder: Path | None) -> DailyState:
    """Turn the daily copy on (into ``folder``) or off (None)."""
    with station.db.atomic("IMMEDIATE"):
        if folder is None:
            Setting.delete().where(Setting.key == FOLDER_SETTING).execute()
        else:
            Setting.replace(key=FOLDER_SETTING, value=str(folder)).execute()
    return state(station)


def record(station: Station, last: LastBackup) -> None:
    with station.db.atomic("IMMEDIATE"):
        Setting.replace(key=LAST_SETTING, value=json.dumps(last.to_json(),
                                                           ensure_ascii=False)).execute()


def take_daily(station: Station, now: datetime | None = None,
               progress: Progress | None = None) -> BackupMade:
    """Today's copy into the folder, the oldest beyond ``KEEP`` removed; the outcome
    recorded either way (a failure is raised after it is recorded)."""
    now = now or datetime.now(UTC)
    current = state(station)
    folder = current.folder
    previous_ok = current.last.last_ok if current.last else ""
    try:
        if folder is None or not folder.is_dir():
            raise BackupFolderMissing(folder=folder or "")
        made = take_backup(station, folder / file_name(station.node.code,
                                                       now.astimezone().date()),
                           progress, now)
        prune(folder, station.node.code)
    except Exception as error:
        record(station, LastBackup(_iso(now), False, error=i18n.render(error),
                                   last_ok=previous_ok))
        raise
    record(station, LastBackup(_iso(now), True, path=str(made.path), last_ok=_iso(now)))
    return made


def record_manual(station: Station, made: BackupMade, now: datetime | None = None) -> None:
    """立即备份 counts as the last backup too (shown in 设置), not as the daily copy."""
    now = now or datetime.now(UTC)
    current = state(station)
    previous_ok = current.last.last_ok if current.last else ""
    record(station, LastBackup(_iso(now), True, path=str(made.path), last_ok=previous_ok))


def daily_copies(folder: Path, code: str) -> list[Path]:
    """This station's daily copies in ``folder``, oldest first."""
    prefix, suffix = NAME.format(code=code, day="|").split("|")
    found = [p for p in folder.glob(f"{prefix}*{suffix}")
             if _DAY.fullmatch(p.name[len(prefix):-len(suffix)]) and p.is_file()]
    return sorted(found, key=lambda p: p.name)


def prune(folder: Path, code: str, keep: int = KEEP) -> list[Path]:
    """Remove this station's daily copies beyond the newest ``keep``; those removed."""
    copies = daily_copies(folder, code)
    removed = copies[:-keep] if len(copies) > keep else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")
