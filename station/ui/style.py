"""Fonts and theme: readable Chinese on a 1366×768 screen, and a large-font mode."""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont

import ttkbootstrap as ttk

THEME = "bootstrap-light"
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Microsoft YaHei", "Noto Sans CJK SC", "SimHei",
                "PingFang SC", "Source Han Sans SC")
WIDE_CHARACTER = chr(0x4E2D)  # a CJK character: the widest a line of text has
NORMAL_SIZE = 11
LARGE_SIZE = 15
NAMED_FONTS = ("TkDefaultFont", "TkTextFont", "TkMenuFont", "TkHeadingFont", "TkCaptionFont",
               "TkSmallCaptionFont", "TkIconFont", "TkTooltipFont", "TkFixedFont")


def family(root: tk.Misc) -> str:
    available = set(tkfont.families(root))
    return next((f for f in CJK_FAMILIES if f in available), "TkDefaultFont")


def apply_fonts(root: tk.Misc, large: bool) -> int:
    """Set every named Tk font to the CJK family at the chosen size."""
    size = LARGE_SIZE if large else NORMAL_SIZE
    chosen = family(root)
    for name in NAMED_FONTS:
        font = tkfont.nametofont(name, root=root)
        font.configure(family=chosen, size=size)
    tkfont.nametofont("TkHeadingFont", root=root).configure(weight="bold")
    style = ttk.Style()
    row_height = int(size * 2.4)
    style.configure("Treeview", rowheight=row_height, font=(chosen, size))
    style.configure("Treeview.Heading", font=(chosen, size, "bold"))
    return size


def title_font(root: tk.Misc, large: bool) -> tuple[str, int, str]:
    return (family(root), (LARGE_SIZE if large else NORMAL_SIZE) + 6, "bold")


def chars_wide(root: tk.Misc, count: int) -> int:
    """Pixels of ``count`` Chinese characters in the window's font (either size), for a
    text's wrap width that grows with large-font mode instead of cutting it."""
    return int(tkfont.nametofont("TkDefaultFont", root=root).measure(WIDE_CHARACTER * count))
