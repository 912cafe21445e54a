"""重新报送: a case the office returned, corrected at the village and sent again as the
same case.  The agent says what was corrected (required), and may change a form value
and add the scans of a material; the office takes the corrections in and the case waits
on its desk again."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ttkbootstrap as ttk

from station.i18n import N_, _, translate
from station.ui.flow import Flow, wrapping
from station.ui.screens.case_forms import PicksScans, Submit

NO_FIELD = N_("（不更改申请表）")
NO_MATERIAL = N_("（不补交材料）")


class ResubmitForm(PicksScans):
    title = N_("更正后重新报送")
    confirm = N_("重新报送")

    def __init__(self, parent: tk.Misc, on_submit: Submit, on_cancel: Callable[[], None],
                 materials: Sequence[str], fields: Mapping[str, str], reason: str) -> None:
        super().__init__(parent, on_submit, on_cancel)
        self.files: list[Path] = []
        self.fields = dict(fields)  # label -> field name
        wrapping(ttk.Label(self.body, text=_("退回原因：{reason}").format(reason=reason or "—"),
                           bootstyle="warning")).pack(fill=tk.X)
        line = ttk.Frame(self.body)
        line.pack(fill=tk.X, pady=(4, 0))
        ttk.Label(line, text=_("更正申请表")).pack(side=tk.LEFT)
        self.field = ttk.Combobox(line, values=[translate(NO_FIELD), *self.fields],
                                  state="readonly", width=20)
        self.field.current(0)
        self.field.pack(side=tk.LEFT, padx=6)
        ttk.Label(line, text=_("改为")).pack(side=tk.LEFT)
        self.value = ttk.Entry(line, width=20)
        self.value.pack(side=tk.LEFT, padx=6)
        line = Flow(self.body)  # the button goes under the list when both do not fit
        line.pack(fill=tk.X, pady=(4, 0))
        line.add(ttk.Label(line, text=_("补交材料")))
        self.material = ttk.Combobox(line, values=[translate(NO_MATERIAL), *materials],
                                     state="readonly", width=28)
        self.material.current(0)
        line.add(self.material)
        line.add(ttk.Button(line, text=_("选择扫描件…"), bootstyle="primary-outline",
                            command=self.choose_files))
        self.chosen = wrapping(ttk.Label(self.body, text=_("尚未选择文件"), bootstyle="secondary"))
        self.chosen.pack(fill=tk.X, pady=(4, 0))
        line = ttk.Frame(self.body)
        line.pack(fill=tk.X, pady=(4, 0))
        ttk.Label(line, text=_("更正说明")).pack(side=tk.LEFT)
        self.note = ttk.Entry(line, width=44)
        self.note.pack(side=tk.LEFT, fill=tk.X, expand=True, padx=6)

    def correct(self, label: str, value: str) -> None:
        """Choose a form field and type its new value, as a person would."""
        self.field.set(label)
        self.value.delete(0, tk.END)
        self.value.insert(0, value)

    def values(self) -> dict[str, Any] | None:
        note = self.note.get().strip()
        if not note:
            self.refuse(_("请写明更正了什么。"))
            self.note.focus_set()
            return None
        form: dict[str, str] = {}
        name = self.fields.get(self.field.get())
        if name is not None:
            if not self.value.get().strip():
                self.refuse(_("请填写更正后的内容。"))
                return None
            form[name] = self.value.get().strip()
        material = self.material.get() if self.material.current() > 0 else ""
        if material and not self.files:
            self.refuse(_("请先选择补交材料的扫描件。"))
            return None
        if self.files and not material:
            self.refuse(_("请选择补交的是哪项材料。"))
            return None
        return {"note": note, "form": form, "material": material, "files": list(self.files)}
