"""Running the public progress page: ``station progress serve``.

Beside the county hub, on the same data directory, reading the hub's database
(``hub.db`` there, or ``--db``).  It needs no passphrase and holds no key: the
hub's database holds no personal data, and the catalogue and the published
holiday table are plain files of the data directory, read again whenever they
change (a catalogue or calendar update needs no restart).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from peewee import Database

from forms.catalogue import Catalogue, load_catalogue
from keys.ca import CHINA_TIME
from station.clock.calendar import load_overrides
from station.hubops import hub_runner
from station.hubops.audit import HubDatabaseMissing
from station.hubops.progress_html import ProgressPages
from station.hubops.progress_read import CaseProgress, read_progress
from station.paths import DataLayout
from sync.hub.identity import open_database
from sync.hub.progress_web import LIMIT, AddressLimit, bind

log = logging.getLogger("bianmin.progress")


def china_now() -> datetime:
    return datetime.now(CHINA_TIME)


class Sources:
    """The catalogue and the holiday table, reloaded when their files change."""

    def __init__(self, layout: DataLayout) -> None:
        self.layout = layout
        self._stamp: tuple[float, ...] | None = None
        self.catalogue: Catalogue = load_catalogue()
        self.holidays: dict[date, bool] = {}

    def _files_stamp(self) -> tuple[float, ...]:
        folder, calendar = self.layout.catalogue, self.layout.calendar
        files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
        stamps = [p.stat().st_mtime_ns for p in files]
        return (len(files), *stamps, calendar.stat().st_mtime_ns if calendar.exists() else -1)

    def refresh(self) -> None:
        stamp = self._files_stamp()
        if stamp == self._stamp:
            return
        folder, calendar = self.layout.catalogue, self.layout.calendar
        published = folder.is_dir() and any(folder.glob("*.toml"))
        self.catalogue = load_catalogue(folder) if published else load_catalogue()
        self.holidays = load_overrides(calendar) if calendar.exists() else {}
        self._stamp = stamp
        log.info("progress page: catalogue of %d matters, %d published days",
                 len(self.catalogue.matters), len(self.holidays))


@dataclass
class RunningProgress:
    server: Any
    address: str
    db: Database


def open_hub(data: Path, url: str | None) -> Database:
    path = data / hub_runner.DB_NAME
    if not url and not path.exists():
        raise HubDatabaseMissing(path=path)
    return open_database(url, path)


def start(data: Path, listen: str, db_url: str | None, per_minute: int = LIMIT,
          trusted_proxy: str | None = None) -> RunningProgress:
    """Open the hub's database and bind the page's socket (serve with ``run``)."""
    db = open_hub(data, db_url)
    sources = Sources(DataLayout(data))
    sources.refresh()

    def read(case_no: str, code: str) -> CaseProgress | None:
        sources.refresh()
        return read_progress(db, case_no, code, sources.catalogue, sources.holidays,
                             china_now().date())

    host, _, port = listen.rpartition(":")
    server, bound = bind(ProgressPages(read, china_now), host or "127.0.0.1", int(port),
                         AddressLimit(per_minute, 60.0), trusted_proxy)
    return RunningProgress(server, bound, db)


def run(running: RunningProgress) -> None:
    print(f"progress page listening on {running.address}", file=sys.stderr, flush=True)
    running.server.run()
