"""Encrypted peewee fields (DESIGN.md §3).

A value is sealed with AES-256-GCM when it is assigned to a model instance;
the associated data binds the table, the row's primary key and the column
(the cipher adds the key version), so a ciphertext copied into another row
or column no longer opens.  Rows loaded from the database keep their
ciphertext (wrapped in ``Ciphertext``) and decrypt lazily on first access.

Encrypted columns cannot be used in WHERE clauses: search goes through a
blind index column instead.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from peewee import BlobField, FieldAccessor


class Ciphertext(bytes):
    """Bytes exactly as stored: sealed, not yet opened."""


class Cipher(Protocol):
    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes: ...
    def decrypt(self, blob: bytes, aad: bytes, what: str = ...) -> bytes: ...


def associated_data(table: str, row: object, column: str) -> bytes:
    return f"bianmin-field\x1f{table}\x1f{row}\x1f{column}".encode()


class EncryptedAccessor(FieldAccessor):
    field: EncryptedField

    def __get__(self, instance: Any, instance_type: Any = None) -> Any:
        if instance is None:
            return self.field
        plain = instance.__dict__.setdefault("_opened", {})
        if self.name in plain:
            return plain[self.name]
        stored = instance.__data__.get(self.name)
        if stored is None:
            return None
        value = self.field.open(instance, stored)
        plain[self.name] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        plain = instance.__dict__.setdefault("_opened", {})
        if (value is None and not self.field.seal_none) or isinstance(value, Ciphertext):
            instance.__data__[self.name] = value
            plain.pop(self.name, None)
        else:
            instance.__data__[self.name] = self.field.seal(instance, value)
            plain[self.name] = value
        instance._dirty.add(self.name)


class EncryptedField(BlobField):
    """Text sealed per row; subclasses change how values become bytes."""

    accessor_class = EncryptedAccessor
    seal_none = False  # None is SQL NULL, not a sealed value

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"{self.name} takes text, not {type(value).__name__}")
        return value.encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return data.decode("utf-8")

    def _aad(self, instance: Any) -> bytes:
        row = instance._pk
        if row is None:
            raise ValueError(f"{self.model.__name__}: set the primary key before {self.name}")
        return associated_data(self.model._meta.table_name, row, self.column_name)

    @staticmethod
    def _cipher(instance: Any) -> Cipher:
        cipher = getattr(instance._meta.database, "cipher", None)
        if cipher is None:
            raise RuntimeError("the store is locked: no cipher bound to the database")
        return cipher

    def seal(self, instance: Any, value: Any) -> Ciphertext:
        return Ciphertext(self._cipher(instance).encrypt(self.encode(value), self._aad(instance)))

    def open(self, instance: Any, stored: bytes) -> Any:
        what = f"{self.model._meta.table_name}.{self.column_name}"
        return self.decode(self._cipher(instance).decrypt(bytes(stored), self._aad(instance), what))

    def open_stored(self, row: object, stored: bytes) -> Any:
        """The value ``stored`` in this column of the row whose primary key is ``row``,
        opened exactly as ``open`` does, for bulk reads that select raw columns
        instead of building a model instance per row."""
        cipher = getattr(self.model._meta.database, "cipher", None)
        if cipher is None:
            raise RuntimeError("the store is locked: no cipher bound to the database")
        aad = associated_data(self.model._meta.table_name, row, self.column_name)
        what = f"{self.model._meta.table_name}.{self.column_name}"
        return self.decode(cipher.decrypt(bytes(stored), aad, what))

    def db_value(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, Ciphertext):
            raise TypeError(f"{self.name} is encrypted: compare through its blind index")
        return super().db_value(bytes(value))

    def python_value(self, value: Any) -> Any:
        if value is None:
            return None
        return Ciphertext(value)


class EncryptedJSONField(EncryptedField):
    """Any JSON value, sealed per row (None too: it is JSON null)."""

    seal_none = True

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))
