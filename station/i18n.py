"""The message catalogue: Chinese is the source language, English a translation.

Every user-facing string is either an exception docstring (in any package's
error module) or a literal wrapped in ``_()`` inside ``station/``.  English
comes from the gettext catalogue ``station/locale/en.po``; a test fails when a
message has no English translation or its placeholders differ.

Language: ``set_language()``; the command line calls it from ``--lang`` or
``STATION_LANG`` (``zh`` by default, ``en`` available).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")

_language = "zh"


def set_language(language: str | None) -> str:
    """Choose the interface language; unknown values fall back to Chinese."""
    global _language
    lang = (language or os.environ.get("STATION_LANG") or "zh").lower()
    _language = "en" if lang.startswith("en") else "zh"
    return _language


def language() -> str:
    return _language


@cache
def _catalogue(lang: str) -> Mapping[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.msgstr and not entry.obsolete:
                merged[entry.msgid] = entry.msgstr
    return merged


def translate(message: str) -> str:
    """Translate a Chinese source message into the interface language.

    Call it as ``_("…")`` on a literal (so the catalogue test can find it);
    call ``translate`` only on a message already marked elsewhere.
    """
    if _language == "zh":
        return message
    return _catalogue(_language).get(message, message)


_ = translate


def in_every_language(message: str) -> list[str]:
    """A marked message as each interface language shows it (to recognise it in a
    program's output whatever language that program spoke)."""
    return [message if lang == "zh" else _catalogue(lang).get(message, message)
            for lang in LANGUAGES]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a message for the catalogue without translating it yet."""
    return message


def template_of(error: BaseException) -> str:
    """The Chinese template of an error: its class docstring."""
    return inspect.cleandoc(type(error).__doc__ or "")


def render(error: BaseException) -> str:
    """The message a person reads for an error of any package, translated."""
    params = getattr(error, "params", None)
    if params is None:
        return str(error)
    values = {k: render_value(v) for k, v in params.items()}
    return translate(template_of(error)).format_map(values)


def render_value(value: object) -> object:
    if isinstance(value, BaseException):
        return render(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, BaseException) for v in value):
        return "\n".join(f"  {i}. {render(v)}" for i, v in enumerate(value, 1))
    return value


def render_all(errors: Iterable[BaseException]) -> list[str]:
    return [render(e) for e in errors]
