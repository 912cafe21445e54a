"""Step 4 材料: the checklist, with pages from files or from the scanner folder.

A document camera or scanner drops files into the scan folder; each complete
file becomes the next page of the material selected in the checklist.
Thumbnails are made on a worker; pages can be reordered, rotated, deleted.
Each imported file is sealed into the material store at once and the draft
keeps its address (station.filing.drafts), so a crash loses no scan and a
resumed draft never imports again; a deleted draft takes its scans with it.

The resident's earlier materials this matter may reuse are looked up on the worker
when the step opens (资料共享, ``ReusePanel``): a reused one counts as handed in and
takes no scans; choosing any needs the resident's consent before 下一步.
"""

from __future__ import annotations

import tkinter as tk
from functools import partial
from pathlib import Path

import ttkbootstrap as ttk
from PIL import Image, ImageTk

from station.filing.drafts import DraftPage, store_scan, turn_scan
from station.filing.hotfolder import HotFolder
from station.filing.material_text import requirement
from station.filing.pages import load_page_bytes, thumbnail
from station.filing.reuse import Offer, offers
from station.i18n import N_, _, translate
from station.ui.file_dialogs import ask_scans
from station.ui.flow import wrapping
from station.ui.table import List
from station.ui.wizard.draft import Reused
from station.ui.wizard.reuse_panel import ReusePanel
from station.ui.wizard.step import StepFrame, Wizard

THUMB = (120, 160)
FILE_TYPES = [(N_("扫描件"), "*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.pdf")]


class MaterialsStep(StepFrame):
    title = N_("材料")

    def __init__(self, parent: tk.Misc, wizard: Wizard) -> None:
        super().__init__(parent, wizard)
        self.images: dict[str, ImageTk.PhotoImage] = {}  # by the page's blob
        self.sources: dict[str, Path] = {}  # files imported in this session, by blob
        self.importing = 0  # files being sealed into the material store
        left = ttk.Frame(self)
        left.pack(side=tk.LEFT, fill=tk.Y)
        self.checklist = List(left, columns=("name", "need", "pages"), show="headings",
                                      selectmode="browse", height=10)
        for key, label, width in (("name", _("材料名称"), 230), ("need", _("要求"), 60),
                                  ("pages", _("页数"), 100)):  # 0（可复用）
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
        right = ttk.Frame(self, padding=(12, 0))
        right.pack(side=tk.LEFT, fill=tk.BOTH, expand=True)
        self.notice = wrapping(ttk.Label(right, text="", bootstyle="danger", justify=tk.LEFT))
        self.reuse_panel: ReusePanel | None = None
        self.offers_loaded = False  # the resident's earlier materials were looked up
        self.pages = ttk.Frame(right)
        self.pages.pack(fill=tk.BOTH, expand=True)
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
        for pages in wizard.draft.pages.values():  # a resumed draft's pages
            for page in pages:
                self.make_thumbnail(page)
        station, id_number = wizard.app.opened, wizard.draft.applicant.get("id_number", "")
        wizard.app.dispatcher.submit(partial(offers, station, id_number, matter),
                                     on_done=self.offered)

    # -- 资料共享: the resident's earlier materials ---------------------------------
    def offered(self, found: list[Offer]) -> None:
        """The earlier materials were looked up: list them; a choice kept in the draft
        that is no longer usable (another ID, or expired since) is dropped, and said."""
        if not self.winfo_exists():
            return
        self.offers_loaded = True
        usable = {offer.name: offer for offer in found if offer.usable}
        draft = self.wizard.draft
        gone = [name for name in draft.reuse if name not in usable]
        for name in gone:
            del draft.reuse[name]
        for name in draft.reuse:  # the one filing will reuse: the newest held now
            draft.reuse[name] = Reused(usable[name].case_no, usable[name].pages)
        if gone:
            self.say(_("以前选择复用的{names}现在不能复用（已过期，或不是这位申请人交的），"
                       "请收取新的。").format(names="、".join(gone)))
            self.wizard.saver.save()
        if found:
            self.reuse_panel = ReusePanel(self.pages.master, draft, found,
                                          on_change=self.reuse_changed, say=self.say)
            self.reuse_panel.pack(fill=tk.X, pady=(0, 8), before=self.pages)
        self.refresh_counts()
        self.show_pages()

    def reuse_changed(self) -> None:
        self.wizard.saver.save()
        self.refresh_counts()
        self.show_pages()

    def say(self, text: str) -> None:
        """A message about reuse above the list (none: the line goes)."""
        self.notice.configure(text=text)
        if text:
            self.notice.pack(fill=tk.X, pady=(0, 6), before=self.reuse_panel or self.pages)
        else:
            self.notice.pack_forget()

    def leave(self) -> bool:
        draft = self.wizard.draft
        if draft.reuse and not draft.reuse_consent:
            self.say(_("复用以前交过的材料须经申请人同意：请向申请人说明后勾选"
                       "“申请人同意复用以前交过的材料”，或取消复用。"))
            return False
        return True

    # -- which material is being captured ------------------------------------
    def material(self) -> str:
        selection = self.checklist.selection()
        return selection[0] if selection else next(iter(self.wizard.draft.pages))

    def enter(self) -> None:
        self.checklist.focus_set()

    def taking_in(self) -> bool:
        return self.importing > 0

    def destroy(self) -> None:
        self.hot.stop()
        self.unbind_all("<Control-o>")
        super().destroy()

    # -- adding pages -----------------------------------------------------------
    def choose_files(self) -> None:
        self.import_files(ask_scans(self, self.wizard.app, _("选择扫描件"), self.wizard.scan_folder,
                                    [(translate(n), p) for n, p in FILE_TYPES]))

    def import_files(self, paths: list[Path], material: str | None = None) -> None:
        """Each file is checked and sealed in the material store on the worker, then
        becomes a page of the draft (saved at once): nothing is imported twice."""
        target = material or self.material()
        if target in self.wizard.draft.reuse and paths:
            self.say(_("{name}已选择复用以前交过的，不用再扫描。要交新的，请先取消它的“复用”。")
                     .format(name=target))
            return
        station = self.wizard.app.opened
        for path in paths:
            self.waiting += 1
            self.importing += 1
            self.wizard.app.dispatcher.submit(
                partial(store_scan, station, path), on_done=partial(self.stored, target, path),
                on_error=self.import_failed)
        self.show_progress()

    def stored(self, material: str, source: Path, page: DraftPage) -> None:
        if not self.winfo_exists():
            return  # the wizard was closed meanwhile
        self.importing -= 1
        self.wizard.draft.add_page(material, page)
        self.sources[page.blob] = source
        self.wizard.saver.save()
        self.make_thumbnail(page, counted=True)
        self.refresh_counts()
        self.show_pages()

    def import_failed(self, error: BaseException) -> None:
        if self.winfo_exists():
            self.importing -= 1
            self.waiting -= 1
            self.show_progress()
        self.wizard.app.show_error(error)

    def _scanned(self, path: Path) -> None:
        """From the hot folder's thread: hop to the Tk thread."""
        self.wizard.app.dispatcher.post(lambda p: self.import_files([p]), path)

    # -- thumbnails and page tools ----------------------------------------------
    def make_thumbnail(self, page: DraftPage, counted: bool = False) -> None:
        """A small picture of the page, from the file just imported or else from the
        material store (a resumed draft), made on the image worker."""
        if not counted:
            self.waiting += 1
        self.show_progress()
        source, blobs = self.sources.get(page.blob), self.wizard.app.opened.blobs

        def shown(image: Image.Image) -> None:
            if not self.winfo_exists():
                return  # the step was left: the result is simply dropped
            self.waiting -= 1
            self.images[page.blob] = ImageTk.PhotoImage(image, master=self)
            self.show_progress()
            self.show_pages()

        def failed(error: BaseException) -> None:
            if self.winfo_exists():
                self.waiting -= 1
                self.show_progress()
            self.wizard.app.show_error(error)

        def make() -> Image.Image:
            if source is not None and source.is_file():
                return thumbnail(source, THUMB)
            return load_page_bytes(blobs.read(page.blob), THUMB, page.name)

        self.wizard.app.images.submit(make, on_done=shown, on_error=failed)

    def show_progress(self) -> None:
        """Importing many pages shows how far it has got."""
        total = sum(len(p) for p in self.wizard.draft.pages.values()) + self.importing
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
        reused = self.wizard.draft.reuse
        usable = set(self.reuse_panel.usable()) if self.reuse_panel is not None else set()
        for name, paths in self.wizard.draft.pages.items():
            if not self.checklist.exists(name):
                continue
            if name in reused:
                shown: str | int = _("{count}（复用）").format(count=reused[name].pages)
            elif name in usable and not paths:
                shown = _("0（可复用）")
            else:
                shown = len(paths)
            self.checklist.set(name, "pages", shown)
        missing = set(self.wizard.draft.missing())
        for name in self.wizard.draft.pages:
            self.checklist.item(name, tags=("missing",) if name in missing else ())
        self.checklist.tag_configure("missing", foreground="#c0392b")

    def show_pages(self) -> None:
        for child in self.pages.winfo_children():
            child.destroy()
        material = self.material()
        if self.reuse_panel is not None:
            self.reuse_panel.show(material)
        pages = self.wizard.draft.pages.get(material, [])
        reused = self.wizard.draft.reuse.get(material)
        title = _("{name}：复用以前交过的 {count} 页（办件 {case_no}），不用再扫描").format(
            name=material, count=reused.pages, case_no=reused.case_no) if reused else \
            _("{name}：{count} 页").format(name=material, count=len(pages))
        ttk.Label(self.pages, text=title, wraplength=560, justify=tk.LEFT).grid(
            row=0, column=0, columnspan=5, sticky="w")
        matter = self.wizard.draft.matter
        spec = next((m for m in matter.materials if m.name == material), None) if matter else None
        self.requirement = ttk.Label(self.pages, text=requirement(spec) if spec else "",
                                     bootstyle="secondary", wraplength=560)
        self.requirement.grid(row=1, column=0, columnspan=5, sticky="w")
        for index, page in enumerate(pages):
            cell = ttk.Frame(self.pages, padding=4)
            cell.grid(row=2 + index // 4, column=index % 4, sticky="n")
            image = self.images.get(page.blob)
            ttk.Label(cell, image=image if image else "", text="" if image else page.name,
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
        self.wizard.saver.save()
        self.show_pages()

    def remove(self, index: int) -> None:
        self.wizard.draft.remove_page(self.material(), index)
        self.wizard.saver.save()
        self.refresh_counts()
        self.show_pages()

    def rotate(self, index: int) -> None:
        """Turn a page: the scan is turned in memory and sealed again as a new page
        (the old one goes when the draft is done); nothing decrypted touches the disk."""
        material = self.material()
        page = self.wizard.draft.pages[material][index]
        station, source = self.wizard.app.opened, self.sources.get(page.blob)

        def turn() -> DraftPage:
            return turn_scan(station, page, source)

        def done(turned: DraftPage) -> None:
            if not self.winfo_exists():
                return
            self.wizard.draft.replace_page(material, index, turned)
            self.wizard.saver.save()
            self.make_thumbnail(turned)

        self.wizard.app.images.submit(turn, on_done=done)
