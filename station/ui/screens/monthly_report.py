"""月通报 (township and county admins and auditors): a month's figures per township,
station, office and matter, shown, printed as a PDF and exported to Excel.

Pick a month (the last 24) and an area (全县, a township or a station, offered from
the rows of the reports already made), press 生成: the report is computed from the
hub database beside this node on the store worker, as the PDF and the workbook are
written, so the window never waits.  The totals show above a list that switches
between the four tables.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from datetime import date
from pathlib import Path

import ttkbootstrap as ttk

from station.i18n import _, translate
from station.supervision import service
from station.supervision.columns import (
    DECIDED,
    DECIDED_RATE,
    ON_TIME_RATE,
    OPEN_AT_END,
    OVERDUE,
    RECEIVED,
    SATISFACTION,
    SCREEN,
    TABLE_NAMES,
    file_name,
    month_label,
    report_title,
)
from station.supervision.figures import COUNTY, STATION, TABLES, TOWNSHIP, MonthlyReport
from station.ui import file_dialogs
from station.ui.context import AppContext
from station.ui.flow import Flow, wrapping
from station.ui.opener import open_file
from station.ui.table import List

MONTHS_OFFERED = 24
# (kind, code) of an area; (None, None): this node's own area (the service's default)
Area = tuple[str | None, str | None]


def recent_months(today: date, count: int = MONTHS_OFFERED) -> list[str]:
    """"2026-12", "2026-11", … : this month and the ones before it, newest first."""
    months, year, month = [], today.year, today.month
    for _n in range(count):
        months.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


class MonthlyReportScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.report: MonthlyReport | None = None
        self.table = tk.StringVar(value=TABLES[0])
        months = recent_months(service.today_in_china())
        self.months = {month_label(m): m for m in months}
        county = app.opened.node.tier == "county"
        own = _("全县") if county else _("本乡镇")
        self.areas: dict[str, Area] = {own: (COUNTY, None) if county else (None, None)}
        top = ttk.Frame(self)
        top.pack(fill=tk.X)
        ttk.Label(top, text=_("月份")).pack(side=tk.LEFT, padx=(0, 6))
        self.month = ttk.Combobox(top, values=list(self.months), state="readonly", width=10)
        self.month.set(month_label(months[1]))  # last month: the one a 通报 is about
        self.month.pack(side=tk.LEFT)
        ttk.Label(top, text=_("范围")).pack(side=tk.LEFT, padx=(14, 6))
        self.area = ttk.Combobox(top, values=list(self.areas), state="readonly", width=26)
        self.area.set(own)
        self.area.pack(side=tk.LEFT)
        self.generate_button = ttk.Button(top, text=_("生成"), bootstyle="primary",
                                          command=self.generate)
        self.generate_button.pack(side=tk.LEFT, padx=(14, 0))
        self.xlsx_button = ttk.Button(top, text=_("导出Excel"), bootstyle="secondary-outline",
                                      command=self.export_xlsx, state="disabled")
        self.xlsx_button.pack(side=tk.RIGHT)
        self.pdf_button = ttk.Button(top, text=_("导出PDF"), bootstyle="secondary-outline",
                                     command=self.export_pdf, state="disabled")
        self.pdf_button.pack(side=tk.RIGHT, padx=(0, 6))
        self.message = wrapping(ttk.Label(self, text=""))
        self.message.pack(fill=tk.X, pady=(6, 0))
        self.title = wrapping(ttk.Label(self, text=_("选择月份和范围，然后点“生成”。"),
                                        font="TkHeadingFont"))
        self.title.pack(fill=tk.X, pady=(6, 2))
        self.summary = wrapping(ttk.Label(self, text="", justify=tk.LEFT))
        self.summary.pack(fill=tk.X)
        switch = Flow(self)
        switch.pack(fill=tk.X, pady=(8, 4))
        switch.add(ttk.Label(switch, text=_("明细：")))
        for table in TABLES:
            switch.add(ttk.Radiobutton(switch, text=translate(TABLE_NAMES[table]),
                                       value=table, variable=self.table,
                                       command=self.show_table,
                                       bootstyle="info-outline-toolbutton"))
        columns = ("name", *[c.key for c in SCREEN])
        self.tree = List(self, columns=columns, show="headings", height=10)
        self.tree.heading("name", text=_("名称"))
        self.tree.column("name", width=220, stretch=True, anchor="w")
        for column in SCREEN:
            self.tree.heading(column.key, text=column.title)
            self.tree.column(column.key, width=80, stretch=False, anchor="center")
        self.tree.pack(fill=tk.BOTH, expand=True)

    # -- making the report ----------------------------------------------------------

    def chosen(self) -> tuple[str, Area]:
        return self.months[self.month.get()], self.areas.get(self.area.get(), (None, None))

    def generate(self) -> None:
        station = self.app.opened
        month, (kind, code) = self.chosen()
        self.generate_button.configure(state="disabled")
        self.message.configure(text=_("正在统计……"), bootstyle="secondary")
        self.app.dispatcher.submit(lambda: service.monthly(station, month, kind, code),
                                   on_done=self.show, on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        if self.winfo_exists():
            self.generate_button.configure(state="normal")
            self.message.configure(text="")
        self.app.show_error(error)

    def show(self, report: MonthlyReport) -> None:
        if not self.winfo_exists():
            return
        self.report = report
        self.app.clear_error()
        self.generate_button.configure(state="normal")
        self.pdf_button.configure(state="normal")
        self.xlsx_button.configure(state="normal")
        self.message.configure(text="")
        self._offer_areas(report)
        self.title.configure(text=report_title(report))
        total = report.total
        lines = [_("统计截至 {as_of}。").format(as_of=report.as_of.isoformat())]
        lines.append("　".join(f"{c.title} {c.text(total)}" for c in (
            RECEIVED, DECIDED, OPEN_AT_END, DECIDED_RATE, ON_TIME_RATE, OVERDUE, SATISFACTION)))
        if report.provisional:
            lines.append(_("注意：部分到期日所在年份的调休安排尚未公布，数字为暂定。"))
        self.summary.configure(text="\n".join(lines),
                               bootstyle="warning" if report.provisional else "default")
        self.show_table()

    def _offer_areas(self, report: MonthlyReport) -> None:
        """Add the report's townships and stations to the areas to choose from."""
        for row in report.townships:
            if report.scope.kind == COUNTY:
                self.areas.setdefault(_("乡镇：{name}").format(name=row.name), (TOWNSHIP, row.key))
        for row in report.stations:
            self.areas.setdefault(_("站点：{name}").format(name=row.name), (STATION, row.key))
        self.area.configure(values=list(self.areas))

    def show_table(self) -> None:
        self.tree.delete(*self.tree.get_children())
        if self.report is None:
            return
        for row in getattr(self.report, self.table.get()):
            # "" is Tk's root item: the row of cases no office handled yet keys as "-"
            self.tree.insert("", tk.END, iid=row.key or "-", values=(
                row.name, *[column.text(row.figures) for column in SCREEN]))

    # -- the files --------------------------------------------------------------------

    def export_pdf(self) -> None:
        from station.supervision.report_pdf import Issuer, write_monthly_pdf

        station = self.app.opened

        def write(report: MonthlyReport, path: Path) -> Path:  # on the worker: reads the store
            issuer = Issuer(station.node.name, station.node.code,
                            station.display_name(station.user))
            return write_monthly_pdf(report, path, issuer)

        self._export(_("导出月通报（PDF）"), ".pdf", [(_("PDF 文件"), "*.pdf")], write,
                     _("月通报已保存：{path}"), opened=True)

    def export_xlsx(self) -> None:
        from station.supervision.report_xlsx import write_monthly_xlsx

        self._export(_("导出月通报（Excel）"), ".xlsx", [(_("Excel 文件"), "*.xlsx")],
                     write_monthly_xlsx, _("Excel 表已保存：{path}"), opened=False)

    def _export(self, title: str, extension: str, types: list[tuple[str, str]],
                write: Callable[[MonthlyReport, Path], Path], saved: str,
                opened: bool) -> None:
        report = self.report
        if report is None:
            return
        path = file_dialogs.ask_save(self, self.app, title, file_name(report, extension),
                                     types, extension)
        if path is None:
            return
        buttons = (self.pdf_button, self.xlsx_button)
        for button in buttons:
            button.configure(state="disabled")

        def done(written: Path) -> None:
            if self.winfo_exists():
                for button in buttons:
                    button.configure(state="normal")
                self.message.configure(text=saved.format(path=written), bootstyle="success")
            if opened:
                open_file(written)

        def failed(error: BaseException) -> None:
            if self.winfo_exists():
                for button in buttons:
                    button.configure(state="normal")
            self.app.show_error(error)

        self.app.dispatcher.submit(lambda: write(report, path), on_done=done, on_error=failed)
