"""The village desk's form (a village-level matter: 受理, 不予受理, 办结): the opinion or
reason it records, required; for 受理 over missing materials, the reason to accept."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from station.i18n import N_, _
from station.ui.screens.case_forms import ActionForm, Submit
from sync import lifecycle

DESK_ACTIONS = (lifecycle.ACCEPTED, lifecycle.REFUSED_EVENT, lifecycle.APPROVED,
                lifecycle.REJECTED)
DESK_BUTTONS = {
    lifecycle.ACCEPTED: (N_("受理"), "success"),
    lifecycle.REFUSED_EVENT: (N_("不予受理"), "danger-outline"),
    lifecycle.APPROVED: (N_("办结：准予"), "success"),
    lifecycle.REJECTED: (N_("办结：不予"), "danger"),
}


class VillageDeskForm(ActionForm):
    """One decision of the village desk, with what it says in writing."""

    confirm = N_("确定")

    def __init__(self, parent: tk.Misc, on_submit: Submit, on_cancel: Callable[[], None],
                 action: str, missing: list[str]) -> None:
        self.title = DESK_BUTTONS[action][0]
        super().__init__(parent, on_submit, on_cancel)
        self.action = action
        line = ttk.Frame(self.body)
        line.pack(fill=tk.X)
        label = _("不予受理的理由") if action == lifecycle.REFUSED_EVENT else _("办理意见")
        ttk.Label(line, text=label).pack(side=tk.LEFT, padx=(0, 6))
        self.opinion = ttk.Entry(line, width=44)
        self.opinion.pack(side=tk.LEFT, fill=tk.X, expand=True)
        self.override: ttk.Entry | None = None
        if action == lifecycle.ACCEPTED and missing:
            ttk.Label(self.body, text=_("以下必交材料缺少或不清晰：{materials}").format(
                materials="、".join(missing)), bootstyle="warning").pack(anchor="w", pady=(4, 0))
            line = ttk.Frame(self.body)
            line.pack(fill=tk.X, pady=(4, 0))
            ttk.Label(line, text=_("仍予受理的理由")).pack(side=tk.LEFT, padx=(0, 6))
            self.override = ttk.Entry(line, width=44)
            self.override.pack(side=tk.LEFT, fill=tk.X, expand=True)

    def values(self) -> dict[str, Any] | None:
        opinion = self.opinion.get().strip()
        if not opinion and self.action != lifecycle.ACCEPTED:
            self.refuse(_("请填写办理意见或理由。"))
            self.opinion.focus_set()
            return None
        override = self.override.get().strip() if self.override is not None else ""
        if self.override is not None and not override:
            self.refuse(_("请填写受理理由，否则不能受理。"))
            self.override.focus_set()
            return None
        return {"opinion": opinion, "override": override}
