"""Signatures over exact bytes: round trips, key ids, tampering, frozen vectors.

tests/data/keys/sign-v1.json was produced once by ``build_sign_vectors`` from
fixed keys and committed.  Ed25519 is deterministic, so the writer must still
produce the same bytes; after a deliberate format change add sign-v2.json
beside v1 rather than regenerating.

Regenerate (only for a new format version)::

    PYTHONPATH=. .venv/bin/python tests/test_keys_sign.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from hypothesis import given
from hypothesis import strategies as st
from seeded import SeededRandom
from test_keys_vectors import _write_json

from keys.errors import BadSignature, KeysError, UnknownSuite
from keys.sign import sign, signature_key_id, verify
from keys.suites import SIGN_ED25519

DATA = Path(__file__).parent / "data" / "keys"
NODE = "node:450981104201:1"
KEY = ed25519.Ed25519PrivateKey.generate()
OTHER = ed25519.Ed25519PrivateKey.generate()
MESSAGE = b"header bytes|" + bytes(range(256)) * 8


@given(
    data=st.sampled_from([b"", MESSAGE]) | st.binary(max_size=4096),
    key_id=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40),
)
def test_round_trip_returns_the_key_id(data: bytes, key_id: str) -> None:
    signature = sign(data, KEY, key_id)
    assert verify(data, signature, KEY.public_key()) == key_id
    assert signature_key_id(signature) == key_id


def test_layout() -> None:
    signature = sign(MESSAGE, KEY, NODE)
    prefix = b"BMSG\x01\x07ed25519\x00" + bytes([len(NODE)]) + NODE.encode()
    assert signature.startswith(prefix)
    assert len(signature) == len(prefix) + 64
    KEY.public_key().verify(signature[len(prefix):], prefix + MESSAGE)  # plain Ed25519 underneath
    assert sign(MESSAGE, KEY, NODE) == signature  # deterministic
    assert signature_key_id(sign(b"x", KEY, "县级档案:1")) == "县级档案:1"


def test_accepts_other_buffers() -> None:
    signature = sign(bytearray(MESSAGE), KEY, NODE)
    assert verify(memoryview(MESSAGE), bytearray(signature), KEY.public_key()) == NODE


def test_wrong_key_fails() -> None:
    signature = sign(MESSAGE, KEY, NODE)
    for wrong in (OTHER.public_key(), KEY, x25519.X25519PrivateKey.generate().public_key(), None):
        with pytest.raises(BadSignature):
            verify(MESSAGE, signature, wrong)


def test_other_data_fails() -> None:
    signature = sign(MESSAGE, KEY, NODE)
    for other in (b"", MESSAGE[:-1], MESSAGE + b"\x00", b"x" + MESSAGE[1:]):
        with pytest.raises(BadSignature):
            verify(other, signature, KEY.public_key())


def test_every_byte_flip_fails() -> None:
    data = b"case.filed|450981104201|1042"
    signature = sign(data, KEY, NODE)
    public = KEY.public_key()
    for position in range(len(signature)):
        for mask in (0x01, 0x80):
            altered = bytearray(signature)
            altered[position] ^= mask
            with pytest.raises(BadSignature):
                verify(data, bytes(altered), public)
    for position in range(len(data)):
        altered = bytearray(data)
        altered[position] ^= 0x01
        with pytest.raises(BadSignature):
            verify(bytes(altered), signature, public)


def test_truncation_and_extension_fail() -> None:
    signature = sign(MESSAGE, KEY, NODE)
    for end in range(len(signature)):
        with pytest.raises(BadSignature):
            verify(MESSAGE, signature[:end], KEY.public_key())
    with pytest.raises(BadSignature):
        verify(MESSAGE, signature + b"\x00", KEY.public_key())


def test_a_relabelled_signature_fails() -> None:
    """The key id is signed: naming another key id breaks the signature."""
    signature = sign(MESSAGE, KEY, "node:450981104201:1")
    relabelled = signature.replace(b"node:450981104201:1", b"node:450981104202:1")
    assert signature_key_id(relabelled) == "node:450981104202:1"
    with pytest.raises(BadSignature):
        verify(MESSAGE, relabelled, KEY.public_key())


GARBAGE: list[object] = [
    b"", b"BMSG", b"BMSG\x01", b"BMSG\x01\x07ed25519", b"BMSG\x01\x07ed25519\x00\x00" + bytes(64),
    b"BMSG\x02\x07ed25519\x00\x01a" + bytes(64), b"BMSG\x01\x03sm2\x00\x01a" + bytes(64),
    b"BMSG\x01\x07ed25519\x00\x02\xff\xfe" + bytes(64), b"BMSG\x01\x07ed\xff\xfe519\x00\x01a"
    + bytes(64), b"BMSG\x01\x07ed25519\xff\xffa" + bytes(64), bytes(98), "BMSG", None, 7,
]


@pytest.mark.parametrize("garbage", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_fails_cleanly(garbage: Any) -> None:
    with pytest.raises(BadSignature):
        verify(MESSAGE, garbage, KEY.public_key())
    with pytest.raises(BadSignature):
        signature_key_id(garbage)


@given(garbage=st.binary(max_size=150), prefix=st.sampled_from([b"", b"BMSG\x01\x07ed25519"]))
def test_random_bytes_fail_cleanly(garbage: bytes, prefix: bytes) -> None:
    with pytest.raises(BadSignature):
        verify(MESSAGE, prefix + garbage, KEY.public_key())


def test_message_and_programming_errors() -> None:
    with pytest.raises(BadSignature) as raised:
        verify(MESSAGE, b"", KEY.public_key(), what="事件 42")
    assert "事件 42" in str(raised.value) and isinstance(raised.value, KeysError)
    with pytest.raises(ValueError):
        sign(MESSAGE, KEY, "")
    with pytest.raises(ValueError):
        sign(MESSAGE, KEY, "x" * 70_000)
    with pytest.raises(TypeError):
        sign(MESSAGE, KEY.public_key(), NODE)
    with pytest.raises(TypeError):
        sign(MESSAGE, x25519.X25519PrivateKey.generate(), NODE)
    with pytest.raises(UnknownSuite):
        sign(MESSAGE, KEY, NODE, suite="sm2-sm3")


# -- frozen vectors ------------------------------------------------------------------------------

VECTOR_CASES = [
    ("node:450981104201:1", b""),
    ("node:450981104201:1", b"BMSL\x00\x00\x00\x02{}event bytes"),
    ("county-ca:450981000000:2", "撤销列表 2026-11-21".encode()),
]


def _vector_key(key_id: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(SeededRandom(f"sign-key {key_id}")(32))


def _sign_vectors() -> dict[str, object]:
    keys = {}
    vectors = []
    for key_id, data in VECTOR_CASES:
        key = _vector_key(key_id)
        keys[key_id] = {
            "private": key.private_bytes_raw().hex(),
            "public": key.public_key().public_bytes_raw().hex(),
        }
        vectors.append({"key_id": key_id, "data": data.hex(),
                        "signature": sign(data, key, key_id).hex()})
    return {"suite": SIGN_ED25519, "keys": keys, "vectors": vectors}


def build_sign_vectors(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "sign-v1.json", _sign_vectors())


def test_sign_vectors_verify() -> None:
    loaded = json.loads((DATA / "sign-v1.json").read_text(encoding="utf-8"))
    for case in loaded["vectors"]:
        public = ed25519.Ed25519PublicKey.from_public_bytes(
            bytes.fromhex(loaded["keys"][case["key_id"]]["public"])
        )
        data, signature = bytes.fromhex(case["data"]), bytes.fromhex(case["signature"])
        assert verify(data, signature, public) == case["key_id"]
        assert signature_key_id(signature) == case["key_id"]
        with pytest.raises(BadSignature):
            verify(data + b"x", signature, public)


def test_writer_still_produces_the_frozen_bytes(tmp_path: Path) -> None:
    build_sign_vectors(tmp_path)
    assert (tmp_path / "sign-v1.json").read_bytes() == (DATA / "sign-v1.json").read_bytes()


if __name__ == "__main__":
    build_sign_vectors(DATA)
