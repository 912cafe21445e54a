"""Own case events the hub kept without moving the case (冲突, not applied).

A station offline may act on a case that has moved on meanwhile (the village
records a withdrawal the township has already decided).  The hub keeps such an
event in the node's log, so the chain and every later event go on, but does not
fold it and says so in its push answer.  They are remembered here, left out of
the case's life as this node folds it, and shown with the case's status.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from station.app import Station
from station.store.models import Event, Setting

PREFIX = "case.conflict."


def record(station: Station, conflicts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the hub's word on these own events; returns the ones new here."""
    new = []
    with station.db.atomic("IMMEDIATE"):
        for item in conflicts:
            key = f"{PREFIX}{int(item['seq'])}"
            if Setting.get_or_none(Setting.key == key) is not None:
                continue
            value = {"seq": int(item["seq"]), "case_no": str(item.get("case_no") or ""),
                     "type": str(item.get("type") or ""), "state": str(item.get("state") or "")}
            Setting.create(key=key, value=json.dumps(value, ensure_ascii=False))
            new.append(value)
    return new


def _all() -> list[dict[str, Any]]:
    rows = Setting.select().where(Setting.key.startswith(PREFIX))
    return sorted((json.loads(r.value) for r in rows), key=lambda v: int(v["seq"]))


def seqs(case_no: str) -> set[int]:
    """Own event numbers of ``case_no`` the hub did not apply."""
    return {int(v["seq"]) for v in _all() if v["case_no"] == case_no}


def of_case(case_no: str) -> list[dict[str, Any]]:
    """What the hub did not apply, with when it was written here."""
    found = []
    for value in _all():
        if value["case_no"] != case_no:
            continue
        event = Event.get_or_none(Event.seq == value["seq"])
        found.append({**value, "at": event.at if event else None})
    return found
