"""At the village: what a sync round brings back down for the cases filed here.

Decisions, notices and every step of a case arrive as pulled events; the case
here follows them (state, deadline) and the signed documents they carry are
kept (encrypted) and offered for printing with a notification (新结果).  An event
whose documents cannot be fetched now (offline bundle) stays unapplied and is
tried again at the next online round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from keys.ca import CHINA_TIME
from keys.errors import KeysError
from station.app import Station
from station.cases import case_documents, case_state, material_checks
from station.network.publish import filing_node
from station.network.transfer import envelope_of, fetch_blob, open_payload
from station.store.models import InboxEvent
from sync import lifecycle
from sync.client import HubClient
from sync.hlc import Timestamp


@dataclass
class Arrived:
    """What a sync round brought for this station's own cases."""

    cases: list[str] = field(default_factory=list)  # cases whose state changed
    documents: list[dict[str, Any]] = field(default_factory=list)  # new signed documents


def apply(station: Station, client: HubClient | None) -> Arrived:
    """Follow pulled steps of the cases filed here; keep the documents they carry.

    An event whose documents cannot be fetched now (offline bundle) stays
    unapplied and is tried again at the next online round."""
    arrived = Arrived()
    me = station.node.code
    # Read in full first: no SELECT may still be stepping when the loop writes (SQLite
    # refuses such a write at once if another process wrote meanwhile).
    rows = list(InboxEvent.select().where((InboxEvent.applied == False)  # noqa: E712
                                          & InboxEvent.type.startswith("case."))
                .order_by(InboxEvent.hub_index))
    for row in rows:
        if not row.case_no or filing_node(row.case_no) != me or row.type == lifecycle.FILED:
            continue
        envelope = envelope_of(row)
        refs: list[dict[str, Any]] = []
        try:
            payload = open_payload(station, envelope)
            refs = [r for r in payload.get("documents") or [] if isinstance(r, dict)]
        except KeysError:
            payload = {}
        if refs and client is None:
            continue
        for ref in refs:
            if case_documents.known(envelope.header.event_id, str(ref.get("kind", ""))):
                continue
            blob, _head = fetch_blob(station, client, ref)  # type: ignore[arg-type]
            with station.db.atomic("IMMEDIATE"):
                if case_documents.known(envelope.header.event_id, str(ref.get("kind", ""))):
                    continue  # another process on this store kept it meanwhile
                stored = case_documents.record(row.case_no, {**ref, "blob": blob.address,
                                                             "size": blob.size},
                                               envelope.header.event_id)
            arrived.documents.append({"case_no": row.case_no, "title": stored.title,
                                      "kind": stored.kind, "id": stored.id})
        with station.db.atomic("IMMEDIATE"):
            if row.type == lifecycle.ACCEPTED and isinstance(payload.get("checked"), list):
                _keep_checks(row.case_no, envelope.header.author, envelope.header.hlc, payload)
            InboxEvent.update(applied=True).where(InboxEvent.digest == row.digest).execute()
        if row.case_no not in arrived.cases:
            arrived.cases.append(row.case_no)
    for case_no in arrived.cases:
        case_state.refresh(station, case_no)
    return arrived


def _keep_checks(case_no: str, author: str, hlc: str, payload: dict[str, Any]) -> None:
    """The office's 齐全 verdicts of a 受理, kept here too: the wizard then offers the
    pages again as 已核验 (资料共享)."""
    day = datetime.fromtimestamp(Timestamp.parse(hlc).wall_ms / 1000, CHINA_TIME).date()
    names = [str(n) for n in payload["checked"] if isinstance(n, str)]
    material_checks.record_checks(case_no, str(payload.get("office") or ""), author, names, day)
