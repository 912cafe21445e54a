"""Every message of keys/errors.py has an English translation with the same placeholders."""

from __future__ import annotations

import inspect
import string
from pathlib import Path

import polib
import pytest

from keys import errors

CATALOGUE = Path(__file__).resolve().parents[1] / "station" / "locale" / "en" / "keys.po"
ERROR_CLASSES = [
    value
    for value in vars(errors).values()
    if isinstance(value, type) and issubclass(value, errors.KeysError)
]


@pytest.fixture(autouse=True)
def weak_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_TEST_WEAK_KDF", "1")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_keys_error_is_translated() -> None:
    entries = {entry.msgid: entry.msgstr for entry in polib.pofile(str(CATALOGUE))}
    assert len(ERROR_CLASSES) >= 14
    for error in ERROR_CLASSES:
        template = inspect.cleandoc(error.__doc__ or "")
        assert template, error.__name__
        assert entries.get(template), f"{error.__name__} has no English entry"
        assert placeholders(entries[template]) == placeholders(template), error.__name__


def test_messages_format_with_their_parameters() -> None:
    message = str(errors.VaultCorrupt(path="/data/vault.json", reason="不是有效的 JSON"))
    assert message.startswith("密钥库文件 /data/vault.json 已损坏")
    assert (
        str(errors.StreamTruncated(what="材料 ab12"))
        == "材料文件 材料 ab12 不完整（被截断），无法读取。"
    )
    assert isinstance(errors.StreamTruncated(what="x"), errors.DecryptionFailed)
