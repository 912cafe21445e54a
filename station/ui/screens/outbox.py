"""同步: until the sync network exists, the outbox waiting to be sent.

Only the clear headers are shown (type, case number, time, author); payloads
stay sealed.
"""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING, Any

import ttkbootstrap as ttk

from station.i18n import _
from station.outbox import count_events, local_time, recent_events
from station.outbox import label as event_label

if TYPE_CHECKING:
    from station.ui.app import StationApp


class OutboxScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: StationApp) -> None:
        super().__init__(parent)
        self.app = app
        ttk.Label(self, text=_("同步网络尚未接通：以下记录保存在本机，接通后将逐级上报。"),
                  bootstyle="info").pack(anchor="w", pady=(0, 8))
        self.count = ttk.Label(self, text="")
        self.count.pack(anchor="w")
        columns = (("seq", _("序号"), 70), ("type", _("记录类型"), 180),
                   ("case_no", _("办件编号"), 260), ("at", _("时间"), 200),
                   ("author", _("操作人"), 100))
        self.tree = ttk.Treeview(self, columns=[c[0] for c in columns], show="headings")
        for key, label, width in columns:
            self.tree.heading(key, text=label)
            self.tree.column(key, width=width, stretch=key == "case_no")
        self.tree.pack(fill=tk.BOTH, expand=True, pady=6)
        app.dispatcher.submit(lambda: (count_events(), recent_events(200)), on_done=self.show)

    def show(self, result: tuple[int, list[dict[str, Any]]]) -> None:
        if not self.winfo_exists():
            return
        total, events = result
        self.count.configure(text=_("待上报记录 {count} 条（显示最近 {shown} 条）").format(
            count=total, shown=len(events)))
        for event in events:
            self.tree.insert("", tk.END, values=(
                event["seq"], event_label(event["type"]), event["case_no"] or "—",
                local_time(event["at"]), event["author"]))
