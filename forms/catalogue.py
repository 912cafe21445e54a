"""The service-matter catalogue (事项目录): TOML files in, checked Matters out.

The shipped catalogue lives in ``forms/data/*.toml``; a county may publish
its own.  ``docs/catalogue.md`` describes the format.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from forms.errors import (
    CatalogueEmpty,
    CatalogueEncoding,
    CatalogueNotFound,
    CatalogueSyntax,
    CatalogueUnreadable,
    DuplicateCode,
    UnknownMatter,
)
from forms.matter import FieldSpec, MaterialSpec, Matter, ProcedureStep
from forms.matter_reader import load_catalogue_data
from forms.tables import Where

DATA_DIR = Path(__file__).parent / "data"

__all__ = [
    "DATA_DIR",
    "Catalogue",
    "FieldSpec",
    "MaterialSpec",
    "Matter",
    "ProcedureStep",
    "load_catalogue",
    "load_catalogue_data",
    "load_catalogue_text",
]


class Catalogue:
    """The matters of one or more catalogue files, by code, in code order."""

    def __init__(self, matters: Iterable[Matter], digest: str) -> None:
        ordered = sorted(matters, key=lambda m: m.code)
        self.matters: dict[str, Matter] = {m.code: m for m in ordered}
        # A catalogue version: sha256 over the file names and bytes it was read from.
        self.digest = digest

    def get(self, code: str) -> Matter:
        try:
            return self.matters[code]
        except (KeyError, TypeError):
            raise UnknownMatter(code=code) from None

    def __iter__(self) -> Iterator[Matter]:
        return iter(self.matters.values())

    def __len__(self) -> int:
        return len(self.matters)

    def __contains__(self, code: object) -> bool:
        return code in self.matters

    def __repr__(self) -> str:
        return f"<Catalogue {len(self)} matters {self.digest[:12]}>"


def load_catalogue_text(text: str, filename: str) -> list[Matter]:
    """Parse and check the text of one catalogue file."""
    return _parse(text, filename, filename)


def load_catalogue(source: Path | Iterable[Path] | None = None) -> Catalogue:
    """Load the shipped catalogue (None), a folder's ``*.toml`` files, or given files."""
    files = _files(source)
    digest = hashlib.sha256()
    matters: dict[str, Matter] = {}
    for path in sorted(files, key=lambda p: (p.name, str(p))):
        data = _read(path)
        name = path.name.encode("utf-8", "surrogateescape")
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(data).to_bytes(8, "big") + data)
        text = _decode(data, str(path))
        for matter in _parse(text, str(path), path.name):
            if matter.code in matters:
                Where(str(path), matter.code).fail(
                    "code", DuplicateCode(other=matters[matter.code].source)
                )
            matters[matter.code] = matter
    return Catalogue(matters.values(), digest.hexdigest())


def _files(source: Path | Iterable[Path] | None) -> list[Path]:
    if source is None:
        source = DATA_DIR
    paths = [Path(source)] if isinstance(source, (str, os.PathLike)) else [Path(p) for p in source]
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.toml") if p.is_file())
            if not found:
                raise CatalogueEmpty(file=str(path))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise CatalogueNotFound(file=str(path))
    if not files:
        raise CatalogueEmpty(file=", ".join(str(p) for p in paths) or "-")
    return files


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CatalogueUnreadable(file=str(path), detail=error.strerror or str(error)) from None


def _decode(data: bytes, shown: str) -> str:
    try:
        # utf-8-sig: Windows Notepad may put a byte-order mark in front.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CatalogueEncoding(file=shown, position=error.start + 1) from None


_WHERE = re.compile(r"line (\d+), column (\d+)")


def _parse(text: str, shown: str, source: str) -> list[Matter]:
    """``shown`` names the file in messages; ``source`` is kept on each Matter."""
    try:
        data = tomllib.loads(text)
    except (ValueError, RecursionError) as error:
        # tomllib (Python 3.11) puts the position only into the message.
        detail = str(error)
        found = _WHERE.search(detail)
        if found:
            line, column = int(found.group(1)), int(found.group(2))
        else:
            line, column = text.count("\n") + 1, 1
        detail = _WHERE.sub("", detail).replace("(at )", "").replace("(at end of document)", "")
        raise CatalogueSyntax(
            file=shown, line=line, column=column, detail=detail.strip() or "?"
        ) from None
    matters = load_catalogue_data(data, shown)
    if source != shown:
        return [replace(m, source=source) for m in matters]
    return matters
