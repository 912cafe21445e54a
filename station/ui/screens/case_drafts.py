"""办件 → 草稿: the new-case wizard's unfinished work, to go on with or to delete.

Shows this agent's drafts (事项, 申请人, 保存时间), the latest first.  继续办理 opens
the wizard at the step where the draft was left, with its values and its scans
(already sealed in the material store: nothing is imported again).  删除 asks
first; it removes the draft and the scans only it used.  Store work runs on the
worker.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

from station.filing.drafts import DraftSummary, delete_draft, list_drafts, load_draft
from station.i18n import _
from station.outbox import local_time
from station.ui.ask import Ask
from station.ui.context import AppContext
from station.ui.table import List
from station.ui.wizard.draft import Draft
from station.ui.wizard.screen import NewCaseScreen


class DraftList(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext, on_close: Callable[[], None]) -> None:
        super().__init__(parent, padding=4)
        self.app = app
        self.drafts: dict[str, DraftSummary] = {}
        self.loaded = False
        self.asking: Ask | None = None
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X, pady=(0, 8))
        ttk.Button(bar, text=_("返回列表（Esc）"), bootstyle="secondary-outline",
                   command=on_close).pack(side=tk.LEFT)
        self.resume_button = ttk.Button(bar, text=_("继续办理（Enter）"), bootstyle="primary",
                                        command=self.resume_selected)
        self.resume_button.pack(side=tk.LEFT, padx=8)
        self.delete_button = ttk.Button(bar, text=_("删除草稿（Delete）"),
                                        bootstyle="danger-outline", command=self.ask_delete)
        self.delete_button.pack(side=tk.LEFT)
        ttk.Label(self, text=_("没有提交的办件会自动保存为草稿，可在这里继续办理。"),
                  bootstyle="secondary").pack(anchor="w", pady=(0, 6))
        self.tree = List(self, columns=("matter", "applicant", "saved"),
                                 show="headings", height=14, selectmode="browse")
        for key, label, stretch in (("matter", _("事项"), True), ("applicant", _("申请人"), False),
                                    ("saved", _("保存时间"), False)):
            self.tree.heading(key, text=label)
            self.tree.column(key, stretch=stretch, width=420 if stretch else 180)
        self.tree.pack(fill=tk.BOTH, expand=True)
        self.count = ttk.Label(self, text="")
        self.count.pack(anchor="w", pady=6)
        for widget in (self, self.tree):
            widget.bind("<Escape>", lambda _e: on_close())
            widget.bind("<Return>", lambda _e: self.resume_selected())
            widget.bind("<Delete>", lambda _e: self.ask_delete())
        self.tree.bind("<Double-1>", lambda _e: self.resume_selected())
        self.reload()

    def reload(self) -> None:
        station = self.app.opened
        self.app.dispatcher.submit(lambda: list_drafts(station), on_done=self.show)

    def show(self, drafts: list[DraftSummary]) -> None:
        if not self.winfo_exists():
            return
        self.drafts = {d.id: d for d in drafts}
        self.tree.delete(*self.tree.get_children())
        for draft in drafts:
            self.tree.insert("", tk.END, iid=draft.id, values=(
                draft.matter or _("（未选事项）"), draft.applicant or "—",
                local_time(draft.saved_at)))
        self.count.configure(text=_("共 {count} 份草稿").format(count=len(drafts)))
        state = "normal" if drafts else "disabled"
        self.resume_button.configure(state=state)
        self.delete_button.configure(state=state)
        if drafts:
            self.tree.selection_set(drafts[0].id)
            self.tree.focus(drafts[0].id)
        self.tree.focus_set()
        self.loaded = True

    def selected(self) -> DraftSummary | None:
        chosen = self.tree.selection()
        return self.drafts.get(chosen[0]) if chosen else None

    def resume_selected(self) -> None:
        draft = self.selected()
        if draft is None:
            return
        station = self.app.opened

        def read() -> Draft:
            return Draft.from_content(station.catalogue, draft.id, load_draft(station, draft.id))

        self.app.dispatcher.submit(read, on_done=self.resume)

    def resume(self, draft: Draft) -> None:
        wizard = self.app.view.open("new_case")  # type: ignore[union-attr]
        if isinstance(wizard, NewCaseScreen):
            wizard.resume(draft)

    def ask_delete(self) -> None:
        draft = self.selected()
        if draft is None:
            return
        lines = [_("删除这份草稿？"),
                 _("事项：{matter}　申请人：{name}").format(matter=draft.matter or "—",
                                                    name=draft.applicant or "—"),
                 _("已填写的内容和已导入的材料将一并删除，不能恢复。")]
        self.asking = Ask(self, _("删除草稿"), lines, yes=_("删除"), no=_("取消"),
                          on_yes=lambda: self.delete(draft.id), danger=True)

    def delete(self, draft_id: str) -> None:
        station = self.app.opened
        self.app.dispatcher.submit(lambda: delete_draft(station, draft_id),
                                   on_done=lambda _r: self.reload())
