"""A question with two answers, over the window that asks (e.g. 保存草稿并离开 / 继续办件).

Not modal in the blocking sense: the answer comes back through a callback, so the
caller never waits inside a nested event loop.  Enter takes the first answer; Esc,
the window's ✕ and the second button take the second, which always changes nothing.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

WRAP = 460


class Ask(ttk.Toplevel):
    def __init__(self, parent: tk.Misc, title: str, lines: list[str], yes: str, no: str,
                 on_yes: Callable[[], None], on_no: Callable[[], None] | None = None,
                 danger: bool = False) -> None:
        super().__init__(title=title, transient=parent.winfo_toplevel(), resizable=(False, False))
        self.on_yes, self.on_no = on_yes, on_no
        frame = ttk.Frame(self, padding=16)
        frame.pack(fill=tk.BOTH, expand=True)
        self.text = "\n".join(lines)
        ttk.Label(frame, text=self.text, wraplength=WRAP, justify=tk.LEFT).pack(anchor="w")
        bar = ttk.Frame(frame)
        bar.pack(anchor="e", pady=(14, 0))
        self.yes = ttk.Button(bar, text=yes, command=self.answer_yes,
                              bootstyle="danger" if danger else "primary")
        self.yes.pack(side=tk.LEFT, padx=4)
        self.no = ttk.Button(bar, text=no, command=self.answer_no,
                             bootstyle="secondary-outline")
        self.no.pack(side=tk.LEFT)
        self.protocol("WM_DELETE_WINDOW", self.answer_no)
        self.bind("<Escape>", lambda _e: self.answer_no())
        self.bind("<Return>", lambda _e: self.answer_yes())
        self.place_window_center()
        self.yes.focus_set()
        self.grab_set()

    def answer_yes(self) -> None:
        self.close()
        self.on_yes()

    def answer_no(self) -> None:
        self.close()
        if self.on_no is not None:
            self.on_no()

    def close(self) -> None:
        """Gone, and the keyboard back with the window that asked."""
        owner = self.master
        self.grab_release()
        self.destroy()
        if isinstance(owner, tk.Misc) and owner.winfo_exists():
            owner.focus_force()
