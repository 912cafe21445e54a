"""The sealed header's fast path decides exactly as the full check.

``keys.seal`` reads a clear header that matches one pattern (canonical JSON,
canonical base64, ids without escapes) from the pattern's groups; anything
else goes the full way (decode, check, base64 round trips, re-encode,
compare).  These tests feed both the same header bytes, valid and mutated, with
and without the canonical check, and ask for the same answer.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from text_edits import Edit, edited, edits

from keys import seal

COMMIT = base64.b64encode(bytes(range(32))).decode()
BASE: dict[str, Any] = {
    "commit": COMMIT,
    "recipients": [
        {"id": "office:450981000000:档案:1", "key": base64.b64encode(bytes(80)).decode()},
        {"id": "office:450981104000:民政办:1", "key": base64.b64encode(b"\xff" * 79).decode()},
    ],
    "suite": "hpke-x25519-hkdfsha256-aes256gcm",
    "v": 1,
}
ODD = ['"', "\\", ",", ":", "[", "]", "{", "}", " ", "=", "+", "/", "A", "B", "Q", "R", "g",
       "w", "x", "0", "1", "4", "5", "\x00", "\x1f", "\x7f", "é", "档", "😀"]


def canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8", "surrogatepass")


def answers(raw: bytes) -> tuple[object, object]:
    """(the answer with the fast path, the full check's), for both ``canonical`` values."""
    return ([outcome(seal._read_header, raw, check) for check in (True, False)],
            [outcome(full, raw, check) for check in (True, False)])


def full(raw: bytes, length: int, check: bool) -> seal.Header:
    return seal._read_full(raw, raw.decode("utf-8"), length, check)


def outcome(read: Callable[[bytes, int, bool], seal.Header], raw: bytes, check: bool) -> object:
    try:
        return read(raw, 7, check)
    except (ValueError, TypeError, RecursionError):  # DecryptionFailed, in parse_header
        return "refused"


def test_a_usual_header_takes_the_fast_path() -> None:
    text = canonical(BASE).decode()
    assert seal._fast_header(text, 7) == seal._read_full(canonical(BASE), text, 7, True)
    got, expected = answers(canonical(BASE))
    assert got == expected and "refused" not in got


def test_what_the_pattern_leaves_to_the_full_path_is_answered_the_same() -> None:
    same_id = [dict(BASE["recipients"][0]), dict(BASE["recipients"][0])]
    for changes in ({"recipients": same_id}, {"recipients": []}, {"suite": ""},
                    {"suite": "é"}, {"commit": base64.b64encode(bytes(31)).decode()},
                    {"commit": COMMIT[:-2] + "B="},
                    {"recipients": [{"id": "x" * 70_000, "key": ""}]},
                    {"recipients": [{"id": "x", "key": ""}]},
                    {"recipients": [{"id": "x", "key": "AB=="}]},
                    {"recipients": [{"id": "x", "key": "AR=="}]},
                    {"recipients": [{"id": 'a"b', "key": "AA=="}]}):
        got, expected = answers(canonical({**BASE, **changes}))
        assert got == expected, changes


values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.sampled_from(ODD),
    st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()),
    st.lists(st.fixed_dictionaries({"id": st.text(max_size=5),
                                     "key": st.text("AQgw=", max_size=8)}), max_size=3),
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(BASE)), values, max_size=2))
def test_changed_fields_get_the_same_answer(changes: dict[str, Any]) -> None:
    got, expected = answers(canonical({**BASE, **changes}))
    assert got == expected


@settings(max_examples=1500, deadline=None)
@given(edits(ODD))
def test_edited_bytes_get_the_same_answer(changes: list[Edit]) -> None:
    got, expected = answers(edited(canonical(BASE).decode(), changes).encode("utf-8"))
    assert got == expected


def canonical_base64(text: str) -> bool:
    try:
        return seal._b64(seal._unb64(text)) == text
    except ValueError:
        return False


def base64_pattern(text: str) -> bool:
    """What the fast path asks of a wrapped key: the pattern, and whole quads."""
    return bool(re.fullmatch(seal._B64, text)) and len(text) % 4 == 0


def test_the_base64_pattern_is_canonical_base64() -> None:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    for a in alphabet + "=":
        for b in alphabet + "=":
            for tail in ("==", "=", "A=", "AA", "=A", ""):
                text = "QUJD" + a + b + tail
                assert base64_pattern(text) == canonical_base64(text), text


@given(st.text("AQgwBRhx+/=9", max_size=12))
def test_any_short_text_is_judged_as_a_base64_round_trip_does(text: str) -> None:
    assert base64_pattern(text) == canonical_base64(text)
