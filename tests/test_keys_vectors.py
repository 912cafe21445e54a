"""Frozen vectors: data written by format 1 must open forever (borgbackup style).

The files under tests/data/keys/ were produced once by ``build_vectors`` with
seeded randomness and committed.  ``test_*_vectors_open`` read them with the
current code: if a change breaks old vaults, fields or materials, they fail.
``test_writer_still_produces_the_frozen_bytes`` pins the current writer; after
a deliberate format change, add new vectors (v2) beside the old ones rather
than regenerating them, and keep the v1 reading tests.

Regenerate (only for a new format version)::

    PYTHONPATH=. .venv/bin/python tests/test_keys_vectors.py
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from seeded import SeededRandom

from keys.aead import FieldCipher
from keys.errors import DecryptionFailed, WrongPassphrase
from keys.kdf import WEAK_KDF_VARIABLE
from keys.stream import decrypt_stream, encrypt_stream
from keys.vault import Vault

DATA = Path(__file__).parent / "data" / "keys"
PURPOSES = ("field", "blind-index", "material", "material-address")
USERS = {"管理员": "正确的口令 correct horse", "clerk": "clerk passphrase 1"}



def _write_json(path: Path, value: object) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def _field_vectors() -> dict[str, object]:
    keys = {1: SeededRandom("field-key-1")(32), 7: SeededRandom("field-key-7")(32)}
    cases = [
        (1, b"", b""),
        (1, b"bianmin-field\x1fperson\x1f1\x1fname", "张三".encode()),
        (7, b"bianmin-field\x1fperson\x1f1\x1fid_number", b"450981199001011234"),
        (7, b"bianmin-field\x1fcase\x1f42\x1fform", '{"住址":"示范村3组"}'.encode()),
    ]
    vectors = []
    for number, (version, aad, plaintext) in enumerate(cases):
        cipher = FieldCipher(keys, version, randbytes=SeededRandom(f"field-nonce-{number}"))
        vectors.append(
            {
                "key_version": version,
                "aad": aad.hex(),
                "plaintext": plaintext.hex(),
                "ciphertext": cipher.encrypt(plaintext, aad).hex(),
            }
        )
    return {"keys": {str(v): k.hex() for v, k in keys.items()}, "vectors": vectors}


def _seal_stream(key: bytes, version: int, plaintext: bytes, chunk: int, seed: str) -> bytes:
    dst = io.BytesIO()
    encrypt_stream(
        key,
        version,
        io.BytesIO(plaintext),
        dst,
        b"bianmin-material",
        chunk,
        randbytes=SeededRandom(seed),
    )
    return dst.getvalue()


def _stream_vectors() -> dict[str, object]:
    key = SeededRandom("material-key-2")(32)
    vectors = []
    for number, (size, chunk) in enumerate([(0, 16), (5, 16), (16, 16), (40, 16), (100, 64)]):
        plaintext = SeededRandom(f"material-plaintext-{number}")(size)
        sealed = _seal_stream(key, 2, plaintext, chunk, f"material-salt-{number}")
        vectors.append(
            {
                "chunk_size": chunk,
                "aad": b"bianmin-material".hex(),
                "plaintext": plaintext.hex(),
                "ciphertext": sealed.hex(),
            }
        )
    return {"keys": {"2": key.hex()}, "vectors": vectors}


def _vault_vectors(directory: Path) -> dict[str, object]:
    (admin, admin_passphrase), (clerk, clerk_passphrase) = USERS.items()
    vault, recovery_key = Vault.create(
        directory, admin, admin_passphrase, randbytes=SeededRandom("vault-v1")
    )
    vault.add_user(clerk, clerk_passphrase)
    field_aad = b"bianmin-field\x1fperson\x1f1\x1fid_number"
    field = FieldCipher({1: vault.subkey("field")}, 1, randbytes=SeededRandom("vault-field"))
    material = _seal_stream(vault.material_keys()[1], 1, b"scan bytes " * 5, 16, "vault-stream")
    return {
        "users": USERS,
        "recovery_key": recovery_key,
        "key_version": vault.key_version,
        "subkeys": {purpose: vault.subkey(purpose).hex() for purpose in PURPOSES},
        "blind_index": {
            "kind": "id",
            "value": "450981199001011234",
            "index": vault.blind_indexer().index("id", "450981199001011234"),
        },
        "field": {
            "aad": field_aad.hex(),
            "plaintext": b"450981199001011234".hex(),
            "ciphertext": field.encrypt(b"450981199001011234", field_aad).hex(),
        },
        "material": {"plaintext": (b"scan bytes " * 5).hex(), "ciphertext": material.hex()},
    }


def build_vectors(out: Path) -> None:
    """Write every vector file under ``out`` (needs STATION_TEST_WEAK_KDF=1)."""
    assert os.environ.get(WEAK_KDF_VARIABLE) == "1", "vault vectors use the weak test KDF"
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "field-v1.json", _field_vectors())
    _write_json(out / "stream-v1.json", _stream_vectors())
    shutil.rmtree(out / "vault-v1", ignore_errors=True)
    _write_json(out / "vault-v1.json", _vault_vectors(out / "vault-v1"))


def _load(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return loaded


def _keys(vectors: dict[str, object]) -> dict[int, bytes]:
    raw = vectors["keys"]
    assert isinstance(raw, dict)
    return {int(v): bytes.fromhex(k) for v, k in raw.items()}


def _cases(vectors: dict[str, object]) -> list[dict[str, object]]:
    cases = vectors["vectors"]
    assert isinstance(cases, list)
    return cases


def _hex(case: dict[str, object], name: str) -> bytes:
    value = case[name]
    assert isinstance(value, str)
    return bytes.fromhex(value)


@pytest.fixture(autouse=True)
def weak_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEAK_KDF_VARIABLE, "1")


def test_field_vectors_open() -> None:
    vectors = _load("field-v1.json")
    keys = _keys(vectors)
    for case in _cases(vectors):
        version = case["key_version"]
        assert isinstance(version, int)
        cipher = FieldCipher(keys, version)
        sealed, aad = _hex(case, "ciphertext"), _hex(case, "aad")
        assert sealed[:5] == b"\x01" + version.to_bytes(4, "big")
        assert cipher.decrypt(sealed, aad) == _hex(case, "plaintext")
        with pytest.raises(DecryptionFailed):
            cipher.decrypt(sealed, aad + b"x")


def test_stream_vectors_open() -> None:
    vectors = _load("stream-v1.json")
    keys = _keys(vectors)
    for case in _cases(vectors):
        out = io.BytesIO()
        decrypt_stream(keys, io.BytesIO(_hex(case, "ciphertext")), out, _hex(case, "aad"))
        assert out.getvalue() == _hex(case, "plaintext")


def test_vault_vectors_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the test flag: an old wrap opens with the parameters stored beside it.
    monkeypatch.delenv(WEAK_KDF_VARIABLE)
    meta = _load("vault-v1.json")
    directory = tmp_path / "data"
    shutil.copytree(DATA / "vault-v1", directory)
    subkeys = meta["subkeys"]
    users = meta["users"]
    assert isinstance(subkeys, dict) and isinstance(users, dict)
    for user, passphrase in users.items():
        vault = Vault.unlock(directory, user, passphrase)
        assert vault.key_version == meta["key_version"] == 1
        assert vault.users() == ["管理员", "clerk"]  # creation order
        assert {p: vault.subkey(p).hex() for p in PURPOSES} == subkeys
        with pytest.raises(WrongPassphrase):
            Vault.unlock(directory, user, passphrase + "!")

    vault = Vault.unlock(directory, "clerk", users["clerk"])
    blind = meta["blind_index"]
    assert isinstance(blind, dict)
    assert vault.blind_indexer().index(blind["kind"], blind["value"]) == blind["index"]
    field = meta["field"]
    assert isinstance(field, dict)
    assert vault.field_cipher().decrypt(_hex(field, "ciphertext"), _hex(field, "aad")) == _hex(
        field, "plaintext"
    )
    material = meta["material"]
    assert isinstance(material, dict)
    out = io.BytesIO()
    decrypt_stream(
        vault.material_keys(), io.BytesIO(_hex(material, "ciphertext")), out, b"bianmin-material"
    )
    assert out.getvalue() == _hex(material, "plaintext")

    recovery_key = meta["recovery_key"]
    assert isinstance(recovery_key, str)
    recovered = Vault.recover(directory, recovery_key, "管理员", "a brand new passphrase")
    assert recovered.subkey("field").hex() == subkeys["field"]


def test_writer_still_produces_the_frozen_bytes(tmp_path: Path) -> None:
    build_vectors(tmp_path)
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    # Other formats keep their own vectors beside these (ca-v1/, seal-v1.json, …).
    assert all((DATA / relative).is_file() for relative in fresh)
    for relative in fresh:
        assert (tmp_path / relative).read_bytes() == (DATA / relative).read_bytes(), relative
    assert fresh


if __name__ == "__main__":
    os.environ[WEAK_KDF_VARIABLE] = "1"
    build_vectors(DATA)
