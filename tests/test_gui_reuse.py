"""资料共享 in the window, under Xvfb (issue 20): a resident who handed in the ID card and
the 户口簿 for 低保 last month applies for 高龄津贴; the wizard names them as soon as the
ID number is typed, the 材料 step offers them (复用（不用再扫描）), a material with scanned
pages cannot be reused as well, 下一步 without the resident's consent is refused with a
clear message and nothing is filed, the choice and the consent survive closing the app
(the sealed draft), and the filed case's rows point at the earlier pages, with no
缺件提示 for them; the case's details say where each came from.  An expired one
(handed in more than 12 months ago) is shown as expired and cannot be chosen.  At the
township's review desk (real hubs on loopback) a reused material verified there before
shows 已核验 with the office and the day.  Normal and large font; screenshots at
1366×768 go to test-artifacts/."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE, VILLAGE
from draft_fill import ELDER, fill_form, log_in, saved
from filing_samples import DIBAO_FORM, DIBAO_MATTER, scans
from gui import keep, pump, screenshot, type_into
from layout import cut
from test_gui_review import TEMPORARY_AID, WAIT

from keys.ca import CHINA_TIME
from station.app import Station
from station.demo.samples import draw_scan
from station.filing.drafts import load_draft
from station.filing.new_case import file_case
from station.store.models import Case, CaseMaterial
from station.ui.app import StationApp
from station.ui.config import UiConfig
from station.ui.main_window import MainWindow
from station.ui.screens.case_drafts import DraftList
from station.ui.screens.cases import CasesScreen
from station.ui.wizard.applicant_step import ApplicantStep
from station.ui.wizard.confirm_step import ConfirmStep
from station.ui.wizard.draft import Draft, Reused
from station.ui.wizard.materials_step import MaterialsStep
from station.ui.wizard.matter_step import MatterStep
from station.ui.wizard.screen import NewCaseScreen

SHARED = ("居民身份证", "居民户口簿")
NEW = ("高龄津贴申请表", "社会保障卡或银行卡")


def first_case(data: Path, documents: Path, tmp_path: Path, days_ago: int) -> str:
    """The village station, and 低保 filed for the resident ``days_ago`` with the ID card
    (2 pages) and the 户口簿."""
    station = Station.init(data, *VILLAGE, "agent", PASSPHRASE, documents)[0]
    try:
        files = scans(tmp_path / "dibao", ("最低生活保障申请书",)) \
            + scans(tmp_path / "id", ("居民身份证",), pages=2) \
            + scans(tmp_path / "hk", ("居民户口簿",))
        when = datetime.now().astimezone() - timedelta(days=days_ago)
        return file_case(station, DIBAO_MATTER, ELDER, DIBAO_FORM, files, now=when,
                         print_documents=False).case_no
    finally:
        station.close()


def in_font(config: Path, font: str) -> Path:
    """The window's settings folder, in normal or large font."""
    settings = UiConfig.load(config)
    settings.large_font = font == "large"
    settings.save(config)
    return config


def on_worker(app: StationApp, work: Callable[[], object]) -> object:
    results: list[object] = []
    app.dispatcher.submit(work, on_done=results.append)
    pump(app.root, lambda: bool(results), what="the worker")
    return results[0]


def to_materials(app: StationApp) -> tuple[NewCaseScreen, str, MaterialsStep]:
    """高龄津贴 for the resident, up to the 材料 step (its earlier materials looked up);
    with what the applicant step said of them."""
    main = app.view
    assert isinstance(main, MainWindow)
    wizard = main.open("new_case")
    assert isinstance(wizard, NewCaseScreen) and isinstance(wizard.step, MatterStep)
    type_into(wizard.step.query, "gljt")
    wizard.next()
    applicant = wizard.step
    assert isinstance(applicant, ApplicantStep)
    for key, value in ELDER.items():
        type_into(applicant.entries[key], value)
    pump(app.root, lambda: bool(applicant.earlier.cget("text")), what="the earlier materials")
    earlier = str(applicant.earlier.cget("text"))
    readable(app, "reuse-applicant")
    wizard.next()
    form = fill_form(wizard)
    wizard.next()
    step = wizard.step
    assert isinstance(step, MaterialsStep), form.errors
    pump(app.root, lambda: step.offers_loaded and not app.dispatcher.busy,
         what="the offers in the 材料 step")
    return wizard, earlier, step


README_SHOTS = ("reuse-materials-chosen-normal", "reuse-review-desk-normal")


def font_of(app: StationApp) -> str:
    return "large" if app.config.large_font else "normal"


def readable(app: StationApp, name: str) -> None:
    """Every text of the window whole at 1366×768 (``layout.cut``), and a screenshot."""
    pump(app.root, lambda: not app.dispatcher.busy and not app.images.busy,
         what="the screen's data")
    shot = f"{name}-{font_of(app)}"
    (keep if shot in README_SHOTS else screenshot)(app.root, shot)
    assert cut(app.root) == []


def select(app: StationApp, step: MaterialsStep, name: str) -> None:
    """Pick ``name`` in the checklist, as the agent clicks it."""
    step.checklist.selection_set(name)
    pump(app.root, lambda: step.material() == name and step.reuse_panel is not None
         and step.reuse_panel.shown == name, what=f"{name} selected")


def import_page(app: StationApp, step: MaterialsStep, name: str, path: Path) -> None:
    step.checklist.selection_set(name)
    pump(app.root, lambda: step.material() == name, what=f"{name} selected")
    before = len(step.wizard.draft.pages[name])
    step.import_files([path])
    pump(app.root, lambda: len(step.wizard.draft.pages[name]) == before + 1
         and not step.taking_in(), what=f"the page of {name}")


@pytest.mark.parametrize("font", ["normal", "large"])
def test_the_wizard_offers_earlier_materials_and_reuses_them_with_consent(
        display: str, tmp_path: Path, data_dir: Path, documents: Path,
        monkeypatch: pytest.MonkeyPatch, font: str) -> None:
    monkeypatch.setenv("STATION_NO_OPEN", "1")
    monkeypatch.setenv("STATION_SCAN_FOLDER", str(tmp_path / "scanner"))
    first = first_case(data_dir, documents, tmp_path, days_ago=30)
    config = in_font(tmp_path / "config", font)
    app = log_in(data_dir, documents, config, PASSPHRASE)
    try:
        wizard, earlier, step = to_materials(app)
        # Named on the applicant step as soon as the ID number was complete.
        assert "可以复用：居民身份证、居民户口簿" in earlier
        panel = step.reuse_panel
        assert panel is not None and set(panel.offers) == set(SHARED)
        assert set(panel.usable()) == set(SHARED)  # both may be chosen
        assert str(step.checklist.set(SHARED[0], "pages")) == "0（可复用）"
        select(app, step, NEW[0])  # a material handed in now: which ones can be reused
        assert "可以复用的：居民身份证、居民户口簿" in str(panel.line.cget("text"))
        assert panel.box.winfo_manager() == ""
        readable(app, "reuse-materials-offered")
        select(app, step, SHARED[0])
        card = str(panel.line.cget("text"))
        assert f"随办件 {first} 提交，2 页" in card and "可复用至" in card and "未核验" in card
        assert panel.box.winfo_manager() == "grid" and not panel.chosen.get()

        # Pages scanned for the ID card: reusing it as well is refused, and said.
        pages = {name: draw_scan(tmp_path / f"new-{i}.jpg", name, [ELDER["name"]], seed=40 + i,
                                 size=(600, 800)) for i, name in enumerate((*NEW, SHARED[0]))}
        import_page(app, step, SHARED[0], pages[SHARED[0]])
        panel.box.invoke()
        assert not panel.chosen.get() and SHARED[0] not in wizard.draft.reuse
        assert "已经扫描了 1 页" in step.notice.cget("text")
        assert step.notice.winfo_manager() == "pack"
        step.remove(0)  # the agent deletes the page (✕) and reuses the earlier one
        for name in SHARED:
            select(app, step, name)
            panel.box.invoke()
            assert panel.chosen.get()
        assert set(wizard.draft.reuse) == set(SHARED)
        assert wizard.draft.reuse[SHARED[0]] == Reused(first, 2)
        assert str(step.checklist.set(SHARED[0], "pages")) == "2（复用）"
        for name in NEW:
            import_page(app, step, name, pages[name])
        assert wizard.draft.missing() == []  # reused ones count as handed in
        assert "missing" not in step.checklist.item(SHARED[1], "tags")
        # A page arriving for a reused material is not taken: it is said why.
        select(app, step, SHARED[1])
        step.import_files([pages[NEW[0]]])
        assert wizard.draft.pages[SHARED[1]] == [] and "不用再扫描" in step.notice.cget("text")

        # 下一步 without the resident's consent: refused, nothing filed.
        cases_before = on_worker(app, lambda: Case.select().count())
        wizard.next()
        assert wizard.step is step
        assert "须经申请人同意" in step.notice.cget("text")
        readable(app, "reuse-materials-no-consent")
        assert on_worker(app, lambda: Case.select().count()) == cases_before
        panel.consent_box.invoke()
        assert wizard.draft.reuse_consent and step.notice.winfo_manager() == ""
        readable(app, "reuse-materials-chosen")

        # The choice and the consent are in the sealed draft: the app closes and is
        # started again, and the draft goes on with them.
        saved(app, wizard)
        draft_id = wizard.draft.id
        assert draft_id is not None
        content = on_worker(app, lambda: load_draft(app.opened, draft_id))
        kept = Draft.from_content(app.opened.catalogue, draft_id, content)  # type: ignore[arg-type]
        assert kept.reuse == {SHARED[0]: Reused(first, 2), SHARED[1]: Reused(first, 1)}
        assert kept.reuse_consent
    finally:
        app.close()

    app = log_in(data_dir, documents, config, PASSPHRASE)
    try:
        main = app.view
        assert isinstance(main, MainWindow)
        cases = main.open("cases")
        assert isinstance(cases, CasesScreen)
        cases.drafts_button.invoke()
        listing = cases.draft_list
        assert isinstance(listing, DraftList)
        pump(app.root, lambda: listing.loaded, what="the drafts")
        listing.resume_selected()
        pump(app.root, lambda: isinstance(main.screen, NewCaseScreen)
             and isinstance(main.screen.step, MaterialsStep)
             and main.screen.step.offers_loaded, what="the draft resumed at 材料")
        wizard = main.screen
        assert isinstance(wizard, NewCaseScreen)
        step = wizard.step
        assert isinstance(step, MaterialsStep) and step.reuse_panel is not None
        assert step.reuse_panel.consent.get()
        for name in SHARED:
            select(app, step, name)
            assert step.reuse_panel.chosen.get()
        wizard.next()
        confirm = wizard.step
        assert isinstance(confirm, ConfirmStep)
        shown = "\n".join(str(w.cget("text")) for w in confirm.winfo_children()
                          if w.winfo_class() == "TLabel")
        assert f"居民身份证 2 页（复用自办件 {first}）" in shown
        assert "申请人已同意复用以前交过的材料" in shown and "缺件提示" not in shown
        readable(app, "reuse-confirm")
        wizard.next()
        pump(app.root, lambda: confirm.result is not None, timeout=60, what="filing")
        result = confirm.result
        assert result is not None and result.status == "filed" and result.missing == []
        assert sorted(result.reused) == sorted(SHARED)
        assert "经申请人同意复用" in confirm.outcome.cget("text")
        screenshot(app.root, f"reuse-filed-{font}")

        def rows() -> list[tuple[str, int, str | None]]:
            return [(m.name, m.page, m.reused_from) for m in CaseMaterial.select().join(Case)
                    .where(Case.case_no == result.case_no).order_by(CaseMaterial.name,
                                                                     CaseMaterial.page)]
        stored = on_worker(app, rows)
        assert [r for r in stored if r[0] in SHARED] == [
            ("居民户口簿", 1, first), ("居民身份证", 1, first), ("居民身份证", 2, first)]
        assert all(r[2] is None for r in stored if r[0] in NEW)
        assert result.receipt is not None
        tool = shutil.which("pdftotext")
        assert tool, "pdftotext is missing: install poppler-utils"
        text = subprocess.run([tool, str(result.receipt), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "缺件提示" not in text and "经申请人同意复用" in text

        # The case's details say where each reused material came from.
        cases = main.open("cases")
        assert isinstance(cases, CasesScreen)
        cases.open_case(result.case_no)
        pump(app.root, lambda: cases.detail is not None, what="the case's details")
        detail = cases.detail
        assert detail is not None
        line = str(detail.sources.cget("text"))
        assert f"居民身份证：复用自办件 {first}" in line and "未核验" in line
        assert "高龄津贴申请表" not in line  # handed in now, verified by no one yet
        readable(app, "reuse-case-detail")
    finally:
        app.close()


def test_an_expired_material_is_shown_and_cannot_be_chosen_in_large_font(
        display: str, tmp_path: Path, data_dir: Path, documents: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_NO_OPEN", "1")
    monkeypatch.setenv("STATION_SCAN_FOLDER", str(tmp_path / "scanner"))
    first_case(data_dir, documents, tmp_path, days_ago=400)  # more than 12 months ago
    config = in_font(tmp_path / "config", "large")
    app = log_in(data_dir, documents, config, PASSPHRASE)
    try:
        wizard, earlier, step = to_materials(app)
        assert "已过期不能复用：居民身份证、居民户口簿" in earlier
        panel = step.reuse_panel
        assert panel is not None and set(panel.offers) == set(SHARED)
        assert panel.usable() == []  # nothing to tick
        for name in SHARED:
            select(app, step, name)
            assert "已过期（可复用至" in str(panel.line.cget("text"))
            assert panel.box.winfo_manager() == "" and panel.expired.winfo_manager() == "grid"
            assert str(step.checklist.set(name, "pages")) == "0"
        assert str(panel.consent_box.cget("state")) == "disabled"
        assert set(wizard.draft.missing()) >= set(SHARED)  # still asked for
        assert "missing" in step.checklist.item(SHARED[0], "tags")
        readable(app, "reuse-materials-expired")
    finally:
        app.close()


def test_a_draft_from_before_reuse_reads_as_none_chosen(station: Station) -> None:
    """Drafts sealed before 资料共享 have no reuse keys: nothing chosen, no consent."""
    old = {"matter": "450981-MZ-005", "applicant": dict(ELDER), "form": {}, "pages": {},
           "step": 3, "stored": []}
    draft = Draft.from_content(station.catalogue, "d1", old)
    assert draft.reuse == {} and draft.reuse_consent is False
    draft.reuse["居民身份证"] = Reused("450981104201-20261105-0001", 2)
    draft.reuse_consent = True
    again = Draft.from_content(station.catalogue, "d1", draft.to_content())
    assert again.reuse == draft.reuse and again.reuse_consent
    assert "居民身份证" not in again.missing()
    again.choose(station.catalogue.get(DIBAO_MATTER))  # another matter: the choice goes
    assert again.reuse == {} and not again.reuse_consent


# -- the township's review desk ------------------------------------------------------


def opened_on(app: StationApp, screen: Any, case_no: str) -> None:
    pump(app.root, lambda: screen.work is not None and screen.work.case_no == case_no
         and screen.viewer is not None and screen.viewer.settled, timeout=WAIT,
         what="the claimed case open")


def test_the_desk_shows_a_reused_material_verified_before(
        display: str, hubs: Any, tmp_path: Path, no_open: None) -> None:
    """临时救助 filed with the ID card and the 户口簿 and accepted by the township (its
    verdict kept against the pages); a second 临时救助 of the same resident reuses both
    at the village; the township desk shows, under each, where it came from and
    已核验（民政办，today）, and the reviewer may still find it 不清晰."""
    from test_gui_review import claim, file_temporary_aid, open_desk
    from test_gui_review_desk import MZ
    from test_gui_sync import log_in as desk_log_in

    from station.casework import review
    from station.demo.demo_network import TOWNSHIP
    from station.demo.samples import RESIDENTS
    from station.documents.fonts import find_cjk_font
    from station.filing.new_case import MaterialFile
    from station.network import link

    net = hubs
    first = file_temporary_aid(net).case_no
    with net.open(net.township, MZ) as desk:
        review.claim(desk, first)
        review.accept(desk, first, "材料齐全，符合法定形式，予以受理。")
    today = datetime.now().astimezone().date().isoformat()  # the station clock's day
    resident = RESIDENTS[0]
    names = ("临时救助申请书", "家庭经济状况核对授权书")
    font = find_cjk_font().path
    files = [MaterialFile(name, draw_scan(tmp_path / f"again-{i}.jpg", name, [resident.name],
                                          800 + i, font, size=(620, 877)))
             for i, name in enumerate(names)]
    form = {"hardship_type": "火灾", "household_size": 3, "amount_requested": 1500,
            "incident_date": (datetime.now(CHINA_TIME).date() - timedelta(days=2)).isoformat()}
    with net.open(net.village) as village:
        second = file_case(village, TEMPORARY_AID, resident.to_json(), form, files,
                           reuse=list(SHARED), consent=True)
        assert second.missing == [] and sorted(second.reused) == sorted(SHARED)
        link.sync_once(village)
    case_no = second.case_no

    config = tmp_path / f"config-{MZ}"
    for font in ("normal", "large"):
        in_font(config, font)
        app = desk_log_in(net, tmp_path, net.township.data, TOWNSHIP[1], MZ)
        try:
            screen = open_desk(app, case_no)
            if font == "normal":
                claim(app, screen, case_no)
            else:  # claimed already: picking it opens it
                screen.select(case_no)
                opened_on(app, screen, case_no)
            verdicts = screen.verdicts
            assert verdicts is not None
            for name in SHARED:
                row = verdicts.row(name)
                assert row.source is not None
                line = str(row.source.cget("text"))
                assert f"复用自办件 {first}" in line, line
                assert f"已核验（民政办，{today}）" in line, line
                assert row.verdict().verdict == "ok"
            for name in names:  # handed in now: nothing to say yet
                assert verdicts.row(name).source is None
            row = verdicts.row(SHARED[0])
            row.set("unclear", "照片页模糊")  # the reviewer checks again and finds it unclear
            assert row.verdict().verdict == "unclear"
            assert "居民身份证（不清晰：照片页模糊）" in str(verdicts.notice.cget("text"))
            row.set("ok")
            assert screen.tabs is not None
            screen.tabs.select(verdicts)
            readable(app, "reuse-review-desk")
        finally:
            app.close()
