"""Every forms message has an English translation with the same placeholders."""

from __future__ import annotations

import inspect
import string
from pathlib import Path

import polib
import pytest

from forms import errors

PO = Path(__file__).resolve().parent.parent / "station" / "locale" / "en" / "forms.po"
CLASSES = sorted(
    (
        cls
        for cls in vars(errors).values()
        if inspect.isclass(cls) and issubclass(cls, errors.FormsError)
    ),
    key=lambda cls: cls.__name__,
)


def template(cls: type) -> str:
    return inspect.cleandoc(cls.__doc__ or "")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def english() -> dict[str, str]:
    return {e.msgid: e.msgstr for e in polib.pofile(str(PO)) if not e.obsolete}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_translated_with_the_same_placeholders(cls: type, english: dict[str, str]) -> None:
    chinese = template(cls)
    assert chinese, f"{cls.__name__} has no message"
    assert chinese in english, f"no English for {cls.__name__}"
    assert english[chinese], f"empty English for {cls.__name__}"
    assert placeholders(english[chinese]) == placeholders(chinese)


def test_no_stale_translations(english: dict[str, str]) -> None:
    assert set(english) - {template(cls) for cls in CLASSES} == set()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_message_formats(cls: type[errors.FormsError]) -> None:
    params = {name: f"<{name}>" for name in placeholders(template(cls))}
    message = str(cls(**params))
    assert all(f"<{name}>" in message for name in params)


def test_nested_problems_are_rendered() -> None:
    error = errors.CatalogueInvalid(
        file="a.toml", matter="T-1", field="tier", problem=errors.NotOneOf(value="x", valid="y")
    )
    assert str(error) == (
        "事项目录文件 a.toml 有误：事项 T-1 的“tier”的值“x”不是可用的值；可用的值：y。"
    )
    invalid = errors.FormInvalid(
        count=2,
        problems=[
            errors.FieldRequired(label="姓名", field="name"),
            errors.FieldNotNumber(label="人数", field="size"),
        ],
    )
    assert str(invalid) == (
        "填写的内容有 2 处错误：\n  1. “姓名”（name）必须填写。\n  2. “人数”（size）应填写数字。"
    )
