"""Step 2 申请人: the resident, checked as typed; and the 代办 (proxy) record.

A valid ID number also looks up, on the worker, what the resident handed in earlier
that this matter may reuse (资料共享): named here, chosen in the 材料 step."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from functools import partial

import ttkbootstrap as ttk

from forms.errors import FormInvalid, FormsError
from forms.identity import check_resident_id, mask_id
from forms.validate import validate_applicant
from station import i18n
from station.filing.new_case import VILLAGE_AGENT, Proxy
from station.filing.reuse import Offer, offers
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
        self.earlier = ttk.Label(self, text="", bootstyle="info", wraplength=760,
                                 justify=tk.LEFT)
        self.earlier.grid(row=8, column=1, columnspan=2, sticky="w", pady=(8, 0))
        self.looked_up = ""  # the ID number whose earlier materials are shown
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
            self.looked_up = ""
            self.earlier.configure(text="")
            return
        try:
            resident = check_resident_id(text)
        except FormsError as error:
            self.errors["id_number"].configure(text=i18n.render(error))
            self.looked_up = ""
            self.earlier.configure(text="")
            return
        self.identity.configure(text=_("出生日期 {birth}，{sex}性　{masked}").format(
            birth=resident.birth_date.isoformat(), sex=resident.sex,
            masked=mask_id(resident.number)))
        self.look_up(resident.number)

    def look_up(self, id_number: str) -> None:
        """What this resident handed in earlier that the matter may reuse (on the worker)."""
        matter = self.wizard.draft.matter
        if matter is None or id_number == self.looked_up:
            return
        self.looked_up = id_number
        self.earlier.configure(text="")
        self.wizard.app.dispatcher.submit(
            partial(offers, self.wizard.app.opened, id_number, matter),
            on_done=partial(self.show_earlier, id_number))

    def show_earlier(self, id_number: str, found: list[Offer]) -> None:
        if not self.winfo_exists() or id_number != self.looked_up:
            return  # left, or another number typed meanwhile
        usable = [offer.name for offer in found if offer.usable]
        expired = [offer.name for offer in found if offer.expired]
        lines = []
        if usable:
            lines.append(_("这位居民以前交过，可以复用：{names}（经申请人同意，在“材料”一步勾选"
                           "“复用”，不用再扫描）").format(names="、".join(usable)))
        if expired:
            lines.append(_("以前交过、已过期不能复用：{names}（请收取新的）").format(
                names="、".join(expired)))
        self.earlier.configure(text="\n".join(lines))

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
