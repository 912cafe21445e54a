"""审核: the office queue coloured by deadline, claim / release / reassign (AB岗), and a
claimed case's materials beside its form, the material verdicts that write the one-time
notice, the opinion with the actions its state allows, and the 期限与回访 tab (special
procedure, extension, follow-up of a bad rating).  A case this user may act on without
its claim (a joint opinion due, an extension to approve, a follow-up) opens when picked.

Every service call (the hub, the store, signing) runs on the station worker; the
screen only shows what comes back.
"""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING, Any

import ttkbootstrap as ttk

from station.casework import review
from station.casework.review import Verdict
from station.i18n import N_, _, translate
from station.outbox import local_time
from station.ui.context import AppContext
from station.ui.problems import describe
from station.ui.provisional import dated
from station.ui.screens import review_special
from station.ui.screens.review_confirm import SEALS_OR_SENDS, Confirmation, summary
from station.ui.screens.review_data import (
    DEADLINE_NAMES,
    STATE_NAMES,
    CaseWork,
    Taken,
    act,
    load_queue,
    open_case,
    return_case,
)
from station.ui.screens.review_data import accept as accept_case
from station.ui.screens.review_data import claim as claim_case
from station.ui.screens.review_opinion import BUTTONS, OpinionPanel
from station.ui.screens.review_special import TimePanel
from station.ui.screens.review_verdicts import VerdictList
from station.ui.screens.viewer import MaterialViewer
from station.ui.table import List
from sync import lifecycle
from sync.lifecycle import CaseView

if TYPE_CHECKING:
    from station.ui.sync_monitor import SyncMonitor

COLUMNS = (("case_no", N_("办件编号"), 230), ("matter", N_("事项"), 300),
           ("state", N_("状态"), 100), ("holder", N_("认领人"), 200),
           ("deadline", N_("办结期限"), 190))
COLOURS = {"red": "#f5c2c7", "yellow": "#ffe69c"}


def state_name(state: str) -> str:
    return translate(STATE_NAMES.get(state, state))


def deadline_date(deadline: dict[str, Any] | None) -> str:
    """The clock's promised date (case_state.clock, as the receipt printed it), or —."""
    return dated((deadline or {}).get("due"), bool((deadline or {}).get("provisional")))


def deadline_text(deadline: dict[str, Any] | None) -> str:
    if not deadline:
        return "—"
    state = translate(DEADLINE_NAMES.get(deadline["state"], deadline["state"]))
    due = dated(deadline.get("due"), bool(deadline.get("provisional")), "")
    return f"{due}  {state}" if due else state


def row_clock(row: dict[str, Any]) -> tuple[str | None, str]:
    """A queue row's clock: its state (the row's colour) and what the column says.  A
    follow-up of a bad rating runs on its own days: call back first, then fix."""
    follow = row.get("follow_up")
    if row["state"] == lifecycle.FOLLOWUP and follow:
        state = translate(DEADLINE_NAMES.get(follow["state"], follow["state"]))
        text = (_("整改 {day}").format(day=follow["fix_by"]) if follow.get("called")
                else _("回访 {day}").format(day=follow["callback_by"]))
        return follow["state"], f"{text}  {state}"
    deadline = row.get("deadline")
    return (deadline or {}).get("state"), deadline_text(deadline)


def action_name(action: str) -> str:
    label = BUTTONS.get(action) or review_special.BUTTONS.get(action)
    return translate(label[0]) if label else translate(lifecycle.action_label(action))


class ReviewDeskScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.rows: dict[str, dict[str, Any]] = {}
        self.loaded = 0  # queue loads shown (tests wait on it)
        self.work: CaseWork | None = None
        self.opening: str | None = None
        self.confirmation: Confirmation | None = None  # open while an action waits for 确认
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X, pady=(0, 6))
        self.claim_button = ttk.Button(bar, text=_("认领"), bootstyle="primary",
                                       command=self.claim)
        self.release_button = ttk.Button(bar, text=_("放回"), bootstyle="secondary-outline",
                                         command=self.release)
        self.reassign_button = ttk.Button(bar, text=_("转同事（AB岗）"),
                                          bootstyle="secondary-outline",
                                          command=self.ask_reassign)
        self.refresh_button = ttk.Button(bar, text=_("刷新"), bootstyle="info-outline",
                                         command=self.refresh)
        for button in (self.claim_button, self.release_button, self.reassign_button,
                       self.refresh_button):
            button.pack(side=tk.LEFT, padx=(0, 6))
        self.message = ttk.Label(bar, text="", wraplength=620)
        self.message.pack(side=tk.LEFT, padx=10)
        self.prompt = ttk.Frame(self)  # the reassign reason, shown on demand
        ttk.Label(self.prompt, text=_("转办原因")).pack(side=tk.LEFT)
        self.reason = ttk.Entry(self.prompt, width=40)
        self.reason.pack(side=tk.LEFT, padx=6)
        self.reason.bind("<Return>", lambda _e: self.reassign())
        ttk.Button(self.prompt, text=_("确定转办"), bootstyle="primary",
                   command=self.reassign).pack(side=tk.LEFT)
        ttk.Button(self.prompt, text=_("取消"), bootstyle="secondary-outline",
                   command=self.prompt.pack_forget).pack(side=tk.LEFT, padx=6)

        self.queue = ttk.Frame(self)
        self.queue.pack(fill=tk.X)
        self.tree = List(self.queue, columns=[c[0] for c in COLUMNS], show="headings",
                                 height=4, selectmode="browse")
        for key, label, width in COLUMNS:
            self.tree.heading(key, text=translate(label))
            self.tree.column(key, width=width, stretch=key == "matter")
        # The long matter name last: state, holder and deadline stay in sight.
        self.tree["displaycolumns"] = [c[0] for c in COLUMNS if c[0] != "matter"] + ["matter"]
        for tag, colour in COLOURS.items():
            self.tree.tag_configure(tag, background=colour)
        self.tree.pack(fill=tk.X)
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self.selected_changed())
        self.count = ttk.Label(self.queue, text="", bootstyle="secondary")
        self.count.pack(anchor="w")
        self.workspace = ttk.Frame(self)
        self.workspace.pack(fill=tk.BOTH, expand=True)
        self.viewer: MaterialViewer | None = None
        self.verdicts: VerdictList | None = None
        self.opinion: OpinionPanel | None = None
        self.times: TimePanel | None = None
        self.tabs: ttk.Notebook | None = None
        self.clear_work()
        self.update_buttons()
        # Sync runs on the background sync thread only (two rounds at once would fight
        # over the store); after each round the queue is read again.
        self.monitor = app.sync
        self._synced: str | None = None
        if self.monitor is not None:
            self.monitor.listen(self, self.sync_reported)
        self.reload()

    # -- the queue -------------------------------------------------------------
    def reload(self) -> None:
        """Read the queue from the hub (the cases' steps as pulled so far)."""
        station = self.app.opened
        self.app.dispatcher.submit(lambda: load_queue(station),
                                   on_done=self.show_queue, on_error=self.failed)

    def refresh(self) -> None:
        """刷新: a sync round now (the queue follows when it ends), and the queue now."""
        if self.monitor is not None:
            self.monitor.sync_now()
        self.reload()

    def sync_reported(self, monitor: SyncMonitor) -> None:
        done = monitor.status.last_success if monitor.status else None
        if done != self._synced:
            self._synced = done
            self.reload()

    def show_queue(self, rows: list[dict[str, Any]]) -> None:
        if not self.winfo_exists():
            return
        chosen = self.selected()
        self.rows = {row["case_no"]: row for row in rows}
        self.tree.delete(*self.tree.get_children())
        for row in rows:
            state, clock = row_clock(row)
            self.tree.insert("", tk.END, iid=row["case_no"],
                             tags=(state,) if state in COLOURS else (),
                             values=(row["case_no"], row["matter_name"] or row["matter"],
                                     state_name(row["state"]), self.holder_text(row), clock))
        late = sum(1 for r in rows if row_clock(r)[0] == "red")
        self.count.configure(text=_("本科室待办 {count} 件，其中超期 {late} 件").format(
            count=len(rows), late=late))
        self.loaded += 1
        if chosen in self.rows:
            self.tree.selection_set(chosen)
            self.tree.see(chosen)
        self.selected_changed()

    def holder_text(self, row: dict[str, Any]) -> str:
        if row["mine"]:
            return _("我")
        return str(row.get("holder_name") or row.get("holder") or "—")

    def selected(self) -> str | None:
        chosen = self.tree.selection()
        return str(chosen[0]) if chosen else None

    def select(self, case_no: str) -> None:
        """Pick a case in the queue, as a person clicks it."""
        self.tree.selection_set(case_no)
        self.tree.see(case_no)
        self.selected_changed()

    def selected_changed(self) -> None:
        self.update_buttons()
        case_no = self.selected()
        row = self.rows.get(case_no or "")
        if row is None or not row["opens"]:
            if self.work is not None and self.work.case_no != case_no:
                self.clear_work()
            return
        if (self.work is None or self.work.case_no != case_no) and self.opening != case_no:
            self.open(row["case_no"])

    def update_buttons(self) -> None:
        row = self.rows.get(self.selected() or "")
        holder = row.get("holder") if row else None
        self.claim_button.configure(state="normal" if row and not holder else "disabled")
        self.release_button.configure(state="normal" if row and row["mine"] else "disabled")
        self.reassign_button.configure(
            state="normal" if row and holder and not row["mine"] else "disabled")

    # -- claims ------------------------------------------------------------------
    def run(self, work: Any, done: Any) -> None:
        """One service call on the worker; its errors shown here."""
        self.say("")
        self.app.dispatcher.submit(work, on_done=done, on_error=self.failed)

    def claim(self) -> None:
        case_no, station = self.selected(), self.app.opened
        if case_no:
            self.claim_button.configure(state="disabled")
            self.run(lambda: claim_case(station, case_no), self.claimed)

    def claimed(self, result: CaseView | Taken) -> None:
        if isinstance(result, CaseView):
            self.changed(result)
        elif self.winfo_exists():  # a colleague was quicker: say who, show the queue anew
            self.say(_("办件 {case_no} 已由 {holder} 认领，未能认领。").format(
                case_no=result.case_no, holder=result.holder), error=True)
            self.reload()

    def release(self) -> None:
        case_no, station = self.selected(), self.app.opened
        if case_no:
            self.release_button.configure(state="disabled")
            self.run(lambda: review.release(station, case_no), self.changed)

    def ask_reassign(self) -> None:
        self.prompt.pack(fill=tk.X, pady=(0, 6), before=self.queue)
        self.reason.focus_set()

    def reassign(self) -> None:
        case_no, station, reason = self.selected(), self.app.opened, self.reason.get().strip()
        if not case_no:
            return
        if not reason:
            self.say(_("请填写转办原因。"), error=True)
            return
        self.prompt.pack_forget()
        self.reason.delete(0, tk.END)
        self.run(lambda: review.reassign(station, case_no, reason), self.changed)

    def changed(self, view: CaseView) -> None:
        """After any action: say where the case is now, reload the queue and the case."""
        if not self.winfo_exists():
            return
        self.say(_("办件 {case_no} 现为“{state}”。").format(case_no=view.case_no,
                                                          state=state_name(view.state)))
        if self.work is not None and self.work.case_no == view.case_no:
            self.clear_work()
        self.reload()  # the service synced already

    def failed(self, error: BaseException) -> None:
        if not self.winfo_exists():
            return
        self.say(describe(error), error=True)
        self.update_buttons()
        if self.opinion is not None and self.work is not None:
            self.opinion.allow(self.work.allowed)
        if self.times is not None and self.work is not None:
            self.times.allow(self.work.allowed)

    def destroy(self) -> None:
        if self.monitor is not None:
            self.monitor.forget(self)
        super().destroy()

    def say(self, text: str, error: bool = False) -> None:
        self.message.configure(text=text, bootstyle="danger" if error else "success")

    # -- the opened case -------------------------------------------------------------
    def open(self, case_no: str) -> None:
        self.opening = case_no
        station = self.app.opened

        def done(work: CaseWork) -> None:
            if self.opening == case_no:
                self.opening = None
            if self.winfo_exists() and self.selected() == case_no:
                self.show_work(work)

        def failed(error: BaseException) -> None:
            if self.opening == case_no:
                self.opening = None
            self.failed(error)

        self.app.dispatcher.submit(lambda: open_case(station, case_no), on_done=done,
                                   on_error=failed)

    def clear_work(self) -> None:
        for child in self.workspace.winfo_children():
            child.destroy()
        self.work = self.viewer = self.verdicts = self.opinion = self.times = self.tabs = None
        hint = _("认领办件后，可在此查看材料和申请表，逐项核验材料并出具意见。")
        ttk.Label(self.workspace, text=hint, bootstyle="secondary", padding=20).pack(anchor="nw")

    def show_work(self, work: CaseWork) -> None:
        for child in self.workspace.winfo_children():
            child.destroy()
        self.work = work
        panes = ttk.Panedwindow(self.workspace, orient=tk.HORIZONTAL)
        panes.pack(fill=tk.BOTH, expand=True, pady=(6, 0))
        self.viewer = MaterialViewer(panes, self.app, work.case_no, docked=True)
        panes.add(self.viewer, weight=1)
        self.tabs = ttk.Notebook(panes)
        panes.add(self.tabs, weight=0)
        self.tabs.add(self.form_tab(work), text=_("申请信息"))
        self.verdicts = VerdictList(self.tabs, work.materials, self.send_notice)
        self.verdicts.send_button.configure(
            state="normal" if lifecycle.SUPPLEMENT_REQUESTED in work.allowed else "disabled")
        self.tabs.add(self.verdicts, text=_("材料核验"))
        self.opinion = OpinionPanel(self.tabs, work.allowed, self.do_action)
        if work.passes_to:
            self.opinion.pass_on_to(work.passes_to)
        self.tabs.add(self.opinion, text=_("审查意见"))
        self.times = TimePanel(self.tabs, work, self.do_action)
        self.tabs.add(self.times, text=_("期限与回访"))
        if self.times.offers(work.allowed) and not work.allowed & set(BUTTONS):
            self.tabs.select(self.times)  # only the time can move: special, extension, rating
        elif work.view.state != lifecycle.QUEUED:
            self.tabs.select(self.opinion)  # accepted: the materials were checked already

    def form_tab(self, work: CaseWork) -> ttk.Frame:
        frame = ttk.Frame(self.tabs, padding=6)
        details, person = work.details, work.details["applicant"]
        title = "    ".join((work.case_no, details["matter"]["name"],
                                state_name(work.view.state)))
        ttk.Label(frame, text=title, wraplength=420).pack(anchor="w", pady=(0, 4))
        tree = List(frame, columns=("field", "value"), show="headings", height=12)
        tree.heading("field", text=_("项目"))
        tree.heading("value", text=_("内容"))
        tree.column("field", width=150, stretch=False)
        tree.column("value", width=270)
        rows = [(_("申请人"), person["name"]), (_("身份证号"), person["id_number"]),
                (_("联系电话"), person["phone"]), (_("住址"), person["address"]),
                (_("收件时间"), local_time(details["filed_at"])),
                (_("承诺日期"), deadline_date(work.clock.get("deadline")))]
        rows += [(work.labels.get(key, key), value) for key, value in details["form"].items()]
        for name, value in rows:
            tree.insert("", tk.END, values=(name, "" if value is None else str(value)))
        tree.pack(fill=tk.BOTH, expand=True)
        return frame

    def send_notice(self, verdicts: list[Verdict], note: str) -> None:
        if self.work is None or self.verdicts is None:
            return
        case_no, station = self.work.case_no, self.app.opened
        self.verdicts.send_button.configure(state="disabled")

        def send(_reason: str) -> None:
            self.run(lambda: review.request_supplement(station, case_no, verdicts, note),
                     self.changed)

        self.ask(lifecycle.SUPPLEMENT_REQUESTED, send)

    def do_action(self, action: str, opinion: str, procedure: str = "", days: int = 0) -> None:
        """One action of the opinion panel or the 期限与回访 tab, on the worker; those
        that seal or send are confirmed first (取消 changes nothing)."""
        if self.work is None:
            return
        if action not in SEALS_OR_SENDS:
            self.perform(action, opinion, procedure, days)
            return
        if action == lifecycle.ACCEPTED:
            blocking = self.blocking()
            if blocking:
                extra = [_("以下必交材料缺少或不清晰：{materials}").format(
                    materials="、".join(blocking))]
                self.ask(action, lambda reason: self.perform(action, opinion, override=reason),
                         extra, _("受理理由（必填：为何仍予受理，记入办理记录和审计）"),
                         N_("请填写受理理由，否则不能受理。"))
                return
        if action == lifecycle.RETURNED_EVENT:
            self.ask(action, lambda reason: self.perform(action, reason), [],
                     _("退回原因（必填，村站代办员将看到）"), N_("请填写退回原因。"), opinion)
            return
        self.ask(action, lambda _reason: self.perform(action, opinion, procedure, days))

    def blocking(self) -> list[str]:
        """The required materials the verdicts mark 缺少 or 不清晰, or never received (受理
        needs a reason; the service checks the same)."""
        if self.work is None or self.verdicts is None:
            return []
        required = {m.name: m.pages for m in self.work.materials if m.required}
        return [v.name for v in self.verdicts.verdicts()
                if v.name in required and (v.verdict != "ok" or not required[v.name])]

    def ask(self, action: str, go: Any, extra: list[str] | None = None,
            reason_label: str | None = None, reason_missing: str = "",
            reason: str = "") -> None:
        """The confirmation: what is sealed, to whom; 确认 runs ``go(reason)``."""
        assert self.work is not None
        lines = summary(action, action_name(action), self.work.parties)
        lines[1:1] = extra or []

        def ok(given: str) -> None:
            self.confirmation = None
            go(given)

        def cancelled() -> None:
            self.confirmation = None
            self.say(_("已取消，办件未作改动。"))
            self.enable_actions()

        self.confirmation = Confirmation(self, lines, ok, reason_label, reason_missing,
                                         cancelled)
        if reason:
            self.confirmation.set_reason(reason)

    def enable_actions(self) -> None:
        if self.work is None:
            return
        if self.opinion is not None:
            self.opinion.allow(self.work.allowed)
        if self.times is not None:
            self.times.allow(self.work.allowed)
        if self.verdicts is not None and lifecycle.SUPPLEMENT_REQUESTED in self.work.allowed:
            self.verdicts.send_button.configure(state="normal")

    def perform(self, action: str, opinion: str, procedure: str = "", days: int = 0,
                override: str = "") -> None:
        assert self.work is not None
        case_no, station = self.work.case_no, self.app.opened
        verdicts = self.verdicts.verdicts() if self.verdicts is not None else []
        self.say(_("正在办理“{action}”…").format(action=action_name(action)))

        def work() -> CaseView:
            if action == lifecycle.ACCEPTED:
                return accept_case(station, case_no, opinion, verdicts, override)
            if action == lifecycle.RETURNED_EVENT:
                return return_case(station, case_no, opinion)
            return act(station, case_no, action, opinion, procedure, days)

        self.app.dispatcher.submit(work, on_done=self.changed, on_error=self.failed)
