"""The behaviour every ``BlobStore`` owes the hub, as checks over a store factory.

Each check takes ``make_store``: a callable returning a fresh, empty store (its own
folder, bucket or prefix).  A test module runs them all over its store with::

    @pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
    def test_behaviour(check, make_store):
        check(make_store)

Only the Protocol is used, so the same checks hold for the filesystem store and the
S3 store alike.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable

import pytest

from sync.hub.blobs import BlobMissing, BlobStore

MakeStore = Callable[[], BlobStore]


def material(size: int, seed: int = 0) -> tuple[str, bytes]:
    data = (hashlib.sha256(f"{seed}".encode()).digest() * (size // 32 + 1))[:size]
    if size:
        data = bytes([seed % 256]) + data[1:]
    return hashlib.sha256(data).hexdigest(), data


def upload(store: BlobStore, address: str, data: bytes, chunk: int) -> None:
    for offset in range(0, len(data), chunk):
        store.put_part(address, offset, data[offset:offset + chunk])


def check_put_read_has(make_store: MakeStore) -> None:
    store = make_store()
    address, data = material(1000, seed=1)
    assert not store.has(address)
    store.put(address, data)
    assert store.has(address)
    assert store.read(address, 0, 1000) == data
    assert store.read(address, 0, 10) == data[:10]
    assert store.read(address, 990, 100) == data[990:]  # up to length: the rest
    assert store.read(address, 500, 7) == data[500:507]
    assert store.read(address, 1000, 10) == b""  # past the end
    assert store.read(address, 5000, 10) == b""
    store.put(address, data)  # again: changes nothing
    assert store.read(address, 0, 2000) == data
    assert isinstance(store.label, str) and store.label


def check_read_missing(make_store: MakeStore) -> None:
    store = make_store()
    address, _ = material(10, seed=2)
    with pytest.raises(BlobMissing) as raised:
        store.read(address, 0, 10)
    assert raised.value.address == address
    with pytest.raises(BlobMissing):
        store.read(address, 0, 0)


def check_empty_material(make_store: MakeStore) -> None:
    store = make_store()
    address, data = material(0)
    store.put(address, data)
    assert store.has(address)
    assert store.read(address, 0, 100) == b""


def check_parts_then_finish(make_store: MakeStore) -> None:
    store = make_store()
    address, data = material(2500, seed=3)
    for offset in (2000, 0, 1000):  # any order: the offsets say where each goes
        store.put_part(address, offset, data[offset:offset + 1000])
    assert not store.has(address)  # parts are not a material
    assert address not in set(store.addresses())
    assert store.finish(address, 2500)
    assert store.has(address)
    assert store.read(address, 0, 5000) == data
    assert store.read(address, 1999, 3) == data[1999:2002]
    assert list(store.addresses()) == [address]
    assert store.finish(address, 2500)  # again, parts gone: it is held


def check_part_written_again_replaces(make_store: MakeStore) -> None:
    store = make_store()
    address, data = material(2000, seed=4)
    store.put_part(address, 0, b"x" * 1000)
    store.put_part(address, 1000, data[1000:])
    store.put_part(address, 0, data[:1000])  # the resend of a cut chunk
    assert store.finish(address, 2000)
    assert store.read(address, 0, 2000) == data


def check_finish_corrupted(make_store: MakeStore) -> None:
    store = make_store()
    address, data = material(3000, seed=5)
    broken = data[:1500] + bytes([data[1500] ^ 1]) + data[1501:]
    upload(store, address, broken, 1000)
    assert not store.finish(address, 3000)
    assert not store.has(address)
    with pytest.raises(BlobMissing):
        store.read(address, 0, 10)
    assert list(store.addresses()) == []
    assert not store.finish(address, 3000)  # the parts are gone: nothing to assemble
    upload(store, address, data, 1000)  # a fresh upload of the right bytes still works
    assert store.finish(address, 3000)
    assert store.read(address, 0, 3000) == data


def check_finish_with_a_gap_or_short(make_store: MakeStore) -> None:
    store = make_store()
    address, data = material(3000, seed=6)
    store.put_part(address, 0, data[:1000])
    store.put_part(address, 2000, data[2000:])
    assert not store.finish(address, 3000)  # the middle chunk never came
    assert not store.has(address)
    store.put_part(address, 0, data[:1000])
    store.put_part(address, 1000, data[1000:2000])
    assert not store.finish(address, 3000)  # the last one never came
    assert not store.has(address)


def check_discard(make_store: MakeStore) -> None:
    store = make_store()
    address, data = material(2000, seed=7)
    upload(store, address, data, 1000)
    store.discard(address)
    assert not store.finish(address, 2000)  # nothing left to assemble
    store.discard(address)  # nothing to drop: fine
    other, other_data = material(100, seed=8)
    store.put(other, other_data)
    store.discard(other)  # a finished material is not an upload: it stays
    assert store.read(other, 0, 100) == other_data


def check_addresses(make_store: MakeStore) -> None:
    store = make_store()
    held = set()
    for seed in range(10, 16):
        address, data = material(50 + seed, seed=seed)
        store.put(address, data)
        held.add(address)
    pending, pending_data = material(2000, seed=99)
    store.put_part(pending, 0, pending_data[:1000])  # an upload in progress: not listed
    listed = list(store.addresses())
    assert sorted(listed) == sorted(held)
    assert len(listed) == len(held)


def check_threads(make_store: MakeStore) -> None:
    """One store shared by threads, as by a hub's request threads."""
    store = make_store()
    problems: list[BaseException] = []
    made = [material(3000 + seed, seed=seed) for seed in range(20, 28)]

    def work(address: str, data: bytes) -> None:
        try:
            upload(store, address, data, 1024)
            assert store.finish(address, len(data))
            assert store.read(address, 0, len(data)) == data
        except BaseException as error:  # reported below, in the test's thread
            problems.append(error)

    threads = [threading.Thread(target=work, args=pair) for pair in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    assert sorted(store.addresses()) == sorted(address for address, _ in made)


def check_random_material(make_store: MakeStore) -> None:
    store = make_store()
    data = os.urandom(70_000)
    address = hashlib.sha256(data).hexdigest()
    upload(store, address, data, 16_384)
    assert store.finish(address, len(data))
    assert store.read(address, 65_536, 16_384) == data[65_536:]


CHECKS = [
    check_put_read_has, check_read_missing, check_empty_material, check_parts_then_finish,
    check_part_written_again_replaces, check_finish_corrupted,
    check_finish_with_a_gap_or_short, check_discard, check_addresses, check_threads,
    check_random_material,
]
