"""The envelope header's fast path decides exactly as the full check.

``Header.from_json`` reads a header that matches one pattern (canonical, every
field of the right shape, no escapes) from the pattern's groups; anything else
goes the full way (decode, check each field, re-encode, compare).  These tests
feed both the same bytes, valid and mutated, and ask for the same answer: the
same header (field values and types) or the same refusal reason.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from text_edits import Edit, edited, edits

from sync import envelope
from sync.envelope import ZERO_HASH, Header
from sync.errors import EnvelopeMalformed

NODE = "450981104001"
HASH = "38a76d0472b441fe193f319f01da3e6e2558ff3a6bee78c5511456bcacdeab52"
BASE: dict[str, Any] = {
    "author": "daiban",
    "case_no": "450981104001-20261206-0001",
    "event_id": "c46622a676d342789779c57f3f25391e",
    "hlc": f"1796573471168-0000-{NODE}",
    "materials": ["729b39f90801340fc40938f9b0143628864e850c87706a467f663dcd0a53df92"],
    "matter": "450981-MZ-005",
    "node": NODE,
    "prev": HASH,
    "recipients": ["office:450981000000:档案:1", "office:450981104000:民政办:1"],
    "seq": 2,
    "type": "case.filed",
}
# characters that matter to JSON, to the pattern or to a field's shape
ODD = ['"', "\\", ",", ":", "[", "]", "{", "}", " ", "\x00", "\x1f", "\x7f", "\u2028",
       "0", "1", "9", "a", "f", "g", "A", "-", ".", "_", "n", "u", "l", "é", "档", "😀"]


def canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8", "surrogatepass")


def full(raw: bytes) -> object:
    """The answer of the full check alone."""
    try:
        text = raw.decode("utf-8")
    except ValueError:
        return ("refused", str(EnvelopeMalformed(reason="标头不是 JSON")))
    try:
        return answer(envelope._header_from_json(Header, raw, text))
    except EnvelopeMalformed as error:
        return ("refused", str(error))


def fast(raw: bytes) -> object:
    try:
        return answer(Header.from_json(raw))
    except EnvelopeMalformed as error:
        return ("refused", str(error))


def answer(header: Header) -> object:
    fields = {name: getattr(header, name) for name in BASE}
    return ("header", fields, {name: type(value) for name, value in fields.items()})


def test_a_usual_header_takes_the_fast_path() -> None:
    text = canonical(BASE).decode()
    assert envelope._fast_header(Header, text) is not None
    assert fast(canonical(BASE)) == full(canonical(BASE))
    first = {**BASE, "seq": 1, "prev": ZERO_HASH, "materials": [], "case_no": None,
             "matter": None}
    assert envelope._fast_header(Header, canonical(first).decode()) is not None
    assert fast(canonical(first)) == full(canonical(first))


def test_what_the_pattern_leaves_to_the_full_path_is_refused_the_same() -> None:
    for changes in ({"seq": 1}, {"hlc": "1796573471168-0000-450981104002"},
                    {"seq": 9_223_372_036_854_775_807}, {"seq": 9_223_372_036_854_775_808},
                    {"author": 'a"b'}, {"materials": ["x\\y"]}, {"recipients": []},
                    {"author": "\x00"}, {"case_no": ""}, {"materials": [""]}):
        raw = canonical({**BASE, **changes})
        assert fast(raw) == full(raw), changes


values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
    st.lists(st.text(max_size=6), max_size=3), st.sampled_from(ODD),
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(BASE)), values, max_size=3),
       st.sampled_from(["canonical", "ascii", "spaces", "unsorted"]))
def test_changed_fields_get_the_same_answer(changes: dict[str, Any], style: str) -> None:
    value = {**BASE, **changes}
    if style == "canonical":
        raw = canonical(value)
    elif style == "ascii":
        raw = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    elif style == "spaces":
        raw = json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
    else:
        raw = json.dumps(dict(reversed(value.items())), ensure_ascii=False,
                         separators=(",", ":")).encode()
    assert fast(raw) == full(raw)


@settings(max_examples=1500, deadline=None)
@given(edits(ODD), st.booleans())
def test_edited_bytes_get_the_same_answer(changes: list[Edit], first: bool) -> None:
    base = {**BASE, "seq": 1, "prev": ZERO_HASH} if first else BASE
    raw = edited(canonical(base).decode(), changes).encode("utf-8")
    assert fast(raw) == full(raw)


@given(st.binary(max_size=64))
def test_any_bytes_get_the_same_answer(data: bytes) -> None:
    for raw in (data, canonical(BASE)[:40] + data):
        assert fast(raw) == full(raw)
