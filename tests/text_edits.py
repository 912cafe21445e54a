"""Small random edits of a text, for tests that ask two parsers for the same answer."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

Edit = tuple[str, int, str]  # (replace | insert | delete, where, the character)


def edits(characters: Sequence[str]) -> st.SearchStrategy[list[Edit]]:
    """One to three edits, each with one of ``characters``."""
    return st.lists(st.tuples(st.sampled_from(["replace", "insert", "delete"]),
                              st.integers(0, 10_000), st.sampled_from(characters)),
                    min_size=1, max_size=3)


def edited(text: str, changes: Sequence[Edit]) -> str:
    """``text`` with ``changes`` applied in order (positions taken modulo its length)."""
    for kind, at, char in changes:
        at %= len(text) + 1
        if kind == "replace":
            text = text[:at] + char + text[at + 1:]
        elif kind == "insert":
            text = text[:at] + char + text[at:]
        else:
            text = text[:at] + text[at + 1:]
    return text
