"""Sealing to several readers: round trips, readers and outsiders, tampering, frozen vectors.

tests/data/keys/seal-v1.json was produced once by ``build_seal_vectors`` with
fixed keys and seeded content keys, and committed.  HPKE draws its own
ephemeral keys, so regenerating gives different wrapped keys: the vectors pin
the reader (``test_seal_vectors_open``) and, through ``assemble``, every byte
the writer frames around the wraps (``test_writer_still_frames_the_frozen_bytes``).
After a deliberate format change add seal-v2.json beside v1; do not regenerate.

Regenerate (only for a new format version)::

    PYTHONPATH=. .venv/bin/python tests/test_keys_seal.py
"""

from __future__ import annotations

import base64
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from hypothesis import given, settings
from hypothesis import strategies as st
from seeded import SeededRandom
from test_keys_vectors import _write_json

from keys import suites
from keys.errors import (
    DecryptionFailed,
    InvalidKey,
    KeysError,
    NotARecipient,
    SuiteNotSupported,
    UnknownSuite,
)
from keys.seal import (
    MAGIC,
    Recipient,
    assemble,
    key_commitment,
    open_sealed,
    parse_header,
    recipients_of,
    seal,
    wrap_info,
)
from keys.suites import (
    SEAL_HYBRID,
    SEAL_X25519,
    generate_sealing_key,
    load_private,
    load_public,
    private_bytes,
    public_bytes,
)

DATA = Path(__file__).parent / "data" / "keys"
OFFICE = "office:450981104000:民政办:1"
ARCHIVE = "archive:450981000000:1"
OTHER = "office:450981105000:民政办:1"
SUITES = (SEAL_X25519, SEAL_HYBRID)
PRIVATE_LENGTH = {SEAL_X25519: 32, SEAL_HYBRID: 96}
PUBLIC_LENGTH = {SEAL_X25519: 32, SEAL_HYBRID: 1216}
EVENT = '{"事项":"临时救助","申请人":"张三","金额":"800.00"}'.encode()
EVENT_AAD = b"bianmin-event\x1f450981104201\x1f1042"

KEYS = {suite: {rid: generate_sealing_key(suite) for rid in (OFFICE, ARCHIVE, OTHER)}
        for suite in SUITES}


def public(suite: str, *ids: str) -> list[Recipient]:
    return [Recipient(rid, KEYS[suite][rid][1]) for rid in ids]


def private(suite: str, *ids: str) -> dict[str, object]:
    return {rid: KEYS[suite][rid][0] for rid in ids}


def header_of(sealed: bytes) -> dict[str, Any]:
    (size,) = struct.unpack_from(">I", sealed, 4)
    value: dict[str, Any] = json.loads(sealed[8 : 8 + size])
    return value


def reframe(sealed: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    """The same body under a header changed by ``change``, re-encoded canonically."""
    header = header_of(sealed)
    body = sealed[parse_header(sealed).length :]
    change(header)
    raw = json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return MAGIC + struct.pack(">I", len(raw)) + raw + body


# -- round trips ----------------------------------------------------------------------


@settings(deadline=None)
@given(
    payload=st.sampled_from([b"", b"x", EVENT]) | st.binary(max_size=3000),
    aad=st.binary(max_size=40),
    suite=st.sampled_from(SUITES),
)
def test_round_trip_any_payload(payload: bytes, aad: bytes, suite: str) -> None:
    sealed = seal(payload, public(suite, OFFICE, ARCHIVE), suite, aad)
    assert recipients_of(sealed) == [OFFICE, ARCHIVE]
    assert open_sealed(sealed, private(suite, OFFICE), aad) == payload
    assert open_sealed(sealed, private(suite, ARCHIVE), aad) == payload


@pytest.mark.parametrize("suite", SUITES)
def test_layout(suite: str) -> None:
    sealed = seal(EVENT, public(suite, OFFICE, ARCHIVE), suite, EVENT_AAD)
    header = header_of(sealed)
    assert sealed[:4] == b"BMSL"
    assert sorted(header) == ["commit", "recipients", "suite", "v"]
    assert header["v"] == 1 and header["suite"] == suite
    assert [entry["id"] for entry in header["recipients"]] == [OFFICE, ARCHIVE]
    wrapped = suites.seal_suite(suite).wrapped_length
    assert all(len(base64.b64decode(e["key"])) == wrapped for e in header["recipients"])
    parsed = parse_header(sealed)
    assert len(sealed) == parsed.length + len(EVENT) + 16
    assert "民政办" in sealed[8 : parsed.length].decode("utf-8")  # ids readable, not escaped


def test_bytearray_and_memoryview_are_accepted() -> None:
    sealed = seal(memoryview(EVENT), public(SEAL_X25519, OFFICE), aad=bytearray(EVENT_AAD))
    keyring = private(SEAL_X25519, OFFICE)
    assert open_sealed(bytearray(sealed), keyring, memoryview(EVENT_AAD)) == EVENT
    assert recipients_of(memoryview(sealed)) == [OFFICE]


def test_each_payload_gets_a_fresh_content_key() -> None:
    first = seal(EVENT, public(SEAL_X25519, OFFICE))
    second = seal(EVENT, public(SEAL_X25519, OFFICE))
    assert header_of(first)["commit"] != header_of(second)["commit"]
    assert first[-len(EVENT) - 16 :] != second[-len(EVENT) - 16 :]


# -- readers and outsiders ------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_only_listed_recipients_open(suite: str) -> None:
    sealed = seal(EVENT, public(suite, OFFICE, ARCHIVE), suite)
    assert open_sealed(sealed, private(suite, OFFICE)) == EVENT
    assert open_sealed(sealed, private(suite, ARCHIVE, OTHER)) == EVENT
    for keyring in (private(suite, OTHER), {}):
        with pytest.raises(NotARecipient) as raised:
            open_sealed(sealed, keyring, what="事件")
        assert OFFICE in str(raised.value) and ARCHIVE in str(raised.value)
        assert "事件" in str(raised.value)


@pytest.mark.parametrize("suite", SUITES)
def test_wrong_key_under_a_listed_id_fails(suite: str) -> None:
    sealed = seal(EVENT, public(suite, OFFICE, ARCHIVE), suite)
    other_suite = SEAL_HYBRID if suite == SEAL_X25519 else SEAL_X25519
    for wrong in (KEYS[suite][OTHER][0], KEYS[other_suite][OFFICE][0], b"not a key", None):
        with pytest.raises(DecryptionFailed):
            open_sealed(sealed, {OFFICE: wrong})
    # A wrong key is skipped when another listed id of the keyring opens.
    assert open_sealed(sealed, {OFFICE: KEYS[suite][OTHER][0], **private(suite, ARCHIVE)}) == EVENT


@pytest.mark.parametrize("suite", SUITES)
def test_other_associated_data_fails(suite: str) -> None:
    sealed = seal(EVENT, public(suite, OFFICE), suite, EVENT_AAD)
    for aad in (b"", EVENT_AAD + b"x", EVENT_AAD[:-1]):
        with pytest.raises(DecryptionFailed):
            open_sealed(sealed, private(suite, OFFICE), aad)


# -- tampering ----------------------------------------------------------------------------


def small_sealed(suite: str) -> bytes:
    return seal(b"800.00", [Recipient("a", KEYS[suite][OFFICE][1]),
                            Recipient("b", KEYS[suite][ARCHIVE][1])], suite, b"ctx")


@pytest.mark.parametrize("suite", SUITES)
def test_every_byte_flip_fails(suite: str) -> None:
    sealed = small_sealed(suite)
    keyrings = [{"a": KEYS[suite][OFFICE][0]}, {"a": KEYS[suite][OFFICE][0],
                                                "b": KEYS[suite][ARCHIVE][0]}]
    for position in range(len(sealed)):
        for mask in (0x01, 0x80):
            altered = bytearray(sealed)
            altered[position] ^= mask
            for keyring in keyrings:
                with pytest.raises((DecryptionFailed, NotARecipient)):
                    open_sealed(bytes(altered), keyring, b"ctx")


@pytest.mark.parametrize("suite", SUITES)
def test_truncation_and_extension_fail(suite: str) -> None:
    sealed = small_sealed(suite)
    keyring = {"a": KEYS[suite][OFFICE][0]}
    for end in range(len(sealed)):
        with pytest.raises(DecryptionFailed):
            open_sealed(sealed[:end], keyring, b"ctx")
    for extra in (b"\x00", b"x" * 16):
        with pytest.raises(DecryptionFailed):
            open_sealed(sealed + extra, keyring, b"ctx")


@pytest.mark.parametrize("suite", SUITES)
def test_header_spliced_onto_another_body_fails(suite: str) -> None:
    first = seal(EVENT, public(suite, OFFICE, ARCHIVE), suite)
    second = seal(EVENT, public(suite, OFFICE), suite)
    third = seal(EVENT, public(suite, OFFICE, ARCHIVE), suite)
    for head_of, body_of in ((first, second), (second, first), (first, third)):
        spliced = head_of[: parse_header(head_of).length] + body_of[parse_header(body_of).length :]
        with pytest.raises(DecryptionFailed):
            open_sealed(spliced, private(suite, OFFICE, ARCHIVE))


def _swap_order(header: dict[str, Any]) -> None:
    header["recipients"].reverse()


def _swap_keys(header: dict[str, Any]) -> None:
    first, second = header["recipients"]
    first["key"], second["key"] = second["key"], first["key"]


def _drop_archive(header: dict[str, Any]) -> None:
    header["recipients"].pop()


def _add_other(header: dict[str, Any]) -> None:
    header["recipients"].append({"id": OTHER, "key": header["recipients"][0]["key"]})


def _rename_office(header: dict[str, Any]) -> None:
    header["recipients"][0]["id"] = OTHER


def _new_commitment(header: dict[str, Any]) -> None:
    header["commit"] = base64.b64encode(key_commitment(bytes(32))).decode()


def _newer_version(header: dict[str, Any]) -> None:
    header["v"] = 2


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize(
    "change",
    [_swap_order, _swap_keys, _drop_archive, _add_other, _rename_office, _new_commitment,
     _newer_version],
)
def test_changing_the_recipient_list_fails(suite: str, change: Callable[[dict[str, Any]], None],
                                           ) -> None:
    sealed = seal(EVENT, public(suite, OFFICE, ARCHIVE), suite)
    altered = reframe(sealed, change)
    everyone = private(suite, OFFICE, ARCHIVE, OTHER)
    for rid in (OFFICE, ARCHIVE, OTHER):
        with pytest.raises((DecryptionFailed, NotARecipient)):
            open_sealed(altered, {rid: everyone[rid]})
    with pytest.raises(DecryptionFailed):
        open_sealed(altered, everyone)


def test_a_wrap_moved_to_another_id_does_not_open() -> None:
    sealed = seal(EVENT, public(SEAL_X25519, OFFICE, ARCHIVE))

    def office_wrap_under_other(header: dict[str, Any]) -> None:
        header["recipients"][1]["id"] = OTHER
        header["recipients"][1]["key"] = header["recipients"][0]["key"]

    altered = reframe(sealed, office_wrap_under_other)
    with pytest.raises(DecryptionFailed):
        open_sealed(altered, {OTHER: KEYS[SEAL_X25519][OFFICE][0]})


@pytest.mark.parametrize("suite", SUITES)
def test_changing_the_suite_fails(suite: str) -> None:
    sealed = seal(EVENT, public(suite, OFFICE), suite)
    other = SEAL_HYBRID if suite == SEAL_X25519 else SEAL_X25519

    def to_other(header: dict[str, Any]) -> None:
        header["suite"] = other

    def to_sm2(header: dict[str, Any]) -> None:
        header["suite"] = "hpke-sm2-sm3-sm4"

    keyring = {OFFICE: KEYS[suite][OFFICE][0]}
    with pytest.raises(DecryptionFailed):
        open_sealed(reframe(sealed, to_other), keyring)
    with pytest.raises(DecryptionFailed):
        open_sealed(reframe(sealed, to_other), {OFFICE: KEYS[other][OFFICE][0]})
    with pytest.raises(SuiteNotSupported) as raised:
        open_sealed(reframe(sealed, to_sm2), keyring, what="事件")
    assert "hpke-sm2-sm3-sm4" in str(raised.value) and isinstance(raised.value, DecryptionFailed)


def test_wraps_of_different_content_keys_are_refused() -> None:
    """A writer cannot show two readers two payloads: the content key is committed."""
    suite = suites.seal_suite(SEAL_X25519)
    committed, other = os.urandom(32), os.urandom(32)
    wrapped = [
        (OFFICE, suite.wrap(committed, KEYS[SEAL_X25519][OFFICE][1], wrap_info(suite.id, OFFICE))),
        (ARCHIVE, suite.wrap(other, KEYS[SEAL_X25519][ARCHIVE][1], wrap_info(suite.id, ARCHIVE))),
    ]
    sealed = assemble(SEAL_X25519, wrapped, committed, EVENT)
    assert open_sealed(sealed, private(SEAL_X25519, OFFICE)) == EVENT
    with pytest.raises(DecryptionFailed):
        open_sealed(sealed, private(SEAL_X25519, ARCHIVE))


def test_non_canonical_headers_are_refused() -> None:
    sealed = seal(EVENT, public(SEAL_X25519, OFFICE))
    parsed = parse_header(sealed)
    raw = sealed[8 : parsed.length]
    for variant in (raw.replace(b",", b", ", 1), raw.replace(b'"v":1', b'"v":1.0'),
                    raw.replace(b":1,", b":1 ,").replace(b'{"commit"', b'{"v":1,"commit"'),
                    raw.replace("民".encode(), b"\\u6c11"), b" " + raw):
        assert variant != raw
        altered = MAGIC + struct.pack(">I", len(variant)) + variant + sealed[parsed.length :]
        with pytest.raises(DecryptionFailed):
            recipients_of(altered)
        with pytest.raises(DecryptionFailed):
            open_sealed(altered, private(SEAL_X25519, OFFICE))


GARBAGE: list[object] = [
    b"", b"BMSL", b"BMSL\x00\x00\x00\x00" + bytes(16), b"BMSL\xff\xff\xff\xff" + bytes(40),
    b"BMSL\x00\x00\x00\x02{}" + bytes(16), b"BMSL\x00\x00\x00\x04null" + bytes(16),
    b"BMSL\x00\x00\x00\x02[]" + bytes(16), b"BMSL\x00\x00\x00\x02\xff\xfe" + bytes(16),
    b"BMSL\x00\x01\x86\xa0" + b"[" * 100_000 + bytes(16),
    "BMSL text", None, 42, [1, 2],
]


@pytest.mark.parametrize("garbage", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_fails_cleanly(garbage: Any) -> None:
    with pytest.raises(DecryptionFailed):
        open_sealed(garbage, private(SEAL_X25519, OFFICE))
    with pytest.raises(DecryptionFailed):
        recipients_of(garbage)


@given(garbage=st.binary(max_size=200), prefix=st.sampled_from([b"", b"BMSL", b"BMSL\x00\x00"]))
def test_random_bytes_fail_cleanly(garbage: bytes, prefix: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        open_sealed(prefix + garbage, private(SEAL_X25519, OFFICE))


@given(header=st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["v", "suite", "recipients", "commit", "id", "key"]), inner, max_size=4),
    max_leaves=12,
))
def test_odd_headers_fail_cleanly(header: Any) -> None:
    raw = json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    sealed = MAGIC + struct.pack(">I", len(raw)) + raw + bytes(20)
    with pytest.raises((DecryptionFailed, NotARecipient)):
        open_sealed(sealed, private(SEAL_X25519, OFFICE))


# -- refused arguments ------------------------------------------------------------------------


def test_programming_errors_are_refused() -> None:
    office = KEYS[SEAL_X25519][OFFICE][1]
    with pytest.raises(ValueError):
        seal(EVENT, [])
    with pytest.raises(ValueError):
        seal(EVENT, [Recipient(OFFICE, office), Recipient(OFFICE, office)])
    for bad_id in ("", "x" * 70_000, "\ud800"):
        with pytest.raises(ValueError):
            seal(EVENT, [Recipient(bad_id, office)])
    with pytest.raises(TypeError):
        seal(EVENT, [Recipient(OFFICE, KEYS[SEAL_HYBRID][OFFICE][1])])
    with pytest.raises(TypeError):
        seal(EVENT, [Recipient(OFFICE, KEYS[SEAL_X25519][OFFICE][0])])
    with pytest.raises(UnknownSuite) as raised:
        seal(EVENT, [Recipient(OFFICE, office)], "hpke-sm2-sm3-sm4")
    assert "hpke-sm2-sm3-sm4" in str(raised.value)
    with pytest.raises(InvalidKey):
        seal(EVENT, [Recipient(OFFICE, x25519.X25519PublicKey.from_public_bytes(bytes(32)))])


# -- keys and suites -------------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_key_bytes_round_trip(suite: str) -> None:
    secret, key = generate_sealing_key(suite)
    assert suites.suite_of_public(key) == suite
    raw_public, raw_private = public_bytes(key), private_bytes(secret)
    assert (len(raw_public), len(raw_private)) == (PUBLIC_LENGTH[suite], PRIVATE_LENGTH[suite])
    assert public_bytes(load_public(suite, raw_public)) == raw_public
    reloaded = load_private(suite, raw_private)
    assert private_bytes(reloaded) == raw_private
    sealed = seal(EVENT, [Recipient(OFFICE, load_public(suite, raw_public))], suite)
    assert open_sealed(sealed, {OFFICE: reloaded}) == EVENT
    assert "hidden" in repr(secret) or "X25519" in repr(secret)


@pytest.mark.parametrize("suite", SUITES)
def test_bad_key_bytes_are_refused(suite: str) -> None:
    for data in (b"", bytes(PUBLIC_LENGTH[suite] - 1), bytes(PUBLIC_LENGTH[suite] + 1)):
        with pytest.raises(InvalidKey) as raised:
            load_public(suite, data)
        assert suite in str(raised.value)
    for data in (b"", bytes(PRIVATE_LENGTH[suite] + 1)):
        with pytest.raises(InvalidKey):
            load_private(suite, data)
    if suite == SEAL_HYBRID:
        with pytest.raises(InvalidKey):  # an ML-KEM key with coefficients out of range
            load_public(suite, b"\xff" * PUBLIC_LENGTH[suite])


def test_unknown_suites_and_keys() -> None:
    for bad in ("ed25519", "", "sm2"):
        with pytest.raises(UnknownSuite):
            generate_sealing_key(bad)
        with pytest.raises(UnknownSuite):
            load_public(bad, bytes(32))
    with pytest.raises(UnknownSuite):
        suites.sign_suite(SEAL_X25519)
    signing = ed25519.Ed25519PrivateKey.generate()
    for not_sealing in (signing, signing.public_key(), b"key"):
        with pytest.raises(TypeError):
            public_bytes(not_sealing)
        with pytest.raises(TypeError):
            private_bytes(not_sealing)
    assert issubclass(UnknownSuite, KeysError) and issubclass(InvalidKey, KeysError)


# -- frozen vectors ------------------------------------------------------------------------------

VECTOR_CASES = [
    (SEAL_X25519, [OFFICE], b"", b""),
    (SEAL_X25519, [OFFICE, ARCHIVE], EVENT, EVENT_AAD),
    (SEAL_HYBRID, [OFFICE, ARCHIVE], EVENT, EVENT_AAD),
    (SEAL_HYBRID, [ARCHIVE], b"x", b""),
]


def _vector_key(suite: str, rid: str) -> Any:
    return load_private(suite, SeededRandom(f"seal-key {suite} {rid}")(PRIVATE_LENGTH[suite]))


def _seal_vectors() -> dict[str, object]:
    keys: dict[str, dict[str, dict[str, str]]] = {}
    vectors = []
    for number, (suite, ids, payload, aad) in enumerate(VECTOR_CASES):
        for rid in ids:
            secret = _vector_key(suite, rid)
            keys.setdefault(suite, {})[rid] = {
                "private": private_bytes(secret).hex(),
                "public": public_bytes(secret.public_key()).hex(),
            }
        recipients = [Recipient(rid, _vector_key(suite, rid).public_key()) for rid in ids]
        seed = f"seal-content-key-{number}"
        vectors.append(
            {
                "suite": suite,
                "recipients": ids,
                "aad": aad.hex(),
                "payload": payload.hex(),
                "content_key_seed": seed,
                "content_key": SeededRandom(seed)(32).hex(),
                "sealed": seal(payload, recipients, suite, aad,
                               randbytes=SeededRandom(seed)).hex(),
            }
        )
    return {"keys": keys, "vectors": vectors}


def build_seal_vectors(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "seal-v1.json", _seal_vectors())


def _load_vectors() -> tuple[dict[str, dict[str, dict[str, str]]], list[dict[str, Any]]]:
    loaded = json.loads((DATA / "seal-v1.json").read_text(encoding="utf-8"))
    return loaded["keys"], loaded["vectors"]


def test_seal_vectors_open() -> None:
    keys, vectors = _load_vectors()
    assert {case["suite"] for case in vectors} == set(SUITES)
    for case in vectors:
        suite, sealed = case["suite"], bytes.fromhex(case["sealed"])
        aad, payload = bytes.fromhex(case["aad"]), bytes.fromhex(case["payload"])
        assert recipients_of(sealed) == case["recipients"]
        for rid in case["recipients"]:
            secret = load_private(suite, bytes.fromhex(keys[suite][rid]["private"]))
            assert open_sealed(sealed, {rid: secret}, aad) == payload
            with pytest.raises(DecryptionFailed):
                open_sealed(sealed, {rid: secret}, aad + b"x")


def test_vector_keys_still_load_to_the_same_bytes() -> None:
    keys, _ = _load_vectors()
    for suite, by_id in keys.items():
        for rid, recorded in by_id.items():
            secret = _vector_key(suite, rid)
            assert private_bytes(secret).hex() == recorded["private"]
            assert public_bytes(secret.public_key()).hex() == recorded["public"]
            assert public_bytes(load_public(suite, bytes.fromhex(recorded["public"]))).hex() == (
                recorded["public"]
            )


def test_writer_still_frames_the_frozen_bytes() -> None:
    """Everything around the HPKE wraps is byte for byte what the writer produces."""
    keys, vectors = _load_vectors()
    for case in vectors:
        suite, sealed = case["suite"], bytes.fromhex(case["sealed"])
        aad, payload = bytes.fromhex(case["aad"]), bytes.fromhex(case["payload"])
        content_key = bytes.fromhex(case["content_key"])
        assert SeededRandom(case["content_key_seed"])(32) == content_key
        frozen = parse_header(sealed)
        wrapped = [(rid, base64.b64decode(key)) for rid, key in frozen.recipients]
        for rid, key in wrapped:
            secret = load_private(suite, bytes.fromhex(keys[suite][rid]["private"]))
            opened = suites.seal_suite(suite).unwrap(key, secret, wrap_info(suite, rid))
            assert opened == content_key
        assert assemble(suite, wrapped, content_key, payload, aad) == sealed

        recipients = [
            Recipient(rid, load_public(suite, bytes.fromhex(keys[suite][rid]["public"])))
            for rid in case["recipients"]
        ]
        fresh = seal(payload, recipients, suite, aad,
                     randbytes=SeededRandom(case["content_key_seed"]))
        again = parse_header(fresh)
        assert (again.suite, again.commit, len(fresh)) == (frozen.suite, frozen.commit, len(sealed))
        assert [rid for rid, _ in again.recipients] == case["recipients"]


if __name__ == "__main__":
    build_seal_vectors(DATA)
