"""资料共享 in the 材料 step: what the resident handed in earlier for the material selected
in the checklist, reusable with a tick.

The earlier materials come from ``station.filing.reuse.offers`` (run on the worker by
the step).  The panel keeps one size whichever material is selected (a matter with
nine materials and five earlier ones still leaves room for the pages at 768 pixels
in large font): for the selected material, when and with which case it was handed
in, its pages, until when it may serve and what offices found of it, and 复用（不用再
扫描） — or, expired, that it cannot be reused; for another, which materials can be.
Choosing any needs the resident's consent (the checkbox under it; 下一步 checks it).
A material with pages scanned in this case cannot be reused as well: the agent is
told to delete those pages first.
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
        self.shown = ""  # the material whose earlier one is shown
        self.columnconfigure(0, weight=1)
        self.line = wrapping(ttk.Label(self, text="", justify=tk.LEFT, wraplength=WRAP))
        self.line.grid(row=0, column=0, sticky="ew")
        self.chosen = tk.BooleanVar(value=False)
        self.box = ttk.Checkbutton(self, text=_("复用（不用再扫描）"), variable=self.chosen,
                                   command=self.toggle)
        self.expired = ttk.Label(self, text=_("已过期，不能复用"), bootstyle="danger")
        self.consent = tk.BooleanVar(value=draft.reuse_consent)
        self.consent_box = ttk.Checkbutton(self, text=_("申请人同意复用以前交过的材料"),
                                           variable=self.consent, command=self.consented)
        self.consent_box.grid(row=1, column=0, columnspan=2, sticky="w", pady=(6, 0))
        if not self.usable():
            self.consent_box.configure(state="disabled")

    def usable(self) -> list[str]:
        return [name for name, offer in self.offers.items() if offer.usable]

    def show(self, material: str) -> None:
        """The earlier one of ``material`` (the one selected in the checklist)."""
        self.shown = material
        self.box.grid_forget()
        self.expired.grid_forget()
        offer = self.offers.get(material)
        if offer is None:
            usable = self.usable()
            self.line.configure(bootstyle="secondary", text=_(
                "可以复用的：{names}（在左边选中后勾选“复用”）").format(names="、".join(usable))
                if usable else _("以前交过的都已过期，不能复用，请收取新的。"))
            return
        self.line.configure(text=_("以前交过：") + describe(offer),
                            bootstyle="secondary" if offer.expired else "default")
        if offer.expired:
            self.expired.grid(row=0, column=1, sticky="e", padx=(8, 0))
            return
        self.chosen.set(material in self.draft.reuse)
        self.box.grid(row=0, column=1, sticky="e", padx=(8, 0))

    def toggle(self) -> None:
        """The agent ticked or unticked 复用 for the material shown."""
        name = self.shown
        if not self.chosen.get():
            self.draft.reuse.pop(name, None)
            self.say("")
            self.on_change()
            return
        scanned = len(self.draft.pages.get(name) or [])
        if scanned:
            self.chosen.set(False)
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
