"""A USB bundle round trip in the windows (real Tk under Xvfb, real stores and hub
database of the demo network): the village exports its offline bundle in 同步, the
township's admin imports it in 管理 → 离线数据包 (which writes the receipts), the
village imports the receipts in 同步, and its case shows as 已上报 (delivered).

Set-up that is not the exchange under test is done as tests/test_sync_bundles.py
does it: the hubs run only to let the village learn the network's directory by a
first USB exchange on the command line (``bootstrap``), then stop, so that nothing
can travel over the network; a sample case is filed through the filing service.

Tk's native file dialogs cannot be driven reliably under Xvfb, so the test gives
the path to the method each dialog calls with its answer (``UsbBox.export_to``,
``UsbBox.import_from``, ``HubUsbPanel.import_from``); everything after the dialog
is the window's own code path.
"""

from __future__ import annotations

from pathlib import Path

from gui import keep, pump, screenshot
from network import hub_holdings
from test_gui_admin import assert_fits, large_font, message_of, open_admin
from test_gui_sync import log_in, text_of
from test_sync_bundles import bootstrap

from station.demo import demo_network
from station.demo.demo_network import ADMIN, TOWNSHIP, VILLAGE, DemoNetwork
from station.demo.village import DEMO_AGENT
from station.network import link
from station.network.bundle import ExportReport
from station.store.models import SyncEnvelope
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens.admin_usb import HubUsbPanel
from station.ui.screens.sync import SyncScreen, exported_text

WAIT = 180.0  # an import on a shared 2-core machine


def sync_screen(app: StationApp) -> SyncScreen:
    main = app.view
    assert isinstance(main, MainWindow)
    screen = main.open("sync")
    assert isinstance(screen, SyncScreen)
    return screen


def outbox_rows(screen: SyncScreen) -> list[list[object]]:
    tree = screen.outbox.tree
    return [tree.item(i)["values"] for i in tree.get_children()]


def test_usb_round_trip_from_the_windows(display: str, net: DemoNetwork,
                                         tmp_path: Path) -> None:
    stick = net.workdir / "stick"
    bootstrap(net, stick)
    net.stop()  # from here on, nothing can go over the network
    with net.open(net.village) as village:
        filed = demo_network.file_samples(net, village, 1)[0].case_no
        acked_before = link.acked_seq()

    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        screen = sync_screen(app)
        screen.usb.export_to(stick / "cases.zip")
        pump(app.root, lambda: "已导出离线数据包" in text_of(screen.usb.message),
             timeout=WAIT, what="the export's summary")
        summary = text_of(screen.usb.message)
        assert (stick / "cases.zip").is_file()
        assert not screen.usb.progress.winfo_ismapped()
        keep(app.root, "sync-usb-export")
    finally:
        app.close()
    with net.open(net.village):
        last_seq = max(r.seq for r in SyncEnvelope.select())
    assert last_seq > acked_before and f"事件 {last_seq - acked_before} 条" in summary, summary

    app = log_in(net, tmp_path, net.township.data, TOWNSHIP[1], ADMIN)
    try:
        panel = open_admin(app).show("usb")
        assert isinstance(panel, HubUsbPanel)
        panel.import_from(stick / "cases.zip")
        pump(app.root, lambda: "已导入站点" in message_of(panel), timeout=WAIT,
             what="the hub import's summary")
        shown = message_of(panel)
        assert VILLAGE[1] in shown and "cases.receipts.zip" in shown, shown
        keep(app.root, "admin-usb-import")
    finally:
        app.close()
    assert (stick / "cases.receipts.zip").is_file()
    held = hub_holdings(net, net.township, net.township_db)
    assert {(net.village.code, s) for s in range(1, last_seq + 1)} <= set(held.events)

    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        screen = sync_screen(app)
        screen.usb.import_from(stick / "cases.receipts.zip")
        pump(app.root, lambda: "已导入回执" in text_of(screen.usb.message), timeout=WAIT,
             what="the receipts' summary")
        assert f"第 {last_seq} 条" in text_of(screen.usb.message)

        def delivered() -> bool:
            rows = [r for r in outbox_rows(screen) if r[2] == filed]
            return bool(rows) and all(r[-1] == "已上报" for r in rows)

        pump(app.root, delivered, timeout=WAIT, what="the case's records shown as 已上报")
        main = app.view
        assert isinstance(main, MainWindow)
        bar = main.status_bar
        pump(app.root, lambda: text_of(bar.pending) == "待上报 0 条", timeout=WAIT,
             what="nothing left to send in the status bar")
        keep(app.root, "sync-usb-receipts")
    finally:
        app.close()
    with net.open(net.village):
        assert link.acked_seq() >= last_seq



def test_the_sync_screen_with_its_usb_box_fits_in_large_font(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        large_font(app)
        screen = sync_screen(app)
        screen.usb.message.configure(text=exported_text(ExportReport(
            str(tmp_path / "U盘" / "便民站-450981104201-20261206-0930.zip"), VILLAGE[1],
            TOWNSHIP[1], events=1234, materials=56, size=78 * 1024 * 1024)))
        assert_fits(app, screen, "同步")
        assert screen.outbox.winfo_height() > 100, "the outbox keeps room for its rows"
        screenshot(app.root, "sync-usb-large")
    finally:
        app.close()
