"""Watch the folder a document camera (高拍仪) or scanner saves pages into.

Scanners write a page slowly, sometimes in several bursts, and some write it
under a temporary name first.  A file is handed on only once it is complete:
its size and modification time have not changed for ``settle_seconds`` and it
starts with the signature of an image or a PDF (``station.filing.media``).  Each new
file is handed on once, in the order the files became complete; files that
were in the folder when watching started are left alone.

Threads: watchdog's observer only records candidates; one settling thread
checks them and calls ``on_page``.  ``on_page`` therefore runs on that
thread, never on the Tk thread: the UI hops over with its own queue.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from station.errors import ScanFolderUnavailable
from station.filing.media import detect_media_type

__all__ = ["PAGE_SUFFIXES", "HotFolder"]

PAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".pdf")
# Names scanner software writes into before renaming to the final name.
TEMPORARY_PREFIXES = (".", "~")
TEMPORARY_SUFFIXES = (".tmp", ".part")
_HEAD_BYTES = 16

log = logging.getLogger("station.hotfolder")


@dataclass
class _Candidate:
    """A file that appeared and is not yet known to be complete."""

    signature: tuple[int, int] | None  # size, mtime_ns at the last look
    steady_since: float  # monotonic time the signature was last seen to change


class HotFolder:
    """Hand on each new, complete page file that appears in ``folder``.

    ``polling=True`` watches by listing the folder about once a second instead
    of by operating-system notifications; use it for network shares, where
    notifications often never arrive.
    """

    def __init__(
        self,
        folder: Path,
        on_page: Callable[[Path], None],
        settle_seconds: float = 0.5,
        patterns: Iterable[str] = PAGE_SUFFIXES,
        *,
        polling: bool = False,
    ) -> None:
        self.folder = Path(folder).absolute()
        self.settle_seconds = settle_seconds
        self._on_page = on_page
        self._suffixes = tuple(p.lower() for p in patterns)
        self._polling = polling
        self._poll_interval = max(0.02, min(0.25, settle_seconds / 4))
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._candidates: dict[Path, _Candidate] = {}
        self._preexisting: set[Path] = set()
        self._delivered: set[Path] = set()
        self._observer: BaseObserver | None = None
        self._settler: threading.Thread | None = None

    def __enter__(self) -> HotFolder:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Create the folder if needed and start watching it."""
        if self._settler is not None:
            raise RuntimeError("the hot folder is already being watched")
        observer: BaseObserver = PollingObserver() if self._polling else Observer()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            observer.schedule(_Events(self), str(self.folder), recursive=False)
            observer.start()
        except OSError as error:
            raise ScanFolderUnavailable(
                folder=self.folder, reason=error.strerror or str(error)
            ) from error
        try:
            # Taken after the observer runs, so no file falls between the two;
            # one that appears meanwhile counts as already there.
            present = set(self.folder.iterdir())
        except OSError as error:
            observer.stop()
            observer.join()
            raise ScanFolderUnavailable(
                folder=self.folder, reason=error.strerror or str(error)
            ) from error
        with self._lock:
            self._preexisting = present
            for path in present:
                self._candidates.pop(path, None)
        self._stopping = False
        self._wake.clear()
        settler = threading.Thread(target=self._settle, name="hotfolder-settle", daemon=True)
        self._observer, self._settler = observer, settler
        settler.start()

    def stop(self) -> None:
        """Stop watching and wait for the threads to end; safe to call twice."""
        with self._lock:
            observer, settler = self._observer, self._settler
            self._observer = self._settler = None
        if observer is not None:
            observer.stop()
            observer.join()
        if settler is not None:
            self._stopping = True
            self._wake.set()
            if settler is not threading.current_thread():
                settler.join()

    # Called from watchdog's thread: record, wake the settler, nothing slow.

    def _appeared(self, path: Path) -> None:
        if path.parent != self.folder or not self._wanted(path.name):
            return
        with self._lock:
            if path in self._preexisting or path in self._delivered or path in self._candidates:
                return
            self._candidates[path] = _Candidate(None, time.monotonic())
        self._wake.set()

    def _gone(self, path: Path) -> None:
        # A later file under the same name is a new page.
        with self._lock:
            self._candidates.pop(path, None)
            self._preexisting.discard(path)
            self._delivered.discard(path)

    def _renamed(self, source: Path, target: Path) -> None:
        with self._lock:
            self._candidates.pop(source, None)
            # Renaming a page already handed on (or already there) is not a new page.
            if source in self._delivered:
                self._delivered.discard(source)
                self._delivered.add(target)
            if source in self._preexisting:
                self._preexisting.discard(source)
                self._preexisting.add(target)
        self._appeared(target)

    def _wanted(self, name: str) -> bool:
        lower = name.lower()
        return (
            not lower.startswith(TEMPORARY_PREFIXES)
            and not lower.endswith(TEMPORARY_SUFFIXES)
            and lower.endswith(self._suffixes)
        )

    # The settling thread.

    def _settle(self) -> None:
        while True:
            with self._lock:
                waiting = bool(self._candidates)
            self._wake.wait(self._poll_interval if waiting else None)
            self._wake.clear()
            for path in self._complete():
                if self._stopping:
                    return
                self._deliver(path)
            if self._stopping:
                return

    def _complete(self) -> list[Path]:
        """Candidates that are complete now, oldest first; drops the hopeless."""
        now = time.monotonic()
        with self._lock:
            candidates = list(self._candidates.items())
        ready: list[tuple[float, str, Path]] = []
        for path, candidate in candidates:
            verdict = self._look_at(path, candidate, now)
            if verdict is True:
                ready.append((candidate.steady_since, path.name, path))
            if verdict is not None:
                with self._lock:
                    if self._candidates.get(path) is candidate:
                        del self._candidates[path]
        return [path for _, _, path in sorted(ready)]

    def _look_at(self, path: Path, candidate: _Candidate, now: float) -> bool | None:
        """True: complete; False: never will be; None: look again later."""
        try:
            status = path.stat()
        except FileNotFoundError:
            return False
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode):
            return False
        signature = (status.st_size, status.st_mtime_ns)
        if signature != candidate.signature:
            candidate.signature = signature
            candidate.steady_since = now
            return None
        if status.st_size == 0 or now - candidate.steady_since < self.settle_seconds:
            return None
        try:
            with path.open("rb") as handle:
                head = handle.read(_HEAD_BYTES)
        except FileNotFoundError:
            return False
        except OSError:
            return None  # still locked by the scanner software (Windows)
        if detect_media_type(head) is None:
            # Forgotten until it changes again: a modified event brings it back.
            log.info("a file in the scan folder is not an image or PDF; ignored")
            return False
        return True

    def _deliver(self, path: Path) -> None:
        with self._lock:
            if path in self._delivered or path in self._preexisting:
                return
            self._delivered.add(path)
        try:
            self._on_page(path)
        except Exception:
            log.exception("a scanned page could not be handed on")


class _Events(FileSystemEventHandler):
    def __init__(self, hot_folder: HotFolder) -> None:
        self._hot_folder = hot_folder

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._hot_folder._appeared(_path(event.src_path))

    def on_modified(self, event: FileSystemEvent) -> None:
        # Also catches files whose created event was missed or that were rejected
        # before and are being written again.
        if not event.is_directory:
            self._hot_folder._appeared(_path(event.src_path))

    def on_moved(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        self._hot_folder._renamed(_path(event.src_path), _path(event.dest_path))

    def on_deleted(self, event: FileSystemEvent) -> None:
        self._hot_folder._gone(_path(event.src_path))


def _path(raw: str | bytes) -> Path:
    return Path(os.fsdecode(raw))
