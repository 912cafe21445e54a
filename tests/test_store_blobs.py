"""The material store: content addressed, chunk encrypted, tamper evident."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from keys.errors import DecryptionFailed, StreamTruncated
from station.store.blobs import CHUNK_SIZE, BlobStore

KEYS = {1: bytes(32)}


def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "data" / "materials", KEYS, 1, b"a" * 32)


def test_round_trip_and_dedup(tmp_path: Path) -> None:
    blobs = store(tmp_path)
    content = os.urandom(300_000)
    first = blobs.put(io.BytesIO(content))
    second = blobs.put(io.BytesIO(content))
    assert first == second and first.size == len(content)
    assert blobs.read(first.address) == content
    stored = blobs.path_of(first.address).read_bytes()
    assert content[1000:1064] not in stored
    assert list(blobs.tmp.iterdir()) == []


def test_every_flipped_byte_is_detected(tmp_path: Path) -> None:
    blobs = store(tmp_path)
    ref = blobs.put(io.BytesIO(os.urandom(1500)))
    path = blobs.path_of(ref.address)
    original = path.read_bytes()
    for i in range(len(original)):
        damaged = bytearray(original)
        damaged[i] ^= 0x80
        path.write_bytes(bytes(damaged))
        with pytest.raises(DecryptionFailed):
            blobs.read(ref.address)
    path.write_bytes(original)
    assert len(blobs.read(ref.address)) == 1500


def test_truncated_material_fails(tmp_path: Path) -> None:
    blobs = store(tmp_path)
    ref = blobs.put(io.BytesIO(os.urandom(CHUNK_SIZE * 2 + 5000)))
    path = blobs.path_of(ref.address)
    original = path.read_bytes()
    header = 28
    for cut in (len(original) - 1, len(original) - 17, CHUNK_SIZE + header, 100, header):
        path.write_bytes(original[:cut])
        with pytest.raises(DecryptionFailed):
            blobs.read(ref.address)
    path.write_bytes(original[: header + (CHUNK_SIZE + 16)])  # exactly at a chunk boundary
    with pytest.raises(StreamTruncated):
        blobs.read(ref.address)


def test_two_blobs_swapped_on_disk_fail(tmp_path: Path) -> None:
    blobs = store(tmp_path)
    a = blobs.put(io.BytesIO(b"page one" * 100))
    b = blobs.put(io.BytesIO(b"page two" * 100))
    pa, pb = blobs.path_of(a.address), blobs.path_of(b.address)
    da, db = pa.read_bytes(), pb.read_bytes()
    pa.write_bytes(db)
    pb.write_bytes(da)
    with pytest.raises(DecryptionFailed):
        blobs.read(a.address)


def test_leftover_temp_files_are_swept(tmp_path: Path) -> None:
    blobs = store(tmp_path)
    (blobs.tmp / "blob-crashed").write_bytes(b"ciphertext from a crash")
    assert blobs.sweep_temp() == 1
    assert list(blobs.tmp.iterdir()) == []


def test_put_files_stores_a_batch_in_order(tmp_path: Path) -> None:
    blobs = store(tmp_path)
    pages = []
    for i in range(5):
        page = tmp_path / f"page{i}.jpg"
        page.write_bytes(os.urandom(100_000 + i))
        pages.append(page)
    stored = blobs.put_files([*pages, pages[0]])
    assert [s.size for s in stored] == [100_000 + i for i in range(5)] + [100_000]
    assert stored[0] == stored[-1]
    assert [blobs.read(s.address) for s in stored[:5]] == [p.read_bytes() for p in pages]


class _Trickle(io.RawIOBase):
    """A source that hands out at most 7,000 bytes a read (as a pipe might)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)[:7000]
        return self._data.readinto(view)


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1,
                                  2 * CHUNK_SIZE, 2 * CHUNK_SIZE + 3])
def test_sizes_around_chunk_boundaries(tmp_path: Path, size: int) -> None:
    """Chunks are read into reused buffers and the next one is read ahead to find the
    last: every size round-trips, in the format ``StreamEncryptor.write`` gives (same
    length, one chunk per CHUNK_SIZE), from files, short reads and batches alike."""
    blobs = store(tmp_path)
    content = os.urandom(size)
    page = tmp_path / "page.bin"
    page.write_bytes(content)
    stored = blobs.put_file(page)
    assert stored.size == size and blobs.read(stored.address) == content
    chunks = max(1, -(-size // CHUNK_SIZE))
    assert blobs.path_of(stored.address).stat().st_size == 28 + size + 16 * chunks
    assert blobs.put(_Trickle(content)) == stored  # type: ignore[arg-type]
    assert blobs.put_files([page, page]) == [stored, stored]
    assert list(blobs.tmp.iterdir()) == []
