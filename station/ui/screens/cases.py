"""办件: the case list (a page at a time), search, and a case's details.

Never loads the whole store into the Treeview: one page of 50 rows from the
store at a time.  Searching by ID number goes through the blind index; every
list, view, search and print is recorded by the services (阅览留痕).  Cases with
returned documents nobody has opened yet are marked 新结果; a case's details show
its 办理结果 (case_results.py).
"""

from __future__ import annotations

import re
import tkinter as tk
from functools import partial
from typing import TYPE_CHECKING, Any

import ttkbootstrap as ttk

from station.cases.register import (
    CaseList,
    CaseSummary,
    list_cases,
    show_case,
)
from station.cases.resident_file import ResidentFile, open_by_case
from station.cases.search import (
    PARTIAL,
    TOO_MANY,
    SearchNotUnderstood,
    SearchResult,
    read_query,
    run_query,
)
from station.filing.drafts import count_drafts
from station.filing.printing import print_case_documents
from station.i18n import N_, _, render, translate
from station.outbox import label as event_label
from station.outbox import local_time
from station.ui.context import AppContext
from station.ui.opener import open_file
from station.ui.provisional import dated
from station.ui.screens.case_drafts import DraftList
from station.ui.screens.case_filters import FilterBar
from station.ui.screens.case_results import UNSEEN, ResultsPanel, asked_text, unseen_cases
from station.ui.screens.case_sources import SourcesLine
from station.ui.screens.resident_file import ResidentFileView
from station.ui.screens.review_data import STATE_NAMES
from station.ui.screens.viewer import MaterialViewer
from station.ui.table import List
from sync import lifecycle

if TYPE_CHECKING:
    from station.ui.sync_monitor import SyncMonitor

PAGE = 50
CASE_NO = re.compile(r"^\d{12}-\d{8}-\d{4,}$")
# Column → the list service's sort key (the applicant's name is sealed: not sortable).
SORT_KEYS = {"case_no": "case_no", "matter": "matter", "status": "status",
             "filed": "filed_at", "deadline": "deadline"}
COLUMNS = (
    ("case_no", N_("办件编号"), 250), ("matter", N_("事项"), 300), ("applicant", N_("申请人"), 90),
    ("status", N_("状态"), 140), ("filed", N_("收件时间"), 170), ("deadline", N_("承诺日期"), 110),
)


def status_name(status: str, fallback: str) -> str:
    """A case's state as people read it: the lifecycle's name once the case moved on."""
    return translate(STATE_NAMES[status]) if status in STATE_NAMES else fallback


def step_name(type_: str) -> str:
    """An event of the case's history as people read it."""
    label = event_label(type_)
    return translate(lifecycle.action_label(type_)) if label == type_ else label


class CasesScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.offset = 0
        self.total = 0
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X, pady=(0, 8))
        ttk.Label(bar, text=_("办件编号、身份证号或姓名")).pack(side=tk.LEFT)
        self.query = ttk.Entry(bar, width=32)
        self.query.pack(side=tk.LEFT, padx=6)
        self.query.bind("<Return>", lambda _e: self.search())
        ttk.Button(bar, text=_("查找（Enter）"), command=self.search).pack(side=tk.LEFT)
        ttk.Button(bar, text=_("全部办件（Esc）"), bootstyle="secondary-outline",
                   command=self.reload).pack(side=tk.LEFT, padx=6)
        self.drafts_button = ttk.Button(bar, text=_("草稿"), bootstyle="warning-outline",
                                        command=self.show_drafts)
        self.drafts_button.pack(side=tk.LEFT)
        self.draft_list: DraftList | None = None
        self.sort, self.descending = "filed", True
        self.filters = FilterBar(self, app, on_change=self.filter_changed)
        self.filters.pack(fill=tk.X, pady=(0, 8))
        # What search accepts, or a note on its result: a line of its own under the bar,
        # shown only while it says something (the full sentence does not fit beside the
        # buttons at 1366 × 768, nor in large font).
        self.message = ttk.Label(self, text="", bootstyle="danger", justify=tk.LEFT)
        self.message.bind("<Configure>", lambda e: self.message.configure(
            wraplength=max(200, e.width)))
        self.tree = List(self, columns=[c[0] for c in COLUMNS], show="headings",
                                 height=14, selectmode="browse")
        for key, label, width in COLUMNS:
            self.tree.heading(key, text=translate(label))
            self.tree.column(key, width=width, stretch=key == "matter")
            if key in SORT_KEYS:
                self.tree.heading(key, command=partial(self.sort_by, key))
        # The long matter name last: the state and the dates stay in sight when it
        # needs the sideways scroll bar (large font, 两项补贴's 30 characters).
        self.tree["displaycolumns"] = [k for k, _l, _w in COLUMNS if k != "matter"] + ["matter"]
        self.show_sort()
        self.tree.bind("<Double-1>", lambda _e: self.open_selected())
        self.tree.bind("<Return>", lambda _e: self.open_selected())
        pager = ttk.Frame(self)  # packed first: the list gives up rows, not the pager
        pager.pack(side=tk.BOTTOM, fill=tk.X, pady=6)
        self.previous = ttk.Button(pager, text=_("上一页（PgUp）"), command=self.page_up,
                                   bootstyle="secondary-outline")
        self.previous.pack(side=tk.LEFT)
        self.next = ttk.Button(pager, text=_("下一页（PgDn）"), command=self.page_down,
                               bootstyle="secondary-outline")
        self.next.pack(side=tk.LEFT, padx=6)
        self.count = ttk.Label(pager, text="")
        self.count.pack(side=tk.LEFT, padx=10)
        self.tree.pack(fill=tk.BOTH, expand=True)
        for widget in (self.tree, self.query):
            widget.bind("<Prior>", lambda _e: self.page_up())
            widget.bind("<Next>", lambda _e: self.page_down())
            widget.bind("<Escape>", lambda _e: self.reload())
        self.tree.tag_configure("unseen", background=UNSEEN)
        self.statuses: dict[str, str] = {}  # row → its state as shown without a mark
        self.unseen: set[str] = set()  # cases with returned documents not opened yet
        self.detail: CaseDetail | None = None
        self.query.focus_set()
        self.monitor = app.sync
        self._synced: str | None = None
        if self.monitor is not None:
            self.monitor.listen(self, self.sync_reported)
        self.reload()

    # -- list ----------------------------------------------------------------
    def say(self, text: str) -> None:
        """Show ``text`` on the message line under the bar (hidden when empty)."""
        self.message.configure(text=text)
        if text:
            self.message.pack(after=self.filters, fill=tk.X, pady=(0, 8))
        else:
            self.message.pack_forget()

    def reload(self) -> None:
        self.say("")
        station, offset = self.app.opened, self.offset
        self.app.dispatcher.submit(lambda: count_drafts(station), on_done=self.count_drafts)
        filters, sort, descending = self.filters.value(), SORT_KEYS[self.sort], self.descending
        self.app.dispatcher.submit(
            lambda: list_cases(station, limit=PAGE, offset=offset, filters=filters, sort=sort,
                               descending=descending),
            on_done=self.show_page)

    # -- 草稿 ----------------------------------------------------------------
    def count_drafts(self, count: int) -> None:
        if self.winfo_exists():
            self.drafts_button.configure(
                text=_("草稿（{count}）").format(count=count) if count else _("草稿"))

    def show_drafts(self) -> None:
        """The wizard's unfinished work, over the list (Esc returns)."""
        self.close_drafts()
        self.draft_list = DraftList(self, self.app, on_close=self.close_drafts)
        self.draft_list.place(relx=0, rely=0, relwidth=1, relheight=1)

    def close_drafts(self) -> None:
        if self.draft_list is not None:
            self.draft_list.destroy()
            self.draft_list = None
            self.tree.focus_set()
            self.reload()

    def show_page(self, page: CaseList) -> None:
        if not self.winfo_exists():
            return
        self.total = page.total
        self.fill(page.items)
        last = page.offset + len(page.items)
        self.count.configure(text=_("共 {total} 件，显示第 {first}–{last} 件").format(
            total=page.total, first=page.offset + 1 if page.items else 0, last=last))
        self.previous.configure(state="normal" if page.offset > 0 else "disabled")
        self.next.configure(state="normal" if last < page.total else "disabled")

    def fill(self, items: list[CaseSummary]) -> None:
        self.tree.delete(*self.tree.get_children())
        self.statuses = {}
        for item in items:
            self.statuses[item.case_no] = status_name(item.status, item.status_label)
            self.tree.insert("", tk.END, iid=item.case_no, values=(
                item.case_no, item.matter_name, item.applicant, self.statuses[item.case_no],
                item.filed_at.replace("T", " ")[:16],
                dated(item.deadline, item.deadline_provisional)))
        self.show_marks()
        children = self.tree.get_children()
        if children:
            self.tree.selection_set(children[0])
            self.tree.focus(children[0])
        self.refresh_marks()

    # -- 新结果 marks ------------------------------------------------------------
    def refresh_marks(self) -> None:
        """Read again which cases have documents nobody opened (on the worker)."""
        self.app.dispatcher.submit(unseen_cases, on_done=self.marks_read)

    def marks_read(self, cases: list[str]) -> None:
        if self.winfo_exists():
            self.unseen = set(cases)
            self.show_marks()

    def show_marks(self) -> None:
        for case_no, status in self.statuses.items():
            new = case_no in self.unseen
            self.tree.item(case_no, tags=("unseen",) if new else ())
            self.tree.set(case_no, "status", _("● 新结果 · {state}").format(state=status)
                          if new else status)

    def sync_reported(self, monitor: SyncMonitor) -> None:
        done = monitor.status.last_success if monitor.status else None
        if done != self._synced:
            self._synced = done
            self.refresh_marks()

    def filter_changed(self) -> None:
        self.offset = 0
        self.reload()

    def sort_by(self, column: str) -> None:
        """Click a heading: sort by it; click again: the other way round."""
        self.descending = not self.descending if column == self.sort else True
        self.sort = column
        self.show_sort()
        self.offset = 0
        self.reload()

    def show_sort(self) -> None:
        for key, label, _width in COLUMNS:
            mark = (" ▼" if self.descending else " ▲") if key == self.sort else ""
            self.tree.heading(key, text=translate(label) + mark)

    def page_up(self) -> None:
        if self.offset > 0:
            self.offset = max(0, self.offset - PAGE)
            self.reload()

    def page_down(self) -> None:
        if self.offset + PAGE < self.total:
            self.offset += PAGE
            self.reload()

    # -- search --------------------------------------------------------------
    def search(self) -> None:
        text = self.query.get().strip()
        station = self.app.opened
        self.say("")
        if not text:
            self.offset = 0
            self.reload()
        elif CASE_NO.match(text):
            self.open_case(text)
        else:
            try:
                query = read_query(text)
            except SearchNotUnderstood as error:  # says what search accepts
                self.say(render(error))
                return
            self.app.dispatcher.submit(lambda: run_query(station, query),
                                       on_done=self.show_result)

    def show_result(self, result: SearchResult) -> None:
        self.show_found(result.items)
        notes = [translate(text) for flag, text in ((result.capped, TOO_MANY),
                                                    (result.partial, PARTIAL)) if flag]
        if notes and self.winfo_exists():
            self.say(" ".join(notes))

    def show_found(self, items: list[CaseSummary]) -> None:
        if not self.winfo_exists():
            return
        self.fill(items)
        self.count.configure(text=_("找到 {count} 件").format(count=len(items)))
        self.previous.configure(state="disabled")
        self.next.configure(state="disabled")
        if items:
            self.tree.focus_set()

    # -- details -------------------------------------------------------------
    def open_selected(self) -> None:
        selected = self.tree.selection()
        if selected:
            self.open_case(selected[0])

    def open_case(self, case_no: str) -> None:
        station = self.app.opened
        self.app.dispatcher.submit(lambda: show_case(station, case_no),
                                   on_done=self.show_detail)

    def show_detail(self, details: dict[str, Any]) -> None:
        if not self.winfo_exists():
            return
        if self.detail is not None:
            self.detail.destroy()
        self.detail = CaseDetail(self, self.app, details, on_close=self.close_detail,
                                 on_open_case=self.open_case)
        self.detail.place(relx=0, rely=0, relwidth=1, relheight=1)
        self.detail.focus_set()

    def close_detail(self) -> None:
        if self.detail is not None:
            self.detail.destroy()
            self.detail = None
        self.tree.focus_set()
        self.refresh_marks()  # documents may have been opened in the details


class CaseDetail(ttk.Frame):
    """One case: who, what, its 办理结果, materials, history; print again from here."""

    def __init__(self, parent: tk.Misc, app: AppContext, details: dict[str, Any],
                 on_close: Any, on_open_case: Any = None) -> None:
        super().__init__(parent, padding=4)
        self.app = app
        self.details = details
        self.on_open_case = on_open_case
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X)
        ttk.Button(bar, text=_("返回列表（Esc）"), bootstyle="secondary-outline",
                   command=on_close).pack(side=tk.LEFT)
        self.print_button = ttk.Button(bar, text=_("重新打印凭证（Ctrl+P）"), bootstyle="info",
                                       command=self.reprint)
        self.print_button.pack(side=tk.LEFT, padx=8)
        self.view_button = ttk.Button(bar, text=_("查看材料（V）"), bootstyle="info-outline",
                                      command=self.view_materials)
        self.view_button.pack(side=tk.LEFT)
        if not details["materials"]:
            self.view_button.configure(state="disabled")
        self.file_button = ttk.Button(bar, text=_("居民档案（D）"), bootstyle="info-outline",
                                      command=self.open_resident_file)
        self.file_button.pack(side=tk.LEFT, padx=8)
        self.viewer: MaterialViewer | None = None
        self.resident_file: ResidentFileView | None = None
        self.bind("<Escape>", lambda _e: on_close())
        self.bind("<Control-p>", lambda _e: self.reprint())
        person, matter = details["applicant"], details["matter"]
        rows = [
            (_("办件编号"), details["case_no"]),
            (_("事项"), f"{matter['name']}（{matter['code']}）"),
            (_("状态"), status_name(details["status"], details["status_label"])),
            (_("申请人"), person["name"]),
            (_("身份证号"), person["id_number"]),
            (_("联系电话"), person["phone"]),
            (_("地址"), person["address"]),
            (_("承诺办结日期"), dated(details["deadline"], details["deadline_provisional"],
                                _("待材料补齐后计算"))),
            (_("代办员"), details["agent_name"]),
        ]
        missing_row = len(rows)  # 缺件提示 at filing, until a notice says what is asked now
        rows.append((_("缺件提示（收件时）"), "、".join(details.get("missing") or []) or "—"))
        upper = ttk.Frame(self, padding=(0, 10))
        upper.pack(fill=tk.X)
        grid = ttk.Frame(upper)
        grid.pack(side=tk.LEFT, fill=tk.Y, anchor="n")
        values: list[ttk.Label] = []
        names: list[ttk.Label] = []
        for i, (label, value) in enumerate(rows):
            name = ttk.Label(grid, text=label, bootstyle="secondary")
            name.grid(row=i, column=0, sticky="ne", padx=(0, 10), pady=2)
            names.append(name)
            shown = ttk.Label(grid, text=value, wraplength=520)
            shown.grid(row=i, column=1, sticky="w", pady=2)
            values.append(shown)
        state = values[2]
        self.missing_name, self.missing_value = names[missing_row], values[missing_row]
        self.results = ResultsPanel(upper, app, details["case_no"],
                                    on_state=lambda text: self.results_shown(state, text))
        self.results.pack(side=tk.LEFT, fill=tk.BOTH, expand=True, padx=(16, 0))
        lower = ttk.Frame(self)
        lower.pack(fill=tk.BOTH, expand=True)
        self.materials = materials = List(lower, columns=("name", "page"),
                                                  show="headings", height=6, selectmode="browse")
        self.material_rows: dict[str, tuple[str, int]] = {}
        materials.heading("name", text=_("材料"))
        materials.heading("page", text=_("页"))
        materials.column("page", width=60, stretch=False)
        for m in details["materials"]:
            row = materials.insert("", tk.END, values=(m["name"], m["page"]))
            self.material_rows[row] = (m["name"], m["page"])
        materials.pack(side=tk.LEFT, fill=tk.BOTH, expand=True)
        materials.bind("<Double-1>", lambda _e: self.view_selected())
        materials.bind("<Return>", lambda _e: self.view_selected())
        for widget in (self, materials):
            widget.bind("<v>", lambda _e: self.view_materials())
            widget.bind("<V>", lambda _e: self.view_materials())
            widget.bind("<d>", lambda _e: self.open_resident_file())
            widget.bind("<D>", lambda _e: self.open_resident_file())
        self.history = history = List(lower, columns=("at", "type", "author", "note"),
                                              show="headings", height=6)
        for key, label in (("at", _("时间")), ("type", _("记录")), ("author", _("操作人")),
                           ("note", _("说明"))):
            history.heading(key, text=label)
        for event in details["history"]:
            history.insert("", tk.END, values=(local_time(event["at"]),
                                                step_name(event["type"]),
                                                event.get("author_name") or event["author"],
                                                event.get("note", "")))
        history.pack(side=tk.LEFT, fill=tk.BOTH, expand=True, padx=(10, 0))
        self.sources = SourcesLine(self, details["materials"], before=lower)

    def results_shown(self, state: ttk.Label, text: str) -> None:
        """The 办理结果 loaded: its state, and the latest notice's list replaces the
        filing's 缺件提示 (the office decides what is asked for)."""
        state.configure(text=text)
        results = self.results.results
        asked = asked_text(results.notice) if results is not None else ""
        if asked:
            self.missing_name.configure(text=_("待补材料"))
            self.missing_value.configure(text=asked)

    def view_selected(self) -> None:
        selected = self.materials.selection()
        if selected:
            self.view_materials(self.material_rows[selected[0]])

    def view_materials(self, start: tuple[str, int] | None = None) -> None:
        """Open the viewer over the details, at ``start`` (material, page) or the first page."""
        if not self.material_rows:
            return
        if start is None and self.materials.selection():
            start = self.material_rows[self.materials.selection()[0]]
        self.close_viewer()
        self.viewer = MaterialViewer(self, self.app, self.details["case_no"], start,
                                     on_close=self.close_viewer)
        self.viewer.place(relx=0, rely=0, relwidth=1, relheight=1)
        self.viewer.canvas.focus_set()

    def close_viewer(self) -> None:
        if self.viewer is not None:
            self.viewer.destroy()
            self.viewer = None
            self.materials.focus_set()

    def reprint(self) -> None:
        station, case_no = self.app.opened, self.details["case_no"]
        self.print_button.configure(state="disabled")

        def done(printed: Any) -> None:
            if self.winfo_exists():
                self.print_button.configure(state="normal")
            if printed.receipt is not None:
                open_file(printed.receipt)

        self.app.dispatcher.submit(lambda: print_case_documents(station, case_no), on_done=done)

    # -- 居民档案 ----------------------------------------------------------------
    def open_resident_file(self) -> None:
        """Every case of this applicant held here, over the details (recorded)."""
        station, case_no = self.app.opened, self.details["case_no"]
        self.file_button.configure(state="disabled")

        def failed(error: BaseException) -> None:
            if self.winfo_exists():
                self.file_button.configure(state="normal")
            self.app.show_error(error)

        self.app.dispatcher.submit(lambda: open_by_case(station, case_no),
                                   on_done=self.show_resident_file, on_error=failed)

    def show_resident_file(self, found: ResidentFile) -> None:
        if not self.winfo_exists():
            return
        self.file_button.configure(state="normal")
        self.close_resident_file()
        self.resident_file = ResidentFileView(
            self, self.app, found, self.details["case_no"], on_close=self.close_resident_file,
            on_open_case=self.open_from_file)
        self.resident_file.place(relx=0, rely=0, relwidth=1, relheight=1)
        self.resident_file.tree.focus_set()

    def close_resident_file(self) -> None:
        if self.resident_file is not None:
            self.resident_file.destroy()
            self.resident_file = None
            self.focus_set()

    def open_from_file(self, case_no: str) -> None:
        """A case of the file: its details in place of these (the file is closed)."""
        if case_no == self.details["case_no"] or self.on_open_case is None:
            self.close_resident_file()
        else:
            self.on_open_case(case_no)
