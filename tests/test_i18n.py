"""The message catalogue is complete: every message has English, nothing is stale."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import string
from pathlib import Path

import polib
import pytest

import forms
import keys
import station
import sync
from forms.errors import FormsError
from keys.errors import KeysError
from station import i18n
from station.errors import StationError
from sync.errors import SyncError

ROOT = Path(__file__).resolve().parent.parent
ROOT_ERRORS = (StationError, FormsError, KeysError, SyncError)
PACKAGES = (station, forms, keys, sync)


def error_templates() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in PACKAGES:
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, obj in vars(module).items():
                if (inspect.isclass(obj) and issubclass(obj, ROOT_ERRORS)
                        and obj.__module__ == module.__name__ and obj.__doc__):
                    found[inspect.cleandoc(obj.__doc__)] = f"{module.__name__}.{name}"
    return found


def literal_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in [*(ROOT / "station").rglob("*.py"), *(ROOT / "sync").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "N_")):
                assert node.args and isinstance(node.args[0], ast.Constant), (
                    f"{path}:{node.lineno}: _() needs a literal, not an expression")
                found[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def catalogue() -> dict[str, str]:
    merged: dict[str, str] = {}
    for po in sorted((ROOT / "station" / "locale" / "en").glob("*.po")):
        for entry in polib.pofile(str(po)):
            assert entry.msgid not in merged, f"{entry.msgid!r} translated twice ({po.name})"
            merged[entry.msgid] = entry.msgstr
    return merged


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def all_messages() -> dict[str, str]:
    return {**error_templates(), **literal_messages()}


def test_every_message_has_an_english_translation_with_the_same_placeholders() -> None:
    english = catalogue()
    problems = []
    for message, where in all_messages().items():
        if not english.get(message):
            problems.append(f"no English for {message!r} ({where})")
        elif placeholders(message) != placeholders(english[message]):
            problems.append(f"placeholders differ for {message!r} ({where})")
    assert problems == []


def test_no_stale_translations() -> None:
    used = set(all_messages())
    stale = [m for m in catalogue() if m and m not in used]
    assert stale == []


def test_error_classes_carry_messages() -> None:
    assert len(error_templates()) > 100


@pytest.mark.parametrize("language", ["zh", "en"])
def test_rendering_nested_errors(language: str) -> None:
    from forms.errors import FieldRequired, FormInvalid

    i18n.set_language(language)
    try:
        error = FormInvalid(problems=[FieldRequired(label="年龄", field="age")], count=1)
        text = i18n.render(error)
        assert "年龄" in text and "age" not in text and "1" in text
        assert ("must" in text.lower() or "required" in text.lower()) == (language == "en")
    finally:
        i18n.set_language("zh")


def test_every_message_formats_with_its_placeholders_in_both_languages() -> None:
    english = catalogue()
    for message in all_messages():
        values = {name: "X" for name in placeholders(message)}
        assert "X" in message.format_map(values) or not values
        english[message].format_map(values)


def test_english_is_english() -> None:
    for message, text in catalogue().items():
        if message:
            assert text != message and re.search("[A-Za-z]", text), message


CJK = re.compile(r"[\u4e00-\u9fff]")
# Chinese literals that are data, not interface text (folder and file names,
# each language's own name in the language picker).
NOT_INTERFACE = {"扫描", "中文", "问题报告-{date}.txt", "{code}-入网注册单.pdf"}


def unwrapped_chinese(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("_", "N_"):
            inside |= {id(n) for n in ast.walk(node)}
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body and \
                isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            inside.add(id(node.body[0].value))  # docstrings
    return [f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and CJK.search(node.value) and id(node) not in inside
            and node.value not in NOT_INTERFACE]


def test_no_interface_text_outside_the_catalogue() -> None:
    """Every Chinese string the window or the command line shows goes through _()."""
    found = [hit for folder in ("station/ui", "station/cli")
             for path in sorted((ROOT / folder).rglob("*.py")) for hit in unwrapped_chinese(path)]
    assert found == []


# Messages written only for the command line or for the catalogue's authors (who edit the
# TOML keys they name, e.g. promised_days): a person at the window never meets them.
NOT_IN_THE_WINDOW = {
    "forms.errors.CatalogueFileKey", "forms.errors.CatalogueInvalid",
    "forms.errors.ConditionNotChoice", "forms.errors.FieldUnknown",
    "forms.errors.KeyNotForType", "forms.errors.KindNotInstant",
    "forms.errors.KindNotPromised", "forms.errors.PromisedOverLegal",
    "forms.errors.RequiredWithCondition", "forms.errors.StepsOverLegal",
    "forms.errors.VisibleBadOption", "forms.errors.VisibleNotChoice",
    "forms.errors.VisibleNotEarlier", "forms.errors.VisibleUnknownField",
    "keys.errors.VaultMissing", "station.errors.NotInitialised",
    "station.errors.HubPublicNameNeeded", "station.errors.OfficeNeeded",
    "station.errors.FontMissing",
    "station.network.enrolment_net.EnrolmentHubNotSet",
    "station.network.enrolment_net.EnrolmentPending",
    "station.trust.progress_address.ProgressAddressInvalid", "keys.errors.UnsupportedKey",
    "station.network.updates.UpdateFileName",
    "station.hubops.restore.HubDatabaseNotEmpty",  # only ``station hub restore`` raises it
    "station.errors.HubWorkersNeedPostgres",  # only ``station hub serve --workers``
    "station.errors.HubWorkersUnavailable",
}
# Placeholders that carry a name from the code (a form's field key, an exception's class).
CODE_PLACEHOLDERS = {"field", "kind", "event_type"}
CODE_TEXT = re.compile(r"--[a-z]|station [a-z]|(?<![\w.])[a-z]+_[a-z_]+(?![\w])"
                       r"|(?<![\w/.])[a-z]+\.[a-z_]+(?![\w])")


def test_no_code_names_in_messages_a_person_sees() -> None:
    """A message the window can show names nothing from the code: no field key, no event
    type, no exception class, no command-line command or flag."""
    found = []
    for text, where in error_templates().items():
        if where in NOT_IN_THE_WINDOW:
            continue
        shown = placeholders(text) & CODE_PLACEHOLDERS
        if shown or CODE_TEXT.search(re.sub(r"\{[^}]*\}", "", text)):
            found.append(f"{where}: {text}")
    assert found == []


def test_every_record_type_has_a_name_people_read() -> None:
    from station.outbox import LABELS, label
    from sync import lifecycle

    for type_ in [*LABELS, *lifecycle.TABLE, "access.unknown", "user.added", "x.y"]:
        name = label(type_)
        assert name and not re.search(r"[a-z]", name), (type_, name)
