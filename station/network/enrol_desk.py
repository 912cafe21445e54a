"""入网 in the window: the services the enrolment screens call (on the worker).

Each is the CLI's own steps (``station enrol request --hub`` / ``fetch`` /
``pending`` / ``approve --hub`` / ``refuse`` / ``issue --hub``), gathered so the window holds
no store or HTTP object: a request under way is an opaque ``HubLink``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keys import ca
from keys.errors import KeysError
from station import i18n, node_keys
from station.app import Station
from station.documents.enrolment import EnrolmentSheetInfo, write_enrolment_sheet
from station.errors import HubNotSet
from station.network import enrolment_net, link
from station.node import TIER_LABELS
from station.store.models import Setting, User
from station.trust import enrolment
from sync.client import HubClient
from sync.errors import SyncError

# file names, the same in every interface language
SHEET_NAME = "{code}-入网注册单.pdf"
REQUEST_FILE = "入网申请-{code}.json"
REQUEST_WORD, APPROVAL_WORD = "入网申请", "入网批准"


@dataclass(frozen=True)
class HubLink:
    """The hub a new station's request went to, and how to ask it again."""

    client: HubClient

    @property
    def base(self) -> str:
        return self.client.base


@dataclass(frozen=True)
class IssuedSheet:
    code: str
    child_code: str
    sheet: Path
    published: bool  # the hub has the grant now (else at the next sync)


def is_enrolled() -> bool:
    """Whether the open station holds the certificate its parent issued."""
    return bool(node_keys.certificate(node_keys.SIGNING))


def role_of(station: Station) -> str:
    user = User.get_or_none(User.name == station.user)
    return str(user.role) if user else ""


# -- the new station -------------------------------------------------------------------


def remembered(station: Station) -> tuple[str, HubLink | None]:
    """The hub given before, and a link when a request was already sent to it."""
    try:
        hub = enrolment_net.hub_for(station, None)
    except enrolment_net.EnrolmentHubNotSet:
        return "", None
    if Setting.get_or_none(Setting.key == enrolment_net.HUB_SETTING) is None:
        return hub, None
    return hub, HubLink(enrolment_net.client_for(station, hub))


def send(station: Station, hub: str, code: str) -> HubLink:
    client = enrolment_net.client_for(station, hub)
    enrolment_net.send_request(station, client, code)
    return HubLink(client)


def fetch(station: Station, sent: HubLink) -> ca.NodeIdentity:
    """The certificates once approved (``EnrolmentPending`` until then)."""
    return enrolment_net.fetch(station, sent.client)


# -- the parent --------------------------------------------------------------------------


def _hub(station: Station) -> HubClient:
    url = link.hub_url(station)
    if not url:
        raise HubNotSet()
    client = link.client_for(station, url)
    link.connect(station, client)
    return client


def pending_requests(station: Station) -> list[dict[str, Any]]:
    """The requests waiting for this station's approval; ``replaces`` marks a new PC for
    a station it enrolled before (its approval starts a new key epoch)."""
    rows = enrolment_net.pending(station, _hub(station))
    for row in rows:
        row["replaces"] = enrolment.enrolled_before(str(row.get("node", "")))
    return rows


def approve_request(station: Station, node: str) -> str:
    enrolment_net.approve(station, _hub(station), node)
    return node


def refuse_request(station: Station, node: str, reason: str) -> str:
    """拒绝: the hub keeps this station's signed refusal; the new station reads the reason."""
    enrolment_net.refuse(station, _hub(station), node, reason)
    return node


def approve_file(station: Station, request: Path) -> Path:
    """Offline: approve a request file brought on a USB stick; the approval file is
    written next to it (``入网申请-…`` becomes ``入网批准-…``)."""
    stem = request.stem
    name = stem.replace(REQUEST_WORD, APPROVAL_WORD) if REQUEST_WORD in stem \
        else f"{stem}-{APPROVAL_WORD}"
    return enrolment.approve_request(station, request, request.with_name(f"{name}.json"))


def issue_sheet(station: Station, child_code: str, tier: str) -> IssuedSheet:
    """Issue a code, write its sheet, and give the hub its grant if it answers."""
    issued = enrolment.issue_code(station, child_code, tier)
    node = station.node
    sheet = write_enrolment_sheet(
        EnrolmentSheetInfo(parent_code=node.code, parent_name=node.name,
                           child_code=issued.child_code,
                           child_tier=i18n.translate(TIER_LABELS[issued.tier]),
                           code=issued.code, expires_at=issued.expires_at.astimezone(),
                           issued_by=station.display_name(station.user)),
        station.documents / SHEET_NAME.format(code=issued.child_code))
    try:
        enrolment_net.publish_grants(station, _hub(station))
        published = True
    except (HubNotSet, SyncError, KeysError):  # the code stands; the next sync gives it
        published = False
    return IssuedSheet(issued.code, issued.child_code, sheet, published)
