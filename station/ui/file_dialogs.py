"""File dialogs for 管理, 同步 and the scans of a case: in Chinese, starting where the
file is likely to be.

Tk's own dialog (X11) takes its words from Tcl's message catalogue; it speaks
Chinese once the catalogue's locale is ``zh_cn``.  It starts on a USB stick
when one is mounted (bundles travel on one), else in the documents folder,
never in the program's folder.
"""

from __future__ import annotations

import getpass
import os
import tkinter as tk
from pathlib import Path
from tkinter import filedialog

from station.ui.context import AppContext

MOUNT_ROOTS = ("/media", "/run/media")
SCAN_FOLDER = "扫描"  # under the documents folder: where a scanner's software saves


def scan_folder(app: AppContext) -> Path:
    """Where scans arrive (``STATION_SCAN_FOLDER``, else 扫描 in the documents folder)."""
    env = os.environ.get("STATION_SCAN_FOLDER")
    return Path(env) if env else app.opened.documents / SCAN_FOLDER


def speak_chinese(widget: tk.Misc, language: str) -> None:
    """Make Tk's own dialogs use the interface language."""
    widget.tk.eval("package require msgcat")
    widget.tk.call("::msgcat::mclocale", "zh_cn" if language == "zh" else "en")


def usb_stick() -> Path | None:
    """The first mounted removable drive, if any (/media/USER/NAME on Debian, UOS, Kylin)."""
    for root in MOUNT_ROOTS:
        base = Path(root) / getpass.getuser()
        try:
            drives = sorted(p for p in base.iterdir() if p.is_dir())
        except OSError:
            continue
        if drives:
            return drives[0]
    return None


def start_folder(app: AppContext) -> Path:
    """Where a dialog opens: the USB stick, else the documents folder, else home."""
    for folder in (usb_stick(), app.documents, Path.home()):
        if folder is not None and folder.is_dir():
            return folder
    return Path.home()


def ask_scans(parent: tk.Misc, app: AppContext, title: str, folder: Path,
              types: list[tuple[str, str]]) -> list[Path]:
    """Scans to add: the dialog opens in the scan folder (else the documents folder)."""
    speak_chinese(parent, app.config.language)
    start = folder if folder.is_dir() else start_folder(app)
    names = filedialog.askopenfilenames(parent=parent, title=title, filetypes=types,
                                        initialdir=str(start))
    return [Path(name) for name in names]


def ask_open(parent: tk.Misc, app: AppContext, title: str,
             types: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> Path | None:
    speak_chinese(parent, app.config.language)
    name = filedialog.askopenfilename(parent=parent, title=title, filetypes=types,
                                      initialdir=str(start_folder(app)))
    return Path(name) if name else None


def ask_folder(parent: tk.Misc, app: AppContext, title: str) -> Path | None:
    speak_chinese(parent, app.config.language)
    name = filedialog.askdirectory(parent=parent, title=title, mustexist=True,
                                   initialdir=str(start_folder(app)))
    return Path(name) if name else None


def ask_save(parent: tk.Misc, app: AppContext, title: str, suggested: str,
             types: tuple[tuple[str, str], ...] | list[tuple[str, str]],
             extension: str = ".zip") -> Path | None:
    speak_chinese(parent, app.config.language)
    name = filedialog.asksaveasfilename(parent=parent, title=title, filetypes=types,
                                        initialfile=suggested, defaultextension=extension,
                                        initialdir=str(start_folder(app)))
    return Path(name) if name else None
