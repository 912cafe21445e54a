"""The files the Windows bundle carries besides Python code.

``bianmin-station.spec`` imports this module; ``tests/test_windows_installer.py``
checks that ``OUR_DATA`` matches every non-.py file ``git ls-files`` lists under the
four packages, so a new catalogue, translation or schema file cannot be left out of
the bundle unnoticed.  Standard library only: PyInstaller runs the spec with the
build machine's Python, and the test imports this file by path.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("station", "forms", "keys", "sync")

# Our own package data, as globs relative to the repository (each file keeps its path,
# so station/i18n.py and forms/catalogue.py find them beside their modules).
OUR_DATA = (
    "station/locale/*/*.po",  # message catalogue, one folder per language
    "forms/data/*.toml",  # the shipped service-matter catalogue
    "sync/hub/openapi.json",  # served by the hub at /v1/openapi.json
)

# Third-party packages whose non-Python files are read at run time
# (PyInstaller's collect_data_files).
THIRD_PARTY_DATA = (
    "ttkbootstrap",  # themes (.json), window icon, Tcl message catalogues
    "reportlab",  # fonts/ (standard font metrics and outlines)
    "stdnum",  # *.dat tables (division codes, registries)
    "holidays",  # locale/*.mo
    "certifi",  # requests' CA bundle (a county CA is configured separately)
    "pypinyin",  # pinyin dictionaries (.json beside the modules)
)

# Modules imported by name at run time, which PyInstaller's import scan cannot see.
HIDDEN_PACKAGES = (
    # Our own packages whole: none of their modules is imported by name today, but one
    # imported only inside a function of a rarely used command must not go missing.
    *PACKAGES,
    "holidays.countries",  # holidays loads a country's module by name
    "holidays.financial",
    "phonenumbers.data",  # per-region metadata modules, loaded lazily (not geodata:
    # forms/identity.py parses and checks numbers, it names no place or carrier)
    "ttkbootstrap",
    "pyhanko.sign",
    "pyhanko_certvalidator",
    "watchdog.observers",  # read_directory_changes (Windows) is chosen at run time
    "playhouse",
    "reportlab.graphics.barcode",  # QR codes on receipts and the recovery sheet
    "reportlab.pdfbase",
    "psycopg2",
    "chinese_calendar",
)
HIDDEN_MODULES = (
    "tkinter",
    "tkinter.font",
    "tkinter.filedialog",
    "tkinter.messagebox",
    "PIL._tkinter_finder",  # Pillow's ImageTk finds Tk through it
    "PIL.ImageTk",
    "sqlite3",
)


def our_data(root: Path = ROOT) -> list[tuple[str, str]]:
    """``(source file, folder inside the bundle)`` for every file of ``OUR_DATA``."""
    found: list[tuple[str, str]] = []
    for pattern in OUR_DATA:
        matched = sorted(root.glob(pattern))
        if not matched:
            raise FileNotFoundError(f"no file matches {pattern} under {root}")
        found.extend((str(path), str(path.parent.relative_to(root).as_posix()))
                     for path in matched)
    return found


def bundled_paths(root: Path = ROOT) -> set[str]:
    """Repository-relative paths of our data files the bundle carries."""
    return {f"{folder}/{Path(source).name}" for source, folder in our_data(root)}
