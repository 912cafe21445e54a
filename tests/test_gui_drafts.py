"""草稿 in the window, under Xvfb: the wizard's work survives kill -9 of the app (sealed:
nothing typed and no scan in plaintext on disk) and is resumed from 办件 with the same
values and scans; leaving the wizard or closing the window asks first (both answers
keep the draft); drafts are listed and deleted (after a confirmation) in 办件; filing
a resumed draft removes it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import tkinter as tk
from collections.abc import Callable
from pathlib import Path

from conftest import PASSPHRASE, VILLAGE
from draft_fill import CORRECTED, ELDER, FORM, MATTER, SCANNED, log_in
from draft_fill import type_into as type_text
from gui import keep, pump
from test_gui_wizard import app  # noqa: F401 - the logged-in app fixture

from station.app import Station
from station.demo.samples import draw_scan
from station.filing.drafts import list_drafts, load_draft, save_draft, store_scan
from station.ui.app import StationApp
from station.ui.ask import Ask
from station.ui.main_window import MainWindow
from station.ui.screens.case_drafts import DraftList
from station.ui.screens.cases import CasesScreen
from station.ui.wizard.confirm_step import ConfirmStep
from station.ui.wizard.draft import Draft
from station.ui.wizard.form_step import FormStep
from station.ui.wizard.materials_step import MaterialsStep
from station.ui.wizard.matter_step import MatterStep
from station.ui.wizard.screen import NewCaseScreen

HERE = Path(__file__).parent


def asked(window: StationApp) -> Ask:
    """The question on screen (it is a window of its own, over the main one)."""
    found: list[Ask] = []
    pump(window.root, lambda: bool(found.extend(w for w in window.root.winfo_children()
                                             if isinstance(w, Ask) and w.winfo_exists())
                                or found), what="the question")
    return found[0]


def on_worker(window: StationApp, work: Callable[[], object]) -> object:
    results: list[object] = []
    window.dispatcher.submit(work, on_done=results.append)
    pump(window.root, lambda: bool(results), what="the worker")
    return results[0]


def drafts_shown(window: StationApp) -> DraftList:
    main = window.view
    assert isinstance(main, MainWindow)
    cases = main.open("cases")
    assert isinstance(cases, CasesScreen)
    cases.drafts_button.invoke()
    listing = cases.draft_list
    assert listing is not None
    pump(window.root, lambda: listing.loaded, what="the drafts")
    return listing


def assert_sealed(data: Path, scans: list[bytes]) -> None:
    """The data directory as the killed app left it (WAL and all) holds no value typed
    into the wizard and no run of a scan's bytes in plaintext."""
    needles = {f"{key} {codec}": value.encode(codec) for key, value in ELDER.items()
               for codec in ("utf-8", "gbk", "utf-16-le")}
    needles[CORRECTED[0]] = CORRECTED[1].encode()
    for i, scan in enumerate(scans):
        needles[f"scan {i}"] = scan[len(scan) // 2:len(scan) // 2 + 64]
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.name == "station.db-wal" for p in files)
    for path in files:
        content = path.read_bytes()
        for what, needle in needles.items():
            assert needle not in content, f"{what} in plaintext in {path}"


def start_wizard(window: StationApp) -> NewCaseScreen:
    main = window.view
    assert isinstance(main, MainWindow)
    wizard = main.open("new_case")
    assert isinstance(wizard, NewCaseScreen) and isinstance(wizard.step, MatterStep)
    type_text(wizard.step.query, "gljt")
    wizard.next()
    type_text(wizard.step.entries["name"], ELDER["name"])  # type: ignore[union-attr]
    return wizard


def test_a_draft_survives_kill_9_and_is_resumed_with_its_values_and_scans(
        display: str, tmp_path: Path, data_dir: Path, documents: Path) -> None:
    Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)[0].close()
    config, scans = tmp_path / "config", tmp_path / "scans"
    scans.mkdir()
    env = dict(os.environ, PYTHONPATH=str(HERE), DISPLAY=display, STATION_TEST_WEAK_KDF="1",
               STATION_NO_OPEN="1", STATION_SCAN_FOLDER=str(tmp_path / "scanner"))
    child = subprocess.Popen(
        [sys.executable, str(HERE / "draft_child.py"), str(data_dir), str(documents),
         str(config), PASSPHRASE, str(scans)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line == "READY", child.stderr.read() if child.stderr else "the app died"
        assert child.poll() is None  # the window is open, mid-filing
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    assert child.returncode == -signal.SIGKILL
    assert_sealed(data_dir, [(scans / f"draft-{i}.jpg").read_bytes() for i in range(2)])
    originals = [(scans / f"draft-{i}.jpg").read_bytes() for i in range(2)]
    for i in range(2):
        (scans / f"draft-{i}.jpg").unlink()  # resuming must not need the imported files
    blobs_before = sorted(p.name for p in (data_dir / "materials").iterdir())

    app = log_in(data_dir, documents, config, PASSPHRASE)  # noqa: F811 - started again
    try:
        listing = drafts_shown(app)
        [row] = listing.tree.get_children()
        matter, applicant, saved_at = listing.tree.item(row, "values")
        assert (matter, applicant) == ("高龄津贴申领", ELDER["name"]) and saved_at
        keep(app.root, "40-drafts-list")
        listing.resume_selected()
        main = app.view
        assert isinstance(main, MainWindow)
        pump(app.root, lambda: isinstance(main.screen, NewCaseScreen), what="the wizard")
        wizard = main.screen
        assert isinstance(wizard, NewCaseScreen)
        step = wizard.step
        assert isinstance(step, FormStep)  # where the agent was when the app died
        key, value = CORRECTED
        assert step.widgets[key].get() == value  # typed last, saved on the pause
        assert {k: step.widgets[k].get() for k in FORM if k != key} == {
            k: v for k, v in FORM.items() if k != key}
        assert wizard.draft.matter is not None and wizard.draft.matter.code == MATTER
        assert wizard.draft.applicant == ELDER
        keep(app.root, "41-draft-resumed")
        wizard.next()
        step = wizard.step
        assert isinstance(step, MaterialsStep)
        pump(app.root, lambda: len(step.images) == 2, what="the scans' thumbnails")
        for i, name in enumerate(SCANNED):
            [page] = wizard.draft.pages[name]
            assert app.opened.blobs.read(page.blob) == originals[i]
        assert sorted(p.name for p in (data_dir / "materials").iterdir()) == blobs_before
        assert str(step.checklist.set(SCANNED[0], "pages")) == "1"
        step.checklist.selection_set(SCANNED[0])
        pump(app.root, lambda: step.material() == SCANNED[0], what="the ID card selected")
        [upright] = wizard.draft.pages[SCANNED[0]]
        step.rotate(0)  # turned from the sealed copy: the file it came from is not needed
        pump(app.root, lambda: wizard.draft.pages[SCANNED[0]][0] != upright and app.images.busy
             is False and wizard.saver.idle, what="the page turned and the draft saved")
        turned = wizard.draft.pages[SCANNED[0]][0]
        assert turned.name == upright.name and turned.blob != upright.blob
        wizard.next()
        confirm = wizard.step
        assert isinstance(confirm, ConfirmStep)
        wizard.next()  # 提交: the case is filed, and the draft goes with it
        pump(app.root, lambda: confirm.result is not None, timeout=60, what="filing")
        assert on_worker(app, lambda: list_drafts(app.opened)) == []
        blobs = app.opened.blobs
        assert not blobs.path_of(upright.blob).exists()  # replaced by its turned page
        assert blobs.path_of(turned.blob).exists()  # the case's page
        listing = drafts_shown(app)
        assert listing.tree.get_children() == ()
    finally:
        app.close()


def test_leaving_the_wizard_asks_and_both_answers_keep_the_draft(
        app: StationApp) -> None:  # noqa: F811
    main = app.view
    assert isinstance(main, MainWindow)
    wizard = start_wizard(app)
    assert main.open("cases") is wizard  # not yet: asked first
    question = asked(app)
    assert "草稿" in question.text
    assert question.yes.cget("text") == "保存草稿并离开"
    assert question.no.cget("text") == "继续办件"
    keep(app.root, "42-leave-wizard-question")
    question.no.invoke()  # 继续办件: still here, nothing lost
    assert main.screen is wizard and main.current == "new_case"
    assert wizard.step.entries["name"].get() == ELDER["name"]  # type: ignore[union-attr]

    main.open("cases")
    asked(app).yes.invoke()  # 保存草稿并离开
    pump(app.root, lambda: main.current == "cases", what="办件 after saving the draft")
    drafts = on_worker(app, lambda: list_drafts(app.opened))
    assert [d.applicant for d in drafts] == [ELDER["name"]]  # type: ignore[attr-defined]

    wizard = main.open("new_case")  # a fresh wizard, untouched: leaving asks nothing
    assert isinstance(wizard, NewCaseScreen)
    main.open("sync")
    assert main.current == "sync"


def test_closing_the_window_asks_and_both_answers_keep_the_draft(
        display: str, tmp_path: Path, data_dir: Path, documents: Path,
        monkeypatch) -> None:
    monkeypatch.setenv("STATION_NO_OPEN", "1")
    monkeypatch.setenv("STATION_SCAN_FOLDER", str(tmp_path / "scanner"))
    Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)[0].close()
    application = log_in(data_dir, documents, tmp_path / "config", PASSPHRASE)
    closed = False
    try:
        wizard = start_wizard(application)
        type_text(wizard.step.entries["phone"], ELDER["phone"])  # type: ignore[union-attr]
        application.root.protocol("WM_DELETE_WINDOW")  # the ✕ is wired to ask first
        application.request_close()
        question = asked(application)
        keep(application.root, "43-close-window-question")
        question.no.invoke()  # 继续办件
        assert application.root.winfo_exists() and application.station is not None
        application.request_close()
        asked(application).yes.invoke()  # 保存草稿并离开: saved, then the app closes
        deadline = time.monotonic() + 60
        while not closed:  # until the app closed itself (its store is then closed)
            assert time.monotonic() < deadline, "the app did not close after the answer"
            with contextlib.suppress(tk.TclError):  # the window may be gone already
                application.root.update()
            closed = application.station is None
    finally:
        if not closed:
            application.close()
    station = Station.open(data_dir, None, PASSPHRASE, documents)
    try:
        [draft] = list_drafts(station)
        assert draft.applicant == ELDER["name"]
        assert load_draft(station, draft.id)["applicant"]["phone"] == ELDER["phone"]
    finally:
        station.close()


def test_drafts_are_listed_and_deleted_after_a_confirmation(app: StationApp,  # noqa: F811
                                                            tmp_path: Path) -> None:
    station = app.opened
    scan = draw_scan(tmp_path / "id.jpg", "居民身份证", ["正面"], seed=5, size=(300, 400))

    def two_drafts() -> list[str]:
        ids = []
        for name in ("黄秀英", "韦桂兰"):
            draft = Draft()
            draft.choose(station.catalogue.get(MATTER))
            draft.applicant = {"name": name}
            draft.add_page("居民身份证", store_scan(station, scan))
            ids.append(save_draft(station, None, draft.to_content()))
        return ids

    on_worker(app, two_drafts)
    listing = drafts_shown(app)
    cases = listing.master
    assert isinstance(cases, CasesScreen)
    pump(app.root, lambda: cases.drafts_button.cget("text") == "草稿（2）", what="the count")
    assert sorted(listing.tree.set(r, "applicant") for r in listing.tree.get_children()) == [
        "韦桂兰", "黄秀英"]
    assert listing.count.cget("text") == "共 2 份草稿"
    first = listing.tree.selection()[0]
    who = listing.tree.set(first, "applicant")
    listing.ask_delete()
    question = asked(app)
    assert who in question.text and "不能恢复" in question.text
    keep(app.root, "44-delete-draft-question")
    question.no.invoke()  # 取消: nothing deleted
    assert len(on_worker(app, lambda: list_drafts(station))) == 2  # type: ignore[arg-type]
    listing.ask_delete()
    asked(app).yes.invoke()
    pump(app.root, lambda: len(listing.tree.get_children()) == 1, what="the list without it")
    [left] = on_worker(app, lambda: list_drafts(station))  # type: ignore[misc]
    assert left.applicant != who
    [page] = Draft.from_content(station.catalogue, left.id, on_worker(
        app, lambda: load_draft(station, left.id))).pages["居民身份证"]  # type: ignore[arg-type]
    assert station.blobs.path_of(page.blob).exists()  # the other draft still uses the scan
