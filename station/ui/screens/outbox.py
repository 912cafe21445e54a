"""The outbox list on the 同步 screen: this PC's records and whether they reached the hub.

Only the clear headers are shown (type, case number, time, author); payloads
stay sealed.
"""

from __future__ import annotations

import tkinter as tk
from typing import Any

import ttkbootstrap as ttk

from station.i18n import _
from station.network import link
from station.outbox import count_events, local_time, recent_events
from station.outbox import label as event_label
from station.ui.context import AppContext
from station.ui.table import List

SHOWN = 200


class OutboxList(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.count = ttk.Label(self, text="")
        self.count.pack(anchor="w")
        columns = (("seq", _("序号"), 70), ("type", _("记录类型"), 180),
                   ("case_no", _("办件编号"), 240), ("at", _("时间"), 200),
                   ("author", _("操作人"), 100), ("sent", _("上报情况"), 110))
        self.tree = List(self, columns=[c[0] for c in columns], show="headings")
        for key, label, width in columns:
            self.tree.heading(key, text=label)
            self.tree.column(key, width=width, stretch=key == "case_no")
        self.tree.pack(fill=tk.BOTH, expand=True, pady=6)
        self.reload()

    def reload(self) -> None:
        station = self.app.opened
        self.app.dispatcher.submit(
            lambda: (count_events(), [{**e, "author": station.display_name(e["author"])}
                                      for e in recent_events(SHOWN)], link.acked_seq()),
            on_done=self.show)

    def show(self, result: tuple[int, list[dict[str, Any]], int]) -> None:
        if not self.winfo_exists():
            return
        total, events, acked = result
        self.count.configure(text=_("本机记录 {count} 条（显示最近 {shown} 条）").format(
            count=total, shown=len(events)))
        self.tree.delete(*self.tree.get_children())
        for event in events:
            self.tree.insert("", tk.END, values=(
                event["seq"], event_label(event["type"]), event["case_no"] or "—",
                local_time(event["at"]), event["author"],
                _("已上报") if event["seq"] <= acked else _("待上报")))
