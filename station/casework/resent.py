"""Cases sent again to a station whose PC was replaced (补发给收件站点的新电脑).

A replacement PC has new keys: what the hub holds for its station was sealed to
the old PC's inbox and cannot be opened there.  Offices can: every case's
events are sealed to the offices that review it.  So when a reviewing station
learns from the directory that a station's inbox key changed
(``directory.replaced_inboxes``), a reviewer's next sync sends each open case
of that station that it can read once more, as one ``case.resent`` event: the
filing (applicant, form, scans) and every step it can open, each with its
documents, sealed to the case's readers as they are now (the new PC among
them).  The scans are not sent again: the event cites them, and the hub lets
the addressee read what an event addressed to it cites.

The replacement PC takes such an event in: it stores the case as filed here
(``intake.store_filing``), keeps the documents of each step (退回, 补正告知,
决定书 …) to print, and folds the case's state from the headers it holds.

``sync_round`` is one sync round with both sides: what the window's background
sync and ``station sync`` run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from keys.errors import KeysError
from station import outbox
from station.app import Station
from station.cases import case_documents, case_state
from station.casework import intake
from station.errors import StationError
from station.network import link
from station.network.publish import filing_node
from station.network.transfer import envelope_of, fetch_blob, open_payload
from station.store.models import Case, Event, InboxEvent, Setting, SyncEnvelope
from station.trust import directory
from sync import lifecycle
from sync.client import HubClient
from sync.envelope import Envelope, parse_envelope
from sync.errors import SyncError

log = logging.getLogger("station.resent")

SENT_SETTING = "resent.sent"  # node -> {"inbox": key hex, "cases": [case numbers]}
TAKEN_SETTING = "resent.taken"  # digests of case.resent events taken in here
CLOSED = (lifecycle.NONE, lifecycle.CLOSED, lifecycle.WITHDRAWN)
MOVED_MATERIALS = (lifecycle.FILED, lifecycle.SUPPLEMENTED, lifecycle.RESUBMITTED)


def _json_setting(key: str, default: Any) -> Any:
    row = Setting.get_or_none(Setting.key == key)
    return json.loads(row.value) if row else default


# -- at a reviewing station ------------------------------------------------------------


def _cases_filed_by(node: str) -> list[str]:
    rows = (InboxEvent.select(InboxEvent.case_no).where(
        (InboxEvent.case_no > f"{node}-") & (InboxEvent.case_no < f"{node}-~")).distinct())
    return sorted({r.case_no for r in rows if r.case_no and filing_node(r.case_no) == node})


def _item(envelope: Envelope, payload: dict[str, Any]) -> dict[str, Any]:
    header = envelope.header
    return {"event_id": header.event_id, "type": header.type, "node": header.node,
            "author": header.author, "hlc": header.hlc, "payload": payload}


def _readable(station: Station, case_no: str) -> list[dict[str, Any]]:
    """The case's events this user can open, in the order they were stored here."""
    envelopes = [envelope_of(r) for r in InboxEvent.select().where(
        InboxEvent.case_no == case_no).order_by(InboxEvent.hub_index)]
    for event in Event.select(Event.seq).where((Event.case_no == case_no)
                                               & Event.type.startswith("case.")):
        row = SyncEnvelope.get_or_none(SyncEnvelope.seq == event.seq)
        if row is not None:  # not yet published: it will be sealed to the new PC anyway
            envelopes.append(parse_envelope(bytes(row.envelope)))
    items = []
    for envelope in envelopes:
        if envelope.header.type == lifecycle.RESENT:
            continue
        try:
            items.append(_item(envelope, open_payload(station, envelope)))
        except KeysError:  # sealed to an office this user does not hold
            continue
    return sorted(items, key=lambda i: i["hlc"])


def resend_replaced(station: Station) -> list[str]:
    """Send each open case of a replaced station that this user can read once more;
    the case numbers sent."""
    if station.node.tier not in lifecycle.UPPER:
        return []
    replaced = directory.replaced_inboxes()
    if not replaced:
        return []
    sent_before: dict[str, Any] = _json_setting(SENT_SETTING, {})
    sent: list[str] = []
    for node, inbox in sorted(replaced.items()):
        record = sent_before.get(node) or {}
        done = set(record.get("cases", [])) if record.get("inbox") == inbox else set()
        for case_no in _cases_filed_by(node):
            if case_no in done:
                continue
            view = case_state.view(station, case_no)
            if view.state in CLOSED:
                continue
            try:
                case_state.check(station, view, lifecycle.RESENT)
            except (SyncError, StationError):
                continue  # not this user's to send (role, tier)
            items = _readable(station, case_no)
            if not any(i["type"] == lifecycle.FILED for i in items):
                continue  # another office's case: its reviewers send it
            with station.db.atomic("IMMEDIATE"):
                outbox.append(station.node.code, station.user, lifecycle.RESENT,
                              {"to": node, "events": items}, case_no=case_no,
                              matter_code=view.matter)
            done.add(case_no)
            sent.append(case_no)
        sent_before[node] = {"inbox": inbox, "cases": sorted(done)}
    with station.db.atomic("IMMEDIATE"):
        Setting.replace(key=SENT_SETTING,
                        value=json.dumps(sent_before, ensure_ascii=False)).execute()
    if sent:
        log.info("sent %d case(s) again to replaced stations", len(sent))
    return sent


# -- at the replacement PC -------------------------------------------------------------


def take_in(station: Station, client: HubClient) -> list[str]:
    """Store the cases sent again to this station; the case numbers taken in."""
    me = station.node.code
    taken: set[str] = set(_json_setting(TAKEN_SETTING, []))
    rows = [r for r in InboxEvent.select().where(InboxEvent.type == lifecycle.RESENT)
            .order_by(InboxEvent.hub_index)
            if r.digest not in taken and r.case_no and filing_node(r.case_no) == me]
    cases: list[str] = []
    for row in rows:
        case_no = str(row.case_no)
        envelope = envelope_of(row)
        try:
            payload = open_payload(station, envelope)
        except KeysError:  # sent to the PC before this one
            taken.add(row.digest)
            continue
        _take(station, client, case_no, envelope.header.matter or "",
              [i for i in payload.get("events") or [] if isinstance(i, dict)])
        taken.add(row.digest)
        with station.db.atomic("IMMEDIATE"):
            Setting.replace(key=TAKEN_SETTING, value=json.dumps(sorted(taken))).execute()
        cases.append(case_no)
    for case_no in dict.fromkeys(cases):
        case_state.refresh(station, case_no)
    return cases


def _take(station: Station, client: HubClient, case_no: str, matter: str,
          items: list[dict[str, Any]]) -> None:
    case = Case.get_or_none(Case.case_no == case_no)
    for item in items:
        payload = item.get("payload") or {}
        if case is None and item.get("type") == lifecycle.FILED:
            case = intake.store_filing(station, case_no, matter, station.node.code,
                                       str(item["author"]), str(item["hlc"]), payload, client)
            continue
        if case is not None and item.get("type") in MOVED_MATERIALS[1:]:
            if isinstance(payload.get("form"), dict):
                with station.db.atomic("IMMEDIATE"):
                    case.form = payload["form"]
                    case.save()
            intake.take_materials(station, case, payload.get("materials") or [], client)
        for ref in payload.get("documents") or []:
            if not isinstance(ref, dict) or case_documents.known(str(item["event_id"]),
                                                                 str(ref.get("kind", ""))):
                continue
            blob, _head = fetch_blob(station, client, ref)
            with station.db.atomic("IMMEDIATE"):
                case_documents.record(case_no, {**ref, "blob": blob.address, "size": blob.size},
                                      str(item["event_id"]))


# -- one round -------------------------------------------------------------------------


def sync_round(station: Station, url: str | None = None,
               progress: Callable[..., None] | None = None) -> link.SyncReport:
    """``link.sync_once``, then what a replacement PC needs: a reviewing station sends
    the cases of a replaced station again (and at once), a replacement PC takes them in."""
    report = link.sync_once(station, url, progress)
    if resend_replaced(station):
        report = link.sync_once(station, url, progress)
    if InboxEvent.select().where(InboxEvent.type == lifecycle.RESENT).exists():
        client = link.client_for(station, url)
        link.connect(station, client)
        take_in(station, client)
    return report
