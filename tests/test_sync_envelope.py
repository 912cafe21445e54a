"""The event envelope: round trip, tampering, malformed bytes, chains, frozen vector.

Regenerate the frozen vector (only for a new format version; add v2 beside v1)::

    PYTHONPATH=. .venv/bin/python tests/test_sync_envelope.py
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keys.errors import BadSignature
from keys.seal import Recipient, open_sealed, seal
from sync.envelope import (
    ZERO_HASH,
    BrokenLink,
    ChainFork,
    ChainGap,
    Envelope,
    Header,
    build_envelope,
    check_chain,
    envelope_hash,
    parse_envelope,
    verify_envelope,
)
from sync.errors import EnvelopeMalformed, SyncError
from sync.hlc import Timestamp

VECTOR = Path(__file__).parent / "data" / "sync" / "envelope-v1.json"
NODE = "450981000001"
KEY_ID = "node:450981000001"


def _seed(label: str) -> bytes:
    return hashlib.sha256(label.encode("utf-8")).digest()


SIGNING_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(_seed("envelope-v1/signing"))
PUBLIC_KEY = SIGNING_KEY.public_key()
OFFICE = x25519.X25519PrivateKey.from_private_bytes(_seed("envelope-v1/office"))
ARCHIVE = x25519.X25519PrivateKey.from_private_bytes(_seed("envelope-v1/archive"))
READERS = [
    Recipient("office:450981", OFFICE.public_key()),
    Recipient("archive:450981", ARCHIVE.public_key()),
]
PLAINTEXT = json.dumps({"申请人": "张三", "事项": "低保申请"}, ensure_ascii=False).encode()


def make_header(seq: int = 1, prev: str = ZERO_HASH, **changes: object) -> Header:
    fields: dict[str, object] = {
        "event_id": hashlib.md5(f"event-{seq}".encode()).hexdigest(),
        "node": NODE,
        "seq": seq,
        "prev": prev,
        "case_no": "450981-2025-000017",
        "matter": "MZ-001",
        "type": "case.filed",
        "hlc": str(Timestamp(1_750_000_000_000 + seq, 0, NODE)),
        "author": "王会计",
        "recipients": tuple(r.id for r in READERS),
        "materials": ("sha256:" + "ab" * 32,),
    }
    fields.update(changes)
    return Header(**fields)  # type: ignore[arg-type]


def sealed() -> bytes:
    return seal(PLAINTEXT, READERS)


def make_envelope(seq: int = 1, prev: str = ZERO_HASH, **changes: object) -> bytes:
    return build_envelope(make_header(seq, prev, **changes), sealed(), SIGNING_KEY, KEY_ID)


def test_round_trip_builds_parses_and_verifies() -> None:
    payload = sealed()
    header = make_header()
    raw = build_envelope(header, payload, SIGNING_KEY, KEY_ID)
    envelope = parse_envelope(raw)
    assert envelope.header == header
    assert envelope.payload == payload
    assert envelope.raw == raw
    assert envelope.signed_part + envelope.signature == raw
    assert envelope.key_id == KEY_ID
    assert envelope.hash == envelope_hash(raw) == hashlib.sha256(raw).hexdigest()
    verify_envelope(envelope, PUBLIC_KEY)
    assert open_sealed(envelope.payload, {"office:450981": OFFICE}) == PLAINTEXT


def test_header_is_canonical_utf8_json() -> None:
    raw = make_envelope()
    length = int.from_bytes(raw[5:9], "big")
    text = raw[9 : 9 + length].decode("utf-8")
    assert "王会计" in text and " " not in text
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_another_key_does_not_verify() -> None:
    other = ed25519.Ed25519PrivateKey.from_private_bytes(_seed("someone else"))
    with pytest.raises(BadSignature):
        verify_envelope(parse_envelope(make_envelope()), other.public_key())


def small_envelope() -> bytes:
    one = [Recipient("o", OFFICE.public_key())]
    header = make_header(recipients=("o",), materials=(), case_no=None, matter=None)
    return build_envelope(header, seal(b"x", one), SIGNING_KEY, "k")


SMALL = small_envelope()


def parse_and_verify(data: bytes) -> Envelope:
    envelope = parse_envelope(data)
    verify_envelope(envelope, PUBLIC_KEY)
    return envelope


def test_every_byte_flip_is_caught() -> None:
    for index in range(len(SMALL)):
        for mask in (0x01, 0x80):
            data = bytearray(SMALL)
            data[index] ^= mask
            with pytest.raises((EnvelopeMalformed, BadSignature)):
                parse_and_verify(bytes(data))


def test_every_truncation_is_malformed() -> None:
    for end in range(len(SMALL)):
        with pytest.raises(EnvelopeMalformed):
            parse_envelope(SMALL[:end])


def test_trailing_bytes_are_caught() -> None:
    with pytest.raises((EnvelopeMalformed, BadSignature)):
        parse_and_verify(SMALL + b"\x00")


def resign(header_json: bytes, payload: bytes) -> bytes:
    """An envelope around any header bytes, validly signed (a lying author)."""
    from keys.sign import sign

    signed = (
        b"BMEV\x01" + len(header_json).to_bytes(4, "big") + header_json
        + len(payload).to_bytes(4, "big") + payload
    )
    return signed + sign(signed, SIGNING_KEY, KEY_ID)


def test_a_header_lying_about_recipients_is_malformed() -> None:
    payload = sealed()
    lying = dataclasses.replace(make_header(), recipients=("office:450981",))
    with pytest.raises(EnvelopeMalformed):
        build_envelope(lying, payload, SIGNING_KEY, KEY_ID)
    with pytest.raises(EnvelopeMalformed) as caught:
        parse_envelope(resign(lying.to_json(), payload))
    assert isinstance(caught.value, SyncError)
    assert "接收方" in str(caught.value)
    reordered = dataclasses.replace(make_header(), recipients=("archive:450981", "office:450981"))
    with pytest.raises(EnvelopeMalformed):
        parse_envelope(resign(reordered.to_json(), payload))


def test_a_payload_that_is_not_sealed_is_malformed() -> None:
    with pytest.raises(EnvelopeMalformed):
        parse_envelope(resign(make_header().to_json(), PLAINTEXT))


def header_dict() -> dict[str, object]:
    value: dict[str, object] = json.loads(make_header().to_json())
    return value


@pytest.mark.parametrize(
    "changes",
    [
        {"node": "45098100001"},
        {"node": "45098100000a"},
        {"seq": 0},
        {"seq": True},
        {"seq": 1.0},
        {"seq": 2**63},
        {"prev": "00"},
        {"prev": "g" * 64},
        {"prev": "ab" * 32},  # seq 1 must point at nothing
        {"type": ""},
        {"type": "Case.Filed"},
        {"type": "案件.受理"},
        {"hlc": "yesterday"},
        {"hlc": str(Timestamp(1, 0, "450981000002"))},  # another node's clock
        {"event_id": "not-a-uuid"},
        {"author": ""},
        {"case_no": 17},
        {"matter": ""},
        {"recipients": "office:450981"},
        {"materials": [1]},
        {"materials": [""]},
        {"extra": 1},
    ],
)
def test_invalid_header_fields_are_malformed(changes: dict[str, object]) -> None:
    value = {**header_dict(), **changes}
    header_json = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    with pytest.raises(EnvelopeMalformed):
        parse_envelope(resign(header_json.encode(), sealed()))


@pytest.mark.parametrize(
    "header_json",
    [
        b"",
        b"[]",
        b"\xff",
        b"[" * 100_000,
        json.dumps(header_dict(), sort_keys=True).encode(),  # spaces
        json.dumps(header_dict(), sort_keys=True, separators=(",", ":")).encode(),  # \u escapes
        json.dumps(  # unsorted
            dict(reversed(header_dict().items())), ensure_ascii=False, separators=(",", ":")
        ).encode(),
    ],
)
def test_non_canonical_headers_are_malformed(header_json: bytes) -> None:
    with pytest.raises(EnvelopeMalformed):
        parse_envelope(resign(header_json, sealed()))


def test_wrong_magic_version_or_type_is_malformed() -> None:
    for data in (b"XXXX" + SMALL[4:], SMALL[:4] + b"\x02" + SMALL[5:]):
        with pytest.raises(EnvelopeMalformed):
            parse_envelope(data)
    with pytest.raises(EnvelopeMalformed):
        parse_envelope("BMEV")  # type: ignore[arg-type]
    assert parse_envelope(bytearray(SMALL)).raw == SMALL


@settings(max_examples=300)
@given(st.binary(max_size=600))
def test_random_bytes_are_only_ever_malformed(data: bytes) -> None:
    with pytest.raises(EnvelopeMalformed):
        parse_envelope(b"BMEV\x01" + data)
    with pytest.raises(EnvelopeMalformed):
        parse_envelope(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, len(SMALL) - 1), st.integers(1, 255)), min_size=1, max_size=6
    ),
    st.integers(0, len(SMALL)),
    st.binary(max_size=8),
)
def test_mutated_envelopes_never_pass_nor_raise_anything_else(
    flips: list[tuple[int, int]], cut: int, tail: bytes
) -> None:
    data = bytearray(SMALL)
    for index, mask in flips:
        data[index] ^= mask
    mutated = bytes(data[:cut]) + tail
    if mutated == SMALL:
        return
    with pytest.raises((EnvelopeMalformed, BadSignature)):
        parse_and_verify(mutated)


def chain(length: int) -> list[Envelope]:
    envelopes: list[Envelope] = []
    prev = ZERO_HASH
    for seq in range(1, length + 1):
        envelope = parse_envelope(make_envelope(seq, prev))
        envelopes.append(envelope)
        prev = envelope.hash
    return envelopes


def test_an_intact_chain_has_no_problems() -> None:
    envelopes = chain(4)
    assert check_chain(envelopes) == []
    assert check_chain(list(reversed(envelopes)) + envelopes[:1]) == []
    assert check_chain([]) == []
    assert check_chain(envelopes[2:], from_seq=3, prev_hash=envelopes[1].hash) == []


def test_a_gap_is_reported() -> None:
    envelopes = chain(6)
    problems = check_chain(envelopes[:2] + envelopes[4:])
    assert problems == [ChainGap(NODE, 3, 4)]
    assert check_chain(envelopes[1:]) == [ChainGap(NODE, 1, 1)]


def test_a_fork_reports_both_hashes() -> None:
    envelopes = chain(3)
    rewritten = parse_envelope(make_envelope(2, envelopes[0].hash, author="另一人"))
    problems = check_chain([*envelopes, rewritten])
    assert problems == [
        ChainFork(NODE, 2, tuple(sorted((envelopes[1].hash, rewritten.hash))))
    ]


def test_a_broken_link_is_reported() -> None:
    envelopes = chain(2)
    stray = parse_envelope(make_envelope(3, "cd" * 32))
    assert check_chain([*envelopes, stray]) == [
        BrokenLink(NODE, 3, "cd" * 32, (envelopes[1].hash,))
    ]
    assert check_chain(envelopes[1:], from_seq=2, prev_hash="ef" * 32) == [
        BrokenLink(NODE, 2, envelopes[0].hash, ("ef" * 32,))
    ]


def test_problems_are_frozen_values() -> None:
    gap = ChainGap(NODE, 3, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        gap.first = 1  # type: ignore[misc]
    assert {gap, ChainGap(NODE, 3, 4)} == {gap}


def test_check_chain_takes_one_node() -> None:
    one = parse_envelope(make_envelope(1))
    other_node = "450981000002"
    other = parse_envelope(
        make_envelope(1, node=other_node, hlc=str(Timestamp(1, 0, other_node)))
    )
    with pytest.raises(ValueError):
        check_chain([one, other])


def build_vector() -> dict[str, object]:
    header = make_header(
        seq=2, prev="5a" * 32, materials=("sha256:" + "0f" * 32, "sha256:" + "e1" * 32)
    )
    payload = sealed()
    raw = build_envelope(header, payload, SIGNING_KEY, KEY_ID)
    return {
        "comment": "format 1 event envelope; keys derive from sha256 of the labels",
        "signing_seed_label": "envelope-v1/signing",
        "office_seed_label": "envelope-v1/office",
        "key_id": KEY_ID,
        "plaintext_b64": base64.b64encode(PLAINTEXT).decode(),
        "sealed_payload_b64": base64.b64encode(payload).decode(),
        "header": json.loads(header.to_json()),
        "envelope_b64": base64.b64encode(raw).decode(),
        "envelope_sha256": envelope_hash(raw),
    }


def test_frozen_vector_still_parses_and_verifies() -> None:
    vector = json.loads(VECTOR.read_text(encoding="utf-8"))
    raw = base64.b64decode(vector["envelope_b64"])
    envelope = parse_envelope(raw)
    verify_envelope(envelope, PUBLIC_KEY)
    assert envelope.key_id == vector["key_id"]
    assert envelope_hash(raw) == vector["envelope_sha256"]
    assert json.loads(envelope.header.to_json()) == vector["header"]
    assert envelope.payload == base64.b64decode(vector["sealed_payload_b64"])
    assert open_sealed(envelope.payload, {"office:450981": OFFICE}) == base64.b64decode(
        vector["plaintext_b64"]
    )


def test_writer_still_produces_the_frozen_bytes() -> None:
    vector = json.loads(VECTOR.read_text(encoding="utf-8"))
    value = dict(vector["header"])
    value["recipients"] = tuple(value["recipients"])
    value["materials"] = tuple(value["materials"])
    raw = build_envelope(
        Header(**value), base64.b64decode(vector["sealed_payload_b64"]), SIGNING_KEY, KEY_ID
    )
    assert base64.b64encode(raw).decode() == vector["envelope_b64"]


if __name__ == "__main__":
    VECTOR.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(build_vector(), ensure_ascii=False, indent=2, sort_keys=True)
    VECTOR.write_text(text + "\n", encoding="utf-8")


def test_a_case_number_belongs_to_its_node() -> None:
    from sync.problems import CaseNumberNotOwn
    from sync.rules import check_case_number

    check_case_number(make_header(case_no=f"{NODE}-20261205-0001"))  # its own: fine
    check_case_number(make_header(type="case.claimed", case_no="450981104000-20261205-0901"))
    with pytest.raises(CaseNumberNotOwn):
        check_case_number(make_header(case_no="450981104000-20261205-0901"))
