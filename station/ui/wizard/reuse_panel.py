"""资料共享 in the 材料 step: the resident's earlier materials, each reusable with a tick.

The list comes from ``station.filing.reuse.offers`` (run on the worker by the step).
Each material shows when and with which case it was handed in, its pages, until when
it may serve and what offices found of it; a usable one has 复用（不用再扫描）, an
expired one says so and cannot be chosen.  Choosing any needs the resident's consent
(the checkbox under the list; 下一步 checks it).  A material with pages scanned in this
case cannot be reused as well: the agent is told to delete those pages first.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Sequence

import ttkbootstrap as ttk

from station.filing.reuse import Offer, describe
from station.i18n import _
from station.ui.flow import wrapping
from station.ui.wizard.draft import Draft, Reused

WRAP = 420  # a first wrap width, before the panel knows its own


class ReusePanel(ttk.Labelframe):
    def __init__(self, parent: tk.Misc, draft: Draft, offers: Sequence[Offer],
                 on_change: Callable[[], None], say: Callable[[str], None]) -> None:
        super().__init__(parent, text=_("以前交过的材料（资料共享）"), padding=8)
        self.draft, self.on_change, self.say = draft, on_change, say
        self.offers = {offer.name: offer for offer in offers}
        self.chosen: dict[str, tk.BooleanVar] = {}  # usable offers only
        self.boxes: dict[str, ttk.Checkbutton] = {}
        self.lines: dict[str, ttk.Label] = {}
        self.columnconfigure(0, weight=1)
        for row, offer in enumerate(offers):
            line = wrapping(ttk.Label(self, text=_("以前交过：") + describe(offer),
                                      justify=tk.LEFT, wraplength=WRAP))
            if offer.expired:
                line.configure(bootstyle="secondary")
            line.grid(row=row, column=0, sticky="ew", pady=3)
            self.lines[offer.name] = line
            if offer.expired:
                ttk.Label(self, text=_("已过期，不能复用"), bootstyle="danger").grid(
                    row=row, column=1, sticky="e", padx=(8, 0))
                continue
            chosen = tk.BooleanVar(value=offer.name in draft.reuse)
            box = ttk.Checkbutton(self, text=_("复用（不用再扫描）"), variable=chosen,
                                  command=lambda name=offer.name: self.toggle(name))
            box.grid(row=row, column=1, sticky="e", padx=(8, 0))
            self.chosen[offer.name], self.boxes[offer.name] = chosen, box
        self.consent = tk.BooleanVar(value=draft.reuse_consent)
        self.consent_box = ttk.Checkbutton(self, text=_("申请人同意复用以前交过的材料"),
                                           variable=self.consent, command=self.consented)
        self.consent_box.grid(row=len(offers), column=0, columnspan=2, sticky="w", pady=(6, 0))
        if not self.chosen:
            self.consent_box.configure(state="disabled")

    def toggle(self, name: str) -> None:
        """The agent ticked or unticked 复用 for ``name``."""
        if not self.chosen[name].get():
            self.draft.reuse.pop(name, None)
            self.say("")
            self.on_change()
            return
        scanned = len(self.draft.pages.get(name) or [])
        if scanned:
            self.chosen[name].set(False)
            self.say(_("{name}在这一件里已经扫描了 {count} 页。要复用以前交过的，请先删去这几页"
                       "（页下的 ✕）；要用新扫描的，就不要勾选复用。").format(name=name,
                                                                  count=scanned))
            return
        offer = self.offers[name]
        self.draft.reuse[name] = Reused(offer.case_no, offer.pages)
        self.say("" if self.consent.get() else
                 _("复用须经申请人同意：请向申请人说明后勾选“申请人同意复用以前交过的材料”。"))
        self.on_change()

    def consented(self) -> None:
        self.draft.reuse_consent = self.consent.get()
        if self.consent.get():
            self.say("")
        self.on_change()
