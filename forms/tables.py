"""Typed reading of one TOML table, failing with the file, matter and key path.

Every getter either returns a clean Python value or raises CatalogueInvalid;
nothing else escapes, whatever the parsed TOML holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NoReturn

from forms.errors import (
    Blank,
    CatalogueInvalid,
    CatalogueProblem,
    DuplicateValue,
    KeyMissing,
    KeyUnknown,
    NotBoolean,
    NotInteger,
    NotNumber,
    NotOneOf,
    NotTable,
    NotTableList,
    NotText,
    NotTextList,
    TooSmallValue,
)


def join(prefix: str, key: str) -> str:
    """The key path shown in messages, e.g. ``materials[户口簿].copies``."""
    return f"{prefix}.{key}" if prefix else key


def valid_list(values: Sequence[object]) -> str:
    return "、".join(str(v) for v in values)


class Where:
    """Which file and matter is being read; raises errors that name both."""

    def __init__(self, file: str, matter: str = "-") -> None:
        self.file = file
        self.matter = matter

    def fail(self, field: str, problem: CatalogueProblem) -> NoReturn:
        raise CatalogueInvalid(file=self.file, matter=self.matter, field=field, problem=problem)


class Table:
    """One TOML table and its path, e.g. ``fields[household_size]``."""

    def __init__(self, where: Where, data: Mapping[str, object], prefix: str = "") -> None:
        self.where = where
        self.data = data
        self.prefix = prefix

    def path(self, key: str) -> str:
        return join(self.prefix, key)

    def fail(self, key: str, problem: CatalogueProblem) -> NoReturn:
        self.where.fail(self.path(key), problem)

    def has(self, key: str) -> bool:
        return key in self.data

    def check_keys(self, allowed: Sequence[str]) -> None:
        """Typo protection: any key the format does not know is a mistake."""
        for key in self.data:
            if key not in allowed:
                self.fail(str(key), KeyUnknown(valid=valid_list(allowed)))

    def raw(self, key: str) -> object:
        if key not in self.data:
            self.fail(key, KeyMissing())
        return self.data[key]

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            self.fail(key, NotText())
        value = value.strip()
        if not value:
            self.fail(key, Blank())
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self.data else None

    def one_of(self, key: str, valid: Sequence[str], default: str | None = None) -> str:
        if default is not None and key not in self.data:
            return default
        value = self.text(key)
        if value not in valid:
            self.fail(key, NotOneOf(value=value, valid=valid_list(valid)))
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool:
        if default is not None and key not in self.data:
            return default
        value = self.raw(key)
        if not isinstance(value, bool):
            self.fail(key, NotBoolean())
        return value

    def integer(self, key: str, minimum: int, default: int | None = None) -> int:
        if default is not None and key not in self.data:
            return default
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, NotInteger())
        if value < minimum:
            self.fail(key, TooSmallValue(min=minimum))
        return value

    def number(self, key: str) -> int | float:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, NotNumber())
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(key, NotNumber())
        return value

    def text_list(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        """A list of distinct, non-blank texts; non-empty when required."""
        if not required and key not in self.data:
            return ()
        value = self.raw(key)
        if not isinstance(value, (list, tuple)):
            self.fail(key, NotTextList())
        items: list[str] = []
        for i, item in enumerate(value, 1):
            if not isinstance(item, str):
                self.fail(key, NotTextList())
            item = item.strip()
            if not item:
                self.fail(f"{self.path(key)}[{i}]", Blank())
            if item in items:
                self.fail(key, DuplicateValue(value=item))
            items.append(item)
        if required and not items:
            self.fail(key, Blank())
        return tuple(items)

    def tables(self, key: str, *, required: bool = True) -> list[Mapping[str, object]]:
        """An array of tables ([[key]]); non-empty when required."""
        if not required and key not in self.data:
            return []
        value = self.raw(key)
        if not isinstance(value, (list, tuple)) or not all(
            isinstance(item, Mapping) for item in value
        ):
            self.fail(key, NotTableList())
        if required and not value:
            self.fail(key, Blank())
        return list(value)

    def table(self, key: str) -> Mapping[str, object]:
        value = self.raw(key)
        if not isinstance(value, Mapping):
            self.fail(key, NotTable())
        return value
