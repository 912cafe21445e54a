"""The desktop app on a running demo network (real hubs on loopback, real Tk under Xvfb):
the village syncs from the 同步 screen and the status bar; the county admin's 审计 screen
lists sessions, filters them, shows each station's health and prints the audit report."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tkinter as tk
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import ttkbootstrap as ttk
from cli import station as run_station
from gui import find_widget, pump, screenshot, settle, text_of
from network import copy_network, postgres_databases

from station.app import Station
from station.demo import demo_network
from station.demo.demo_network import ADMIN, COUNTY, TOWNSHIP, VILLAGE, DemoNetwork
from station.demo.village import DEMO_AGENT, DEMO_AGENT_NAME
from station.hubops.audit import audit_hub, fold_empty_polls, open_hub_database
from station.hubops.report import AuditReportInfo, write_audit_report
from station.network import link
from station.network.sync_worker import SyncScheduler
from station.store.models import Event
from station.ui.app import StationApp
from station.ui.login import LoginView
from station.ui.main_window import MainWindow
from station.ui.screens.audit import AuditScreen
from station.ui.screens.cases import CasesScreen
from station.ui.screens.sync import SyncScreen

WAIT = 180.0  # generous: two hubs and a round trip on a shared 2-core machine


@pytest.fixture
def net(network_template: Path, tmp_path: Path) -> Iterator[DemoNetwork]:
    running = copy_network(network_template, tmp_path / "net")
    try:
        demo_network.start_hubs(running)
        yield running
    finally:
        running.stop()


def dead_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def documents_of(net: DemoNetwork, code: str) -> Path:
    return net.workdir / "documents" / code


def log_in(net: DemoNetwork, tmp_path: Path, data: Path, code: str, user: str) -> StationApp:
    app = StationApp(data, documents_of(net, code), config_dir=tmp_path / f"config-{user}",
                     user=user)
    login = app.view
    assert isinstance(login, LoginView)
    login.passphrase.insert(0, net.passphrase)
    login.submit()
    pump(app.root, lambda: isinstance(app.view, MainWindow), what="login")
    return app


def pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: install the Debian package poppler-utils"
    done = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return "".join(done.stdout.split())


def test_village_syncs_from_the_window_and_the_status_bar_follows(
        display: str, net: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    township = net.township.address
    assert township
    with net.open(net.village) as village:
        demo_network.file_samples(net, village)
        # The hub was unreachable for a while: 8 failures, the next try ~10 minutes away.
        link.set_hub(village, dead_address())
        failing = SyncScheduler(village, rand=lambda: 0.999)
        for _ in range(8):
            failing.run_round()
        assert failing.due_in() > 300
        link.set_hub(village, township)  # the link is back
        pending = link.pending_count()
    assert pending > 0

    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        main = app.view
        assert isinstance(main, MainWindow)
        bar = main.status_bar
        pump(app.root, lambda: "同步失败" in text_of(bar.state_label)
             and text_of(bar.pending) == f"待上报 {pending} 条", timeout=WAIT,
             what="the restored backoff in the status bar")
        assert "连续 8 次" in text_of(bar.state_label)  # the restart honours the backoff

        screen = main.open("sync")
        assert isinstance(screen, SyncScreen)
        pump(app.root, lambda: screen.hub.get() == township, what="the hub address")
        screen.hub.delete(0, tk.END)
        screen.hub.insert(0, "192.168.1.10:8470")  # no scheme: refused, nothing changed
        screen.save_button.invoke()
        assert "http://" in text_of(screen.hub_message)
        screen.hub.delete(0, tk.END)
        screen.hub.insert(0, township)
        assert "连不上枢纽站" in text_of(screen.values["error"])

        find_widget(screen, ttk.Button, "立即同步").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: text_of(bar.pending) == "待上报 0 条"
             and "上次成功同步：20" in text_of(bar.last)
             and "同步正常" in text_of(bar.state_label), timeout=WAIT,
             what="the status bar to show everything sent")
        assert text_of(screen.values["error"]) == "无"
        assert screen.bar.cget("value") == pytest.approx(1.0)  # the upload bar ends full
        pump(app.root, lambda: screen.outbox.tree.get_children() != () and all(
            screen.outbox.tree.item(i)["values"][-1] == "已上报"
            for i in screen.outbox.tree.get_children()), what="the outbox marked sent")
        authors = {str(screen.outbox.tree.item(i)["values"][4])
                   for i in screen.outbox.tree.get_children()}
        assert DEMO_AGENT_NAME in authors and DEMO_AGENT not in authors  # 操作人: real names
        screenshot(app.root, "07-sync")

        cases = main.open("cases")  # the status bar stays under every screen…
        assert isinstance(cases, CasesScreen)
        assert main.status_bar.winfo_ismapped()
        # Listing cases is itself recorded (阅览留痕) and travels, but 待上报 counts cases
        # and their steps only: browsing must not make cases look unsent.
        pump(app.root, lambda: app.dispatcher.submit(
            lambda: Event.select().where(Event.type == "access.listed").count()).result() > 0,
            timeout=WAIT, what="the access record of the list")
        assert app.dispatcher.submit(link.pending_count).result() == 0
        app.sync.poke()  # type: ignore[union-attr]
        settle(app.root)
        assert text_of(bar.pending) == "待上报 0 条"
    finally:
        app.close()
    with net.open(net.village) as village:
        unsent = Event.select(Event.type).where(Event.seq > link.acked_seq())
        assert [e.type for e in unsent] == ["access.listed"]
        assert link.hub_url(village) == township  # the refused address was never kept


def test_county_admin_audits_sessions_health_and_prints_the_report(
        display: str, net: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    summary = demo_network.round_trip(net)
    assert summary["audit_ok"], summary["audit"]
    # The audit reads the hub's database itself; with the hubs still running, the
    # township's forwarder and this desk's background sync would add sessions between
    # one filter and the next.
    net.stop()
    county, township, village = COUNTY[1], TOWNSHIP[1], VILLAGE[1]

    app = log_in(net, tmp_path, net.county.data, county, ADMIN)
    try:
        main = app.view
        assert isinstance(main, MainWindow)
        buttons = main.buttons
        pump(app.root, lambda: "audit" in buttons, what="the 审计 button")
        screen = main.open("audit")
        assert isinstance(screen, AuditScreen)
        log = screen.log
        pump(app.root, lambda: bool(log.rows), timeout=WAIT, what="the sync log")
        everything = list(log.rows)
        assert township in {row.peer for row in everything}  # the township forwards up
        assert len(log.tree.get_children()) == len(fold_empty_polls(everything))  # 空轮询 folded
        assert text_of(log.count).startswith(f"同步会话 {len(everything)} 次")
        screenshot(app.root, "09-audit-log")

        def refilter(what: str) -> list[object]:
            log.rows = []
            log.tree.insert("", tk.END, iid="stale")  # gone once the new rows are shown
            log.reload()
            pump(app.root, lambda: not log.tree.exists("stale"), what=what)
            return list(log.rows)

        seen = 0
        for index, direction in enumerate(("up", "down", "both"), 1):  # 上报, 下载, 双向
            log.direction.current(index)
            chosen = refilter(f"{direction} sessions")
            assert all(row.direction == direction for row in chosen)  # type: ignore[attr-defined]
            seen += len(chosen)
        # every session that moved events one way or both is under one of the three
        # (a session of control requests only, e.g. hello and directory, has none)
        moved = [row for row in everything if row.direction]  # type: ignore[attr-defined]
        assert moved and seen == len(moved)
        log.direction.current(0)
        log.result.current(2)  # 失败
        failed = refilter("failed sessions")
        assert all(row.result == "error" for row in failed)  # type: ignore[attr-defined]
        log.result.current(1)  # 成功
        ok = refilter("good sessions")
        assert len(ok) + len(failed) == len(everything)
        log.result.current(0)
        log.station.current([code for code, _name in log.peers].index(township) + 1)
        assert log.chosen().station == township
        mine = refilter("one station's sessions")
        assert mine and all(row.peer == township for row in mine)  # type: ignore[attr-defined]
        assert len(mine) == sum(1 for row in everything if row.peer == township)
        log.station.current(0)
        log.since.insert(0, "2099-01-01")
        assert refilter("sessions from 2099") == []
        log.since.delete(0, tk.END)
        log.since.insert(0, "2026-13-45")
        log.reload()
        assert "2026-13-45" in text_of(app.banner)  # a clear message, nothing read
        log.since.delete(0, tk.END)
        assert len(refilter("every session again")) == len(everything)

        health = screen.health
        screen.tabs.select(health)
        pump(app.root, lambda: health.audit is not None and health.tree.exists(village),
             timeout=WAIT, what="the station health")
        row = health.tree.item(village)
        assert int(row["values"][4]) > 0 and row["values"][-1] == "正常" and row["tags"] == ""
        assert health.tree.exists(township)
        assert text_of(health.summary).startswith("核验通过")
        screenshot(app.root, "10-station-health")

        documents = documents_of(net, county)
        screen.report_button.invoke()
        pump(app.root, lambda: "审计报告已保存" in text_of(screen.message), timeout=WAIT,
             what="the audit report")
        reports = list(documents.glob("同步审计报告-*.pdf"))
        assert len(reports) == 1 and str(reports[0]) in text_of(screen.message)
        text = pdf_text(reports[0])
        for expected in ("同步审计报告", "审计摘要", "核验通过", county, township, village):
            assert expected in text, expected
    finally:
        app.close()

    # A reviewer at the county gets no 审计 screen.
    reviewer = log_in(net, tmp_path, net.county.data, county, "mzj")
    try:
        main = reviewer.view
        assert isinstance(main, MainWindow)
        main.open("settings")
        reviewer.dispatcher.submit(lambda: None)
        pump(reviewer.root, lambda: not reviewer.dispatcher.busy, what="the role check")
        assert "audit" not in main.buttons
    finally:
        reviewer.close()


def test_audit_report_command_and_silent_stations(net: DemoNetwork, tmp_path: Path) -> None:
    summary = demo_network.round_trip(net, 1)
    assert summary["audit_ok"]
    env = {"STATION_PASSPHRASE": net.passphrase}
    out = tmp_path / "report.pdf"
    done = run_station("audit", "report", "--data", net.county.data, "--user", "archivist",
                       "--out", out, "--json", env=env)
    assert done.code == 0, done.err
    value = done.json()
    assert value["ok"] and value["path"] == str(out) and value["nodes"] >= 2
    codes = {s["code"]: s for s in value["stations"]}
    assert codes[VILLAGE[1]]["events"] > 0 and not codes[VILLAGE[1]]["silent"]
    assert "同步审计报告" in pdf_text(out) and VILLAGE[1] in pdf_text(out)

    refused = run_station("audit", "report", "--data", net.county.data, "--user", "mzj",
                          "--out", tmp_path / "no.pdf", env=env)
    assert refused.code == 3 and "审计员" in refused.err
    assert not (tmp_path / "no.pdf").exists()
    fresh = tmp_path / "fresh-county"
    Station.init(fresh, *COUNTY, ADMIN, net.passphrase, tmp_path / "printed")[0].close()
    missing = run_station("audit", "report", "--data", fresh, "--user", ADMIN, env=env)
    assert missing.code == 5 and "找不到枢纽站数据库" in missing.err
    assert not (fresh / "hub.db").exists()  # nothing created by looking

    # A month without the village: it is marked silent, in the report too.
    with net.open(net.county, ADMIN) as county:
        db = open_hub_database(county)
        audit = audit_hub(db, silent_days=7, now=datetime.now(UTC) + timedelta(days=30))
        silent = {s.code: s for s in audit.stations}[VILLAGE[1]]
        assert silent.silent and silent.silent_days == 30
        path = write_audit_report(AuditReportInfo(audit, [], county.node.name, county.node.code,
                                                  "admin"), tmp_path / "silent.pdf")
    text = pdf_text(path)
    assert f"站点{VILLAGE[1]}" in text and "已30天未同步" in text and "失联30天" in text


def test_audit_report_reads_a_postgresql_county_hub(network_template: Path, tmp_path: Path) -> None:
    running = copy_network(network_template, tmp_path / "net")
    try:
        with postgres_databases("county", "township") as (county_db, township_db):
            demo_network.start_hubs(running, county_db, township_db)
            assert demo_network.round_trip(running, 1)["audit_ok"]
            done = run_station("audit", "report", "--data", running.county.data, "--user",
                               ADMIN, "--db", county_db, "--json", "--documents",
                               documents_of(running, COUNTY[1]),
                               env={"STATION_PASSPHRASE": running.passphrase})
            running.stop()
    finally:
        running.stop()
    assert done.code == 0, done.err
    value = done.json()
    assert value["ok"] and VILLAGE[1] in {s["code"] for s in value["stations"]}
    assert not (running.county.data / "hub.db").exists()  # PostgreSQL only, as asked
    report = Path(value["path"])
    assert report.parent == documents_of(running, COUNTY[1])  # the documents folder
    assert VILLAGE[1] in pdf_text(report)
