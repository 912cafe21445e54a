"""居民档案: every case of one resident held here, placed over the case details.

Opened from a case (``open_by_case`` on the worker, which records the access); the
list shows each case newest first with its state and a count of its materials, the
lower list the materials of the case chosen (pages, day received, the case a reused
material came from, and 已核验 with the office and day when an office found it 齐全).
Enter or a double click opens a case; Esc goes back.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

from station.cases.material_checks import checked_text
from station.cases.resident_file import FileCase, ResidentFile
from station.i18n import N_, _, translate
from station.ui.context import AppContext
from station.ui.flow import wrapping
from station.ui.table import List

CASE_COLUMNS = (("case_no", N_("办件编号"), 240), ("matter", N_("事项"), 220),
                ("filed", N_("收件日期"), 110), ("state", N_("状态"), 130),
                ("materials", N_("材料"), 130))
MATERIAL_COLUMNS = (("name", N_("材料"), 220), ("pages", N_("页数"), 60),
                    ("received", N_("收件日期"), 110), ("source", N_("来源"), 220),
                    ("checked", N_("材料核验"), 220))


def scrolls_down(tree: List) -> List:
    """Give ``tree`` an upright scroll bar, shown only while rows are out of sight (a
    resident's many cases; the nine materials of 两项补贴)."""
    bar = ttk.Scrollbar(tree.box, orient=tk.VERTICAL, command=tree.yview)

    def scrolled(first: str, last: str) -> None:
        bar.set(first, last)
        if float(first) <= 0.0 and float(last) >= 1.0:
            bar.grid_remove()
        else:
            bar.grid(row=0, column=1, sticky="ns")

    tree.configure(yscrollcommand=scrolled)
    return tree


def materials_text(case: FileCase) -> str:
    """The materials column: how many materials and pages, or that there are none."""
    if not case.materials:
        return _("未收材料")
    kinds = len({m.name for m in case.materials})
    return _("{kinds} 种，共 {pages} 页").format(kinds=kinds, pages=case.pages)


class ResidentFileView(ttk.Frame):
    """Placed over the case details; ``on_open_case`` opens a case of the file."""

    def __init__(self, parent: tk.Misc, app: AppContext, found: ResidentFile,
                 current: str | None, on_close: Callable[[], None],
                 on_open_case: Callable[[str], None]) -> None:
        super().__init__(parent, padding=4)
        self.app, self.found, self.on_open_case = app, found, on_open_case
        self.cases = {case.case_no: case for case in found.cases}
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X)
        ttk.Button(bar, text=_("返回（Esc）"), bootstyle="secondary-outline",
                   command=on_close).pack(side=tk.LEFT)
        self.open_button = ttk.Button(bar, text=_("打开办件（Enter）"), bootstyle="info",
                                      command=self.open_selected)
        self.open_button.pack(side=tk.LEFT, padx=8)
        ttk.Label(bar, text=_("居民档案"), font="TkHeadingFont").pack(
            side=tk.LEFT, padx=8)
        self._person(found)
        self.count = ttk.Label(self, text=_("本站共 {count} 件办件，最新在前；每次查阅都会留痕。")
                               .format(count=len(found.cases)), bootstyle="secondary")
        self.count.pack(fill=tk.X, pady=(0, 4))
        wrapping(self.count)
        self.materials = self._materials_list()  # packed first: the cases give up rows
        self.tree = List(self, columns=[c[0] for c in CASE_COLUMNS], show="headings",
                         height=8, selectmode="browse")
        for key, label, width in CASE_COLUMNS:
            self.tree.heading(key, text=translate(label))
            self.tree.column(key, width=width, stretch=key == "matter")
        # The long matter name last: the state and the materials stay in sight when it
        # needs the sideways scroll bar (as in the case list).
        self.tree["displaycolumns"] = [k for k, _l, _w in CASE_COLUMNS if k != "matter"] + [
            "matter"]
        scrolls_down(self.tree)
        for case in found.cases:
            self.tree.insert("", tk.END, iid=case.case_no, values=(
                case.case_no, case.matter_name, case.filed, case.state, materials_text(case)))
        self.tree.pack(fill=tk.BOTH, expand=True)
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self.show_materials())
        for widget in (self, self.tree):
            widget.bind("<Return>", lambda _e: self.open_selected())
            widget.bind("<Escape>", lambda _e: on_close())
        self.tree.bind("<Double-1>", lambda _e: self.open_selected())
        first = current if current in self.cases else next(iter(self.cases), None)
        if first is not None:
            self.tree.selection_set(first)
            self.tree.focus(first)
            self.tree.see(first)
        self.show_materials()

    def _person(self, found: ResidentFile) -> None:
        person = found.resident
        grid = ttk.Frame(self, padding=(0, 8))
        grid.pack(fill=tk.X)
        grid.columnconfigure(3, weight=1)
        self.person: list[ttk.Label] = []  # the values shown, as shown
        pairs = ((_("申请人"), person.name), (_("身份证号"), person.id_number),
                 (_("联系电话"), person.phone), (_("地址"), person.address))
        for i, (label, value) in enumerate(pairs):
            row, column = divmod(i, 2)
            ttk.Label(grid, text=label, bootstyle="secondary").grid(
                row=row, column=column * 2, sticky="ne", padx=(0 if column == 0 else 24, 8),
                pady=2)
            shown = ttk.Label(grid, text=value, justify=tk.LEFT)
            shown.grid(row=row, column=column * 2 + 1, sticky="nw", pady=2)
            self.person.append(shown)
            if column == 1:
                wrapping(shown)
                shown.grid_configure(sticky="new")

    def _materials_list(self) -> List:
        lower = ttk.Frame(self)
        lower.pack(side=tk.BOTTOM, fill=tk.X, pady=(8, 0))
        self.materials_title = ttk.Label(lower, text="", bootstyle="secondary")
        self.materials_title.pack(fill=tk.X)
        materials = List(lower, columns=[c[0] for c in MATERIAL_COLUMNS], show="headings",
                         height=5, selectmode="none")
        for key, label, width in MATERIAL_COLUMNS:
            materials.heading(key, text=translate(label))
            materials.column(key, width=width, stretch=key in ("name", "source", "checked"))
        scrolls_down(materials).pack(fill=tk.X)
        return materials

    def selected(self) -> FileCase | None:
        chosen = self.tree.selection()
        return self.cases.get(chosen[0]) if chosen else None

    def show_materials(self) -> None:
        case = self.selected()
        self.materials.delete(*self.materials.get_children())
        self.open_button.configure(state="normal" if case else "disabled")
        if case is None:
            self.materials_title.configure(text="")
            return
        self.materials_title.configure(text=_("{case_no} 的材料").format(case_no=case.case_no))
        for m in case.materials:
            source = (_("复用自办件 {case_no}").format(case_no=m.reused_from) if m.reused_from
                      else _("本件收取"))
            self.materials.insert("", tk.END, values=(m.name, m.pages, m.received, source,
                                                      checked_text(m.checks)))
        if not case.materials:
            self.materials.insert("", tk.END, values=(_("未收材料"), "", "", "", ""))

    def open_selected(self) -> None:
        case = self.selected()
        if case is not None:
            self.on_open_case(case.case_no)
