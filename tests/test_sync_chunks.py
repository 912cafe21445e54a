"""Resumable material upload: exact hub answers, and reassembly across lost connections."""

from __future__ import annotations

import hashlib
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.chunks import (
    CHUNK,
    MAX_MATERIAL,
    Appended,
    BadChunk,
    ChunkResult,
    Complete,
    TooLarge,
    WrongOffset,
    accept_chunk,
    chunk_plan,
)
from sync.errors import UploadOffsetInvalid


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_chunk_plan() -> None:
    assert chunk_plan(2 * CHUNK + 5, 0) == [(0, CHUNK), (CHUNK, CHUNK), (2 * CHUNK, 5)]
    assert chunk_plan(2 * CHUNK + 5, CHUNK + 7) == [(CHUNK + 7, CHUNK - 2)]
    assert chunk_plan(10, 4, chunk=4) == [(4, 4), (8, 2)]
    assert chunk_plan(10, 10) == []
    assert chunk_plan(0, 0) == []


@pytest.mark.parametrize(("size", "offset"), [(10, 11), (10, -1)])
def test_chunk_plan_refuses_an_offset_outside_the_material(size: int, offset: int) -> None:
    with pytest.raises(UploadOffsetInvalid) as caught:
        chunk_plan(size, offset)
    assert caught.value.params == {"offset": offset, "size": size}


def test_hub_answers() -> None:
    data = b"abcd"
    assert accept_chunk(0, 0, data, sha(data), 10) == Appended(4)
    assert accept_chunk(4, 4, data, sha(data).upper(), 10) == Appended(8)
    assert accept_chunk(8, 8, b"ef", sha(b"ef"), 10) == Complete(10)
    assert accept_chunk(4, 0, data, sha(data), 10) == WrongOffset(4)  # the 409
    assert accept_chunk(4, 8, data, sha(data), 10) == WrongOffset(4)
    assert accept_chunk(4, 4, data, sha(b"abce"), 10) == BadChunk()
    assert accept_chunk(8, 8, data, sha(data), 10) == TooLarge(10)
    assert accept_chunk(0, 0, data, sha(data), MAX_MATERIAL + 1) == TooLarge(MAX_MATERIAL)
    assert accept_chunk(0, 0, b"", sha(b""), 0) == Complete(0)


def test_a_full_size_chunk() -> None:
    data = bytes(range(256)) * (CHUNK // 256)
    assert accept_chunk(0, 0, data, sha(data), CHUNK + 1) == Appended(CHUNK)
    assert accept_chunk(0, 0, data, sha(data), CHUNK) == Complete(CHUNK)


def resume_at(result: ChunkResult) -> int:
    if isinstance(result, WrongOffset):
        return result.expected_offset
    if isinstance(result, Complete):
        return result.total
    assert isinstance(result, Appended)
    return result.new_offset


# A cut: the connection drops after `delivered` chunks went through; the chunk in
# flight then reached the hub or not (its answer is lost either way); on
# reconnecting the client asks the hub for its offset, or just resumes from the
# last offset it knew and is corrected by a 409.
CUTS = st.lists(st.tuples(st.integers(0, 6), st.booleans(), st.booleans()), max_size=8)


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 60), chunk=st.integers(1, 9), seed=st.integers(0, 2**32),
       cuts=CUTS)
def test_upload_survives_any_cuts(size: int, chunk: int, seed: int,
                                  cuts: list[tuple[int, bool, bool]]) -> None:
    data = random.Random(seed).randbytes(size)
    hub = bytearray()
    sent: Counter[int] = Counter()
    results: list[ChunkResult] = []

    def send(start: int, length: int) -> ChunkResult:
        piece = data[start:start + length]
        sent[start] += 1
        result = accept_chunk(len(hub), start, piece, sha(piece), size)
        if isinstance(result, (Appended, Complete)):
            hub.extend(piece)
        results.append(result)
        return result

    known = 0  # the offset the client last heard of
    for delivered, reached_hub, asks in [*cuts, (-1, False, False)]:  # -1: no cut at the end
        offset = known
        while delivered != 0:
            plan = chunk_plan(size, offset, chunk=chunk)
            if not plan:
                break
            result = send(*plan[0])
            offset = known = resume_at(result)
            delivered -= 1
        plan = chunk_plan(size, offset, chunk=chunk)
        if delivered == 0 and plan:  # the connection drops with this chunk in flight
            if reached_hub:
                send(*plan[0])
            else:
                sent[plan[0][0]] += 1
        if asks:
            known = len(hub)

    assert bytes(hub) == data
    assert Complete(size) in results
    assert sum(count - 1 for count in sent.values()) <= len(cuts)
