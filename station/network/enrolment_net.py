"""Enrolment (入网) through the parent's hub instead of files.

The parent's admin issues a code as before (``station enrol issue``); the
code's grant goes to the parent's hub (``publish_grants``: at ``issue
--hub``, and at every sync of the parent's stations), so the hub can refuse
a request made without the code.  The new station sends its request
(``send_request``), the admin lists and approves it through the hub
(``pending``, ``approve``) or refuses it with a reason (``refuse``), and the
new station fetches and installs its certificates (``fetch``), or learns of
the refusal (``EnrolmentRefused``) and asks again with a new code.  The
files path (``enrolment.write_request`` …) keeps working; both make the same
documents.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import ca
from keys.enrolment import screen_key
from keys.errors import KeysError
from station import node_keys
from station.app import Station
from station.errors import StationError
from station.network import hub_tls
from station.store.models import Setting
from station.trust import enrolment, users
from sync.client import HubClient
from sync.refusal import MAX_REASON, REFUSAL_KIND, clean_reason, reason_fits, request_digest
from sync.signed import sign_document

HUB_SETTING = "enrolment.hub"
SYNC_HUB_SETTING = "sync.hub_url"  # station/network/link.py's setting: set once enrolled
GRANT_KIND = "enrolment-grant"
PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


class EnrolmentHubNotSet(StationError):
    """还不知道向哪个枢纽站申请入网：请用 --hub 给出上级枢纽站的地址。"""

    exit_code = 4


class EnrolmentPending(StationError):
    """站点 {node} 的入网申请已送达 {hub}，尚待上级站点批准；批准后再运行 station enrol fetch（或加 --wait 自动等待）。"""  # noqa: E501

    exit_code = 1


class RequestNotPending(StationError):
    """枢纽站 {hub} 上没有站点 {node} 待本站批准的入网申请（注册码须由本站签发）。"""

    exit_code = 5


class EnrolmentRefused(StationError):
    """上级站点拒绝了本站的入网申请，理由是：{reason}。请联系上级站点的管理员，重新领取注册码后再申请。"""

    exit_code = 1


class RefusalReasonNeeded(StationError):
    """请写明拒绝的理由（不超过 {limit} 个字）：新站点会看到这段话。"""

    exit_code = 4


class CertificatesNotOurs(StationError):
    """枢纽站发回的站点 {node} 的证书不是签给本机密钥的，未安装；请向上级站点核实。"""

    exit_code = 4


def hub_for(station: Station, given: str | None) -> str:
    """The hub to enrol through: given, else the one used before, else the sync hub."""
    if given:
        return given.rstrip("/")
    for key in (HUB_SETTING, SYNC_HUB_SETTING):
        row = Setting.get_or_none(Setting.key == key)
        if row is not None:
            return str(row.value)
    raise EnrolmentHubNotSet()


def client_for(station: Station, url: str) -> HubClient:
    """A client signing with this node's key (certified or not yet)."""
    with station.db.atomic("IMMEDIATE"):
        key = node_keys.ensure_signing_key()
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return HubClient(url, key, station.node.code, ca_file=hub_tls.ca_file(station))


# -- the parent ------------------------------------------------------------------


def grant_documents(station: Station, now: datetime | None = None) -> list[dict[str, str]]:
    """A signed grant for each open code this node issued (screen key only)."""
    key = node_keys.load_key(node_keys.SIGNING)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        return []
    code = station.node.code
    return [sign_document({"kind": GRANT_KIND, "issuer": code, "child": grant.child_code,
                           "tier": grant.tier, "screen": screen_key(grant.digest),
                           "expires_at": grant.expires_at.isoformat()}, key, code)
            for grant in enrolment.open_grants(now)]


def publish_grants(station: Station, client: HubClient) -> int:
    """Give the hub what it needs to screen requests for our open codes."""
    documents = grant_documents(station)
    return client.publish_grants(documents) if documents else 0


def pending(station: Station, client: HubClient) -> list[dict[str, Any]]:
    """The requests waiting at the hub for this node's approval."""
    users.require_role(station, "enrol pending", "admin")
    publish_grants(station, client)
    found = client.enrolment_requests()
    for item in found:
        request = item.get("request") or {}
        try:
            names = [ca.node_name(r) for r in ca.requests_from_pem(
                str(request.get("csrs", "")).encode())]
            item["name"] = names[0].name
        except KeysError:  # shown only: approving checks the request properly
            item["name"] = ""
    return found


def approve(station: Station, client: HubClient, node_code: str,
            now: datetime | None = None) -> dict[str, Any]:
    """Approve a pending request held at the hub; the certificates go back to the hub."""
    users.require_role(station, "enrol approve", "admin")
    waiting = {item["node"]: item for item in client.enrolment_requests()}
    if node_code not in waiting:
        raise RequestNotPending(hub=client.base, node=node_code)
    certificates = enrolment.approve_document(station, waiting[node_code]["request"],
                                              now or datetime.now(UTC))
    client.approve_enrolment(certificates)
    return certificates


def refuse(station: Station, client: HubClient, node_code: str, reason: str,
           now: datetime | None = None) -> dict[str, str]:
    """Refuse a pending request held at the hub, with a reason the new node will read:
    a refusal this node signs, naming the very request it refuses."""
    users.require_role(station, "enrol refuse", "admin")
    reason = clean_reason(reason)
    if not reason_fits(reason):
        raise RefusalReasonNeeded(limit=MAX_REASON)
    waiting = {item["node"]: item for item in client.enrolment_requests()}
    if node_code not in waiting:
        raise RequestNotPending(hub=client.base, node=node_code)
    request = waiting[node_code]["request"]
    key = node_keys.load_key(node_keys.SIGNING)
    assert isinstance(key, ed25519.Ed25519PrivateKey)  # an approver is enrolled
    code = station.node.code
    refusal = sign_document({"kind": REFUSAL_KIND, "issuer": code, "node": node_code,
                             "request": request_digest(request), "reason": reason,
                             "refused_at": (now or datetime.now(UTC)).isoformat()}, key, code)
    client.refuse_enrolment(refusal)
    enrolment.record_refusal(station, request, reason, now)
    return refusal


# -- the new node ------------------------------------------------------------------


def send_request(station: Station, client: HubClient, typed_code: str) -> dict[str, Any]:
    """Send this node's request to the hub; remembers the hub for ``fetch``."""
    document = enrolment.build_request(station, typed_code)
    client.health()
    answer = client.submit_enrolment(document)
    with station.db.atomic("IMMEDIATE"):
        Setting.replace(key=HUB_SETTING, value=client.base).execute()
    if answer.get("state") == REFUSED:  # this very request (the same code) was refused
        _check_refused(station, client.enrolment_state(station.node.code))
    return answer


def fetch(station: Station, client: HubClient) -> ca.NodeIdentity:
    """Install the certificates the hub holds for this node (EnrolmentPending if not yet)."""
    node = station.node.code
    client.health()
    state = client.enrolment_state(node)
    _check_refused(station, state)
    certificates = state.get("certificates")
    if state.get("state") != APPROVED or not isinstance(certificates, dict):
        raise EnrolmentPending(node=node, hub=client.base)
    if not _certifies_our_key(certificates):
        raise CertificatesNotOurs(node=node)
    identity = enrolment.install_document(station, certificates)
    with station.db.atomic("IMMEDIATE"):
        if Setting.get_or_none(Setting.key == SYNC_HUB_SETTING) is None:
            Setting.replace(key=SYNC_HUB_SETTING, value=client.base).execute()
    return identity


def _check_refused(station: Station, state: dict[str, Any]) -> None:
    if state.get("state") == REFUSED:
        raise EnrolmentRefused(node=station.node.code,
                               reason=str(state.get("reason") or "").rstrip("。."))


def _certifies_our_key(certificates: dict[str, Any]) -> bool:
    try:
        pem = str(certificates["certificates"][node_keys.SIGNING])
        theirs = ca.chain_from_pem(pem.encode())[0].public_key()
    except (KeyError, TypeError, KeysError):
        return False
    ours = node_keys.load_key(node_keys.SIGNING)
    if not isinstance(ours, ed25519.Ed25519PrivateKey) \
            or not isinstance(theirs, ed25519.Ed25519PublicKey):
        return False
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    return theirs.public_bytes(*raw) == ours.public_key().public_bytes(*raw)
