"""办理结果: what came back for a case filed here, and what the agent records next.

The case's signed documents (补齐补正告知书, 决定书 …) with the ones not yet opened
marked 未读; 打印/打开 writes one out as a PDF (marking it seen) and hands it to the
PDF viewer.  The buttons are the village's steps of the case's life — 补齐材料, 更正后
重新报送 (a case the office returned, with its reason shown), 送达, 评价 (好差评), 退件 —
enabled only when the lifecycle table lets this user take them
now.  Every service call runs on the station worker; the step is written to the
outbox and the background sync takes it up to the hub (offline, it waits there).

Every version of a document is kept and listed: the latest of each kind 当前有效,
older ones 已被新文书取代.  The materials asked for are the latest notice's list.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ttkbootstrap as ttk

from station.app import Station
from station.cases import case_documents, case_state, document_versions
from station.cases.register import materials_received, missing_materials
from station.casework import delivery, progress, village_desk
from station.errors import StationError
from station.filing.new_case import MaterialFile
from station.i18n import N_, _, translate
from station.outbox import local_time
from station.ui.context import AppContext
from station.ui.file_dialogs import ask_scans, scan_folder
from station.ui.flow import Flow, wrapping
from station.ui.opener import open_file
from station.ui.problems import describe
from station.ui.screens.case_forms import (
    ActionForm,
    DeliverForm,
    PicksScans,
    RateForm,
    SupplementForm,
    WithdrawForm,
)
from station.ui.screens.case_resubmit import ResubmitForm
from station.ui.screens.review_desk import deadline_text, state_name
from station.ui.screens.village_desk_form import DESK_ACTIONS, DESK_BUTTONS, VillageDeskForm
from station.ui.table import List
from sync import lifecycle
from sync.lifecycle import CaseView

if TYPE_CHECKING:
    from station.ui.sync_monitor import SyncMonitor

# Generated on the root window when documents were opened: the 新结果 count is read again.
RESULTS_SEEN = "<<CaseResultsSeen>>"
UNSEEN = "#fff3cd"  # the background of a row with a document nobody opened yet
# The village's steps, in button order (评价 stands for both 满意 and 差评).
ACTIONS = (lifecycle.SUPPLEMENTED, lifecycle.RESUBMITTED, lifecycle.DELIVERED_EVENT,
           lifecycle.RATED, lifecycle.WITHDRAWN_EVENT)
BUTTONS = {
    lifecycle.SUPPLEMENTED: (N_("补齐材料"), "primary"),
    lifecycle.RESUBMITTED: (N_("更正后重新报送"), "primary"),
    lifecycle.DELIVERED_EVENT: (N_("送达"), "success"),
    lifecycle.RATED: (N_("评价"), "info"),
    lifecycle.WITHDRAWN_EVENT: (N_("退件"), "danger-outline"),
}


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    received_at: str
    seen: bool
    number: str = ""
    standing: str = ""  # 当前有效 / 已被新文书取代


@dataclass
class Results:
    """A case as the 办理结果 section shows it (read on the station worker)."""

    case_no: str
    state: str
    deadline: dict[str, Any] | None
    follow_up: dict[str, Any] | None
    documents: list[Document]
    allowed: set[str] = field(default_factory=set)
    notice: document_versions.Version | None = None  # the 补齐补正告知书 awaited (待补正)
    materials: list[str] = field(default_factory=list)  # the matter's checklist
    missing: list[str] = field(default_factory=list)  # required, not received yet
    returned_because: str = ""  # the office's reason, while the case is back here
    fields: dict[str, str] = field(default_factory=dict)  # form field label -> name
    village_desk: bool = False  # a village-level matter: accepted and decided here


def load_results(station: Station, case_no: str) -> Results:
    known = case_state.steps(station, case_no)
    view = case_state.view(station, case_no, known)
    try:
        status = progress.status(station, case_no, known=known)
    except StationError:  # no step known here (not filed here): nothing to time
        status = {"deadline": None, "follow_up": None}
    versions = document_versions.of_case(station, case_no)
    documents = [Document(v.id, v.title, v.received_at, v.seen, v.number or "", v.standing)
                 for v in versions]
    results = Results(case_no, view.state, status["deadline"], status["follow_up"], documents,
                      case_state.allowed(station, view, (*ACTIONS, *DESK_ACTIONS)))
    if view.state == lifecycle.SUPPLEMENT:  # the notice's list, while it is awaited
        results.notice = document_versions.current_notice(versions)
    held = materials_received(case_no)
    matter = station.catalogue.matters.get(held[0]) if held else None
    if held is not None and matter is not None:
        results.materials = [m.name for m in matter.materials]
        results.missing = missing_materials(station, case_no) or []
        results.fields = {f.label: f.name for f in matter.fields}
        results.village_desk = matter.tier == "village"
    if view.state == lifecycle.RETURNED:
        results.returned_because = delivery.return_reason(case_no)
    return results


def asked_text(notice: document_versions.Version | None) -> str:
    """What the notice in force asks for, as the agent reads it ("" before any)."""
    if notice is None or not notice.listed:
        return ""
    items = "、".join(item.name + (_("（不清晰）") if item.verdict == "unclear" else "")
                     for item in notice.listed)
    return _("{items}（依{title}{number}）").format(
        items=items, title=notice.title, number=notice.number or "")


def asked_names(results: Results) -> list[str]:
    """The materials to hand in first: the latest notice's, else those not received."""
    notice = results.notice
    return [item.name for item in notice.listed] if notice and notice.listed else results.missing


def record_step(station: Station, case_no: str, action: str, values: dict[str, Any]) -> CaseView:
    """Write one village step (the background sync sends it up)."""
    if action == lifecycle.SUPPLEMENTED:
        files = [MaterialFile(values["material"], Path(p)) for p in values["files"]]
        return delivery.supplement(station, case_no, files, sync=False)
    if action == lifecycle.DELIVERED_EVENT:
        return delivery.deliver(station, case_no, values["method"], values["note"], sync=False)
    if action == lifecycle.RATED:
        return delivery.rate(station, case_no, values["rating"], values["comment"], sync=False)
    if action == lifecycle.WITHDRAWN_EVENT:
        return delivery.withdraw(station, case_no, values["reason"], sync=False)
    if action == lifecycle.RESUBMITTED:
        files = [MaterialFile(values["material"], Path(p)) for p in values["files"]]
        return delivery.resubmit(station, case_no, values["note"], files,
                                 values["form"] or None, sync=False)
    if action == lifecycle.ACCEPTED:
        return village_desk.accept(station, case_no, values["opinion"], values["override"])
    if action == lifecycle.REFUSED_EVENT:
        return village_desk.refuse(station, case_no, values["opinion"])
    if action in (lifecycle.APPROVED, lifecycle.REJECTED):
        return village_desk.decide(station, case_no, action == lifecycle.APPROVED,
                                   values["opinion"])
    raise ValueError(action)


def unseen_cases() -> list[str]:
    """Cases with documents not yet opened, the oldest arrival first."""
    return list(dict.fromkeys(str(item["case_no"]) for item in case_documents.unseen()))


def standing_width() -> int:
    """The 效力 column fits its longest word in the font in use (large-font mode too)."""
    font = tkfont.nametofont("TkDefaultFont")
    return max(font.measure(text) for text in (document_versions.Version.words())) + 24


def follow_up_text(follow: dict[str, Any] | None) -> str:
    if not follow or follow.get("closed"):
        return ""
    return _("差评整改：回访期限 {callback}，整改期限 {fix}").format(
        callback=follow.get("callback_by") or "—", fix=follow.get("fix_by") or "—")


class ResultsPanel(ttk.Labelframe):
    def __init__(self, parent: tk.Misc, app: AppContext, case_no: str,
                 on_state: Callable[[str], None] | None = None) -> None:
        super().__init__(parent, text=_("办理结果"), padding=8)
        self.app = app
        self.case_no = case_no
        self.on_state = on_state
        self.results: Results | None = None
        self.loaded = 0  # loads shown (tests wait on it)
        self.printed: Path | None = None  # the document last written out
        self.form: ActionForm | None = None
        self.form_action: str | None = None
        head = Flow(self, gap=12)  # the deadline goes under the state when both do not fit
        head.pack(fill=tk.X)
        self.state_label = ttk.Label(head, text=_("读取中…"), font="TkHeadingFont")
        head.add(self.state_label)
        self.deadline_label = ttk.Label(head, text="", bootstyle="secondary")
        head.add(self.deadline_label)
        self.follow_label = wrapping(ttk.Label(self, text="", bootstyle="warning"))
        self.returned_label = wrapping(ttk.Label(self, text="", bootstyle="danger"))
        self.tree = List(self, columns=("title", "number", "received", "standing",
                                                "seen"), show="headings",
                                 height=4, selectmode="browse")
        for key, label, width in (("title", _("文书"), 160), ("number", _("文书编号"), 150),
                                  ("received", _("收到时间"), 150),
                                  ("standing", _("效力"), standing_width()),
                                  ("seen", _("阅读"), 50)):
            self.tree.heading(key, text=label)
            self.tree.column(key, width=width, stretch=key == "title")
        self.tree.tag_configure("unseen", background=UNSEEN)
        self.tree.pack(fill=tk.X, pady=(6, 4))
        self.tree.bind("<Double-1>", lambda _e: self.print_selected())
        self.tree.bind("<Return>", lambda _e: self.print_selected())
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self.update_buttons())
        self.asked_label = wrapping(ttk.Label(self, text="", bootstyle="warning"))
        bar = Flow(self)
        bar.pack(fill=tk.X)
        self.print_button = ttk.Button(bar, text=_("打印/打开"), bootstyle="info",
                                       command=self.print_selected)
        bar.add(self.print_button)
        self.buttons: dict[str, ttk.Button] = {}
        for action in ACTIONS:
            label, style = BUTTONS[action]
            button = ttk.Button(bar, text=translate(label), bootstyle=style,
                                command=lambda a=action: self.start(a))
            bar.add(button, space_before=6 if action == ACTIONS[0] else 0)
            self.buttons[action] = button
        # A village-level matter's own desk (shown for such matters only).
        self.desk_bar = ttk.Frame(self)
        ttk.Label(self.desk_bar, text=_("本村办理")).pack(side=tk.LEFT, padx=(0, 8))
        for action in DESK_ACTIONS:
            label, style = DESK_BUTTONS[action]
            button = ttk.Button(self.desk_bar, text=translate(label), bootstyle=style,
                                command=lambda a=action: self.start(a))
            button.pack(side=tk.LEFT, padx=(0, 6))
            self.buttons[action] = button
        self.form_area = ttk.Frame(self)
        self.form_area.pack(fill=tk.X)
        self.message = wrapping(ttk.Label(self, text=""))
        self.message.pack(fill=tk.X, pady=(4, 0))
        self.update_buttons()
        self.monitor = app.sync
        self._synced: str | None = None
        if self.monitor is not None:
            self.monitor.listen(self, self.sync_reported)
        self.reload()

    # -- reading ---------------------------------------------------------------
    def reload(self) -> None:
        station, case_no = self.app.opened, self.case_no
        self.app.dispatcher.submit(lambda: load_results(station, case_no),
                                   on_done=self.show, on_error=self.failed)

    def sync_reported(self, monitor: SyncMonitor) -> None:
        """A round ended: documents or steps may have arrived."""
        done = monitor.status.last_success if monitor.status else None
        if done != self._synced:
            self._synced = done
            if self.results is not None:
                self.reload()

    def show(self, results: Results) -> None:
        if not self.winfo_exists():
            return
        self.results = results
        state = state_name(results.state)
        self.state_label.configure(text=_("当前状态：{state}").format(state=state))
        self.deadline_label.configure(text=_("办结期限：{deadline}").format(
            deadline=deadline_text(results.deadline)))
        follow = follow_up_text(results.follow_up)
        self.follow_label.configure(text=follow)
        if follow:
            self.follow_label.pack(fill=tk.X, before=self.tree.box)
        else:
            self.follow_label.pack_forget()
        returned = results.returned_because
        self.returned_label.configure(
            text=_("审核机关退回，原因：{reason}。请更正后重新报送。").format(reason=returned)
            if returned else "")
        if returned:
            self.returned_label.pack(fill=tk.X, before=self.tree.box)
        else:
            self.returned_label.pack_forget()
        chosen = self.tree.selection()
        self.tree.delete(*self.tree.get_children())
        for document in results.documents:
            self.tree.insert("", tk.END, iid=document.id, tags=() if document.seen else (
                "unseen",), values=(document.title, document.number or "—",
                                    local_time(document.received_at), document.standing,
                                    "" if document.seen else _("未读")))
        if chosen and self.tree.exists(chosen[0]):
            self.tree.selection_set(chosen[0])
        elif results.documents:
            first = next((d for d in results.documents if not d.seen), results.documents[-1])
            self.tree.selection_set(first.id)
        if results.village_desk:
            self.desk_bar.pack(fill=tk.X, pady=(6, 0), before=self.form_area)
        else:
            self.desk_bar.pack_forget()
        asked = asked_text(results.notice)
        self.asked_label.configure(text=_("待补材料：{asked}").format(asked=asked)
                                   if asked else "")
        if asked:
            self.asked_label.pack(fill=tk.X, before=self.tree.box)
        else:
            self.asked_label.pack_forget()
        if self.form_action is not None and self.form_action not in results.allowed:
            self.close_form()
        self.update_buttons()
        self.loaded += 1
        if self.on_state is not None:
            self.on_state(state)

    def failed(self, error: BaseException) -> None:
        if self.winfo_exists():
            self.message.configure(text=describe(error), bootstyle="danger")
            self.update_buttons()

    def update_buttons(self) -> None:
        allowed = self.results.allowed if self.results else set()
        busy = self.form is not None and str(self.form.submit_button.cget("state")) == "disabled"
        for action, button in self.buttons.items():
            button.configure(state="normal" if action in allowed and not busy else "disabled")
        self.print_button.configure(state="normal" if self.tree.selection() else "disabled")

    def document(self, title: str) -> Document | None:
        """The newest document with this title (for tests and shortcuts)."""
        found = [d for d in (self.results.documents if self.results else []) if d.title == title]
        return found[-1] if found else None

    # -- 打印/打开 ----------------------------------------------------------------
    def print_selected(self) -> None:
        selected = self.tree.selection()
        if selected:
            self.print_document(selected[0])

    def print_document(self, document_id: str) -> None:
        station = self.app.opened
        self.print_button.configure(state="disabled")
        self.message.configure(text="")
        root = self.app.root

        def done(path: Path) -> None:
            open_file(path)
            root.event_generate(RESULTS_SEEN)  # the 新结果 count goes down
            if not self.winfo_exists():
                return
            self.printed = path
            self.message.configure(text=_("已保存为 {path}，可在打开的窗口中打印。").format(
                path=path), bootstyle="info")
            self.reload()

        self.app.dispatcher.submit(lambda: case_documents.export(station, document_id),
                                   on_done=done, on_error=self.failed)

    # -- the steps ---------------------------------------------------------------
    def start(self, action: str) -> ActionForm | None:
        """Show the form for ``action`` (when the lifecycle allows it now)."""
        if self.results is None or action not in self.results.allowed:
            return None
        self.close_form()
        self.message.configure(text="")
        form: ActionForm
        if action == lifecycle.SUPPLEMENTED:
            form = SupplementForm(self.form_area, self.submit, self.close_form,
                                  self.results.materials, asked_names(self.results))
        elif action == lifecycle.DELIVERED_EVENT:
            form = DeliverForm(self.form_area, self.submit, self.close_form)
        elif action == lifecycle.RATED:
            form = RateForm(self.form_area, self.submit, self.close_form)
        elif action in DESK_ACTIONS:
            form = VillageDeskForm(self.form_area, self.submit, self.close_form, action,
                                   self.results.missing)
        elif action == lifecycle.RESUBMITTED:
            form = ResubmitForm(self.form_area, self.submit, self.close_form,
                                self.results.materials, self.results.fields,
                                self.results.returned_because)
        else:
            form = WithdrawForm(self.form_area, self.submit, self.close_form)
        if isinstance(form, PicksScans):
            form.picker = lambda parent, title, types: ask_scans(
                parent, self.app, title, scan_folder(self.app), types)
        form.pack(fill=tk.X)
        self.tree.configure(height=2)  # room for the form's buttons in large font
        self.form, self.form_action = form, action
        form.focus_set()
        return form

    def close_form(self) -> None:
        if self.form is not None:
            self.form.destroy()
            self.tree.configure(height=4)
        self.form, self.form_action = None, None
        self.update_buttons()

    def submit(self, values: dict[str, Any]) -> None:
        action, station, case_no = self.form_action, self.app.opened, self.case_no
        if action is None:
            return
        self.update_buttons()  # one step at a time

        def done(view: CaseView) -> None:
            if self.monitor is not None:
                self.monitor.sync_now()  # take it up to the hub now
            if not self.winfo_exists():
                return
            self.close_form()
            self.message.configure(text=self.done_text(action, values, view),
                                   bootstyle="success")
            self.reload()

        def refused(error: BaseException) -> None:
            if not self.winfo_exists():
                return
            if self.form is not None:
                self.form.failed(describe(error))
            self.update_buttons()

        self.app.dispatcher.submit(lambda: record_step(station, case_no, action, values),
                                   on_done=done, on_error=refused)

    @staticmethod
    def done_text(action: str, values: dict[str, Any], view: CaseView) -> str:
        state = state_name(view.state)
        if action == lifecycle.RATED:
            rating = translate(values["rating"])
            if values["rating"] in delivery.POOR:
                return _("已记录评价“{rating}”。差评已转作出决定的科室回访整改，"
                         "现为“{state}”。").format(rating=rating, state=state)
            return _("已记录评价“{rating}”，办件{state}。").format(rating=rating, state=state)
        if action == lifecycle.DELIVERED_EVENT:
            return _("已记录送达，请申请人评价。现为“{state}”。").format(state=state)
        if action == lifecycle.SUPPLEMENTED:
            return _("补齐材料已记录，同步后送审核机关；现为“{state}”。").format(state=state)
        if action == lifecycle.RESUBMITTED:
            return _("已更正并重新报送（同一办件），同步后送审核机关；现为“{state}”。").format(
                state=state)
        if action in DESK_ACTIONS:
            return _("已办理“{action}”，现为“{state}”。").format(
                action=translate(DESK_BUTTONS[action][0]), state=state)
        return _("已退件，现为“{state}”。").format(state=state)
