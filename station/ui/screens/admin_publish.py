"""管理 → 发布 (the county): publish the service-matter catalogue (a folder of
``*.toml`` files, or the county's Excel 事项清单) or the holiday calendar
(``calendar.toml``) to every station.

The files are checked first, with no network and no change anywhere
(``station.network.updates.check_source``): a mistake is shown with its file and
line and nothing is published; an Excel workbook's mistakes are listed all at
once, each with its sheet, row, column and what is expected
(``WorkbookProblems``).  Then, as ``station publish``, the update is signed,
posted to the county hub and installed here; stations install it when they sync.
"""

from __future__ import annotations

import tkinter as tk
from functools import partial
from pathlib import Path

import ttkbootstrap as ttk

from forms.errors import FormsError
from forms.workbook_errors import WorkbookInvalid
from station.app import Station
from station.i18n import _
from station.network import link, updates
from station.network.updates import Installed
from station.ui.context import AppContext
from station.ui.file_dialogs import ask_folder, ask_open
from station.ui.screens.admin_panel import Panel
from station.ui.screens.workbook_problems import WorkbookProblems
from sync.updates import CALENDAR, CATALOGUE

WORKBOOK = "workbook"  # the Excel 事项清单: published as the catalogue


def check_and_publish(station: Station, kind: str, source: Path) -> Installed:
    """Check without the network first; then publish to the county hub."""
    updates.check_source(station, kind, source)
    client = link.client_for(station, None)
    link.connect(station, client)
    return updates.publish(station, client, kind, source)


def publish_or_problems(station: Station, kind: str, source: Path) -> Installed | WorkbookInvalid:
    """As ``check_and_publish``; a workbook's mistakes come back as a result to list."""
    try:
        return check_and_publish(station, kind, source)
    except WorkbookInvalid as error:
        return error


class PublishPanel(Panel):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, app)
        self.paths: dict[str, ttk.Entry] = {}
        rows = ((CATALOGUE, _("事项目录（文件夹）"), _("选择文件夹…"), _("检查并发布事项目录")),
                (WORKBOOK, _("事项清单（Excel）"), _("选择文件…"), _("检查并发布事项清单")),
                (CALENDAR, _("节假日安排（calendar.toml）"), _("选择文件…"),
                 _("检查并发布节假日安排")))
        for row, (kind, label, choose, publish) in enumerate(rows):
            ttk.Label(self, text=label).grid(row=row * 2, column=0, columnspan=3, sticky="w",
                                             pady=(8 if row else 0, 2))
            entry = ttk.Entry(self, width=56)
            entry.grid(row=row * 2 + 1, column=0, sticky="w")
            self.paths[kind] = entry
            self.button(self, choose, partial(self.choose, kind),
                        "secondary-outline").grid(row=row * 2 + 1, column=1, padx=8)
            self.button(self, publish, partial(self.publish, kind)).grid(
                row=row * 2 + 1, column=2, sticky="w")
        ttk.Label(self, text=_("发布前先逐个文件检查；有错时指出文件和行号，什么都不发布。"
                               "发布后各站同步时自动安装。"),
                  bootstyle="secondary").grid(row=6, column=0, columnspan=3, sticky="w",
                                              pady=(10, 0))
        self.progress = ttk.Progressbar(self, mode="indeterminate", bootstyle="info-striped")
        self.progress.grid(row=7, column=0, columnspan=3, sticky="ew", pady=(10, 0))
        self.progress.grid_remove()
        self.message.grid(row=8, column=0, columnspan=3, sticky="w", pady=(8, 0))
        self.problems = WorkbookProblems(self)  # made, sized and gridded once it is needed
        self.columnconfigure(3, weight=1)  # empty: takes what the list needs beyond the rows
        self.rowconfigure(9, weight=1)  # the list takes the height that is left
        self.bind("<Configure>", lambda event: self.problems.fit(event.width - 20), add="+")

    def choose(self, kind: str) -> None:
        if kind == CATALOGUE:
            path = ask_folder(self, self.app, _("选择事项目录文件夹"))
        elif kind == WORKBOOK:
            path = ask_open(self, self.app, _("选择 Excel 事项清单"),
                            ((_("Excel 工作簿"), "*.xlsx"), (_("所有文件"), "*")))
        else:
            path = ask_open(self, self.app, _("选择节假日安排文件"),
                            ((_("节假日安排"), "*.toml"), (_("所有文件"), "*")))
        if path is not None:
            self.set_path(kind, path)

    def set_path(self, kind: str, path: Path) -> None:
        """What the dialog calls with the chosen path (tests call it too)."""
        self.paths[kind].delete(0, tk.END)
        self.paths[kind].insert(0, str(path))

    def publish(self, kind: str) -> None:
        text = self.paths[kind].get().strip()
        if not text:
            self.say(_("请先选择要发布的文件或文件夹。"), problem=True)
            return
        source = Path(text)
        what = _("节假日安排") if kind == CALENDAR else _("事项目录")
        published_kind = CATALOGUE if kind == WORKBOOK else kind
        self.problems.grid_remove()
        self.progress.grid()
        self.progress.start()

        def published(done: Installed | WorkbookInvalid) -> str | None:
            if isinstance(done, WorkbookInvalid):
                self.list_problems(done.problems)
                return None
            return _("已发布{what}第 {version} 版（{files} 个文件），各站同步时自动安装。").format(
                what=what, version=done.version, files=done.files)

        self.run(lambda s: publish_or_problems(s, published_kind, source), published,
                 self.stop_progress)
        if not self.working:
            self.stop_progress()

    def list_problems(self, problems: list[FormsError]) -> None:
        """An Excel 事项清单's mistakes: how many, then each in the list below."""
        self.say(_("Excel 事项清单有 {count} 处错误，什么都没有发布；"
                   "请按下表逐项改正后再发布。").format(count=len(problems)), problem=True)
        self.problems.show(problems)
        self.problems.grid(row=9, column=0, columnspan=4, sticky="nsw", pady=(6, 0))

    def say(self, text: str, problem: bool = False) -> None:
        self.stop_progress()
        super().say(text, problem)

    def stop_progress(self) -> None:
        if self.winfo_exists():
            self.progress.stop()
            self.progress.grid_remove()
