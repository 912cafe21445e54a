"""Step 3 填写表单: the matter's form, rendered from the catalogue.

Choices show or hide the fields that depend on them (visible_when); errors
appear next to the field they concern, in Chinese, all at once.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from forms.catalogue import FieldSpec
from forms.errors import FormInvalid
from forms.validate import validate_form
from station import i18n
from station.i18n import N_, _
from station.ui.wizard.step import StepFrame, Wizard

Widget = ttk.Entry | ttk.Combobox


class FormStep(StepFrame):
    title = N_("填写表单")

    def __init__(self, parent: tk.Misc, wizard: Wizard) -> None:
        super().__init__(parent, wizard)
        matter = wizard.draft.matter
        assert matter is not None
        self.fields: list[FieldSpec] = list(matter.fields)
        self.widgets: dict[str, Widget] = {}
        self.errors: dict[str, ttk.Label] = {}
        self.rows: dict[str, list[tk.Grid]] = {}
        self.area = ttk.Frame(self)
        self.area.pack(fill=tk.BOTH, expand=True)
        for spec in self.fields:
            self._build(spec, wizard.draft.form.get(spec.name))
        self.layout()
        self.watch(*self.widgets.values())

    def _build(self, spec: FieldSpec, value: object) -> None:
        mark = " *" if spec.required else ""
        label = ttk.Label(self.area, text=spec.label + mark)
        widget: Widget
        if spec.type == "choice":
            widget = ttk.Combobox(self.area, values=list(spec.options), state="readonly",
                                  width=40)
            widget.bind("<<ComboboxSelected>>", lambda _e: self.layout())
        else:
            widget = ttk.Entry(self.area, width=42)
        if isinstance(widget, ttk.Combobox) and value is not None:
            widget.set(str(value))
        elif value is not None:
            widget.insert(0, str(value))
        widget.bind("<Return>", lambda _e: self.wizard.next())
        for sequence in ("<KeyRelease>", "<<ComboboxSelected>>"):
            widget.bind(sequence, lambda _e, name=spec.name: self.recheck(name), add="+")
        hint = spec.help or (_("格式：2026-01-31") if spec.type == "date" else "")
        helper = ttk.Label(self.area, text=hint, bootstyle="secondary")
        error = ttk.Label(self.area, text="", bootstyle="danger")
        self.widgets[spec.name] = widget
        self.errors[spec.name] = error
        self.rows[spec.name] = [label, widget, helper, error]

    def visible(self, spec: FieldSpec) -> bool:
        if not spec.visible_when:
            return True
        return all(self.widgets[name].get() in values
                   for name, values in spec.visible_when.items())

    def layout(self) -> None:
        row = 0
        for spec in self.fields:
            label, widget, helper, error = self.rows[spec.name]
            if not self.visible(spec):
                for item in (label, widget, helper, error):
                    item.grid_remove()
                continue
            label.grid(row=row, column=0, sticky="e", padx=8, pady=(6, 0))
            widget.grid(row=row, column=1, sticky="w", pady=(6, 0))
            helper.grid(row=row, column=2, sticky="w", padx=8, pady=(6, 0))
            error.grid(row=row + 1, column=1, columnspan=2, sticky="w")
            row += 2

    def enter(self) -> None:
        first = next((self.widgets[s.name] for s in self.fields if self.visible(s)), None)
        if first is not None:
            first.focus_set()

    def values(self) -> dict[str, object]:
        return {spec.name: self.widgets[spec.name].get().strip() for spec in self.fields
                if self.visible(spec) and self.widgets[spec.name].get().strip()}

    def collect(self) -> None:
        self.wizard.draft.form = self.values()

    def recheck(self, name: str) -> None:
        """A field shown in error is checked again as it is edited: fixed, the red goes."""
        shown = self.errors.get(name)
        matter = self.wizard.draft.matter
        if shown is None or matter is None or not shown.cget("text"):
            return
        try:
            validate_form(matter, self.values())
        except FormInvalid as error:
            for problem in error.params["problems"]:  # type: ignore[attr-defined]
                if getattr(problem, "params", {}).get("field", "") == name:
                    shown.configure(text=i18n.render(problem))
                    return
        shown.configure(text="")

    def leave(self) -> bool:
        matter = self.wizard.draft.matter
        assert matter is not None
        for label in self.errors.values():
            label.configure(text="")
        values = self.values()
        try:
            self.wizard.draft.form = validate_form(matter, values)
        except FormInvalid as error:
            self.wizard.draft.form = values
            for problem in error.params["problems"]:  # type: ignore[attr-defined]
                name = getattr(problem, "params", {}).get("field", "")
                if name in self.errors:
                    self.errors[name].configure(text=i18n.render(problem))
            return False
        return True
