"""Streaming encryption of materials: round trips, tampering, truncation, order."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keys.errors import DecryptionFailed, StreamTruncated
from keys.kdf import WEAK_KDF_VARIABLE
from keys.stream import (
    HEADER_LENGTH,
    TAG_LENGTH,
    StreamEncryptor,
    decrypt_stream,
    encrypt_stream,
    iter_decrypt,
)

KEY = bytes(range(32))
KEYS = {3: KEY}
AAD = b"bianmin-material"
CHUNK = 16
BLOCK = CHUNK + TAG_LENGTH


@pytest.fixture(autouse=True)
def weak_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEAK_KDF_VARIABLE, "1")


def seal(plaintext: bytes, chunk_size: int = CHUNK, aad: bytes = AAD) -> bytes:
    dst = io.BytesIO()
    assert encrypt_stream(KEY, 3, io.BytesIO(plaintext), dst, aad, chunk_size) == len(plaintext)
    return dst.getvalue()


def open_(sealed: bytes, aad: bytes = AAD, keys: dict[int, bytes] = KEYS) -> bytes:
    dst = io.BytesIO()
    size = decrypt_stream(keys, io.BytesIO(sealed), dst, aad, what="身份证正面")
    assert size == len(dst.getvalue())
    return dst.getvalue()


def chunk_count(size: int, chunk_size: int = CHUNK) -> int:
    return max(1, -(-size // chunk_size))


sizes_near_boundaries = st.sampled_from(
    [0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64]
) | st.integers(min_value=0, max_value=300)


@given(size=sizes_near_boundaries, chunk_size=st.sampled_from([1, 7, 16, 64]))
def test_round_trip_around_chunk_boundaries(size: int, chunk_size: int) -> None:
    plaintext = os.urandom(size)
    sealed = seal(plaintext, chunk_size)
    chunks = chunk_count(size, chunk_size)
    assert len(sealed) == HEADER_LENGTH + size + chunks * TAG_LENGTH
    assert open_(sealed) == plaintext


@given(
    pieces=st.lists(st.binary(max_size=70), max_size=12),
    chunk_size=st.sampled_from([1, 5, 16, 64]),
)
def test_writes_of_any_size_give_the_same_chunks(pieces: list[bytes], chunk_size: int) -> None:
    plaintext = b"".join(pieces)
    dst = io.BytesIO()
    encryptor = StreamEncryptor(KEY, 3, dst, AAD, chunk_size)
    for piece in pieces:
        encryptor.write(piece)
    encryptor.finish()
    sealed = dst.getvalue()
    assert (
        len(sealed)
        == HEADER_LENGTH + len(plaintext) + chunk_count(len(plaintext), chunk_size) * TAG_LENGTH
    )
    assert open_(sealed) == plaintext
    assert list(iter_decrypt(KEYS, io.BytesIO(sealed), AAD)) == [
        plaintext[i : i + chunk_size] for i in range(0, max(len(plaintext), 1), chunk_size)
    ]


def test_default_chunk_size_round_trip() -> None:
    plaintext = os.urandom(3 * 65536 + 123)
    sealed = seal(plaintext, 65536)
    assert open_(sealed) == plaintext
    assert plaintext[:1000] not in sealed


def test_salt_makes_every_encryption_different() -> None:
    assert seal(b"same scan") != seal(b"same scan")


def test_flipping_any_byte_fails() -> None:
    sealed = seal(os.urandom(50))  # four chunks: 16 + 16 + 16 + 2
    assert len(sealed) == HEADER_LENGTH + 3 * BLOCK + 2 + TAG_LENGTH
    for position in range(len(sealed)):
        for mask in (0x01, 0xFF):
            damaged = bytearray(sealed)
            damaged[position] ^= mask
            with pytest.raises(DecryptionFailed):
                open_(bytes(damaged))


def test_truncation_at_every_position_fails() -> None:
    for size in (0, 16, 50, 64):
        sealed = seal(os.urandom(size))
        boundaries = {HEADER_LENGTH + k * BLOCK for k in range(chunk_count(size))}
        for length in range(len(sealed)):
            if length in boundaries or length < HEADER_LENGTH:
                with pytest.raises(StreamTruncated) as caught:
                    open_(sealed[:length])
                assert caught.value.params == {"what": "身份证正面"}
            else:
                with pytest.raises(DecryptionFailed):
                    open_(sealed[:length])


def test_truncation_exactly_at_a_chunk_boundary_is_reported_as_truncation() -> None:
    plaintext = os.urandom(64)  # four full chunks, the last one flagged final
    sealed = seal(plaintext)
    for chunks_kept in range(4):
        with pytest.raises(StreamTruncated):
            open_(sealed[: HEADER_LENGTH + chunks_kept * BLOCK])
    received = []
    with pytest.raises(StreamTruncated):
        for piece in iter_decrypt(KEYS, io.BytesIO(sealed[: HEADER_LENGTH + 2 * BLOCK]), AAD):
            received.append(piece)
    assert b"".join(received) == plaintext[:16]


def split_chunks(sealed: bytes) -> tuple[bytes, list[bytes]]:
    body = sealed[HEADER_LENGTH:]
    return sealed[:HEADER_LENGTH], [body[i : i + BLOCK] for i in range(0, len(body), BLOCK)]


def test_reordered_duplicated_or_dropped_chunks_fail() -> None:
    header, chunks = split_chunks(seal(os.urandom(60)))  # 16 + 16 + 16 + 12
    assert len(chunks) == 4
    variants = [
        [chunks[1], chunks[0], chunks[2], chunks[3]],
        [chunks[0], chunks[2], chunks[1], chunks[3]],
        [chunks[0], chunks[0], chunks[1], chunks[2], chunks[3]],
        [chunks[0], chunks[2], chunks[3]],
        [chunks[1], chunks[2], chunks[3]],
        [chunks[0], chunks[1], chunks[2], chunks[3], chunks[3]],
        [chunks[3]],
    ]
    for variant in variants:
        with pytest.raises(DecryptionFailed):
            open_(header + b"".join(variant))


def test_chunks_from_another_stream_fail() -> None:
    plaintext = os.urandom(40)
    header_a, chunks_a = split_chunks(seal(plaintext))
    header_b, chunks_b = split_chunks(seal(plaintext))
    with pytest.raises(DecryptionFailed):
        open_(header_a + chunks_b[0] + b"".join(chunks_a[1:]))
    with pytest.raises(DecryptionFailed):
        open_(header_b + b"".join(chunks_a))


def test_appended_bytes_fail() -> None:
    for size in (0, 10, 16, 48, 50):
        sealed = seal(os.urandom(size))
        for extra in (b"\x00", os.urandom(15), os.urandom(16), os.urandom(BLOCK), os.urandom(100)):
            with pytest.raises(DecryptionFailed) as caught:
                open_(sealed + extra)
            assert not isinstance(caught.value, StreamTruncated)


def test_empty_final_chunk_after_data_is_not_accepted() -> None:
    # Built by hand: full chunk 0, then an empty chunk flagged final.  Genuine
    # streams never end like this, so each plaintext has one encoding.
    from keys.stream import _file_aead, _nonce

    header = seal(b"")[:HEADER_LENGTH]
    aead = _file_aead(KEY, header[12:28])
    aad = header + AAD
    body = aead.encrypt(_nonce(0, False), bytes(CHUNK), aad) + aead.encrypt(
        _nonce(1, True), b"", aad
    )
    with pytest.raises(DecryptionFailed):
        open_(header + body)
    canonical = aead.encrypt(_nonce(0, True), bytes(CHUNK), aad)
    assert open_(header + canonical) == bytes(CHUNK)


def test_wrong_aad_key_or_unknown_version_fails() -> None:
    sealed = seal(b"scan of a household register")
    with pytest.raises(DecryptionFailed):
        open_(sealed, aad=b"other")
    with pytest.raises(DecryptionFailed):
        open_(sealed, keys={3: bytes(32)})
    with pytest.raises(DecryptionFailed) as caught:
        open_(sealed, keys={4: KEY})
    assert not isinstance(caught.value, StreamTruncated)


def test_relabelled_key_version_fails_even_with_the_same_key() -> None:
    sealed = bytearray(seal(b"scan"))
    sealed[7] = 4  # last byte of key_version
    with pytest.raises(DecryptionFailed):
        open_(bytes(sealed), keys={3: KEY, 4: KEY})


def test_garbage_and_hostile_headers_fail_cleanly() -> None:
    for garbage in (os.urandom(HEADER_LENGTH + 40), b"BMS1" + b"\xff" * 100, b"x" * 28):
        with pytest.raises(DecryptionFailed):
            open_(garbage)
    huge_chunk = bytearray(seal(b"scan"))
    huge_chunk[8:12] = (2**32 - 1).to_bytes(4, "big")
    with pytest.raises(DecryptionFailed):
        open_(bytes(huge_chunk))


@given(data=st.binary(max_size=200))
def test_arbitrary_input_only_ever_raises_decryption_failed(data: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        open_(data)


class Trickle(io.RawIOBase):
    """A source that returns at most 3 bytes per read, like a slow pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, 3) if size >= 0 else 3)


def test_short_reads_are_handled() -> None:
    plaintext = os.urandom(100)
    sealed = seal(plaintext)
    out = io.BytesIO()
    decrypt_stream(KEYS, Trickle(sealed), out, AAD)  # type: ignore[arg-type]
    assert out.getvalue() == plaintext


def test_encryptor_misuse_is_refused() -> None:
    encryptor = StreamEncryptor(KEY, 3, io.BytesIO())
    encryptor.finish()
    with pytest.raises(ValueError):
        encryptor.write(b"late")
    with pytest.raises(ValueError):
        encryptor.finish()
    for bad in ({"chunk_size": 0}, {"key_version": -1}, {"key": b"short"}):
        arguments: dict[str, object] = {"key": KEY, "key_version": 3, "dst": io.BytesIO(), **bad}
        with pytest.raises(ValueError):
            StreamEncryptor(**arguments)  # type: ignore[arg-type]


def test_unfinished_stream_reads_as_truncated() -> None:
    dst = io.BytesIO()
    encryptor = StreamEncryptor(KEY, 3, dst, AAD, CHUNK)
    encryptor.write(os.urandom(40))
    with pytest.raises(StreamTruncated):
        open_(dst.getvalue())


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5])
def test_whole_chunks_give_the_same_bytes_as_write(size: int) -> None:
    """``write_chunk`` (a caller that cuts its own chunks, into one reused buffer) writes
    exactly what ``write`` + ``finish`` write for the same salt."""
    plaintext = os.urandom(size)
    salt = os.urandom(16)
    expected, written = io.BytesIO(), io.BytesIO()
    by_write = StreamEncryptor(KEY, 3, expected, AAD, CHUNK, randbytes=lambda n: salt)
    by_write.write(plaintext)
    by_write.finish()
    by_chunk = StreamEncryptor(KEY, 3, written, AAD, CHUNK, randbytes=lambda n: salt)
    out = bytearray(CHUNK + TAG_LENGTH)
    pieces = [plaintext[i:i + CHUNK] for i in range(0, size, CHUNK)] or [b""]
    for number, piece in enumerate(pieces):
        by_chunk.write_chunk(piece, number == len(pieces) - 1, out)
    assert written.getvalue() == expected.getvalue()
    assert by_chunk.plaintext_size == size
    assert b"".join(iter_decrypt(KEYS, io.BytesIO(written.getvalue()), AAD)) == plaintext


def test_write_chunk_refuses_what_has_no_single_encoding() -> None:
    out = bytearray(CHUNK + TAG_LENGTH)
    for piece, last in [(b"x" * (CHUNK - 1), False), (b"x" * (CHUNK + 1), True)]:
        with pytest.raises(ValueError):
            StreamEncryptor(KEY, 3, io.BytesIO(), AAD, CHUNK).write_chunk(piece, last, out)
    encryptor = StreamEncryptor(KEY, 3, io.BytesIO(), AAD, CHUNK)
    encryptor.write_chunk(b"x" * CHUNK, False, out)
    with pytest.raises(ValueError):  # an empty last chunk only for an empty material
        encryptor.write_chunk(b"", True, out)
    encryptor.write_chunk(b"x", True, out)
    with pytest.raises(ValueError):
        encryptor.write_chunk(b"x", True, out)
