"""Step 2 申请人: the resident, checked as typed; and the 代办 (proxy) record."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

from forms.errors import FormInvalid, FormsError
from forms.identity import check_resident_id, mask_id
from forms.validate import validate_applicant
from station import i18n
from station.filing.new_case import VILLAGE_AGENT, Proxy
from station.i18n import N_, _, translate
from station.ui.wizard.step import StepFrame, Wizard

FIELDS = (("name", N_("姓名")), ("id_number", N_("身份证号码")), ("phone", N_("联系电话")),
          ("address", N_("住址")))


class ApplicantStep(StepFrame):
    title = N_("申请人")

    def __init__(self, parent: tk.Misc, wizard: Wizard) -> None:
        super().__init__(parent, wizard)
        self.entries: dict[str, ttk.Entry] = {}
        self.errors: dict[str, ttk.Label] = {}
        for row, (key, label) in enumerate(FIELDS):
            ttk.Label(self, text=translate(label)).grid(row=row * 2, column=0, sticky="e",
                                                        padx=8, pady=(8, 0))
            entry = ttk.Entry(self, width=44)
            entry.insert(0, wizard.draft.applicant.get(key, ""))
            entry.grid(row=row * 2, column=1, sticky="w", pady=(8, 0))
            entry.bind("<Return>", lambda _e: self.wizard.next())
            if key != "id_number":  # the ID number is checked live already
                entry.bind("<KeyRelease>", self.rechecks(key), add="+")
            self.entries[key] = entry
            error = ttk.Label(self, text="", bootstyle="danger")
            error.grid(row=row * 2 + 1, column=1, sticky="w")
            self.errors[key] = error
        self.identity = ttk.Label(self, text="", bootstyle="success")
        self.identity.grid(row=2, column=2, sticky="w", padx=10)
        self.entries["id_number"].bind("<KeyRelease>", lambda _e: self.check_id())
        box = ttk.Labelframe(self, text=_("代办"), padding=10)
        box.grid(row=9, column=0, columnspan=3, sticky="ew", pady=14)
        proxy = wizard.draft.proxy
        self.is_proxy = tk.BooleanVar(value=proxy is not None)
        self.consent = tk.BooleanVar(value=bool(proxy and proxy.consent))
        ttk.Checkbutton(box, text=_("由代办员代为申请"), variable=self.is_proxy).grid(
            row=0, column=0, sticky="w")
        ttk.Checkbutton(box, text=_("申请人已同意由代办员代为办理"), variable=self.consent).grid(
            row=0, column=1, sticky="w", padx=16)
        self.proxy_error = ttk.Label(box, text="", bootstyle="danger")
        self.proxy_error.grid(row=1, column=0, columnspan=2, sticky="w")
        self.check_id()
        self.watch(*self.entries.values())
        self.is_proxy.trace_add("write", lambda *_a: self.wizard.changed())
        self.consent.trace_add("write", lambda *_a: self.wizard.changed())

    def enter(self) -> None:
        self.entries["name"].focus_set()

    def check_id(self) -> None:
        """Live: a complete number shows birth date and sex, or what is wrong."""
        text = self.entries["id_number"].get().strip()
        self.identity.configure(text="")
        self.errors["id_number"].configure(text="")
        if len(text) < 18:
            return
        try:
            resident = check_resident_id(text)
        except FormsError as error:
            self.errors["id_number"].configure(text=i18n.render(error))
            return
        self.identity.configure(text=_("出生日期 {birth}，{sex}性　{masked}").format(
            birth=resident.birth_date.isoformat(), sex=resident.sex,
            masked=mask_id(resident.number)))

    def values(self) -> dict[str, str]:
        return {key: entry.get().strip() for key, entry in self.entries.items()}

    def rechecks(self, name: str) -> Callable[[tk.Event], None]:
        return lambda _event: self.recheck(name)

    def recheck(self, name: str) -> None:
        """A field shown in error is checked again as it is edited: fixed, the red goes."""
        shown = self.errors[name]
        if not shown.cget("text"):
            return
        try:
            validate_applicant(self.values())
        except FormInvalid as error:
            for problem in error.params["problems"]:  # type: ignore[attr-defined]
                if getattr(problem, "params", {}).get("field", "") == name:
                    shown.configure(text=i18n.render(problem))
                    return
        shown.configure(text="")

    def leave(self) -> bool:
        for label in (*self.errors.values(), self.proxy_error):
            label.configure(text="")
        ok = True
        try:
            validate_applicant(self.values())
        except FormInvalid as error:
            ok = False
            for problem in error.params["problems"]:  # type: ignore[attr-defined]
                name = getattr(problem, "params", {}).get("field", "")
                if name in self.errors:
                    self.errors[name].configure(text=i18n.render(problem))
        if self.is_proxy.get() and not self.consent.get():
            self.proxy_error.configure(text=_("代办须经申请人同意：请确认后勾选。"))
            ok = False
        self.collect()
        return ok

    def collect(self) -> None:
        self.wizard.draft.applicant = self.values()
        self.wizard.draft.proxy = (Proxy(consent=self.consent.get(), relation=VILLAGE_AGENT)
                                   if self.is_proxy.get() else None)
