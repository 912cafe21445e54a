"""A reviewing desk takes in a case filed below: the form, the applicant and the scans.

The filing arrives as a sealed event addressed to the offices that review
the matter; a reviewer of one of them opens it with the office key, and the
case is stored here as if filed here (encrypted fields, encrypted blobs),
so the viewer, the search and the printed documents work the same at every
tier.  Materials sent later with a supplement are added the same way, and so are the
corrections of a returned case sent again (form values, materials).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from forms.validate import validate_applicant
from station import outbox
from station.app import Station
from station.errors import CaseNotFound, CaseNotReadable
from station.filing.new_case import add_material, snapshot_matter, upsert_applicant
from station.network import link
from station.network.transfer import envelope_of, fetch_blob, open_payload
from station.store.models import Case, InboxEvent, Setting
from sync.client import HubClient
from sync.hlc import Timestamp
from sync.lifecycle import FILED, RESUBMITTED, SUPPLEMENTED

TAKEN = "intake.taken."


def receive(station: Station, case_no: str, client: HubClient | None = None) -> Case:
    """The case stored here, taking in its filing and supplements when first needed."""
    case = Case.get_or_none(Case.case_no == case_no)
    rows = list(InboxEvent.select().where((InboxEvent.case_no == case_no)
                                          & InboxEvent.type.in_((FILED, SUPPLEMENTED,
                                                                 RESUBMITTED)))
                .order_by(InboxEvent.hub_index))
    if case is not None and case.node_code == station.node.code:
        return case  # filed here
    if not rows or rows[0].type != FILED:
        raise CaseNotFound(case_no=case_no)
    taken = _taken(case)
    todo = [row for row in rows if row.digest not in taken]
    if not todo:
        assert case is not None
        return case
    client = client or _client(station)
    for row in todo:
        envelope = envelope_of(row)
        try:
            payload = open_payload(station, envelope)
        except Exception as error:  # KeysError: not sealed to this user's office
            raise CaseNotReadable(case_no=case_no, user=station.user) from error
        if row.type == FILED:
            case = _take_filing(station, case_no, envelope.header.matter or "", row, payload,
                                client)
        else:  # a supplement, or a returned case corrected and sent again
            assert case is not None
            if isinstance(payload.get("form"), dict):
                with station.db.atomic("IMMEDIATE"):
                    case.form = payload["form"]
                    case.save()
            take_materials(station, case, payload.get("materials") or [], client)
        taken.add(row.digest)
        with station.db.atomic("IMMEDIATE"):
            Setting.replace(key=TAKEN + case_no, value=json.dumps(sorted(taken))).execute()
    assert case is not None
    return case


def _taken(case: Case | None) -> set[str]:
    """The pulled events (digests) already taken in for this case."""
    if case is None:
        return set()
    stored = Setting.get_or_none(Setting.key == TAKEN + case.case_no)
    return set(json.loads(stored.value)) if stored else set()


def _client(station: Station) -> HubClient:
    client = link.client_for(station)
    link.connect(station, client)
    return client


def _take_filing(station: Station, case_no: str, matter_code: str, row: InboxEvent,
                 payload: dict[str, Any], client: HubClient) -> Case:
    header = envelope_of(row).header
    return store_filing(station, case_no, matter_code, header.node, header.author,
                        header.hlc, payload, client)


def store_filing(station: Station, case_no: str, matter_code: str, node: str, author: str,
                 hlc: str, payload: dict[str, Any], client: HubClient) -> Case:
    """Store a case from its filing's payload (applicant, form, scans fetched from the
    hub): at a reviewing desk, or at a replacement PC the case was sent again to."""
    matter = station.catalogue.get(matter_code)
    details = validate_applicant(payload["applicant"])
    filed_at = datetime.fromtimestamp(Timestamp.parse(hlc).wall_ms / 1000, UTC).astimezone()
    with station.db.atomic("IMMEDIATE"):
        snapshot_matter(matter, station.catalogue.digest)
        applicant = upsert_applicant(station, details, filed_at)
        case = Case(case_no=case_no, node_code=node, matter_code=matter.code,
                    matter_digest=station.catalogue.digest, applicant=applicant,
                    status="queued", filed_at=filed_at.isoformat(timespec="seconds"),
                    deadline=None, promised_days=matter.promised_days,
                    agent=author, notice_issued=False, updated_at=outbox.utc_now())
        case.form = payload.get("form") or {}
        case.proxy = payload.get("proxy")
        case.save(force_insert=True)
    take_materials(station, case, payload.get("materials") or [], client)
    return case


def take_materials(station: Station, case: Case, refs: list[dict[str, Any]],
                    client: HubClient) -> None:
    for ref in refs:
        blob, head = fetch_blob(station, client, ref)
        with station.db.atomic("IMMEDIATE"):
            reused = ref.get("reused_from")
            received = str(ref.get("received") or "") if reused else ""
            add_material(case, ref["name"], blob, head, json.dumps({"from": case.node_code}),
                         received if _stamp(received) else outbox.utc_now(),
                         reused_from=str(reused) if reused else None)


def _stamp(text: str) -> bool:
    """Whether ``text`` is a timestamp with its zone (a reused page's first receipt)."""
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False
