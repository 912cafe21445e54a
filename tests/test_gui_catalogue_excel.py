"""管理 → 发布 with the county's Excel 事项清单 (real Tk under Xvfb, the demo network's
real stores, real hubs on loopback for the publish):

- a workbook with ten mistakes lists all ten (sheet, row, column, header, what is
  expected) and publishes nothing; an old .xls is told to be saved as .xlsx;
- a good workbook is published exactly as a folder would be: the signed catalogue's
  version goes up at the county and at its hub, and the county runs the new text.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import openpyxl
import ttkbootstrap as ttk
from excel_sheets import find_row, plant_ten_mistakes, set_cell
from gui import find_widget, keep, pump
from test_gui_admin import message_of, open_admin, published_state
from test_gui_sync import log_in

from forms.catalogue import load_catalogue
from forms.workbook_write import export_workbook
from station.demo import demo_network
from station.demo.demo_network import ADMIN, COUNTY, DemoNetwork
from station.network import link, updates
from station.ui.app import StationApp
from station.ui.screens.admin_publish import WORKBOOK, PublishPanel
from sync.updates import CATALOGUE

NEW_NAME = "农村最低生活保障申请（Excel 版）"


def open_publish(app: StationApp) -> PublishPanel:
    panel = open_admin(app).show("publish")
    assert isinstance(panel, PublishPanel)
    return panel


def publish(app: StationApp, panel: PublishPanel, workbook: Path) -> None:
    panel.set_path(WORKBOOK, workbook)  # what the file dialog does with its answer
    find_widget(panel, ttk.Button, "检查并发布事项清单").invoke()  # type: ignore[attr-defined]
    pump(app.root, lambda: message_of(panel) != "" and not panel.working,
         what="the check's answer")


def test_a_workbook_with_mistakes_lists_them_all_and_publishes_nothing(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    export_workbook(load_catalogue(), good)
    bad = tmp_path / "事项清单.xlsx"
    planted = plant_ten_mistakes(good, bad)
    before = published_state(net)

    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        panel = open_publish(app)
        publish(app, panel, bad)
        assert "10 处错误" in message_of(panel), message_of(panel)
        assert "danger" in str(panel.message.cget("style"))
        assert panel.problems.winfo_ismapped()
        lines = panel.problems.shown
        assert {(sheet, row, column) for sheet, row, column, _, _ in lines} == planted
        assert all(header and expected for _, _, _, header, expected in lines)
        table = panel.problems.table
        assert table is not None
        shown = [table.item(i)["values"] for i in table.get_children()]
        assert len(shown) == 10
        assert any(v[3] == "行使层级" and "应为：村级、乡镇级、县级" in v[4] for v in shown)
        keep(app.root, "catalogue-excel-errors")

        old = tmp_path / "旧清单.xls"  # not a workbook this program reads: told what to do
        old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
        publish(app, panel, old)
        assert "另存为" in message_of(panel) and not panel.problems.winfo_ismapped()
    finally:
        app.close()
    assert published_state(net) == before


def test_a_good_workbook_is_published_like_a_folder(
        display: str, net: DemoNetwork, tmp_path: Path) -> None:
    demo_network.start_hubs(net)
    with net.open(net.county) as county:
        link.set_hub(county, net.county.address or "")
    workbook = tmp_path / "事项清单.xlsx"
    export_workbook(load_catalogue(), workbook)
    book = openpyxl.load_workbook(workbook)
    matters = book["事项"]
    set_cell(matters, find_row(matters, 事项编码="450981-MZ-001"), "事项名称", NEW_NAME)
    book.save(workbook)
    version_before = published_state(net)[0]

    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        panel = open_publish(app)
        publish(app, panel, workbook)
        text = message_of(panel)
        assert f"第 {int(version_before) + 1} 版" in text, text  # type: ignore[call-overload]
        assert "12 个文件" in text and not panel.problems.winfo_ismapped()
    finally:
        app.close()

    with net.open(net.county) as county:
        assert updates.installed_version(CATALOGUE) == int(version_before) + 1  # type: ignore[call-overload]
        assert county.catalogue.get("450981-MZ-001").name == NEW_NAME
        client = link.client_for(county, None)
        link.connect(county, client)
        assert client.update_versions()[CATALOGUE] == int(version_before) + 1  # type: ignore[call-overload]
        held = json.loads(base64.b64decode(client.update(CATALOGUE)["update"]["body"]))
    assert held["version"] == int(version_before) + 1  # type: ignore[call-overload]
    assert sorted(held["files"]) == sorted(f"{m.code}.toml" for m in load_catalogue())
    assert NEW_NAME in held["files"]["450981-MZ-001.toml"]
