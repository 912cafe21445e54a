"""docs/lifecycle.md lists every event and state of the transition table."""

from __future__ import annotations

from pathlib import Path

from sync import lifecycle

DOC = Path(__file__).resolve().parent.parent / "docs" / "lifecycle.md"


def test_every_event_and_state_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for rule in lifecycle.TABLE.values():
        assert f"`{rule.type}` | {rule.label} |" in text, rule.type
        assert rule.after is None or f"`{rule.after}`" in text
    for state, label in lifecycle.STATE_LABELS.items():
        assert f"| `{state}` | {label} |" in text, state


def test_every_state_is_reachable_and_every_rule_names_who() -> None:
    reachable = {lifecycle.NONE}
    changed = True
    while changed:
        changed = False
        for rule in lifecycle.TABLE.values():
            if set(rule.before) & reachable and rule.after and rule.after not in reachable:
                reachable.add(rule.after)
                changed = True
    assert reachable == set(lifecycle.STATE_LABELS)
    for rule in lifecycle.TABLE.values():
        assert rule.tiers, rule.type
