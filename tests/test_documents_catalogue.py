"""Every Chinese message of station/documents has an English catalogue entry."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import polib

import station.documents
from station import errors

PACKAGE = Path(station.documents.__file__).parent
CATALOGUE = PACKAGE.parent / "locale" / "en" / "documents.po"
ERRORS = (
    errors.DocumentError,
    errors.FontMissing,
    errors.DocumentFolderUnwritable,
    errors.IdNumberNotMasked,
)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def messages() -> set[str]:
    found = {inspect.cleandoc(error.__doc__ or "") for error in ERRORS}
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_every_message_has_english() -> None:
    english = {entry.msgid: entry.msgstr for entry in polib.pofile(str(CATALOGUE))}
    found = messages()
    assert len(found) > 40
    for message in found:
        assert english.get(message), f"no English for {message!r}"
        assert placeholders(english[message]) == placeholders(message), message


def test_no_stale_entries() -> None:
    found = messages()
    stale = [entry.msgid for entry in polib.pofile(str(CATALOGUE)) if entry.msgid not in found]
    assert stale == []


def test_translations_are_not_chinese() -> None:
    for entry in polib.pofile(str(CATALOGUE)):
        chinese = re.findall(r"[\u4e00-\u9fff]", entry.msgstr)
        # "休"/"班" style quotations are allowed; whole Chinese sentences are not
        assert len(chinese) <= 2, entry.msgstr
