"""新建办件: the wizard's frame — step header, the current step, back and next."""

from __future__ import annotations

import shutil
import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

from station import i18n, outbox
from station.errors import ChainNotResumed
from station.filing.new_case import FilingResult
from station.i18n import _, translate
from station.ui.ask import Ask
from station.ui.context import AppContext
from station.ui.file_dialogs import scan_folder
from station.ui.flow import wrapping
from station.ui.wizard.applicant_step import ApplicantStep
from station.ui.wizard.autosave import AutoSaver
from station.ui.wizard.confirm_step import ConfirmStep
from station.ui.wizard.draft import Draft
from station.ui.wizard.form_step import FormStep
from station.ui.wizard.materials_step import MaterialsStep
from station.ui.wizard.matter_step import MatterStep
from station.ui.wizard.step import StepFrame

STEPS: tuple[type[StepFrame], ...] = (
    MatterStep, ApplicantStep, FormStep, MaterialsStep, ConfirmStep)


class NewCaseScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.draft = Draft()
        self.saver = AutoSaver(app, lambda: self.draft, self.collect)
        self.asking: Ask | None = None  # 保存草稿并离开？
        self.released = False  # the agent chose to leave: do not ask again
        self.working = False
        self.index = 0
        self.step: StepFrame | None = None
        self.scan_folder = scan_folder(app)
        self.header = ttk.Frame(self)
        self.header.pack(fill=tk.X, pady=(0, 10))
        self.crumbs = [ttk.Label(self.header, text=f"{i + 1} {translate(step.title)}",
                                 padding=(10, 4)) for i, step in enumerate(STEPS)]
        for crumb in self.crumbs:
            crumb.pack(side=tk.LEFT)
        # After a restore, or on a replacement PC, no case is filed before the first sync
        # (its number could be one the old PC gave): say so before the agent starts.
        self.waiting = wrapping(ttk.Label(self, text="", bootstyle="danger", justify=tk.LEFT))
        self.body = ttk.Frame(self)
        self.body.pack(fill=tk.BOTH, expand=True)
        app.dispatcher.submit(outbox.chain_waits, on_done=self._chain_waits)
        footer = ttk.Frame(self)
        footer.pack(fill=tk.X, pady=8)
        self.back_button = ttk.Button(footer, text=_("上一步（Alt+←）"), command=self.back,
                                      bootstyle="secondary-outline")
        self.back_button.pack(side=tk.LEFT)
        self.next_button = ttk.Button(footer, text="", command=self.next, bootstyle="primary")
        self.next_button.pack(side=tk.RIGHT)
        self.again = ttk.Button(footer, text=_("再办一件（Ctrl+N）"), command=self.restart,
                                bootstyle="success")
        self.bind_all("<Alt-Left>", lambda _e: self.back())
        self.bind_all("<Alt-Right>", lambda _e: self.next())
        self.show(0)

    def _chain_waits(self, waits: bool) -> None:
        if waits and self.winfo_exists():
            self.waiting.configure(text=i18n.render(ChainNotResumed()))
            self.waiting.pack(fill=tk.X, pady=(0, 8), before=self.body)

    def show(self, index: int) -> None:
        if self.step is not None:
            self.step.destroy()
        self.index = index
        self.step = STEPS[index](self.body, self)
        self.step.pack(fill=tk.BOTH, expand=True)
        for i, crumb in enumerate(self.crumbs):
            crumb.configure(bootstyle="@primary" if i == index else "secondary")
        last = index == len(STEPS) - 1
        self.next_button.configure(text=_("提交办件（Enter）") if last else _("下一步（Enter）"))
        self.back_button.configure(state="normal" if index else "disabled")
        self.step.enter()

    def next(self) -> None:
        if self.working or self.step is None or self.step.taking_in() or not self.step.leave():
            return
        if self.index < len(STEPS) - 1:
            self.show(self.index + 1)
            self.draft.step = self.index
            self.saver.save()

    def back(self) -> None:
        if self.working or self.index == 0 or (self.step is not None and self.step.taking_in()):
            return
        if self.step is not None:
            self.step.leave()  # keep what was typed, even if incomplete
        self.show(self.index - 1)
        self.draft.step = self.index
        self.saver.save()

    def resume(self, draft: Draft) -> None:
        """Go on with a saved draft, at the step where the agent left it."""
        self.draft = draft
        step = draft.step if draft.matter is not None else 0
        self.show(max(0, min(step, len(STEPS) - 1)))

    def collect(self) -> None:
        """What the step shows, into the draft (unchecked: it is only kept)."""
        if self.step is not None and not self.working:
            self.step.collect()

    def changed(self) -> None:
        self.saver.changed()

    def leave_guard(self, proceed: Callable[[], None]) -> bool:
        """Leaving with unfinished work asks first; either way the draft stays.

        True: nothing to ask, go on.  False: the agent is asked, and ``proceed`` runs
        once they chose to leave and the draft is written."""
        if self.released or self.saver.paused:
            return True
        self.collect()
        if self.draft.is_empty():
            return True
        if self.asking is None or not self.asking.winfo_exists():
            lines = [_("这件还没有提交。"),
                     _("已填写的内容和已导入的材料会保存为草稿，"
                       "以后可以在“办件 → 草稿”中继续办理。")]
            self.asking = Ask(self, _("离开新建办件"), lines, yes=_("保存草稿并离开"),
                              no=_("继续办件"), on_yes=lambda: self._leave(proceed),
                              on_no=self._stay)
        return False

    def _leave(self, proceed: Callable[[], None]) -> None:
        def saved() -> None:
            self.released = True
            proceed()

        self.saver.save(on_saved=saved)

    def _stay(self) -> None:
        if self.step is not None:
            self.step.enter()

    def finished(self, result: FilingResult) -> None:
        self.next_button.configure(state="disabled")
        self.back_button.configure(state="disabled")
        self.again.pack(side=tk.RIGHT, padx=8)
        self.again.focus_set()
        self.bind_all("<Control-n>", lambda _e: self.restart())

    def restart(self) -> None:
        self.app.view.open("new_case")  # type: ignore[union-attr]

    def destroy(self) -> None:
        self.saver.cancel()
        if self.asking is not None and self.asking.winfo_exists():
            self.asking.destroy()
        for sequence in ("<Alt-Left>", "<Alt-Right>", "<Control-n>"):
            self.unbind_all(sequence)
        step = self.step
        rotated = getattr(step, "rotated", None)
        super().destroy()
        if rotated is not None:
            shutil.rmtree(rotated, ignore_errors=True)
