"""Step 4 材料: the checklist, with pages from files or from the scanner folder.

A document camera or scanner drops files into the scan folder; each complete
file becomes the next page of the material selected in the checklist.
Thumbnails are made on a worker; pages can be reordered, rotated, deleted.
Nothing is copied or encrypted here: the pages are stored when the case is
filed, so an abandoned draft leaves nothing behind.
"""

from __future__ import annotations

import tempfile
import tkinter as tk
from pathlib import Path
from tkinter import filedialog

import ttkbootstrap as ttk
from PIL import Image, ImageTk

from station.filing.hotfolder import HotFolder
from station.filing.pages import rotate_file, thumbnail
from station.i18n import N_, _, translate
from station.ui.wizard.step import StepFrame, Wizard

THUMB = (120, 160)
FILE_TYPES = [(N_("扫描件"), "*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.pdf")]


class MaterialsStep(StepFrame):
    title = N_("材料")

    def __init__(self, parent: tk.Misc, wizard: Wizard) -> None:
        super().__init__(parent, wizard)
        self.images: dict[Path, ImageTk.PhotoImage] = {}
        self.rotated = Path(tempfile.mkdtemp(prefix="bianmin-pages-"))
        left = ttk.Frame(self)
        left.pack(side=tk.LEFT, fill=tk.Y)
        self.checklist = ttk.Treeview(left, columns=("name", "need", "pages"), show="headings",
                                      selectmode="browse", height=10)
        for key, label, width in (("name", _("材料名称"), 230), ("need", _("要求"), 60),
                                  ("pages", _("页数"), 60)):
            self.checklist.heading(key, text=label)
            self.checklist.column(key, width=width, stretch=key == "name")
        self.checklist.pack(fill=tk.Y, expand=True)
        self.checklist.bind("<<TreeviewSelect>>", lambda _e: self.show_pages())
        ttk.Button(left, text=_("从文件导入（Ctrl+O）"), command=self.choose_files,
                   bootstyle="primary-outline").pack(fill=tk.X, pady=(8, 2))
        folder = wizard.scan_folder
        status = _("扫描文件夹：{path}\n新扫描的文件会加入所选材料。").format(path=folder)
        self.scan_status = ttk.Label(left, text=status, wraplength=340, bootstyle="info")
        self.scan_status.pack(fill=tk.X, pady=4)
        self.waiting = 0  # thumbnails still being made
        self.progress = ttk.Progressbar(left, mode="determinate")
        self.progress_text = ttk.Label(left, text="", bootstyle="secondary")
        self.pages = ttk.Frame(self, padding=(12, 0))
        self.pages.pack(side=tk.LEFT, fill=tk.BOTH, expand=True)
        matter = wizard.draft.matter
        assert matter is not None
        required = wizard.draft.required()
        for material in matter.materials:
            self.checklist.insert("", tk.END, iid=material.name, values=(
                material.name, _("必需") if material.name in required else _("可选"), 0))
        self.refresh_counts()
        self.checklist.selection_set(matter.materials[0].name)
        self.bind_all("<Control-o>", lambda _e: self.choose_files())
        self.hot = HotFolder(folder, self._scanned)
        self.hot.start()

    # -- which material is being captured ------------------------------------
    def material(self) -> str:
        selection = self.checklist.selection()
        return selection[0] if selection else next(iter(self.wizard.draft.pages))

    def enter(self) -> None:
        self.checklist.focus_set()

    def leave(self) -> bool:
        return True

    def destroy(self) -> None:
        self.hot.stop()
        self.unbind_all("<Control-o>")
        super().destroy()

    # -- adding pages -----------------------------------------------------------
    def choose_files(self) -> None:
        names = filedialog.askopenfilenames(parent=self, title=_("选择扫描件"),
                                            filetypes=[(translate(n), p) for n, p in FILE_TYPES])
        self.import_files([Path(n) for n in names])

    def import_files(self, paths: list[Path], material: str | None = None) -> None:
        target = material or self.material()
        for path in paths:
            self.wizard.draft.add_page(target, path)
            self.make_thumbnail(path)
        self.refresh_counts()
        self.show_pages()

    def _scanned(self, path: Path) -> None:
        """From the hot folder's thread: hop to the Tk thread."""
        self.wizard.app.dispatcher.post(lambda p: self.import_files([p]), path)

    # -- thumbnails and page tools ----------------------------------------------
    def make_thumbnail(self, path: Path) -> None:
        self.waiting += 1
        self.show_progress()

        def shown(image: Image.Image) -> None:
            if not self.winfo_exists():
                return  # the step was left: the result is simply dropped
            self.waiting -= 1
            self.images[path] = ImageTk.PhotoImage(image, master=self)
            self.show_progress()
            self.show_pages()

        def failed(error: BaseException) -> None:
            if self.winfo_exists():
                self.waiting -= 1
                self.show_progress()
            self.wizard.app.show_error(error)

        self.wizard.app.images.submit(lambda: thumbnail(path, THUMB), on_done=shown,
                                      on_error=failed)

    def show_progress(self) -> None:
        """Importing many pages shows how far it has got."""
        total = sum(len(p) for p in self.wizard.draft.pages.values())
        if self.waiting <= 0:
            self.progress.pack_forget()
            self.progress_text.pack_forget()
            return
        done = total - self.waiting
        self.progress.configure(maximum=max(total, 1), value=done)
        self.progress_text.configure(text=_("正在导入：{done}/{total} 页").format(
            done=done, total=total))
        self.progress.pack(fill=tk.X, pady=(6, 0))
        self.progress_text.pack(anchor="w")

    def refresh_counts(self) -> None:
        for name, paths in self.wizard.draft.pages.items():
            if self.checklist.exists(name):
                self.checklist.set(name, "pages", len(paths))
        missing = set(self.wizard.draft.missing())
        for name in self.wizard.draft.pages:
            self.checklist.item(name, tags=("missing",) if name in missing else ())
        self.checklist.tag_configure("missing", foreground="#c0392b")

    def show_pages(self) -> None:
        for child in self.pages.winfo_children():
            child.destroy()
        material = self.material()
        paths = self.wizard.draft.pages.get(material, [])
        ttk.Label(self.pages, text=_("{name}：{count} 页").format(name=material,
                  count=len(paths))).grid(row=0, column=0, columnspan=5, sticky="w")
        for index, path in enumerate(paths):
            cell = ttk.Frame(self.pages, padding=4)
            cell.grid(row=1 + index // 4, column=index % 4, sticky="n")
            image = self.images.get(path)
            ttk.Label(cell, image=image if image else "", text="" if image else path.name,
                      width=0 if image else 16).pack()
            tools = ttk.Frame(cell)
            tools.pack()
            for text, action in (("←", lambda i=index: self.move(i, -1)),
                                 ("→", lambda i=index: self.move(i, 1)),
                                 ("⟳", lambda i=index: self.rotate(i)),
                                 ("✕", lambda i=index: self.remove(i))):
                ttk.Button(tools, text=text, width=2, bootstyle="secondary-link",
                           command=action).pack(side=tk.LEFT)

    def move(self, index: int, delta: int) -> None:
        self.wizard.draft.move_page(self.material(), index, delta)
        self.show_pages()

    def remove(self, index: int) -> None:
        self.wizard.draft.remove_page(self.material(), index)
        self.refresh_counts()
        self.show_pages()

    def rotate(self, index: int) -> None:
        material = self.material()
        source = self.wizard.draft.pages[material][index]
        out = self.rotated / f"{len(list(self.rotated.iterdir()))}-{source.name}"

        def done(path: Path) -> None:
            self.wizard.draft.replace_page(material, index, path)
            self.make_thumbnail(path)

        self.wizard.app.images.submit(lambda: rotate_file(source, 90, out), on_done=done)
