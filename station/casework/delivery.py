"""At the village: what comes back down, and what the agent records for the resident.

Decisions, notices and every step of a case arrive as pulled events; the
case here follows them (state, deadline) and the signed documents they carry
are kept (encrypted) and offered for printing with a notification.  The
agent then records the supplement (补齐材料), the delivery (送达) and the
resident's rating (好差评), or a withdrawal (退件).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from keys.errors import KeysError
from station import outbox
from station.app import Station
from station.cases import case_documents, case_state
from station.errors import MaterialProblem, RatingInvalid
from station.filing.new_case import MaterialFile, add_material, check_materials, read_head
from station.network import link
from station.network.publish import filing_node
from station.network.transfer import envelope_of, fetch_blob, open_payload
from station.store.models import Case, InboxEvent
from sync import lifecycle
from sync.client import HubClient
from sync.lifecycle import CaseView

RATINGS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
POOR = ("不满意", "非常不满意")


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
            InboxEvent.update(applied=True).where(InboxEvent.digest == row.digest).execute()
        if row.case_no not in arrived.cases:
            arrived.cases.append(row.case_no)
    for case_no in arrived.cases:
        refresh(station, case_no)
    return arrived


def refresh(station: Station, case_no: str) -> CaseView:
    """Store the case's state and deadline as its events now say."""
    view = case_state.view(station, case_no)
    case = Case.get_or_none(Case.case_no == case_no)
    if case is not None and view.state != lifecycle.NONE:
        with station.db.atomic("IMMEDIATE"):
            Case.update(status=view.state, updated_at=outbox.utc_now()).where(
                Case.case_no == case_no).execute()
    return view


def _act(station: Station, case_no: str, type_: str, payload: dict[str, Any],
         sync: bool = True) -> CaseView:
    view = case_state.view(station, case_no)
    case_state.check(station, view, type_)
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, type_, payload, case_no=case_no,
                      matter_code=view.matter)
    after = refresh(station, case_no)
    if sync:
        link.sync_once(station)
    return after


def supplement(station: Station, case_no: str, materials: Sequence[MaterialFile],
               sync: bool = True) -> CaseView:
    """The resident brought what the one-time notice listed: scan it, send it up."""
    case = Case.get_or_none(Case.case_no == case_no)
    view = case_state.view(station, case_no)
    case_state.check(station, view, lifecycle.SUPPLEMENTED)
    if case is None:
        raise MaterialProblem(detail=case_no)
    matter = station.catalogue.get(case.matter_code)
    problems = check_materials(matter, materials)
    if problems:
        raise problems[0]
    blobs = station.blobs.put_files([m.path for m in materials])
    refs = []
    with station.db.atomic("IMMEDIATE"):
        for item, blob in zip(materials, blobs, strict=True):
            material = add_material(case, item.name, blob, read_head(item.path),
                                    item.path.name, outbox.utc_now())
            refs.append({"name": item.name, "page": material.page, "blob": blob.address})
    return _act(station, case_no, lifecycle.SUPPLEMENTED, {"materials": refs}, sync)


def deliver(station: Station, case_no: str, method: str = "当面送达", note: str = "",
            sync: bool = True) -> CaseView:
    """送达: the resident received the result (送达回执)."""
    return _act(station, case_no, lifecycle.DELIVERED_EVENT,
                {"method": method, "note": note}, sync)


def rate(station: Station, case_no: str, rating: str, comment: str = "",
         sync: bool = True) -> CaseView:
    """好差评 on the five-level scale; 不满意 and 非常不满意 open a follow-up."""
    if rating not in RATINGS:
        raise RatingInvalid(rating=rating, levels="、".join(RATINGS))
    type_ = lifecycle.RATED_POOR if rating in POOR else lifecycle.RATED
    return _act(station, case_no, type_, {"rating": rating, "comment": comment}, sync)


def withdraw(station: Station, case_no: str, reason: str, sync: bool = True) -> CaseView:
    """退件: the resident withdraws the application before a decision."""
    return _act(station, case_no, lifecycle.WITHDRAWN_EVENT, {"reason": reason}, sync)


def close_unrated(station: Station, case_no: str, sync: bool = True) -> CaseView:
    return _act(station, case_no, lifecycle.CLOSED_EVENT, {}, sync)



