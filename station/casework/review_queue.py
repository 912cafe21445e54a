"""A reviewer's office queue at the township (or county) hub: list, claim, return.

The claim is made at the hub, atomically, before anything is written here;
then the claim and the return are ordinary events of this node's log, so
they travel (and are audited) like every other change.
"""

from __future__ import annotations

from typing import Any

from station import outbox
from station.app import Station
from station.errors import CaseNotFound
from station.network import link
from station.store.models import InboxEvent, User
from station.trust import users
from sync.envelope import parse_envelope
from sync.problems import NotClaimHolder

REVIEW_ROLES = ("reviewer", "signer", "admin")


def my_office(station: Station) -> str | None:
    user = User.get_or_none(User.name == station.user)
    return user.office if user else None


def queue(station: Station, office: str | None = None) -> list[dict[str, Any]]:
    users.require_role(station, "queue", *REVIEW_ROLES)
    client = link.client_for(station)
    link.connect(station, client)
    return client.queue(my_office(station) if office is None else (office or None))


def _matter_of(case_no: str) -> str | None:
    row = InboxEvent.get_or_none((InboxEvent.case_no == case_no)
                                 & (InboxEvent.type == "case.filed"))
    return parse_envelope(bytes(row.envelope)).header.matter if row else None


def claim(station: Station, case_no: str) -> dict[str, Any]:
    """Claim at the hub (exactly one reviewer wins), then record and send the claim."""
    users.require_role(station, "queue claim", *REVIEW_ROLES)
    client = link.client_for(station)
    link.connect(station, client)
    answer = client.claim(case_no, station.user)
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, "case.claimed",
                      {"office": my_office(station)}, case_no=case_no,
                      matter_code=answer.get("matter") or _matter_of(case_no))
    link.sync_once(station)
    return answer


def return_to_village(station: Station, case_no: str, reason: str) -> link.SyncReport:
    """Send a claimed case back to the village that filed it, with the reason."""
    users.require_role(station, "queue return", *REVIEW_ROLES)
    mine = f"{station.node.code}/{station.user}"
    held = {c["case_no"]: c.get("holder") for c in queue(station, office="")}
    if held.get(case_no) != mine:
        raise NotClaimHolder(case_no=case_no, holder=held.get(case_no) or "-")
    matter = _matter_of(case_no)
    if matter is None:
        link.sync_once(station)
        matter = _matter_of(case_no)
    if matter is None:
        raise CaseNotFound(case_no=case_no)
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, "case.returned",
                      {"reason": reason, "office": my_office(station)}, case_no=case_no,
                      matter_code=matter)
    return link.sync_once(station)
