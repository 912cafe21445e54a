"""Enrolment (入网): a parent node admits a child node into the network.

1. The parent issues a one-time code for the child's division code (printed on
   an enrolment sheet).  A child must fall under the parent: the county enrols
   its townships, a township its villages.
2. The child generates its keys locally and writes a request file: its
   certificate signing request(s) and an HMAC proof that it holds the code.
   Private keys never leave the machine; the code itself is not in the file.
3. The parent approves the request: the proof matches an unused, unexpired code
   for that node; the certificate(s) are issued and written to a file.
4. The child installs the file after verifying the chain up to the county root.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from keys import ca, enrolment
from keys.errors import EnrolmentProofInvalid, NotUnderIssuer
from keys.hierarchy import is_under
from station import node_keys, outbox
from station.app import Station
from station.errors import EnrolmentFileInvalid, NotPermitted
from station.labels import action_name
from station.node import check_node, tier_name
from station.store.models import EnrolmentGrant, Event, Setting
from station.trust import users

DEFAULT_VALID_DAYS = 7
REQUEST_FORMAT = "bianmin-enrolment-request/1"
CERTIFICATES_FORMAT = "bianmin-enrolment-certificates/1"
ROOT_SETTING = "root_certificate"
ENROLMENT_APPROVED = "trust.enrolment_approved"


@dataclass(frozen=True)
class IssuedCode:
    code: str
    child_code: str
    tier: str
    expires_at: datetime


def init_ca(station: Station) -> x509.Certificate:
    """County only: the root of the network's trust, and the county's own certificate."""
    node = station.node
    if node.tier != "county":
        raise NotPermitted(action=action_name("ca init"), tier=tier_name(node.tier))
    users.require_role(station, "ca init", "admin")
    with station.db.atomic("IMMEDIATE"):
        root_key, root_cert = ca.create_root(node.code, node.name)
        node_keys.store_key(node_keys.ROOT, root_key)
        node_keys.set_certificate(node_keys.ROOT, _text(ca.to_pem(root_cert)))
        signing = node_keys.ensure_signing_key()
        assert isinstance(signing, ed25519.Ed25519PrivateKey)
        own = ca.approve(ca.node_csr(signing, node.code, node.tier, node.name), root_key,
                         root_cert)
        node_keys.set_certificate(node_keys.SIGNING, _text(ca.to_pem([own, root_cert])))
        Setting.replace(key=ROOT_SETTING, value=_text(ca.to_pem(root_cert))).execute()
        outbox.append(node.code, station.user, "trust.ca_created",
                      {"serial": root_cert.serial_number})
    return root_cert


def _text(pem: bytes) -> str:
    return pem.decode("ascii")


def issue_code(station: Station, child_code: str, tier: str,
               valid_days: int = DEFAULT_VALID_DAYS, now: datetime | None = None) -> IssuedCode:
    """The parent: a one-time code for a child under it (only its digest is kept)."""
    node = station.node
    users.require_role(station, "enrol issue", "admin")
    child = check_node(child_code, tier, "-")
    if not is_under(child.code, node.code):
        raise NotUnderIssuer(child=child.code, parent=node.code)
    now = now or datetime.now(UTC)
    code = enrolment.new_code()
    expires = now + timedelta(days=valid_days)
    with station.db.atomic("IMMEDIATE"):
        EnrolmentGrant.create(digest=enrolment.code_digest(code), child_code=child.code,
                              tier=child.tier, issued_by=station.user,
                              issued_at=now.isoformat(), expires_at=expires.isoformat())
        outbox.append(node.code, station.user, "trust.enrolment_issued",
                      {"child": child.code, "tier": child.tier})
    return IssuedCode(code, child.code, child.tier, expires)


def build_request(station: Station, typed_code: str) -> dict[str, Any]:
    """The child's request: CSR(s), a proof of the code for the parent and a screen
    proof for the parent's hub; keys stay here."""
    code = enrolment.parse_code(typed_code)
    node = station.node
    with station.db.atomic("IMMEDIATE"):
        signing = node_keys.ensure_signing_key()
        requests = [ca.node_csr(signing, node.code, node.tier, node.name)]  # type: ignore[arg-type]
        if node.tier == "township":
            issuing = node_keys.load_key(node_keys.ISSUING) or node_keys.create_key(
                node_keys.ISSUING)
            requests.append(ca.issuing_csr(issuing, node.code, node.name))  # type: ignore[arg-type]
    csr_pem = b"".join(ca.to_pem(r) for r in requests)
    return {"format": REQUEST_FORMAT, "node_code": node.code, "tier": node.tier,
            "csrs": _text(csr_pem), "proof": enrolment.request_proof(code, csr_pem),
            "screen": enrolment.request_screen(code, csr_pem)}


def write_request(station: Station, typed_code: str, out: Path) -> Path:
    """The child's request as a file, for the parent to approve by hand."""
    document = build_request(station, typed_code)
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def _read(path: Path, expected: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise EnrolmentFileInvalid(path=path, reason=str(error)) from None
    if not isinstance(document, dict) or document.get("format") != expected:
        raise EnrolmentFileInvalid(path=path, reason=expected)
    return document


def approve_request(station: Station, request: Path, out: Path,
                    now: datetime | None = None) -> Path:
    """The parent: the proof must match an open code for that node; then certify."""
    answer = approve_document(station, _read(request, REQUEST_FORMAT), now)
    out.write_text(json.dumps(answer, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def approve_document(station: Station, document: dict[str, Any],
                     now: datetime | None = None) -> dict[str, Any]:
    """The certificates for a request document (from a file or from the hub)."""
    node = station.node
    users.require_role(station, "enrol approve", "admin")
    child_code = str(document.get("node_code", ""))
    if not is_under(child_code, node.code):
        raise NotUnderIssuer(child=child_code, parent=node.code)
    now = now or datetime.now(UTC)
    csr_pem = str(document.get("csrs", "")).encode("ascii", "replace")
    grant = _matching_grant(child_code, csr_pem, str(document.get("proof", "")))
    requests = grant.admit(csr_pem, str(document["proof"]), now)
    issuer_purpose = node_keys.ROOT if node.tier == "county" else node_keys.ISSUING
    issuer_key = node_keys.load_key(issuer_purpose)
    issuer_pem = node_keys.certificate(issuer_purpose)
    if not isinstance(issuer_key, ec.EllipticCurvePrivateKey) or not issuer_pem:
        raise NotPermitted(action=action_name("enrol approve"), tier=tier_name(node.tier))
    issuer_chain = ca.chain_from_pem(issuer_pem.encode())
    replaces = enrolled_before(child_code)
    certificates = {}
    for csr in requests:
        cert = ca.approve(csr, issuer_key, issuer_chain[0], now=now)
        purpose = (node_keys.SIGNING if isinstance(csr.public_key(), ed25519.Ed25519PublicKey)
                   else node_keys.ISSUING)
        certificates[purpose] = _text(ca.to_pem([cert, *issuer_chain]))
    with station.db.atomic("IMMEDIATE"):
        EnrolmentGrant.update(used_at=now.isoformat()).where(
            EnrolmentGrant.digest == grant.digest).execute()
        outbox.append(node.code, station.user, ENROLMENT_APPROVED,
                      {"child": child_code, "replaces": replaces})
    answer: dict[str, Any] = {"format": CERTIFICATES_FORMAT, "node_code": child_code,
                              "certificates": certificates,
                              "root": Setting.get(Setting.key == ROOT_SETTING).value}
    if replaces:  # a new PC for a station this office enrolled before: a new key epoch
        answer["replaces"] = True
    return answer


def enrolled_before(child_code: str) -> bool:
    """This station approved an enrolment of ``child_code`` before: a new request for
    it is a replacement PC (the old one died), whose chain goes on from the hub's head."""
    approvals = Event.select().where(Event.type == ENROLMENT_APPROVED)
    return any(event.payload.get("child") == child_code for event in approvals)


def record_refusal(station: Station, document: dict[str, Any], reason: str,
                   now: datetime | None = None) -> None:
    """The parent refused a request: its code is spent here too (so it is not given to
    the hub again), and the refusal is in the station's records like an approval."""
    node = station.node
    users.require_role(station, "enrol refuse", "admin")
    child_code = str(document.get("node_code", ""))
    csr_pem = str(document.get("csrs", "")).encode("ascii", "replace")
    try:
        digest: str | None = _matching_grant(child_code, csr_pem,
                                             str(document.get("proof", ""))).digest
    except EnrolmentProofInvalid:  # the hub screened it; a proof we cannot match spends none
        digest = None
    with station.db.atomic("IMMEDIATE"):
        if digest is not None:
            EnrolmentGrant.update(used_at=(now or datetime.now(UTC)).isoformat()).where(
                EnrolmentGrant.digest == digest, EnrolmentGrant.used_at.is_null()).execute()
        outbox.append(node.code, station.user, "trust.enrolment_refused",
                      {"child": child_code, "reason": reason})


def _matching_grant(child_code: str, csr_pem: bytes, proof: str) -> enrolment.EnrolmentGrant:
    """The grant whose code made this proof (its used/expired state is checked after)."""
    for record in EnrolmentGrant.select().where(EnrolmentGrant.child_code == child_code):
        if enrolment.check_proof(record.digest, csr_pem, proof):
            return enrolment.EnrolmentGrant(
                digest=record.digest, child_code=record.child_code, tier=record.tier,
                expires_at=datetime.fromisoformat(record.expires_at),
                used_at=datetime.fromisoformat(record.used_at) if record.used_at else None)
    raise EnrolmentProofInvalid()


def install_certificates(station: Station, path: Path) -> ca.NodeIdentity:
    """The child: verify the chain to the county root, then keep it."""
    return install_document(station, _read(path, CERTIFICATES_FORMAT))


def install_document(station: Station, document: dict[str, Any]) -> ca.NodeIdentity:
    """Install a certificates document (from a file or fetched from the hub)."""
    node = station.node
    root = ca.certificate_from_pem(str(document["root"]).encode())
    chain = ca.chain_from_pem(str(document["certificates"][node_keys.SIGNING]).encode())
    identity = ca.verify_node(chain[0], chain[1:], root)
    if identity.code != node.code:
        raise NotUnderIssuer(child=identity.code, parent=node.code)
    with station.db.atomic("IMMEDIATE"):
        for purpose, pem in document["certificates"].items():
            node_keys.set_certificate(purpose, pem)
        Setting.replace(key=ROOT_SETTING, value=document["root"]).execute()
        if document.get("replaces") is True:  # this PC replaces a dead one: its log goes
            outbox.ask_chain_resume("replacement")  # on from the hub's head
        outbox.append(node.code, station.user, "trust.enrolled", {"serial": identity.serial})
    return identity


def open_grants(now: datetime | None = None) -> list[enrolment.EnrolmentGrant]:
    """The codes this node issued that may still be used (to publish to its hub)."""
    now = now or datetime.now(UTC)
    grants = [enrolment.EnrolmentGrant(
        digest=r.digest, child_code=r.child_code, tier=r.tier,
        expires_at=datetime.fromisoformat(r.expires_at))
        for r in EnrolmentGrant.select().where(EnrolmentGrant.used_at.is_null())]
    return [g for g in grants if g.expires_at > now]
