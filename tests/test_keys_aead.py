"""Sealed fields (FieldCipher) and blind indexes (BlindIndexer)."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keys.aead import OVERHEAD, FieldCipher
from keys.blind import BlindIndexer
from keys.errors import DecryptionFailed
from keys.kdf import WEAK_KDF_VARIABLE

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(100, 132))
AAD = b"bianmin-field\x1fperson\x1f7\x1fid_number"


@pytest.fixture(autouse=True)
def weak_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEAK_KDF_VARIABLE, "1")


def cipher(version: int = 1) -> FieldCipher:
    return FieldCipher({1: KEY_1, 2: KEY_2}, version)


@given(plaintext=st.binary(max_size=2000), aad=st.binary(max_size=200))
def test_round_trip(plaintext: bytes, aad: bytes) -> None:
    sealed = cipher().encrypt(plaintext, aad)
    assert len(sealed) == len(plaintext) + OVERHEAD
    assert cipher().decrypt(sealed, aad) == plaintext


def test_format_header() -> None:
    sealed = cipher(2).encrypt(b"value", AAD)
    assert sealed[:5] == b"\x01\x00\x00\x00\x02"
    assert b"value" not in sealed


def test_nonces_are_fresh() -> None:
    sealed = {cipher().encrypt(b"same", AAD) for _ in range(50)}
    assert len(sealed) == 50


def test_old_key_versions_still_decrypt() -> None:
    old = FieldCipher({1: KEY_1}, 1).encrypt(b"written under version 1", AAD)
    assert cipher(2).decrypt(old, AAD) == b"written under version 1"
    with pytest.raises(DecryptionFailed):
        FieldCipher({2: KEY_2}, 2).decrypt(old, AAD)


def test_flipping_any_byte_fails() -> None:
    sealed = cipher().encrypt("张三 450981199001011234".encode(), AAD)
    for position in range(len(sealed)):
        for mask in (0x01, 0x80, 0xFF):
            damaged = bytearray(sealed)
            damaged[position] ^= mask
            with pytest.raises(DecryptionFailed):
                cipher().decrypt(bytes(damaged), AAD)


@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_any_single_bit_flip_fails(position: int, bit: int) -> None:
    sealed = cipher().encrypt(b"some personal value", AAD)
    damaged = bytearray(sealed)
    damaged[position % len(sealed)] ^= 1 << bit
    with pytest.raises(DecryptionFailed):
        cipher().decrypt(bytes(damaged), AAD)


def test_wrong_aad_fails_like_a_row_swap() -> None:
    sealed = cipher().encrypt(b"450981199001011234", AAD)
    for other in (
        b"bianmin-field\x1fperson\x1f8\x1fid_number",
        b"bianmin-field\x1fperson\x1f7\x1fphone",
        b"",
        AAD + b"\x00",
    ):
        with pytest.raises(DecryptionFailed):
            cipher().decrypt(sealed, other)


def test_key_version_is_bound() -> None:
    # Same key under two versions: relabelling the version still fails.
    same_key = FieldCipher({1: KEY_1, 2: KEY_1}, 1)
    sealed = bytearray(same_key.encrypt(b"value", AAD))
    sealed[4] = 2
    with pytest.raises(DecryptionFailed):
        same_key.decrypt(bytes(sealed), AAD)


def test_wrong_key_fails() -> None:
    sealed = cipher(1).encrypt(b"value", AAD)
    with pytest.raises(DecryptionFailed):
        FieldCipher({1: KEY_2}, 1).decrypt(sealed, AAD)


def test_truncated_empty_and_garbage_fail_cleanly() -> None:
    sealed = cipher().encrypt(b"value", AAD)
    for length in range(len(sealed)):
        with pytest.raises(DecryptionFailed):
            cipher().decrypt(sealed[:length], AAD)
    for garbage in (
        b"",
        b"\x01",
        b"\x00" * 100,
        os.urandom(64),
        b"\x01\x00\x00\x00\x01" + bytes(40),
    ):
        with pytest.raises(DecryptionFailed):
            cipher().decrypt(garbage, AAD)
    with pytest.raises(DecryptionFailed):
        cipher().decrypt(sealed + b"\x00", AAD)


def test_non_bytes_input_fails_cleanly() -> None:
    for value in (None, "text", 42):
        with pytest.raises(DecryptionFailed):
            cipher().decrypt(value, AAD)  # type: ignore[arg-type]


@given(blob=st.binary(max_size=100), aad=st.binary(max_size=20))
def test_arbitrary_input_only_ever_raises_decryption_failed(blob: bytes, aad: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        cipher().decrypt(blob, aad)


def test_the_message_names_what_failed() -> None:
    with pytest.raises(DecryptionFailed) as caught:
        cipher().decrypt(b"", AAD, what="person.id_number")
    assert caught.value.params == {"what": "person.id_number"}
    assert "person.id_number" in str(caught.value)
    with pytest.raises(DecryptionFailed) as default:
        cipher().decrypt(b"", AAD)
    assert default.value.params == {"what": "加密字段"}


def test_bad_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        FieldCipher({1: KEY_1}, 2)
    with pytest.raises(ValueError):
        FieldCipher({1: b"short"}, 1)


# -- blind indexes ------------------------------------------------------------------


def test_blind_index_is_deterministic_and_keyed() -> None:
    indexer = BlindIndexer(KEY_1)
    first = indexer.index("id_number", "450981199001011234")
    assert first == BlindIndexer(KEY_1).index("id_number", "450981199001011234")
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != BlindIndexer(KEY_2).index("id_number", "450981199001011234")
    assert first != indexer.index("id_number", "450981199001011235")
    assert "450981199001011234" not in first


def test_blind_index_known_answer() -> None:
    import hashlib
    import hmac

    expected = hmac.new(KEY_1, b"phone\x00+8613800138000", hashlib.sha256).hexdigest()
    assert BlindIndexer(KEY_1).index("phone", "+8613800138000") == expected


def test_blind_index_kinds_never_collide() -> None:
    indexer = BlindIndexer(KEY_1)
    assert indexer.index("id", "1") != indexer.index("phone", "1")
    assert indexer.index("ab", "c") != indexer.index("a", "bc")
    assert indexer.index("a", "b\x00c") != indexer.index("a", "b")
    with pytest.raises(ValueError):
        indexer.index("a\x00b", "c")
    with pytest.raises(ValueError):
        indexer.index("", "c")


@given(
    kind_a=st.text(min_size=1).filter(lambda s: "\x00" not in s),
    kind_b=st.text(min_size=1).filter(lambda s: "\x00" not in s),
    value_a=st.text(),
    value_b=st.text(),
)
def test_different_pairs_give_different_indexes(
    kind_a: str, kind_b: str, value_a: str, value_b: str
) -> None:
    indexer = BlindIndexer(KEY_1)
    same = (kind_a, value_a) == (kind_b, value_b)
    assert (indexer.index(kind_a, value_a) == indexer.index(kind_b, value_b)) == same
