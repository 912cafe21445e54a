"""The material viewer under a real X display: fitted pages, zoom, paging, Esc, 阅览留痕."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PASSPHRASE, VILLAGE
from filing_samples import APPLICANT, ELDER_FORM, ELDER_MATTER
from gui import pump, screenshot

from station.app import Station
from station.demo.samples import draw_scan
from station.filing.new_case import MaterialFile, file_case
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens.cases import CaseDetail, CasesScreen
from station.ui.screens.viewer import MaterialViewer

ID_CARD, HOUSEHOLD = "居民身份证", "居民户口簿"


@pytest.fixture
def case_no(data_dir: Path, documents: Path, tmp_path: Path) -> str:
    """A filed case: two pages of the ID card, one of the household register (real JPEGs)."""
    station, _sheet = Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)
    try:
        files = [MaterialFile(name, draw_scan(tmp_path / f"scan-{seed}.jpg", name, [f"p{page}"],
                                              seed=seed, size=(620, 877)))
                 for seed, (name, page) in enumerate(
                     [(ID_CARD, 1), (ID_CARD, 2), (HOUSEHOLD, 1)])]
        return file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files,
                         print_documents=False).case_no
    finally:
        station.close()


def open_detail(app: StationApp, case_no: str) -> CaseDetail:
    app.view.passphrase.insert(0, PASSPHRASE)  # type: ignore[union-attr]
    app.view.submit()  # type: ignore[union-attr]
    pump(app.root, lambda: isinstance(app.view, MainWindow), what="login")
    cases = app.view.open("cases")  # type: ignore[union-attr]
    assert isinstance(cases, CasesScreen)
    pump(app.root, lambda: cases.tree.get_children() == (case_no,), what="the case list")
    cases.open_selected()
    pump(app.root, lambda: cases.detail is not None, what="the case details")
    assert cases.detail is not None
    return cases.detail


def shown(app: StationApp, viewer: MaterialViewer, what: str) -> tuple[int, int]:
    pump(app.root, lambda: viewer.settled and not app.images.busy and not app.dispatcher.busy,
         what=what)
    return viewer.shown_size


def press(app: StationApp, viewer: MaterialViewer, key: str) -> None:
    viewer.canvas.focus_force()
    pump(app.root, lambda: app.root.focus_get() is viewer.canvas, what="the viewer's focus")
    viewer.canvas.event_generate(f"<KeyPress-{key}>")


def test_viewer_fits_zooms_pages_and_records_the_view(display: str, tmp_path: Path,
                                                      data_dir: Path, documents: Path,
                                                      case_no: str) -> None:
    app = StationApp(data_dir, documents, config_dir=tmp_path / "config")
    try:
        detail = open_detail(app, case_no)
        detail.view_button.invoke()
        viewer = detail.viewer
        assert isinstance(viewer, MaterialViewer)
        size = shown(app, viewer, "the first page")
        area = viewer.view_size()
        assert area[0] > 300 and area[1] > 300
        assert size[0] <= area[0] and size[1] <= area[1]
        assert size[0] >= area[0] - 2 or size[1] >= area[1] - 2  # fitted: one side fills
        expected = [f"{name} 第 {page} 页 / 共 {2 if name == ID_CARD else 1} 页"
                    for name, page, _media in viewer.pages]
        assert len(expected) == 3 and viewer.heading.cget("text") == expected[0]
        screenshot(app.root, "30-viewer")

        press(app, viewer, "plus")
        zoomed = shown(app, viewer, "the zoomed page")
        assert zoomed[0] > size[0] and zoomed[1] > size[1]
        assert zoomed[1] > area[1]  # larger than the view: it scrolls
        viewer.canvas.yview_scroll(2, "units")
        assert viewer.canvas.yview()[0] > 0
        screenshot(app.root, "31-viewer-zoomed")
        press(app, viewer, "0")
        assert shown(app, viewer, "the fitted page") == size

        for title in expected[1:]:
            press(app, viewer, "Next")
            shown(app, viewer, title)
            assert viewer.heading.cget("text") == title
        viewer.buttons[2].invoke()  # 下一页 on the last page: stays there
        press(app, viewer, "Right")
        shown(app, viewer, "the last page")
        assert viewer.index == 2 and viewer.heading.cget("text") == expected[-1]
        assert str(viewer.buttons[2].cget("state")) == "disabled"
        screenshot(app.root, "32-viewer-last-page")

        press(app, viewer, "Escape")
        pump(app.root, lambda: detail.viewer is None and not viewer.winfo_exists(),
             what="the viewer to close")

        rows = detail.materials.get_children()
        second = next(r for r in rows if detail.material_rows[r] == (ID_CARD, 2))
        detail.materials.selection_set(second)
        detail.materials.focus_force()
        pump(app.root, lambda: app.root.focus_get() is detail.materials, what="the list's focus")
        detail.materials.event_generate("<KeyPress-Return>")
        pump(app.root, lambda: detail.viewer is not None, what="the viewer from the list")
        again = detail.viewer
        assert again is not None
        shown(app, again, "the chosen page")
        assert again.heading.cget("text") == f"{ID_CARD} 第 2 页 / 共 2 页"
        press(app, again, "Escape")
        pump(app.root, lambda: detail.viewer is None, what="the viewer to close again")
    finally:
        app.close()

    reopened = Station.open(data_dir, None, PASSPHRASE, documents)
    try:
        from station.store.models import Event

        viewed = [e.payload for e in Event.select().where(
            (Event.type == "access.viewed") & (Event.case_no == case_no)).order_by(Event.seq)]
        materials = {(p["material"], p["page"]) for p in viewed if "material" in p}
        assert materials == {(ID_CARD, 1), (ID_CARD, 2), (HOUSEHOLD, 1)}
    finally:
        reopened.close()
