"""审计 → 同步日志: the sessions the county hub logged, with filters."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

from station.clock.calendar import parse_date
from station.errors import StationError
from station.hubops.audit import (
    POLL,
    HubDatabase,
    SessionFilter,
    SessionRow,
    fold_empty_polls,
    read_sessions,
    session_peers,
)
from station.i18n import N_, _, translate
from station.outbox import local_time
from station.ui.context import AppContext
from station.ui.flow import wrapping
from station.ui.sync_text import size_text
from station.ui.table import List

EVERY = N_("全部")
DIRECTIONS = (("", EVERY), ("up", N_("上报")), ("down", N_("下载")), ("both", N_("双向")),
              ("import", N_("离线导入")))
POLL_LABEL = N_("空轮询")
# The log's words, each with one line for a county admin who is not an engineer.
LEGEND = N_("上报：站点把办件和步骤送到本枢纽站　下载：站点取回结果和通知　"
            "空轮询：站点来问有没有新内容，没有收发任何东西（同一站点每小时合并为一行，"
            "“结果”栏写次数）　收到事件／发出事件：办件步骤的条数　收到材料：收齐的扫描件份数")
RESULTS = (("", EVERY), ("ok", N_("成功")), ("error", N_("失败")))


def direction_label(direction: str) -> str:
    if not direction:  # a session of control requests only (hello, directory …)
        return "—"
    if direction == POLL:
        return translate(POLL_LABEL)
    return translate(dict(DIRECTIONS).get(direction, direction))


def result_label(result: str) -> str:
    return translate(dict(RESULTS).get(result, result))


class SessionLog(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext,
                 database: Callable[[], HubDatabase | None]) -> None:
        super().__init__(parent, padding=8)
        self.app = app
        self.database = database
        self.peers: list[tuple[str, str]] = []
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X)
        self.station = self._choice(bar, _("站点"), [translate(EVERY)], 26)
        self.direction = self._choice(bar, _("方向"), [translate(t) for _v, t in DIRECTIONS], 6)
        self.result = self._choice(bar, _("结果"), [translate(t) for _v, t in RESULTS], 6)
        ttk.Label(bar, text=_("日期")).pack(side=tk.LEFT, padx=(10, 4))
        self.since = ttk.Entry(bar, width=11)
        self.since.pack(side=tk.LEFT)
        ttk.Label(bar, text=_("至")).pack(side=tk.LEFT, padx=4)
        self.until = ttk.Entry(bar, width=11)
        self.until.pack(side=tk.LEFT)
        for entry in (self.since, self.until):
            entry.bind("<Return>", lambda _e: self.reload())
        ttk.Button(bar, text=_("筛选"), bootstyle="primary-outline",
                   command=self.reload).pack(side=tk.LEFT, padx=10)
        self.count = ttk.Label(self, text="")
        self.count.pack(anchor="w", pady=(6, 0))
        columns = (("at", _("开始时间"), 160), ("peer", _("站点"), 220),
                   ("direction", _("方向"), 50), ("events_in", _("收到事件"), 75),
                   ("events_out", _("发出事件"), 75), ("blobs_in", _("收到材料"), 75),
                   ("bytes_in", _("收到数据"), 80), ("bytes_out", _("发出数据"), 80),
                   ("duration", _("用时"), 60), ("result", _("结果"), 50),
                   ("error", _("错误"), 160))
        self.tree = List(self, columns=[c[0] for c in columns], show="headings")
        for key, label, width in columns:
            self.tree.heading(key, text=label)
            self.tree.column(key, width=width, stretch=key in ("peer", "error"))
        self.tree.tag_configure("error", foreground="#b02a37")
        self.legend = wrapping(ttk.Label(self, text=translate(LEGEND), bootstyle="secondary",
                                         justify="left"))
        self.legend.pack(side=tk.BOTTOM, fill=tk.X)  # before the list: it keeps its lines
        self.tree.pack(fill=tk.BOTH, expand=True, pady=6)
        self.rows: list[SessionRow] = []

    def _choice(self, bar: ttk.Frame, label: str, values: list[str],
                width: int) -> ttk.Combobox:
        ttk.Label(bar, text=label).pack(side=tk.LEFT, padx=(10, 4))
        box = ttk.Combobox(bar, values=values, width=width, state="readonly")
        box.set(values[0])
        box.bind("<<ComboboxSelected>>", lambda _e: self.reload())
        box.pack(side=tk.LEFT)
        return box

    def chosen(self) -> SessionFilter:
        """The filter as chosen; a bad date raises its clear error."""
        index = self.station.current()
        station = self.peers[index - 1][0] if index > 0 and index <= len(self.peers) else ""
        since, until = self.since.get().strip(), self.until.get().strip()
        return SessionFilter(station=station,
                             direction=DIRECTIONS[max(self.direction.current(), 0)][0],
                             result=RESULTS[max(self.result.current(), 0)][0],
                             since=parse_date(since) if since else None,
                             until=parse_date(until) if until else None)

    def reload(self) -> None:
        db = self.database()
        if db is None:
            return
        try:
            chosen = self.chosen()
        except StationError as error:
            self.app.show_error(error)
            return
        self.app.clear_error()
        self.app.dispatcher.submit(lambda: (session_peers(db), read_sessions(db, chosen)),
                                   on_done=self.show)

    def show(self, result: tuple[list[tuple[str, str]], list[SessionRow]]) -> None:
        if not self.winfo_exists():
            return
        peers, rows = result
        if peers != self.peers:
            chosen = self.peers[self.station.current() - 1][0] \
                if 0 < self.station.current() <= len(self.peers) else ""
            self.peers = peers
            self.station.configure(values=[translate(EVERY)]
                                   + [f"{code} {name}".strip() for code, name in peers])
            codes = [code for code, _name in peers]
            self.station.current(codes.index(chosen) + 1 if chosen in codes else 0)
        self.rows = rows
        self.tree.delete(*self.tree.get_children())
        for row in fold_empty_polls(rows):
            self.tree.insert("", tk.END, tags=("error",) if row.result == "error" else (),
                             values=(local_time(row.started_at), f"{row.peer} {row.name}".strip(),
                                     direction_label(row.direction), row.events_in,
                                     row.events_out, row.blobs_in, size_text(row.bytes_in),
                                     size_text(row.bytes_out),
                                     _("{seconds} 秒").format(
                                         seconds=f"{row.duration_ms / 1000:.1f}"),
                                     _("{count} 次").format(count=row.requests)
                                     if row.direction == POLL else result_label(row.result),
                                     row.error or ""))
        failed = sum(1 for r in rows if r.result == "error")
        self.count.configure(text=_("同步会话 {count} 次，其中失败 {failed} 次").format(
            count=len(rows), failed=failed))

    def select_station(self, code: str) -> None:
        """Show only this station's sessions (as a person picks it in the list)."""
        codes = [c for c, _n in self.peers]
        self.station.current(codes.index(code) + 1)
        self.reload()
