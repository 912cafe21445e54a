"""查看材料: a case's scanned pages, one at a time, fitted, zoomable, scrollable.

Decryption runs on the station worker (``read_material``, which records the
view); decoding and resizing run on the image worker; only the PhotoImage is
made on the Tk thread.  Decrypted bytes stay in memory and never reach the
disk.  PDF pages are not rendered: a drawn placeholder and a note show instead.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from functools import partial

import ttkbootstrap as ttk
from PIL import Image, ImageTk

from station.cases.register import material_pages, read_material
from station.filing.pages import load_page_bytes, pdf_placeholder
from station.i18n import _
from station.ui.context import AppContext
from station.ui.flow import Flow, wrapping

PDF = "application/pdf"
SOURCE_MAX = (3000, 3000)  # the decoded page kept in memory for zooming
PDF_PAGE = (620, 877)
ZOOM_STEP = 1.25
ZOOM_RANGE = (0.25, 8.0)  # times the fitted size
MAX_SIDE = 6000  # pixels of the shown image, at most
SCROLL_UNITS = 2
RESIZE_MS = 120
Page = tuple[str, int, str]  # material name, page, media type
Token = tuple[int, tuple[int, int]]  # page generation, image size


class MaterialViewer(ttk.Frame):
    """Placed over the case details; Esc closes it."""

    def __init__(self, parent: tk.Misc, app: AppContext, case_no: str,
                 start: tuple[str, int] | None = None,
                 on_close: Callable[[], None] | None = None, docked: bool = False) -> None:
        """``docked``: shown beside a form for good (the review desk), so no 关闭, and the
        page's name on a line of its own above the tools."""
        super().__init__(parent, padding=4)
        self.app, self.case_no, self.on_close = app, case_no, on_close
        self.pages: list[Page] = []
        self.index = 0
        self.zoom = 1.0
        self.source: Image.Image | None = None
        self.original: Image.Image | None = None  # the decoded page, before rotating
        self.rotation = 0  # degrees clockwise
        self.photo: ImageTk.PhotoImage | None = None
        self.shown_size = (0, 0)
        self.generation = 0  # bumped on every page turn: late results are dropped
        self.wanted: Token | None = None
        self.shown: Token | None = None
        self.middle = (0.5, 0.5)  # the point of the page kept in the middle when zooming
        self._resize_job: str | None = None
        self.heading = ttk.Label(self, text="")
        if docked:
            self.heading.pack(anchor="w")
        bar = Flow(self)
        bar.pack(fill=tk.X)
        tools: list[tuple[str, Callable[[], None], str]] = [
            (_("关闭（Esc）"), self.close, "secondary-outline"),
            (_("上一页（←）"), self.previous_page, "secondary-outline"),
            (_("下一页（→）"), self.next_page, "secondary-outline"),
            (_("缩小（-）"), self.zoom_out, "info-outline"),
            (_("放大（+）"), self.zoom_in, "info-outline"),
            (_("适应窗口（0）"), self.fit, "info-outline"),
            (_("旋转（R）"), self.rotate, "info-outline"),
        ]
        self.buttons = [ttk.Button(bar, text=text, command=command, bootstyle=style)
                        for text, command, style in tools]
        for button in self.buttons[1:] if docked else self.buttons:
            bar.add(button)
        if not docked:
            self.heading = ttk.Label(bar, text="")
            bar.add(self.heading, space_before=4)
        self.note = wrapping(ttk.Label(self, text="", bootstyle="warning"))
        self.note.pack(fill=tk.X, pady=(4, 0))
        area = ttk.Frame(self)
        area.pack(fill=tk.BOTH, expand=True, pady=(4, 0))
        self.canvas = tk.Canvas(area, highlightthickness=0, background="#6b6b6b",
                                xscrollincrement=40, yscrollincrement=40)
        xbar = ttk.Scrollbar(area, orient=tk.HORIZONTAL, command=self.canvas.xview)
        ybar = ttk.Scrollbar(area, orient=tk.VERTICAL, command=self.canvas.yview)
        self.canvas.configure(xscrollcommand=xbar.set, yscrollcommand=ybar.set)
        self.canvas.grid(row=0, column=0, sticky="nsew")
        ybar.grid(row=0, column=1, sticky="ns")
        xbar.grid(row=1, column=0, sticky="ew")
        area.rowconfigure(0, weight=1)
        area.columnconfigure(0, weight=1)
        self.item = self.canvas.create_image(0, 0, anchor="center")
        wrapping(ttk.Label(self, text=_("放大后可用鼠标拖动或方向键移动页面；PgUp、PgDn 翻页。"),
                           bootstyle="secondary")).pack(fill=tk.X, pady=(4, 0))
        self._bind_keys()
        self.canvas.bind("<ButtonPress-1>", lambda e: self.canvas.scan_mark(e.x, e.y))
        self.canvas.bind("<B1-Motion>", lambda e: self.canvas.scan_dragto(e.x, e.y, gain=1))
        self.canvas.bind("<Configure>", lambda _e: self._resized())
        station = app.opened
        app.dispatcher.submit(lambda: material_pages(station, case_no),
                              on_done=lambda pages: self._listed(pages, start))

    def _bind_keys(self) -> None:
        keys: dict[str, Callable[[], object]] = {
            "<Escape>": self.close, "<Prior>": self.previous_page, "<Next>": self.next_page,
            "<Left>": lambda: self._arrow(-1), "<Right>": lambda: self._arrow(1),
            "<Up>": lambda: self.canvas.yview_scroll(-SCROLL_UNITS, "units"),
            "<Down>": lambda: self.canvas.yview_scroll(SCROLL_UNITS, "units"),
            "<plus>": self.zoom_in, "<equal>": self.zoom_in, "<KP_Add>": self.zoom_in,
            "<minus>": self.zoom_out, "<KP_Subtract>": self.zoom_out,
            "<Key-0>": self.fit, "<KP_0>": self.fit, "<r>": self.rotate, "<R>": self.rotate,
        }
        for widget in (self, self.canvas, *self.buttons):
            for sequence, action in keys.items():
                widget.bind(sequence, partial(_key, action))

    # -- pages ---------------------------------------------------------------
    def _listed(self, pages: list[Page], start: tuple[str, int] | None) -> None:
        if not self.winfo_exists():
            return
        self.pages = pages
        if not pages:
            self.heading.configure(text=_("本办件没有材料。"))
            return
        found = [i for i, (name, page, _m) in enumerate(pages) if (name, page) == start]
        self.show(found[0] if found else 0)

    def show(self, index: int) -> None:
        if not self.pages:
            return
        self.index = max(0, min(index, len(self.pages) - 1))
        self.generation += 1
        generation, self.zoom, self.source, self.middle = self.generation, 1.0, None, (0.5, 0.5)
        self.original, self.rotation = None, 0
        self.canvas.itemconfigure(self.item, image="")  # never the last page under this title
        self.shown_size = (0, 0)
        name, page, media_type = self.pages[self.index]
        count = sum(1 for other, _p, _m in self.pages if other == name)
        self.heading.configure(text=_("{material} 第 {page} 页 / 共 {n} 页").format(
            material=name, page=page, n=count))
        self.buttons[1].configure(state="normal" if self.index > 0 else "disabled")
        self.buttons[2].configure(state="normal" if self.pages[self.index + 1:] else "disabled")
        if media_type == PDF:
            self.note.configure(text=_("PDF 文件：请导出后用阅读器查看"))
            self.app.images.submit(lambda: pdf_placeholder(PDF_PAGE),
                                   on_done=lambda image: self._decoded(generation, image))
            return
        self.note.configure(text="")
        station, case_no = self.app.opened, self.case_no
        label = _("{material} 第 {page} 页").format(material=name, page=page)
        self.app.dispatcher.submit(lambda: read_material(station, case_no, name, page),
                                   on_done=lambda data: self._decrypted(generation, data, label))

    def _decrypted(self, generation: int, data: bytes, label: str) -> None:
        if generation == self.generation and self.winfo_exists():
            self.app.images.submit(lambda: load_page_bytes(data, SOURCE_MAX, label),
                                   on_done=lambda image: self._decoded(generation, image))

    def _decoded(self, generation: int, image: Image.Image) -> None:
        if generation == self.generation and self.winfo_exists():
            self.source = self.original = image
            self.render()

    def rotate(self) -> None:
        """Turn the page a quarter clockwise (a scan taken sideways)."""
        if self.original is None:
            return
        self.rotation = (self.rotation + 90) % 360
        original, generation, rotation = self.original, self.generation, self.rotation
        self.app.images.submit(lambda: original.rotate(-rotation, expand=True),
                               on_done=lambda image: self._rotated(generation, rotation, image))

    def _rotated(self, generation: int, rotation: int, image: Image.Image) -> None:
        if (generation, rotation) == (self.generation, self.rotation) and self.winfo_exists():
            self.source, self.zoom, self.middle = image, 1.0, (0.5, 0.5)
            self.render()

    def previous_page(self) -> None:
        self.show(self.index - 1)

    def next_page(self) -> None:
        self.show(self.index + 1)

    def close(self) -> None:
        (self.on_close or self.destroy)()

    # -- zoom and scroll -----------------------------------------------------
    def view_size(self) -> tuple[int, int]:
        return max(1, self.canvas.winfo_width()), max(1, self.canvas.winfo_height())

    def size_at(self, zoom: float) -> tuple[int, int]:
        assert self.source is not None
        width, height = self.view_size()
        scale = min(width / self.source.width, height / self.source.height) * zoom
        return (max(1, int(self.source.width * scale)), max(1, int(self.source.height * scale)))

    def set_zoom(self, zoom: float) -> None:
        zoom = min(max(zoom, ZOOM_RANGE[0]), ZOOM_RANGE[1])
        if self.source is None or max(self.size_at(zoom)) > MAX_SIDE:
            return
        (left, right), (top, bottom) = self.canvas.xview(), self.canvas.yview()
        self.middle = ((left + right) / 2, (top + bottom) / 2)
        self.zoom = zoom
        self.render()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def fit(self) -> None:
        self.set_zoom(1.0)

    def render(self) -> None:
        """Resize the page for the view on the image worker; show it when done."""
        if self.source is None:
            return
        source, size = self.source, self.size_at(self.zoom)
        token = self.wanted = (self.generation, size)
        self.app.images.submit(lambda: source.resize(size, Image.Resampling.LANCZOS),
                               on_done=lambda image: self._rendered(token, image))

    def _rendered(self, token: Token, image: Image.Image) -> None:
        if token != self.wanted or not self.winfo_exists():
            return
        self.photo = ImageTk.PhotoImage(image, master=self)
        self.shown, self.shown_size = token, image.size
        width, height = self.view_size()
        region = (max(width, image.width), max(height, image.height))
        self.canvas.itemconfigure(self.item, image=self.photo)
        self.canvas.coords(self.item, region[0] / 2, region[1] / 2)
        self.canvas.configure(scrollregion=(0, 0, *region))
        self.canvas.xview_moveto(self.middle[0] - width / region[0] / 2)
        self.canvas.yview_moveto(self.middle[1] - height / region[1] / 2)

    @property
    def settled(self) -> bool:
        """The current page is shown at the size the view asks for."""
        return (self.source is not None and self.shown == self.wanted
                and self._resize_job is None and self.wanted is not None
                and self.wanted[1] == self.size_at(self.zoom))

    def _arrow(self, step: int) -> None:
        """Left and right move a zoomed page; a page that fits turns instead."""
        if self.shown_size[0] > self.view_size()[0]:
            self.canvas.xview_scroll(step * SCROLL_UNITS, "units")
        else:
            self.show(self.index + step)

    def _resized(self) -> None:
        if self._resize_job is not None:
            self.after_cancel(self._resize_job)
        self._resize_job = self.after(RESIZE_MS, self._resize_done)

    def _resize_done(self) -> None:
        self._resize_job = None
        self.render()

    def destroy(self) -> None:
        if self._resize_job is not None:
            self.after_cancel(self._resize_job)
        super().destroy()


def _key(action: Callable[[], object], _event: tk.Event) -> str:
    action()
    return "break"  # handled: the case details underneath do not see the key
