"""The filesystem material store (sync/hub/blobs_fs.py): content addressed, every file
durable and whole under its name, parts assembled and checked against the address."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sync.hub.blob_config import open_blob_store
from sync.hub.blobs import BlobMissing, BlobStoreConfigInvalid, BlobStoreUnavailable
from sync.hub.blobs_fs import FilesystemStore

CHUNK = 1 << 20


def material(size: int, seed: int = 1) -> tuple[str, bytes]:
    data = (hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1))[:size]
    return hashlib.sha256(data).hexdigest(), data


def test_put_read_has_addresses(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path / "blobs")
    address, data = material(5000)
    assert not store.has(address)
    with pytest.raises(BlobMissing):
        store.read(address, 0, 10)
    store.put(address, data)
    store.put(address, data)  # again: nothing changes
    assert store.has(address)
    assert store.path_of(address) == tmp_path / "blobs" / address[:2] / address[2:4] / address
    assert store.read(address, 0, 10_000) == data
    assert store.read(address, 100, 50) == data[100:150]
    assert store.read(address, 5000, 10) == b""
    assert list(store.addresses()) == [address]
    assert "blobs" in store.label


def test_parts_finish_into_the_material_and_are_removed(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    address, data = material(3 * CHUNK + 123)
    for offset in range(0, len(data), CHUNK):
        store.put_part(address, offset, data[offset:offset + CHUNK])
    store.put_part(address, CHUNK, data[CHUNK:2 * CHUNK])  # written again: replaced
    assert not store.has(address)
    assert store.finish(address, len(data))
    assert store.read(address, 0, len(data)) == data
    assert not (tmp_path / "uploads" / address).exists()
    assert list(store.addresses()) == [address]
    assert store.finish(address, len(data))  # a second finish (another writer): held


def test_a_corrupted_part_fails_finish_and_nothing_is_readable(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    address, data = material(2 * CHUNK + 7)
    for offset in range(0, len(data), CHUNK):
        store.put_part(address, offset, data[offset:offset + CHUNK])
    part = tmp_path / "uploads" / address / str(CHUNK)
    damaged = bytearray(part.read_bytes())
    damaged[10] ^= 0xFF
    part.write_bytes(bytes(damaged))
    assert store.finish(address, len(data)) is False
    assert not store.has(address)
    with pytest.raises(BlobMissing):
        store.read(address, 0, 1)
    assert not (tmp_path / "uploads" / address).exists()  # the parts are discarded
    assert list(store.addresses()) == []
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no temporary left


def test_a_missing_part_fails_finish(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    address, data = material(3 * CHUNK)
    store.put_part(address, 0, data[:CHUNK])
    store.put_part(address, 2 * CHUNK, data[2 * CHUNK:])
    assert store.finish(address, len(data)) is False
    assert not store.has(address)


def test_discard_drops_the_parts_not_a_finished_material(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    address, data = material(100)
    store.put_part(address, 0, data[:50])
    store.discard(address)
    assert not (tmp_path / "uploads" / address).exists()
    store.put(address, data)
    store.discard(address)
    assert store.has(address)


def test_import_stream_checks_the_address(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    address, data = material(CHUNK * 2 + 5)
    source = tmp_path / "source"
    source.write_bytes(data)
    with source.open("rb") as handle:
        assert store.import_stream("0" * 64, handle) is False
    assert not store.has("0" * 64)
    with source.open("rb") as handle:
        assert store.import_stream(address, handle, len(data))
    assert store.read(address, 0, len(data)) == data


def test_a_read_only_folder_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root writes through permissions: a read-only bind is not available here either,
        # so make the store's root a file, which refuses the same way (ENOTDIR)
        root = tmp_path / "blobs"
        root.write_bytes(b"")
        store = FilesystemStore(root)
    else:
        root = tmp_path / "blobs"
        root.mkdir()
        root.chmod(0o500)
        store = FilesystemStore(root)
    address, data = material(10)
    with pytest.raises(BlobStoreUnavailable) as caught:
        store.put(address, data)
    assert caught.value.store == store.label
    with pytest.raises(BlobStoreUnavailable):
        store.put_part(address, 0, data)


WRITER = textwrap.dedent("""
    import hashlib, sys
    from pathlib import Path
    from sync.hub.blobs_fs import FilesystemStore
    root, size = Path(sys.argv[1]), int(sys.argv[2])
    data = (hashlib.sha256(b"1").digest() * (size // 32 + 1))[:size]
    address = hashlib.sha256(data).hexdigest()
    store = FilesystemStore(root)
    print(address, flush=True)
    for offset in range(0, size, 1 << 18):
        store.put_part(address, offset, data[offset:offset + (1 << 18)])
        print(offset, flush=True)
    sys.stdin.read()  # wait to be killed
""")


def test_parts_written_survive_a_kill_of_the_writer(tmp_path: Path) -> None:
    """kill -9 of a process writing parts: every part it reported durable is whole, no
    part is half written under its name, and the upload completes from there."""
    size = 64 << 18  # 16 MiB in 256 KiB parts
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(size)],
                              stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    address = writer.stdout.readline().strip()
    reported = [int(writer.stdout.readline()) for _ in range(5)]
    os.kill(writer.pid, signal.SIGKILL)  # mid-way through later parts
    writer.wait()
    data = (hashlib.sha256(b"1").digest() * (size // 32 + 1))[:size]
    folder = tmp_path / "uploads" / address
    names = sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())
    assert set(reported) <= set(names)
    for offset in names:  # whatever is under a part's name is that whole part
        assert (folder / str(offset)).read_bytes() == data[offset:offset + (1 << 18)]
    store = FilesystemStore(tmp_path)
    for offset in range(0, size, 1 << 18):
        if offset not in names:
            store.put_part(address, offset, data[offset:offset + (1 << 18)])
    assert store.finish(address, size)
    assert hashlib.sha256(store.read(address, 0, size)).hexdigest() == address
    assert not [p for p in (tmp_path / address[:2] / address[2:4]).iterdir()
                if p.name != address]  # no temporary left beside the material


def test_the_blobs_option(tmp_path: Path) -> None:
    default = open_blob_store(None, tmp_path)
    assert isinstance(default, FilesystemStore) and default.root == tmp_path / "blobs"
    other = open_blob_store(f"file://{tmp_path}/elsewhere", tmp_path)
    assert isinstance(other, FilesystemStore) and other.root == tmp_path / "elsewhere"
    for wrong in ("ftp://x/y", "file://host/x", "s3://key:secret@bucket/p", "s3:///nobucket"):
        with pytest.raises(BlobStoreConfigInvalid) as caught:
            open_blob_store(wrong, tmp_path)
        assert "secret" not in str(caught.value)
