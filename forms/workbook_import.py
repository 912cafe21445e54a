"""Excel 事项清单 → catalogue files: read, check everything, then write all or nothing.

``workbook_files`` gives the catalogue files a workbook makes (file name → TOML
text), each checked by the same loader that reads the catalogue
(``forms.catalogue``); any mistake raises ``WorkbookInvalid`` listing every
one.  ``import_workbook`` writes them into a new folder: first into a hidden
folder beside it, checked again as a whole, then renamed into place, so the
folder appears complete or not at all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from forms.catalogue import load_catalogue, load_catalogue_text
from forms.catalogue_write import matter_file
from forms.errors import CatalogueInvalid
from forms.workbook_check import build
from forms.workbook_columns import CODE, MATTERS
from forms.workbook_errors import (
    CatalogueCheck,
    SheetEmpty,
    WorkbookInvalid,
    WorkbookOutputFailed,
    WorkbookOutputNotEmpty,
)
from forms.workbook_read import Problems, open_workbook, read_sheets


def workbook_files(path: Path) -> dict[str, str]:
    """File name → TOML text of each matter of the workbook at ``path``, all checked."""
    workbook = open_workbook(path)
    problems = Problems()
    rows = read_sheets(workbook, problems)
    built = build(rows, problems)
    if not built and MATTERS.title in workbook.sheetnames:
        problems.add(SheetEmpty(sheet=MATTERS.title), (0, 0, 0))
    files: dict[str, str] = {}
    if not problems:
        for row, data in built:
            name = f"{data[CODE]}.toml"
            text = matter_file(data, f"{data['name']}（由 Excel 事项清单导入）")
            try:
                load_catalogue_text(text, name)
            except CatalogueInvalid as error:  # a rule this module does not know yet
                problems.cell(row, CODE, CatalogueCheck(problem=error))
            files[name] = text
    if problems:
        found = problems.sorted()
        raise WorkbookInvalid(file=path.name, count=len(found), problems=found)
    return files


def import_workbook(path: Path, out: Path) -> dict[str, str]:
    """Write the workbook's catalogue files into the new (or empty) folder ``out``."""
    files = workbook_files(path)
    write_folder(files, out)
    return files


def write_folder(files: dict[str, str], out: Path) -> None:
    """All files into ``out`` at once: a hidden folder beside it, renamed when complete."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise WorkbookOutputNotEmpty(file=str(out))
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
        staging.chmod(0o755)  # mkdtemp makes it private; it becomes an ordinary folder
    except OSError as error:
        raise WorkbookOutputFailed(file=str(out), detail=error.strerror or str(error)) from None
    try:
        for name, text in files.items():
            with (staging / name).open("w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        load_catalogue(staging)  # the whole folder, as a station will read it
        _fsync_directory(staging)
        if out.exists():
            out.rmdir()
        os.rename(staging, out)
        _fsync_directory(parent)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise WorkbookOutputFailed(file=str(out), detail=error.strerror or str(error)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _fsync_directory(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory; NTFS journals the rename
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
