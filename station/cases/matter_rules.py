"""A catalogue matter as the lifecycle table reads it (sync.lifecycle.MatterRule)."""

from __future__ import annotations

from collections.abc import Callable

from forms.catalogue import Catalogue
from forms.matter import Matter
from sync.lifecycle import MatterRule


def rule_of(matter: Matter) -> MatterRule:
    reviewers: dict[str, list[str]] = {}
    for step in matter.procedure:
        if step.tier in ("township", "county"):
            listed = reviewers.setdefault(step.tier, [])
            if step.office not in listed:
                listed.append(step.office)
    return MatterRule(matter.code, matter.tier, tuple(matter.offices),
                      {tier: tuple(offices) for tier, offices in reviewers.items()},
                      sequential=matter.is_sequential)


def lookup(catalogue: Callable[[], Catalogue]) -> Callable[[str], MatterRule | None]:
    """``code -> MatterRule`` reading the catalogue each time (it may be updated)."""
    def find(code: str) -> MatterRule | None:
        matter = catalogue().matters.get(code)
        return rule_of(matter) if matter is not None else None
    return find
