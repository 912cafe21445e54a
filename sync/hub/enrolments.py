"""Enrolment (入网) through the hubs: grants, requests, approvals.

1. A parent that printed an enrolment code publishes a **grant** to its hub:
   a document it signs naming the child, its tier, the code's expiry and the
   code's screen key (keys.enrolment.screen_key; never the code, never its
   digest).  A hub below pulls the grants its parent holds for its subtree.
2. The new node sends its **request** (the same document as the request
   file, plus a screen proof) to its parent's hub, signing the HTTP request
   with the very key it asks to have certified.  The hub stores it only if
   it matches an open grant: a wrong code or a changed request is refused
   and nothing is kept.  A hub whose parent issued the grant relays the
   request upward (sync/hub/forward.py).
3. The approver's admin lists pending requests and posts the **approval**:
   the certificates file, which verifies to the county root by itself.  The
   hub keeps it only if its keys are the request's; hubs below pull it down.
   Or the approver **refuses** it (``sync/refusal.py``): a document it signs
   naming the request and a reason, kept only if its signer is the request's
   approver; the grant is then spent, and hubs below pull the refusal down
   like an approval.  A refused node asks again with a new code.
4. The new node fetches its approval and installs it, or reads the refusal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from keys import ca
from keys.enrolment import check_screen
from keys.errors import BadSignature, KeysError
from keys.hierarchy import is_under, tier_of
from sync.hub.desk import HubCore
from sync.hub.models import HubEnrolment, HubGrant, upsert
from sync.problems import (
    ApprovalInvalid,
    ApprovalMismatch,
    DocumentMalformed,
    EnrolmentNotInvited,
    EnrolmentScreenFailed,
    EnrolmentUnknown,
    NodeNotEnrolled,
    NodeNotServed,
    RefusalInvalid,
    RefusalMismatch,
    RefusalNotApprover,
)
from sync.refusal import REFUSAL_KIND, reason_fits, request_digest
from sync.signed import open_document, signer_of

REQUEST_FORMAT = "bianmin-enrolment-request/1"
CERTIFICATES_FORMAT = "bianmin-enrolment-certificates/1"
GRANT_KIND = "enrolment-grant"
MAX_REQUEST = 64 << 10  # bytes of one request body
PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CODE = re.compile(r"[0-9]{12}")
_REQUEST, _GRANT, _APPROVAL, _REFUSAL = "入网申请", "注册码凭据", "入网证书", "拒绝入网通知"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _key_bytes(key: Any) -> bytes:
    return bytes(key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo))


@dataclass(frozen=True)
class Request:
    """A request whose structure and certificate requests were checked (not its proofs)."""

    node: str
    tier: str
    name: str
    csr_pem: bytes
    screen: str
    signing_key: ed25519.Ed25519PublicKey
    keys: frozenset[bytes]  # DER of every requested public key


def parse_request(document: object) -> Request:
    """DocumentMalformed unless ``document`` is a well-formed request whose certificate
    requests are self-signed and all name the node it claims."""
    if not isinstance(document, dict) or document.get("format") != REQUEST_FORMAT:
        raise DocumentMalformed(what=_REQUEST)
    fields = [document.get(k) for k in ("node_code", "tier", "csrs", "proof", "screen")]
    if not all(isinstance(v, str) for v in fields) or not _CODE.fullmatch(str(fields[0])):
        raise DocumentMalformed(what=_REQUEST)
    node, tier, csrs = str(fields[0]), str(fields[1]), str(fields[2]).encode("utf-8")
    try:
        requests = ca.requests_from_pem(csrs)
        if tier_of(node) != tier or not 1 <= len(requests) <= 2:
            raise DocumentMalformed(what=_REQUEST)
        names = [ca.node_name(r) for r in requests]
    except (KeysError, ValueError):
        raise DocumentMalformed(what=_REQUEST) from None
    signing = [r.public_key() for r in requests
               if isinstance(r.public_key(), ed25519.Ed25519PublicKey)]
    issuing = [r for r in requests if isinstance(r.public_key(), ec.EllipticCurvePublicKey)]
    if len(signing) != 1 or len(signing) + len(issuing) != len(requests) \
            or (issuing and tier != "township") \
            or any(not r.is_signature_valid for r in requests) \
            or any(n.code != node or n.tier != tier for n in names):
        raise DocumentMalformed(what=_REQUEST)
    key = signing[0]
    assert isinstance(key, ed25519.Ed25519PublicKey)
    return Request(node, tier, names[0].name, csrs, str(fields[4]), key,
                   frozenset(_key_bytes(r.public_key()) for r in requests))


class EnrolmentDesk:
    """The hub's part in enrolment; every write is one transaction."""

    def __init__(self, hub: HubCore) -> None:
        self.hub = hub

    @property
    def code(self) -> str:
        return self.hub.me.code

    # -- grants --------------------------------------------------------------

    def store_grants(self, wires: Iterable[object], requester: str) -> int:
        """Grants signed by their issuer: the caller's own, or relayed down by our parent."""
        stored = 0
        for wire in wires:
            issuer = signer_of(wire, _GRANT)
            relayed = is_under(self.code, requester) and is_under(self.code, issuer)
            if issuer != requester and not relayed:
                raise NodeNotServed(node=issuer, hub=self.code)
            value = open_document(wire, self.hub.public_key(issuer), _GRANT)
            child, screen = value.get("child"), value.get("screen")
            if value.get("kind") != GRANT_KIND or value.get("issuer") != issuer \
                    or not isinstance(child, str) or not _CODE.fullmatch(child) \
                    or not isinstance(screen, str) or not _HEX64.fullmatch(screen) \
                    or value.get("tier") != tier_of(child) \
                    or not isinstance(value.get("expires_at"), str) \
                    or _moment(value["expires_at"]) is None:
                raise DocumentMalformed(what=_GRANT)
            if not is_under(child, issuer) or not is_under(child, self.code):
                raise NodeNotServed(node=child, hub=self.code)
            with self.hub.write():
                if HubGrant.get_or_none(HubGrant.screen == screen) is None:
                    HubGrant.insert(
                        screen=screen, child=child, tier=value["tier"], issuer=issuer,
                        expires_at=value["expires_at"], document=json.dumps(wire),
                    ).on_conflict_ignore().execute()
                    stored += 1
        return stored

    def grants_for(self, requester: str) -> list[Any]:
        """Open grants for a hub below: its subtree's, issued above it."""
        if not is_under(requester, self.code):
            raise NodeNotServed(node=requester, hub=self.code)
        rows = HubGrant.select().where(HubGrant.used_at.is_null()
                                       & (HubGrant.issuer != requester))
        return [json.loads(r.document) for r in rows
                if is_under(r.child, requester) and not _expired(r.expires_at)]

    # -- requests ------------------------------------------------------------

    def key_of(self, node: str) -> ed25519.Ed25519PublicKey:
        """The key a stored request asks to certify (KeyError when there is none)."""
        row = HubEnrolment.get_or_none(HubEnrolment.node == node)
        if row is None:
            raise KeyError(node)
        return parse_request(json.loads(row.request)).signing_key

    def submit(self, document: object, requester: str) -> dict[str, str]:
        request = parse_request(document)
        assert isinstance(document, dict)
        if not is_under(request.node, self.code):
            raise NodeNotServed(node=request.node, hub=self.code)
        if requester != request.node and not (is_under(request.node, requester)
                                              and self.hub.serves(requester)):
            raise NodeNotServed(node=request.node, hub=self.code)
        with self.hub.write():
            self.hub.lock_key(f"enrol:{request.node}")
            held = HubEnrolment.get_or_none(HubEnrolment.node == request.node)
            if held is not None and json.loads(held.request) == document:
                return {"node": request.node, "state": held.state}  # sent again: no change
            grant = self._screen(request)
            upsert(HubEnrolment, node=request.node, tier=request.tier,
                   request=json.dumps(document, ensure_ascii=False), screen=grant.screen,
                   issuer=grant.issuer, peer=requester, received_at=now_iso(),
                   state=PENDING, certificates=None, approved_at=None,
                   refusal=None, reason=None, refused_at=None)
        return {"node": request.node, "state": PENDING}

    def _screen(self, request: Request) -> HubGrant:
        open_grants = [g for g in HubGrant.select().where(
            (HubGrant.child == request.node) & HubGrant.used_at.is_null())
            if g.tier == request.tier and not _expired(g.expires_at)]
        if not open_grants:
            raise EnrolmentNotInvited(node=request.node)
        for grant in open_grants:
            if check_screen(grant.screen, request.csr_pem, request.screen):
                return grant
        raise EnrolmentScreenFailed(node=request.node)

    def pending_for(self, requester: str) -> list[dict[str, Any]]:
        """The requests ``requester`` approves (it issued their codes)."""
        rows = HubEnrolment.select().where((HubEnrolment.state == PENDING)
                                           & (HubEnrolment.issuer == requester))
        return [self._shown(r, with_request=True) for r in rows.order_by(HubEnrolment.node)]

    def relayed_up(self) -> list[HubEnrolment]:
        """Requests stored here whose approver is above this hub."""
        return [r for r in HubEnrolment.select().where(HubEnrolment.state == PENDING)
                if r.issuer != self.code and is_under(self.code, r.issuer)]

    def state_of(self, node: str, requester: str) -> dict[str, Any]:
        if requester != node and not is_under(node, requester):
            raise NodeNotServed(node=node, hub=self.code)
        row = HubEnrolment.get_or_none(HubEnrolment.node == node)
        if row is None:
            raise EnrolmentUnknown(node=node)
        return self._shown(row, with_request=False)

    @staticmethod
    def _shown(row: HubEnrolment, with_request: bool) -> dict[str, Any]:
        request = json.loads(row.request)
        value: dict[str, Any] = {
            "node": row.node, "tier": row.tier, "state": row.state, "issuer": row.issuer,
            "received_at": row.received_at, "via": row.peer,
            "certificates": json.loads(row.certificates) if row.certificates else None}
        if row.state == REFUSED:
            value.update(refusal=json.loads(row.refusal or "null"), reason=row.reason,
                         refused_at=row.refused_at)
        if with_request:
            value["request"] = request
        return value

    # -- approvals -----------------------------------------------------------

    def approve(self, document: object, requester: str) -> dict[str, str]:
        """Keep the certificates file for a pending request, if they certify its keys."""
        if not isinstance(document, dict) or document.get("format") != CERTIFICATES_FORMAT \
                or not isinstance(document.get("node_code"), str) \
                or not isinstance(document.get("certificates"), dict) \
                or not isinstance(document.get("root"), str) \
                or not all(isinstance(k, str) and isinstance(v, str)
                           for k, v in document["certificates"].items()):
            raise DocumentMalformed(what=_APPROVAL)
        node = str(document["node_code"])
        row = HubEnrolment.get_or_none(HubEnrolment.node == node)
        if row is None:
            raise EnrolmentUnknown(node=node)
        if requester != row.issuer and not is_under(self.code, requester):
            raise NodeNotServed(node=node, hub=self.code)
        request = parse_request(json.loads(row.request))
        self._check_certificates(node, document, request)
        text = json.dumps(document, ensure_ascii=False)
        with self.hub.write():
            if row.state == APPROVED and row.certificates == text:
                return {"node": node, "state": APPROVED}
            stamp = now_iso()
            HubEnrolment.update(state=APPROVED, certificates=text, approved_at=stamp).where(
                HubEnrolment.node == node).execute()
            HubGrant.update(used_at=stamp).where(HubGrant.screen == row.screen).execute()
        return {"node": node, "state": APPROVED}

    def _check_certificates(self, node: str, document: dict[str, Any],
                            request: Request) -> None:
        try:
            root = ca.certificate_from_pem(str(document["root"]).encode())
            pems = document["certificates"]
            signing = ca.chain_from_pem(str(pems.get("signing", "")).encode())
            identity = ca.verify_node(signing[0], signing[1:], self.hub.me.root,
                                      self.hub.me.revocations)
            issued = {purpose: ca.chain_from_pem(str(pem).encode())[0]
                      for purpose, pem in pems.items()}
        except (KeysError, ValueError):
            raise ApprovalInvalid(node=node) from None
        if root != self.hub.me.root or identity.code != node or set(issued) - {
                "signing", "issuing"}:
            raise ApprovalInvalid(node=node)
        if {_key_bytes(c.public_key()) for c in issued.values()} != request.keys:
            raise ApprovalMismatch(node=node)
        for cert in issued.values():
            if not _issued_by(cert, signing[1:], self.hub.me.root):
                raise ApprovalInvalid(node=node)

    # -- refusals ------------------------------------------------------------

    def refuse(self, wire: object, requester: str) -> dict[str, str]:
        """Keep the approver's signed refusal of the request held for its node.

        Verified before anything is read from it: a refusal that does not verify
        (RefusalInvalid), one signed by another node than the request's approver
        (RefusalNotApprover), or one naming another request or an approved one
        (RefusalMismatch) changes nothing."""
        signer = signer_of(wire, _REFUSAL)
        try:
            value = open_document(wire, self.hub.public_key(signer), _REFUSAL)
        except (BadSignature, NodeNotEnrolled):
            raise RefusalInvalid() from None
        node, digest = value.get("node"), value.get("request")
        if value.get("kind") != REFUSAL_KIND or value.get("issuer") != signer \
                or not isinstance(node, str) or not _CODE.fullmatch(node) \
                or not isinstance(digest, str) or not _HEX64.fullmatch(digest) \
                or not reason_fits(value.get("reason")) \
                or not isinstance(value.get("refused_at"), str) \
                or _moment(value["refused_at"]) is None:
            raise DocumentMalformed(what=_REFUSAL)
        row = HubEnrolment.get_or_none(HubEnrolment.node == node)
        if row is None:
            raise EnrolmentUnknown(node=node)
        if signer != row.issuer:
            raise RefusalNotApprover(signer=signer, node=node)
        if requester != row.issuer and not is_under(self.code, requester):
            raise NodeNotServed(node=node, hub=self.code)
        text = json.dumps(wire, ensure_ascii=False)
        with self.hub.write():
            self.hub.lock_key(f"enrol:{node}")
            row = HubEnrolment.get(HubEnrolment.node == node)
            if row.state == REFUSED and row.refusal == text:
                return {"node": node, "state": REFUSED}  # relayed again: no change
            if row.state == APPROVED or request_digest(json.loads(row.request)) != digest:
                raise RefusalMismatch(node=node)
            stamp = now_iso()
            HubEnrolment.update(state=REFUSED, refusal=text, reason=str(value["reason"]),
                                refused_at=stamp).where(HubEnrolment.node == node).execute()
            HubGrant.update(used_at=stamp).where(HubGrant.screen == row.screen).execute()
        return {"node": node, "state": REFUSED}


def _issued_by(cert: x509.Certificate, chain: list[x509.Certificate],
               root: x509.Certificate) -> bool:
    for issuer in (*chain, root):
        try:
            cert.verify_directly_issued_by(issuer)
            return True
        except (InvalidSignature, ValueError, TypeError):
            continue
    return False


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _expired(text: str) -> bool:
    moment = _moment(text)
    return moment is None or moment <= datetime.now(UTC)
