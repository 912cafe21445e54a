"""Background sync for the desktop: when the next round runs, and running it.

``Backoff`` is the policy (pure): a round every minute while the hub answers;
after a failure, exponential backoff with full jitter (base 5 s, cap 15 min),
so a hundred village PCs that lost the same hub do not come back in step.

``SyncScheduler`` runs one round at a time (``link.sync_once``) and keeps
the failure count and the next attempt time in the station's Setting table:
a restarted app neither hammers a dead hub nor waits longer than it had
promised.  Clock and randomness are injected, so the schedule is tested
without threads or a network.

``BackgroundSync`` is the thread that drives the scheduler.  It has its own
SQLite connection (peewee connections are per thread; the store is in WAL
mode and every write is a short IMMEDIATE transaction), so a long upload
never holds up the window's store worker, and, being one thread, a round
never runs concurrently with another.  Reports go out through callbacks
called on that thread; the desktop hands them to the Tk thread via a queue.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from forms.errors import FormsError
from keys.errors import KeysError
from station import i18n
from station.app import Station
from station.errors import StationError
from station.network import link
from station.store.models import OutgoingMaterial, Setting
from sync.errors import SyncError

log = logging.getLogger("bianmin.sync")

IDLE, SYNCING, FAILED, UNCONFIGURED = "idle", "syncing", "failed", "unconfigured"
FAILURES_SETTING = "sync.failures"
NEXT_SETTING = "sync.next_attempt"
ERROR_SETTING = "sync.last_error"
REFRESH_SECONDS = 5.0  # the pending count is re-read this often between rounds
KNOWN_ERRORS = (StationError, SyncError, KeysError, FormsError)

Clock = Callable[[], float]  # wall-clock seconds since the epoch (survives a restart)
Random = Callable[[], float]  # uniform in [0, 1)


class SyncRoundFailed(StationError):
    """同步意外中断，已记入日志。办件仍安全保存在本机，稍后会自动重试。"""


class HubAddressInvalid(StationError):
    """枢纽站地址“{address}”不正确：应以 http:// 或 https:// 开头，例如 http://192.168.1.10:8470。设置未改动。"""

    exit_code = 4


class SyncStopped(Exception):
    """The app is closing: the round gives up at its next progress report."""


@dataclass(frozen=True)
class Backoff:
    interval: float = 60.0  # between rounds while the hub answers
    base: float = 5.0
    cap: float = 15 * 60.0
    floor: float = 1.0  # even full jitter never retries at once

    def ceiling(self, failures: int) -> float:
        """The longest wait after ``failures`` failures in a row."""
        return min(self.cap, self.base * 2 ** min(max(failures, 1) - 1, 32))

    def delay(self, failures: int, rand: Random) -> float:
        """Seconds until the next round: full jitter, uniform up to the ceiling."""
        if failures <= 0:
            return self.interval
        ceiling = self.ceiling(failures)
        return max(min(self.floor, ceiling), rand() * ceiling)

    def longest(self, failures: int) -> float:
        return self.ceiling(failures) if failures > 0 else self.interval


@dataclass(frozen=True)
class SyncStatus:
    """What the desktop shows: one snapshot, made on the sync thread."""

    state: str
    hub: str | None
    pending: int
    last_success: str | None  # ISO time, UTC
    failures: int = 0
    next_attempt: float | None = None
    error: str | None = None
    upload_done: int = 0
    upload_total: int = 0


@dataclass
class UploadTally:
    """Upload progress over a whole round (the client reports one material at a time)."""

    total: int
    finished: int = 0
    current: int = 0

    def update(self, done: int, size: int) -> tuple[int, int]:
        if done >= size:
            self.finished += size
            self.current = 0
        else:
            self.current = done
        self.total = max(self.total, self.finished + self.current)
        return self.finished + self.current, self.total


def valid_hub_address(address: str) -> str:
    text = address.strip().rstrip("/")
    if not text.startswith(("http://", "https://")) or len(text.split("://", 1)[1]) < 1:
        raise HubAddressInvalid(address=address.strip())
    return text


def error_message(error: BaseException) -> str:
    """The message a person reads: the error's own, or a generic one (logged)."""
    if isinstance(error, KNOWN_ERRORS):
        return i18n.render(error)
    frames = traceback.extract_tb(error.__traceback__)
    where = "; ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[-6:])
    log.error("sync round failed: %s at %s", type(error).__name__, where)
    return i18n.render(SyncRoundFailed(kind=type(error).__name__))


def pending_upload_bytes() -> int:
    rows = OutgoingMaterial.select(OutgoingMaterial.size).where(
        OutgoingMaterial.uploaded == False)  # noqa: E712
    return sum(int(r.size) for r in rows)


class SyncScheduler:
    """One station's sync rounds and their schedule (use from one thread)."""

    def __init__(self, station: Station, *, backoff: Backoff | None = None,
                 clock: Clock = time.time, rand: Random = random.random,
                 sync: Callable[..., link.SyncReport] = link.sync_once,
                 on_status: Callable[[SyncStatus], None] | None = None,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        self.station = station
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.rand = rand
        self._sync = sync
        self._on_status = on_status
        self._on_progress = on_progress
        self._running = threading.Lock()
        self._stopping = threading.Event()
        self._tally: UploadTally | None = None
        self.state = IDLE
        self.failures = 0
        self.next_attempt = 0.0
        self.error: str | None = None
        self.last: SyncStatus | None = None

    # -- the persisted schedule ---------------------------------------------
    def load(self) -> None:
        """Read the schedule a previous run left (call on the thread that syncs)."""
        stored = {s.key: s.value for s in Setting.select().where(
            Setting.key.in_((FAILURES_SETTING, NEXT_SETTING, ERROR_SETTING)))}
        self.failures = int(stored.get(FAILURES_SETTING) or 0)
        self.error = stored.get(ERROR_SETTING) or None
        planned = float(stored.get(NEXT_SETTING) or 0.0)
        if not math.isfinite(planned):
            planned = 0.0
        # Never wait longer than the policy allows (the clock may have gone back).
        self.next_attempt = min(planned, self.clock() + self.backoff.longest(self.failures))
        self.state = FAILED if self.failures else IDLE

    def _save(self) -> None:
        with self.station.db.atomic("IMMEDIATE"):
            Setting.replace(key=FAILURES_SETTING, value=str(self.failures)).execute()
            Setting.replace(key=NEXT_SETTING, value=repr(self.next_attempt)).execute()
            if self.error:
                Setting.replace(key=ERROR_SETTING, value=self.error).execute()
            else:
                Setting.delete().where(Setting.key == ERROR_SETTING).execute()

    # -- when -----------------------------------------------------------------
    def due_in(self) -> float:
        return max(0.0, self.next_attempt - self.clock())

    def due(self) -> bool:
        return self.due_in() <= 0.0

    def reset(self) -> None:
        """立即同步: forget the backoff; the next round is due now."""
        self.failures, self.next_attempt = 0, self.clock()
        self._save()

    def stop(self) -> None:
        """Make a running round give up at its next progress report."""
        self._stopping.set()

    # -- a round ----------------------------------------------------------------
    def run_round(self) -> link.SyncReport | None:
        """Run one round now unless one is running; None when it did not succeed."""
        if not self._running.acquire(blocking=False):
            return None
        try:
            return self._round()
        finally:
            self._running.release()

    def _round(self) -> link.SyncReport | None:
        if not link.hub_url(self.station):
            self.state, self.next_attempt = UNCONFIGURED, self.clock() + self.backoff.interval
            self.publish()
            return None
        self.state, self._tally = SYNCING, None
        self.publish()
        try:
            report = self._sync(self.station, progress=self._progress)
        except SyncStopped:
            self.state = FAILED if self.failures else IDLE
            return None
        except Exception as error:  # any failure: back off, keep everything for next time
            self.failures += 1
            self.error = error_message(error)
            self.next_attempt = self.clock() + self.backoff.delay(self.failures, self.rand)
            self.state = FAILED
            self._save()
            log.warning("sync failed (%d in a row): %s; next try in %.0f s", self.failures,
                        type(error).__name__, self.due_in())
            self.publish()
            return None
        self.failures, self.error, self.state = 0, None, IDLE
        self.next_attempt = self.clock() + self.backoff.interval
        self._save()
        total = self._tally.total if self._tally else 0
        self.publish(upload=(total, total))
        return report

    def _progress(self, what: str, done: int, size: int) -> None:
        if self._stopping.is_set():
            raise SyncStopped()
        if what != "upload":
            return
        if self._tally is None:
            self._tally = UploadTally(pending_upload_bytes())
        sent, total = self._tally.update(done, size)
        if self._on_progress is not None:
            self._on_progress(sent, total)

    # -- reports --------------------------------------------------------------
    def status(self, upload: tuple[int, int] = (0, 0)) -> SyncStatus:
        return SyncStatus(self.state, link.hub_url(self.station), link.pending_count(),
                          link.last_success(), self.failures,
                          self.next_attempt if self.state != SYNCING else None, self.error,
                          *upload)

    def publish(self, upload: tuple[int, int] = (0, 0)) -> SyncStatus:
        """Tell the listener how things stand (always, or only when it changed)."""
        status = self.status(upload)
        self.last = status
        if self._on_status is not None:
            self._on_status(status)
        return status

    def refresh(self) -> None:
        """Between rounds: report again only if something changed (a case filed)."""
        status = self.status()
        if self.last is None or _shown(status) != _shown(self.last):
            self.publish()


class BackgroundSync:
    """The thread that runs the scheduler's rounds when they are due."""

    def __init__(self, scheduler: SyncScheduler, refresh: float = REFRESH_SECONDS) -> None:
        self.scheduler = scheduler
        self.refresh_seconds = refresh
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._now = False
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)

    def start(self) -> BackgroundSync:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def sync_now(self) -> None:
        """From any thread: reset the backoff and run a round at once (or right
        after the one under way)."""
        self._now = True
        self._wake.set()

    def poke(self) -> None:
        """From any thread: re-read and report the status now (e.g. a case was filed)."""
        self._wake.set()

    def stop(self, timeout: float = 45.0) -> None:
        self._stop.set()
        self.scheduler.stop()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        scheduler = self.scheduler
        loaded = False
        try:
            while not self._stop.is_set():
                wait = self.refresh_seconds
                try:
                    if not loaded:
                        scheduler.load()
                        scheduler.publish()
                        loaded = True
                    if self._now:
                        self._now = False
                        scheduler.reset()
                    if scheduler.due():
                        scheduler.run_round()
                    else:
                        scheduler.refresh()
                    wait = min(scheduler.due_in(), self.refresh_seconds)
                except Exception as error:  # e.g. the store stayed locked: try again later
                    log.error("background sync: %s", error_message(error))
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            scheduler.station.db.close()  # this thread's own connection


def _shown(status: SyncStatus) -> tuple[object, ...]:
    return (status.state, status.hub, status.pending, status.last_success, status.failures,
            status.error)
