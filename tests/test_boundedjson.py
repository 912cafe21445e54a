"""sync.boundedjson: a body's depth and width are bounded before json.loads sees it.

The quick count of brackets and commas (strings included) decides only when even that
over-count is within the bounds; anything else goes through the exact scan, so brackets
inside strings never refuse a body and real nesting always does."""

from __future__ import annotations

import pytest

from sync.boundedjson import MAX_DEPTH, MAX_MEMBERS, check_shape, loads
from sync.problems import BodyTooComplex


def test_depth_at_the_bound_passes_and_one_more_is_refused() -> None:
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    with pytest.raises(BodyTooComplex):
        check_shape(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


def test_brackets_and_commas_inside_strings_count_for_nothing() -> None:
    inside = '"' + "[{," * (MAX_MEMBERS + 1) + '"'
    body = ('{"a": [' + inside + "]}").encode()
    check_shape(body)  # the quick count is over the bounds: the exact scan passes it
    assert loads(body)["a"][0].startswith("[{,")


def test_members_over_the_bound_are_refused() -> None:
    with pytest.raises(BodyTooComplex) as caught:
        check_shape(b"[" + b"0," * MAX_MEMBERS + b"0]")
    assert caught.value.params["reason"] == "members"
    check_shape(b"[" + b"0," * (MAX_MEMBERS - 2) + b"0]")


def test_a_deep_body_hidden_behind_a_string_is_still_refused() -> None:
    body = b'["' + b"x" * 1000 + b'", ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"]"
    with pytest.raises(BodyTooComplex) as caught:
        check_shape(body)
    assert caught.value.params["reason"] == "depth"
