"""管理 → 吊销 (the county): revoke a seal or a station's certificate, after a
confirmation that says what stops working.  The seals are listed from the store, the
stations' certificates (with their serial numbers) from the county hub's database on
this PC; a serial number can also be typed.

The county signs a new revocation list (``station.trust.revocations.revoke``,
as ``station revocations issue``); it goes out with the next sync, and a copy is
saved in the documents folder for stations reached by USB.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk

from station.app import Station
from station.hubops.audit import (
    HubDatabaseMissing,
    StationCertificate,
    listed_certificates,
)
from station.i18n import _, translate
from station.node import TIER_LABELS
from station.outbox import local_time
from station.trust import revocations, seals
from station.trust.seals import SealInfo
from station.ui.context import AppContext
from station.ui.problems import describe
from station.ui.screens.admin_panel import Panel
from station.ui.screens.admin_seals import fill_seals, seal_table
from station.ui.screens.admin_table import Table


def consequences(serial: int, known: list[SealInfo],
                 stations: list[StationCertificate] | None = None) -> str:
    """What stops working when ``serial`` is revoked, in plain words."""
    seal = next((s for s in known if s.serial == serial), None)
    node = next((c for c in stations or [] if c.serial == serial), None)
    if node is not None:
        return _("吊销“{name}”（{code}）的证书（序列号 {serial}）后：该站不能再同步，各枢纽站"
                 "拒收它的数据；它签发的下级站点证书也随之失效；要恢复，须重新入网。"
                 "吊销不能撤回。").format(name=node.name, code=node.code, serial=serial)
    if seal is not None:
        return _("吊销“{office}”的印章（序列号 {serial}）后：它不能再盖章；用它盖过章的文书"
                 "核验时显示“已吊销”；要继续盖章，须为该科室制作新印章。吊销不能撤回。").format(
            office=seal.office, serial=serial)
    return _("吊销序列号 {serial} 的证书后：若它是站点的证书，该站不能再同步，各枢纽站拒收它的"
             "数据，须重新入网；若它是印章，它不能再盖章，盖过章的文书核验时显示“已吊销”。"
             "吊销不能撤回。").format(serial=serial)


def revoke_and_keep(station: Station, serial: int) -> Path:
    """Sign the new list (it goes out with the next sync) and keep a copy for USB."""
    data = revocations.revoke(station, {serial})
    target = station.documents / _("吊销名单-第{number}号.bin").format(
        number=revocations.number_of(data))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


class RevokePanel(Panel):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, app)
        self.known: list[SealInfo] = []
        self.stations: list[StationCertificate] = []
        self.table = seal_table(self, height=3)
        self.columnconfigure(0, weight=1)  # the lists may not be wider than the tab
        self.table.grid(row=0, column=0, sticky="ew")
        self.table.bind("<<TreeviewSelect>>", lambda _e: self.pick())
        self.station_table = Table(self, (("code", _("站点编码"), 7), ("name", _("站点名称"), 12),
                                          ("tier", _("层级"), 4), ("serial", _("证书序列号"), 14),
                                          ("seen", _("最近同步"), 7)), height=3)
        self.station_table.grid(row=1, column=0, sticky="ew", pady=(8, 0))
        self.station_table.bind("<<TreeviewSelect>>", lambda _e: self.pick_station())
        self.stations_note = ttk.Label(self, text="", bootstyle="secondary", justify=tk.LEFT)
        self.stations_note.grid(row=2, column=0, sticky="w")
        ttk.Label(self, text=_("选中上面的印章或站点，或直接输入证书的序列号：")).grid(
            row=3, column=0, sticky="w", pady=(8, 0))
        row = ttk.Frame(self)
        row.grid(row=4, column=0, sticky="w", pady=6)
        self.serial = ttk.Entry(row, width=50)
        self.serial.pack(side=tk.LEFT)
        self.button(row, _("吊销…"), self.ask, "danger-outline").pack(side=tk.LEFT, padx=10)
        self.confirm = ttk.Labelframe(self, text=_("请确认"), padding=10, bootstyle="danger")
        self.warning = ttk.Label(self.confirm, text="", wraplength=820, justify=tk.LEFT)
        self.warning.pack(anchor="w")
        buttons = ttk.Frame(self.confirm)
        buttons.pack(anchor="w", pady=(8, 0))
        self.button(buttons, _("确认吊销"), self.revoke, "danger").pack(side=tk.LEFT)
        ttk.Button(buttons, text=_("取消"), bootstyle="secondary",
                   command=self.confirm.grid_remove).pack(side=tk.LEFT, padx=8)
        self.confirm.grid(row=5, column=0, sticky="ew", pady=6)
        self.confirm.grid_remove()
        self.message.grid(row=6, column=0, sticky="w", pady=(8, 0))
        self.load(seals.list_seals, self.keep_seals)
        self.load_stations()

    def keep_seals(self, found: list[SealInfo]) -> None:
        self.known = found
        fill_seals(self.table, found)

    def load_stations(self) -> None:
        """The stations' certificates from the county hub's database on this PC."""
        station = self.app.opened

        def shown(found: list[StationCertificate]) -> None:
            if not self.winfo_exists():
                return
            self.stations = found
            self.station_table.fill([(c.code, (
                c.code, c.name, translate(TIER_LABELS.get(c.tier, c.tier)), c.serial,
                local_time(c.last_seen) if c.last_seen else "—")) for c in found])
            self.stations_note.configure(text="" if found else _("枢纽站还没有见过任何站点。"))

        def failed(error: BaseException) -> None:
            if self.winfo_exists():
                self.stations_note.configure(text=_(
                    "这台电脑上没有县级枢纽站的数据库，列不出各站的证书；"
                    "可在运行县级枢纽站的电脑上吊销，或直接输入序列号。")
                    if isinstance(error, HubDatabaseMissing) else describe(error))

        self.app.dispatcher.submit(lambda: listed_certificates(station), on_done=shown,
                                   on_error=failed)

    def pick_station(self) -> None:
        node = next((c for c in self.stations if c.code == self.station_table.chosen()), None)
        if node is not None:
            self.serial.delete(0, tk.END)
            self.serial.insert(0, str(node.serial))

    def pick(self) -> None:
        seal = next((s for s in self.known if s.office == self.table.chosen()), None)
        if seal is not None:
            self.serial.delete(0, tk.END)
            self.serial.insert(0, str(seal.serial))

    def chosen(self) -> int | None:
        text = self.serial.get().strip()
        if not text.isascii() or not text.isdigit():
            self.say(_("请输入证书序列号（一串数字）。"), problem=True)
            return None
        return int(text)

    def ask(self) -> None:
        serial = self.chosen()
        if serial is None:
            return
        self.message.configure(text="")
        self.warning.configure(text=consequences(serial, self.known, self.stations))
        self.confirm.grid()

    def revoke(self) -> None:
        serial = self.chosen()
        if serial is None:
            return
        self.confirm.grid_remove()
        self.run(lambda s: revoke_and_keep(s, serial),
                 lambda path: _("已吊销序列号 {serial}，新的吊销名单随下次同步发往各站；"
                                "离线的站点可用U盘带去这份名单：{path}").format(
                     serial=serial, path=path),
                 lambda: self.load(seals.list_seals, self.keep_seals))
