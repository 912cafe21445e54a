"""材料核验: one verdict per material (齐全 / 缺少 / 不清晰, with a reason), and the
one-time notice (补齐补正告知) written from the verdicts that are not 齐全."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk
from ttkbootstrap.widgets.scrolled import ScrolledFrame

from station.casework.review import Verdict
from station.i18n import N_, _, translate
from station.ui.flow import wrapping
from station.ui.screens.review_data import Material

VERDICTS = (("ok", N_("齐全")), ("missing", N_("缺少")), ("unclear", N_("不清晰")))
NOT_RECEIVED = N_("未提交")


class VerdictRow:
    def __init__(self, parent: ttk.Frame, row: int, material: Material) -> None:
        self.name = material.name
        mark = _("（必交）") if material.required else ""
        pages = (_("{count} 页").format(count=material.pages) if material.pages
                 else translate(NOT_RECEIVED))
        ttk.Label(parent, text=f"{material.name}{mark}", wraplength=170).grid(
            row=row, column=0, sticky="w", pady=2)
        ttk.Label(parent, text=pages, bootstyle="secondary").grid(row=row, column=1, padx=6)
        self.choice = ttk.Combobox(parent, values=[translate(t) for _v, t in VERDICTS],
                                   width=7, state="readonly")
        missing = material.required and not material.pages
        self.choice.current(1 if missing else 0)
        self.choice.grid(row=row, column=2, padx=4)
        self.reason = ttk.Entry(parent, width=16)
        if missing:
            self.reason.insert(0, translate(NOT_RECEIVED))
        self.reason.grid(row=row, column=3, sticky="ew", padx=4)
        # 资料共享: where a reused material came from and which office verified it
        # already; the reviewer may rely on it or still mark it 缺少 or 不清晰.
        self.source: ttk.Label | None = None
        if material.source:
            self.source = wrapping(ttk.Label(parent, text=material.source, bootstyle="info",
                                             justify=tk.LEFT, wraplength=360))
            self.source.grid(row=row + 1, column=0, columnspan=4, sticky="ew", pady=(0, 4))

    def set(self, verdict: str, reason: str = "") -> None:
        """Choose a verdict (ok / missing / unclear) and its reason, as a person would."""
        self.choice.current([v for v, _t in VERDICTS].index(verdict))
        self.reason.delete(0, tk.END)
        self.reason.insert(0, reason)
        self.choice.event_generate("<<ComboboxSelected>>")

    def verdict(self) -> Verdict:
        index = max(self.choice.current(), 0)
        return Verdict(self.name, VERDICTS[index][0], self.reason.get().strip())


class VerdictList(ttk.Frame):
    """The per-material verdicts, a note, a preview of the notice and 发出补正告知."""

    def __init__(self, parent: tk.Misc, materials: list[Material],
                 on_send: Callable[[list[Verdict], str], None]) -> None:
        super().__init__(parent, padding=6)
        self.on_send = on_send
        # 发出补正告知 stays in sight at the bottom; the materials scroll above it (a
        # matter with seven or nine materials does not fit 768 pixels in large font).
        self.send_button = ttk.Button(self, text=_("发出补正告知"), bootstyle="warning",
                                      command=self.send_notice)
        self.send_button.pack(side=tk.BOTTOM, anchor="w", pady=(6, 0))
        self.scroll = ScrolledFrame(self, padding=0, height=160)
        self.scroll.pack(fill=tk.BOTH, expand=True)
        table = ttk.Frame(self.scroll)
        table.pack(fill=tk.X)
        for column, text in enumerate((_("材料"), _("已收"), _("结论"), _("原因"))):
            ttk.Label(table, text=text, bootstyle="secondary").grid(row=0, column=column,
                                                                    sticky="w")
        table.columnconfigure(3, weight=1)
        # Two grid rows a material: its verdict, and under it its source (when reused or
        # verified before).
        self.rows = [VerdictRow(table, 2 * index + 1, m) for index, m in enumerate(materials)]
        for row in self.rows:
            row.choice.bind("<<ComboboxSelected>>", lambda _e: self.preview())
            row.reason.bind("<KeyRelease>", lambda _e: self.preview())
        line = ttk.Frame(self.scroll)
        line.pack(fill=tk.X, pady=(8, 0))
        ttk.Label(line, text=_("补充说明")).pack(side=tk.LEFT)
        self.note = ttk.Entry(line)
        self.note.pack(side=tk.LEFT, fill=tk.X, expand=True, padx=6)
        self.notice = wrapping(ttk.Label(self.scroll, text="", justify=tk.LEFT))
        self.notice.pack(fill=tk.X, pady=6)
        self.preview()

    def row(self, name: str) -> VerdictRow:
        return next(r for r in self.rows if r.name == name)

    def verdicts(self) -> list[Verdict]:
        return [row.verdict() for row in self.rows]

    def preview(self) -> None:
        """What the one-time notice will list (only the materials not 齐全)."""
        lines = []
        for verdict in self.verdicts():
            if verdict.verdict == "ok":
                continue
            label = translate(dict(VERDICTS)[verdict.verdict])
            lines.append(_("{name}（{verdict}：{reason}）").format(
                name=verdict.name, verdict=label, reason=verdict.reason or "—")
                if verdict.reason else f"{verdict.name}（{label}）")
        if lines:
            text = _("一次性告知书将列出：") + "\n" + "\n".join(
                f"{i}. {line}" for i, line in enumerate(lines, 1))
        else:
            text = _("全部材料齐全，无需补正。")
        self.notice.configure(text=text)

    def send_notice(self) -> None:
        self.on_send(self.verdicts(), self.note.get().strip())
