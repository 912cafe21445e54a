"""审计：受理 over missing materials.  Every 受理 event that overrode the material check
carries the reviewer's reason and the materials it covered; the county's archive office
(档案, the auditors) can open every case event, so the audit lists them all: which case,
which node and reviewer, when, what was missing and why it was accepted anyway."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from keys.errors import KeysError
from station.app import Station
from station.cases.history_notes import OVERRIDE
from station.network.transfer import envelope_of, open_payload
from station.store.models import Event, InboxEvent
from station.trust import users
from sync.hlc import Timestamp
from sync.lifecycle import ACCEPTED


def overrides(station: Station) -> dict[str, Any]:
    """The overriding acceptances known here (pulled and own), oldest first, and how many
    acceptances this user could not open (not sealed to an office of theirs)."""
    users.require_role(station, "audit overrides", "admin", "auditor")
    found: list[dict[str, Any]] = []
    unreadable = 0
    for row in InboxEvent.select().where(InboxEvent.type == ACCEPTED).order_by(
            InboxEvent.hub_index):
        envelope = envelope_of(row)
        try:
            payload = open_payload(station, envelope)
        except KeysError:
            unreadable += 1
            continue
        at = datetime.fromtimestamp(Timestamp.parse(envelope.header.hlc).wall_ms / 1000, UTC)
        _add(found, str(row.case_no), envelope.header.node, envelope.header.author,
             at.isoformat(timespec="seconds"), payload)
    for event in Event.select().where(Event.type == ACCEPTED).order_by(Event.seq):
        _add(found, str(event.case_no), station.node.code, event.author, event.at,
             event.payload or {})
    return {"overrides": found, "unreadable": unreadable}


def _add(found: list[dict[str, Any]], case_no: str, node: str, author: str, at: str,
         payload: dict[str, Any]) -> None:
    override = payload.get(OVERRIDE)
    if isinstance(override, dict):
        found.append({"case_no": case_no, "node": node, "author": author, "at": at,
                      "office": payload.get("office"), "reason": override.get("reason", ""),
                      "materials": list(override.get("materials") or [])})
