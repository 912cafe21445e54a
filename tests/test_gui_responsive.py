"""The window never freezes: store, crypto, image and PDF work never runs on the Tk thread.

While 10 × 3 MB scans are imported (thumbnails) and the case is filed (hashing,
encryption, fsync, the receipt's PDF), every call into SQLite, the field and stream
ciphers, Pillow's decoder and reportlab's writer records the thread it ran on.  The
promise is decided, not timed: none of those calls may run on the thread that runs
Tk's event loop, and each kind must have run somewhere (so the probes are live).
How long the loop stalls on a given machine is a figure, measured by bench/bench_gui.py.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee
import pytest
from filing_samples import APPLICANT
from gui import pump
from PIL import Image
from reportlab.pdfgen import canvas
from test_gui_wizard import app  # noqa: F401 - the logged-in app fixture

from keys.aead import FieldCipher
from keys.stream import StreamEncryptor
from station.ui.app import StationApp
from station.ui.wizard.confirm_step import ConfirmStep
from station.ui.wizard.materials_step import MaterialsStep
from station.ui.wizard.screen import NewCaseScreen

FORM = {"age": 85, "applicant_relation": "本人", "account_type": "社会保障卡",
        "account_no": "6217995610001234567", "start_date": "2026-12-01"}

# (owner, attribute, what a user would call it)
HEAVY: list[tuple[Any, str, str]] = [
    (peewee.SqliteDatabase, "execute_sql", "store (SQLite)"),
    (FieldCipher, "encrypt", "field encryption"),
    (StreamEncryptor, "write", "scan encryption"),
    (StreamEncryptor, "write_chunk", "scan encryption"),  # the material store's path
    (Image, "open", "image decoding"),
    (canvas.Canvas, "save", "PDF writing"),
]


def three_megabyte_scan(path: Path) -> Path:
    """A real JPEG of about 3 MB: random pixels do not compress."""
    size = (2000, 1500)
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path, quality=92)
    return path


class ThreadLog:
    """Which threads ran each kind of heavy work, recorded at the call itself."""

    def __init__(self) -> None:
        self.threads: dict[str, set[int]] = defaultdict(set)
        self.recording = False

    def wrap(self, what: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            if self.recording:
                self.threads[what].add(threading.get_ident())
            return original(*args, **kwargs)
        return recorded


@pytest.fixture
def thread_log(monkeypatch: pytest.MonkeyPatch) -> ThreadLog:
    log = ThreadLog()
    for owner, attribute, what in HEAVY:
        monkeypatch.setattr(owner, attribute, log.wrap(what, getattr(owner, attribute)))
    return log


def test_heavy_work_never_runs_on_the_tk_thread(app: StationApp,  # noqa: F811
                                                thread_log: ThreadLog, tmp_path: Path) -> None:
    scans = [three_megabyte_scan(tmp_path / f"page-{i}.jpg") for i in range(10)]
    assert min(p.stat().st_size for p in scans) > 2_500_000

    wizard = app.view.open("new_case")  # type: ignore[union-attr]
    assert isinstance(wizard, NewCaseScreen)
    wizard.draft.choose(app.opened.catalogue.get("450981-MZ-005"))
    wizard.draft.applicant = dict(APPLICANT, id_number="450981194103151223")
    wizard.draft.form = dict(FORM)
    wizard.show(3)
    step = wizard.step
    assert isinstance(step, MaterialsStep)
    pump(app.root, lambda: not app.dispatcher.busy, what="the wizard settled")

    tk_thread = threading.get_ident()  # the test drives Tk from the thread that made it
    thread_log.recording = True
    names = ["高龄津贴申请表", "居民身份证", "居民户口簿", "社会保障卡或银行卡"]
    for i, path in enumerate(scans):
        step.import_files([path], material=names[i % len(names)])
    assert step.progress.winfo_manager() == "pack"  # long work shows its progress
    pump(app.root, lambda: len(step.images) == 10, timeout=120, what="10 thumbnails")
    assert step.waiting == 0 and step.progress.winfo_manager() == ""
    wizard.next()
    confirm = wizard.step
    assert isinstance(confirm, ConfirmStep)
    wizard.next()  # file: hash, encrypt and store 30 MB, print the receipt
    pump(app.root, lambda: confirm.result is not None, timeout=240, what="filing")
    thread_log.recording = False
    assert confirm.result is not None and confirm.result.status == "filed"

    on_tk = sorted(what for what, threads in thread_log.threads.items() if tk_thread in threads)
    assert not on_tk, f"ran on the Tk thread (the window would freeze): {on_tk}"
    never = sorted(what for _, _, what in HEAVY if not thread_log.threads[what])
    assert not never, f"not seen at all, so not checked: {never}"
