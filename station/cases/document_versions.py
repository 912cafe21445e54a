"""A case's sealed documents kept as versions: a later one never replaces an earlier one.

Every document a node receives (or seals) stays, each in its own file when
printed.  Of each kind the latest is 当前有效 and the older ones are
已被新文书取代.  What the listing needs beyond the stored row is read from the
event that carried the document (its sealed payload, opened with a key held
here):

============================  ==============================================
from the event's payload      used for
============================  ==============================================
``documents[kind].number``    文书编号: shown, and in the exported file name
``missing`` (a notice only)   the materials the latest notice asks for
============================  ==============================================

A document without a number is named by its date and its sequence among the
case's documents of that kind, so two files never share a name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from keys.errors import KeysError
from keys.seal import open_sealed
from station import outbox
from station.app import Station
from station.i18n import N_, translate
from station.store.models import CaseDocument, Event, InboxEvent
from station.trust import directory
from sync.envelope import parse_envelope
from sync.errors import SyncError

CURRENT = N_("当前有效")
SUPERSEDED = N_("已被新文书取代")
# Characters a file name may not hold on Windows or Linux.
UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


@dataclass(frozen=True)
class Listed:
    """One material a 补齐补正告知书 asks for."""

    name: str
    verdict: str  # missing / unclear
    reason: str = ""


@dataclass(frozen=True)
class Version:
    """One sealed document of a case, as the listing shows it."""

    id: str
    case_no: str
    kind: str
    title: str
    number: str | None  # 文书编号, when the issuing office gave one
    received_at: str  # UTC, ISO
    seen: bool
    sequence: int  # 1, 2 … among the case's documents of this kind
    current: bool  # the latest of its kind
    listed: tuple[Listed, ...] = ()  # what a notice asks for

    @staticmethod
    def words() -> tuple[str, str]:
        """Both standings, in the user's language (to size a column)."""
        return translate(CURRENT), translate(SUPERSEDED)

    @property
    def standing(self) -> str:
        """当前有效 or 已被新文书取代, in the user's language."""
        return translate(CURRENT if self.current else SUPERSEDED)

    @property
    def file_name(self) -> str:
        """A name no other version of the case shares."""
        if self.number:
            tail = UNSAFE.sub("-", self.number).strip("-")
        else:
            day = outbox.local_time(self.received_at)[:10].replace("-", "")
            tail = f"{day}-{self.sequence}"
        return f"{self.case_no}-{self.title}-{tail}.pdf"


def of_case(station: Station, case_no: str) -> list[Version]:
    """Every document of the case, oldest first, the latest of each kind current."""
    rows = list(CaseDocument.select().where(CaseDocument.case_no == case_no)
                .order_by(CaseDocument.received_at, CaseDocument.id))
    payloads = _payloads(station, case_no, {d.event for d in rows})
    counts: dict[str, int] = {}
    last = {d.kind: d.id for d in rows}
    versions = []
    for row in rows:
        counts[row.kind] = counts.get(row.kind, 0) + 1
        payload = payloads.get(row.event, {})
        versions.append(Version(
            row.id, row.case_no, row.kind, row.title, _number(payload, row.kind),
            row.received_at, bool(row.seen), counts[row.kind], last[row.kind] == row.id,
            _listed(payload) if row.kind == "supplement" else ()))
    return versions


def current_notice(versions: list[Version]) -> Version | None:
    """The 补齐补正告知书 in force (the latest one), if any was issued."""
    return next((v for v in reversed(versions) if v.kind == "supplement"), None)


def file_name(station: Station, document: CaseDocument) -> str:
    """The file ``document`` is printed to: its own, beside the other versions."""
    return next(v.file_name for v in of_case(station, document.case_no) if v.id == document.id)


def _payloads(station: Station, case_no: str, events: set[str]) -> dict[str, dict[str, Any]]:
    """The payloads of the events that carried the documents: written here, or pulled."""
    found: dict[str, dict[str, Any]] = {}
    for event in Event.select().where((Event.case_no == case_no) & Event.id.in_(events)):
        if isinstance(event.payload, dict):
            found[event.id] = event.payload
    wanted = events - set(found)
    if not wanted:
        return found
    ring = directory.keyring(station)
    for row in InboxEvent.select().where(InboxEvent.case_no == case_no):
        try:
            envelope = parse_envelope(bytes(row.envelope))
            if envelope.header.event_id in wanted:
                value = json.loads(open_sealed(envelope.payload, ring))
                if isinstance(value, dict):
                    found[envelope.header.event_id] = value
        except (KeysError, SyncError, ValueError):
            continue  # not readable here: listed without number or list
    return found


def _number(payload: dict[str, Any], kind: str) -> str | None:
    for ref in payload.get("documents") or []:
        if isinstance(ref, dict) and ref.get("kind") == kind and ref.get("number"):
            return str(ref["number"])
    return None


def _listed(payload: dict[str, Any]) -> tuple[Listed, ...]:
    items = payload.get("missing") or []
    return tuple(Listed(str(i["name"]), str(i.get("verdict", "missing")),
                        str(i.get("reason", "")))
                 for i in items if isinstance(i, dict) and i.get("name"))
