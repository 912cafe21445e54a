"""The county CA: certificates follow the division codes, chains verify, lists revoke.

Frozen vectors under tests/data/keys/ca-v1/ were written once by
``build_ca_vectors`` with seeded randomness (ECDSA here is deterministic,
RFC 6979).  ``test_frozen_*`` read them with the current code; after a
deliberate profile change add ca-v2 beside them instead of regenerating.

Regenerate (only for a new format version)::

    PYTHONPATH=. .venv/bin/python tests/test_keys_ca.py
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from seeded import SeededRandom

from keys.ca import (
    NodeIdentity,
    VerifiedChains,
    approve,
    certificate_from_pem,
    chain_from_pem,
    create_root,
    issuing_csr,
    new_issuing_key,
    node_csr,
    node_name,
    request_from_pem,
    requests_from_pem,
    root_key_id,
    subject_name,
    to_pem,
    verify_node,
)
from keys.errors import (
    CertificateExpired,
    CertificateMalformed,
    CertificateNotYetValid,
    CertificateRevoked,
    ChainInvalid,
    IssuerMissing,
    IssuingKeyNotAllowed,
    KeysError,
    NodeCodeInvalid,
    NotAnIssuer,
    NotUnderIssuer,
    PemInvalid,
    RequestForged,
    RevocationInvalid,
    SignatureForged,
    TierMismatch,
    TrustError,
    UnsupportedKey,
)
from keys.hierarchy import is_under, tier_of
from keys.revocation import RevocationList, issue_revocations, load_revocations, newer

DATA = Path(__file__).parent / "data" / "keys" / "ca-v1"
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)

COUNTY = "450981000000"
TOWNSHIP = "450981104000"
VILLAGE = "450981104201"
VILLAGE_2 = "450981104202"
OTHER_TOWNSHIP = "450981105000"
OTHER_VILLAGE = "450981105201"
NAMES = {
    COUNTY: "北流市政务服务中心",
    TOWNSHIP: "示范镇便民服务中心",
    VILLAGE: "示范村便民服务站",
    VILLAGE_2: "新村便民服务站",
    OTHER_TOWNSHIP: "东镇便民服务中心",
    OTHER_VILLAGE: "东村便民服务站",
}



def signing_key(seed: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(SeededRandom(seed)(32))


@dataclass
class Node:
    code: str
    key: Ed25519PrivateKey
    cert: x509.Certificate


@dataclass
class Issuer:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


@dataclass
class County:
    """A county tree: root, county node, two townships, three villages."""

    root: Issuer
    county: Node
    townships: dict[str, tuple[Node, Issuer]]
    villages: dict[str, Node]


def enrol(code: str, issuer: Issuer, seed: str, *, now: datetime = NOW,
          days: int = 3650) -> Node:
    key = signing_key(seed)
    csr = node_csr(key, code, tier_of(code), NAMES[code])
    cert = approve(csr, issuer.key, issuer.cert, now=now, days=days,
                   randbytes=SeededRandom(seed + "/serial"))
    return Node(code, key, cert)


def enrol_township(code: str, root: Issuer, seed: str, *,
                   now: datetime = NOW) -> tuple[Node, Issuer]:
    node = enrol(code, root, seed, now=now)
    key = new_issuing_key(SeededRandom(seed + "/issuing"))
    csr = issuing_csr(key, code, NAMES[code])
    cert = approve(csr, root.key, root.cert, now=now, randbytes=SeededRandom(seed + "/i-serial"))
    return node, Issuer(key, cert)


def build_county(seed: str = "county", now: datetime = NOW) -> County:
    key, cert = create_root(COUNTY, NAMES[COUNTY], now=now, randbytes=SeededRandom(seed + "/root"))
    root = Issuer(key, cert)
    county = enrol(COUNTY, root, seed + "/county-node", now=now)
    townships = {code: enrol_township(code, root, f"{seed}/{code}", now=now)
                 for code in (TOWNSHIP, OTHER_TOWNSHIP)}
    villages = {
        code: enrol(code, townships[code[:9] + "000"][1], f"{seed}/{code}", now=now)
        for code in (VILLAGE, VILLAGE_2, OTHER_VILLAGE)
    }
    return County(root, county, townships, villages)


@pytest.fixture(scope="module")
def tree() -> County:
    return build_county()


def issuing(tree: County, code: str = TOWNSHIP) -> Issuer:
    return tree.townships[code][1]


def chain_for(tree: County, code: str) -> list[x509.Certificate]:
    tier = tier_of(code)
    return [issuing(tree, code[:9] + "000").cert] if tier == "village" else []


def forge(subject: x509.Name, public_key: object, signer: Issuer, *, ca: bool = False,
          path_length: int | None = None, days: int = 365) -> x509.Certificate:
    """A certificate made directly with cryptography's builder, bypassing approve()."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer.cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
    return builder.sign(signer.key, hashes.SHA256())


def revocations(tree: County, number: int, *serials: int) -> RevocationList:
    data = issue_revocations(tree.root.key, number, serials, now=NOW)
    return load_revocations(data, tree.root.cert)


# -- the division-code hierarchy --------------------------------------------


def test_tiers_of_codes() -> None:
    assert [tier_of(c) for c in (COUNTY, TOWNSHIP, VILLAGE)] == ["county", "township", "village"]
    for bad in ("45098100000", "4509810000000", "45098110420x", "000981000000", "450900000000",
                "450981000201", "４５０９８１０００００００"):
        with pytest.raises(NodeCodeInvalid):
            tier_of(bad)


@pytest.mark.parametrize(("child", "parent", "expected"), [
    (TOWNSHIP, COUNTY, True),
    (VILLAGE, COUNTY, True),
    (VILLAGE, TOWNSHIP, True),
    (OTHER_VILLAGE, TOWNSHIP, False),
    (VILLAGE, OTHER_TOWNSHIP, False),
    (TOWNSHIP, "450982000000", False),
    (VILLAGE, "450982000000", False),
    (COUNTY, COUNTY, False),
    (TOWNSHIP, TOWNSHIP, False),
    (VILLAGE, VILLAGE, False),
    (VILLAGE_2, VILLAGE, False),
    (COUNTY, TOWNSHIP, False),
    (TOWNSHIP, VILLAGE, False),
])
def test_is_under(child: str, parent: str, expected: bool) -> None:
    assert is_under(child, parent) is expected


# -- issuing ----------------------------------------------------------------


def test_root_profile(tree: County) -> None:
    root = tree.root.cert
    assert root.subject == root.issuer
    assert root.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == COUNTY
    assert node_name(root) == (COUNTY, "county", NAMES[COUNTY])
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)
    assert isinstance(root.signature_hash_algorithm, hashes.SHA256)
    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 1
    assert root.not_valid_after_utc - NOW > timedelta(days=365 * 20 - 1)
    root.verify_directly_issued_by(root)


def test_certificate_profiles(tree: County) -> None:
    village = tree.villages[VILLAGE].cert
    assert node_name(village) == (VILLAGE, "village", NAMES[VILLAGE])
    assert village.issuer == issuing(tree).cert.subject
    assert not village.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = village.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    township = issuing(tree).cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert township.ca and township.path_length == 0
    node = tree.townships[TOWNSHIP][0].cert
    assert not node.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert village.not_valid_before_utc == NOW - timedelta(days=1)
    assert village.not_valid_after_utc == NOW + timedelta(days=3650)


def test_every_node_verifies(tree: County) -> None:
    for node in [tree.county, *(n for n, _ in tree.townships.values()), *tree.villages.values()]:
        identity = verify_node(node.cert, chain_for(tree, node.code), tree.root.cert, at=LATER)
        assert identity == NodeIdentity(node.code, tier_of(node.code), NAMES[node.code],
                                        node.cert.serial_number, node.key.public_key())
        assert identity.public_key == node.key.public_key()


def test_chain_in_any_order_with_extras(tree: County) -> None:
    extras = [tree.root.cert, tree.townships[TOWNSHIP][0].cert, issuing(tree, OTHER_TOWNSHIP).cert,
              issuing(tree).cert, tree.villages[VILLAGE_2].cert]
    identity = verify_node(tree.villages[VILLAGE].cert, extras, tree.root.cert, at=LATER)
    assert identity.code == VILLAGE


def test_county_may_certify_a_village_directly(tree: County) -> None:
    node = enrol(VILLAGE, tree.root, "direct")
    assert verify_node(node.cert, [], tree.root.cert, at=LATER).code == VILLAGE


def test_approval_refuses_a_village_of_another_township(tree: County) -> None:
    csr = node_csr(signing_key("x"), OTHER_VILLAGE, "village", NAMES[OTHER_VILLAGE])
    with pytest.raises(NotUnderIssuer) as caught:
        approve(csr, issuing(tree).key, issuing(tree).cert, now=NOW)
    assert caught.value.params == {"child": OTHER_VILLAGE, "parent": TOWNSHIP}
    assert OTHER_VILLAGE in str(caught.value) and "辖区" in str(caught.value)


def test_approval_refuses_what_the_issuer_may_not_certify(tree: County) -> None:
    township = issuing(tree)
    # A township certifies neither its own keys nor another township's.
    own = node_csr(signing_key("x"), TOWNSHIP, "township", NAMES[TOWNSHIP])
    with pytest.raises(NotUnderIssuer):
        approve(own, township.key, township.cert, now=NOW)
    other = node_csr(signing_key("x"), OTHER_TOWNSHIP, "township", NAMES[OTHER_TOWNSHIP])
    with pytest.raises(NotUnderIssuer):
        approve(other, township.key, township.cert, now=NOW)
    # Its path length 0 forbids certifying another issuing key.
    sub = issuing_csr(new_issuing_key(), OTHER_TOWNSHIP, NAMES[OTHER_TOWNSHIP])
    with pytest.raises(NotAnIssuer):
        approve(sub, township.key, township.cert, now=NOW)
    # A P-256 certificate that is not a CA certifies nothing.
    key = new_issuing_key()
    plain = Issuer(key, forge(subject_name(TOWNSHIP, "township", "x"), key.public_key(), tree.root))
    village = node_csr(signing_key("x"), VILLAGE, "village", NAMES[VILLAGE])
    with pytest.raises(NotAnIssuer):
        approve(village, plain.key, plain.cert, now=NOW)


def test_approval_refuses_forged_and_inconsistent_requests(tree: County) -> None:
    csr = node_csr(signing_key("x"), VILLAGE, "village", NAMES[VILLAGE])
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 1
    with pytest.raises(RequestForged):
        approve(x509.load_der_x509_csr(bytes(der)), issuing(tree).key, issuing(tree).cert, now=NOW)

    with pytest.raises(TierMismatch):
        node_csr(signing_key("x"), VILLAGE, "township", NAMES[VILLAGE])
    lying = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "township"),
                       x509.NameAttribute(NameOID.COMMON_NAME, "x"),
                       x509.NameAttribute(NameOID.SERIAL_NUMBER, VILLAGE)])
    forged_tier = x509.CertificateSigningRequestBuilder().subject_name(lying).sign(
        signing_key("x"), None)
    with pytest.raises(TierMismatch):
        approve(forged_tier, tree.root.key, tree.root.cert, now=NOW)

    with pytest.raises(IssuingKeyNotAllowed):
        issuing_csr(new_issuing_key(), VILLAGE, NAMES[VILLAGE])
    village_issuing = x509.CertificateSigningRequestBuilder().subject_name(
        subject_name(VILLAGE, "village", "x")).sign(new_issuing_key(), hashes.SHA256())
    with pytest.raises(IssuingKeyNotAllowed):
        approve(village_issuing, tree.root.key, tree.root.cert, now=NOW)

    p384 = x509.CertificateSigningRequestBuilder().subject_name(
        subject_name(VILLAGE, "village", "x")).sign(ec.generate_private_key(ec.SECP384R1()),
                                                    hashes.SHA256())
    with pytest.raises(UnsupportedKey):
        approve(p384, tree.root.key, tree.root.cert, now=NOW)


def test_certificates_never_outlive_their_issuer(tree: County) -> None:
    node = enrol(VILLAGE, issuing(tree), "long", days=100_000)
    assert node.cert.not_valid_after_utc == issuing(tree).cert.not_valid_after_utc


def test_an_expired_issuer_certifies_nothing(tree: County) -> None:
    csr = node_csr(signing_key("x"), VILLAGE, "village", NAMES[VILLAGE])
    with pytest.raises(CertificateExpired) as caught:
        approve(csr, issuing(tree).key, issuing(tree).cert, now=NOW + timedelta(days=3651))
    assert caught.value.params["code"] == TOWNSHIP


# -- verification refuses ---------------------------------------------------


def test_verification_refuses_a_village_signed_by_another_township(tree: County) -> None:
    """Someone with a township's issuing key signs a village of another township."""
    intruder = issuing(tree, OTHER_TOWNSHIP)
    key = signing_key("intruder")
    forged = forge(subject_name(VILLAGE, "village", NAMES[VILLAGE]), key.public_key(), intruder)
    with pytest.raises(NotUnderIssuer) as caught:
        verify_node(forged, [intruder.cert], tree.root.cert, at=LATER)
    assert caught.value.params == {"child": VILLAGE, "parent": OTHER_TOWNSHIP}


def test_verification_refuses_a_village_posing_as_issuer(tree: County) -> None:
    village = tree.villages[VILLAGE]
    key = new_issuing_key()
    # Even a CA certificate for a village (forged with the township key) issues nothing.
    fake_ca = forge(subject_name(VILLAGE, "village", "x"), key.public_key(), issuing(tree), ca=True)
    leaf = forge(subject_name(VILLAGE_2, "village", "y"), signing_key("y").public_key(),
                 Issuer(key, fake_ca))
    with pytest.raises(NotUnderIssuer):
        verify_node(leaf, [fake_ca, issuing(tree).cert], tree.root.cert, at=LATER)
    assert verify_node(village.cert, chain_for(tree, VILLAGE), tree.root.cert, at=LATER)


def test_verification_enforces_path_length() -> None:
    """Under a root of path length 0, townships' issuing certificates issue nothing."""
    key = new_issuing_key()
    subject = subject_name(COUNTY, "county", NAMES[COUNTY])
    strict = forge(subject, key.public_key(), Issuer(key, _self(subject, key)), ca=True,
                   path_length=0)
    root = Issuer(key, strict)
    township_key = new_issuing_key()
    with pytest.raises(NotAnIssuer):
        approve(issuing_csr(township_key, TOWNSHIP, NAMES[TOWNSHIP]), root.key, root.cert, now=NOW)
    township = Issuer(township_key, forge(subject_name(TOWNSHIP, "township", NAMES[TOWNSHIP]),
                                          township_key.public_key(), root, ca=True, path_length=0))
    village = forge(subject_name(VILLAGE, "village", NAMES[VILLAGE]),
                    signing_key("strict").public_key(), township)
    with pytest.raises(NotAnIssuer) as caught:
        verify_node(village, [township.cert], root.cert, at=LATER)
    assert caught.value.params == {"issuer": COUNTY}
    assert verify_node(enrol(VILLAGE, root, "strict").cert, [], root.cert, at=LATER)


def _self(subject: x509.Name, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """A throwaway certificate carrying only the subject (forge reads signer.cert.subject)."""
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(NOW).not_valid_after(NOW + timedelta(days=1))
            .sign(key, hashes.SHA256()))


def test_verification_refuses_another_root(tree: County) -> None:
    """A second county root with the same name signs a village: not our root's signature."""
    other = build_county("impostor")
    village = other.villages[VILLAGE]
    with pytest.raises(ChainInvalid) as caught:
        verify_node(village.cert, [issuing(other).cert], tree.root.cert, at=LATER)
    assert isinstance(caught.value.params["reason"], SignatureForged)
    with pytest.raises(ChainInvalid) as caught:
        verify_node(village.cert, [issuing(other).cert, other.root.cert], tree.root.cert, at=LATER)
    assert isinstance(caught.value.params["reason"], SignatureForged)


def test_verification_refuses_a_missing_link(tree: County) -> None:
    with pytest.raises(ChainInvalid) as caught:
        verify_node(tree.villages[VILLAGE].cert, [], tree.root.cert, at=LATER)
    reason = caught.value.params["reason"]
    assert isinstance(reason, IssuerMissing) and reason.params["code"] == VILLAGE
    assert VILLAGE in str(caught.value)


def test_verification_refuses_an_issuing_certificate_as_a_node(tree: County) -> None:
    with pytest.raises(ChainInvalid) as caught:
        verify_node(issuing(tree).cert, [], tree.root.cert, at=LATER)
    assert isinstance(caught.value.params["reason"], CertificateMalformed)


def test_verification_refuses_a_root_that_is_not_a_county_ca(tree: County) -> None:
    with pytest.raises(ChainInvalid):
        verify_node(tree.villages[VILLAGE].cert, [], issuing(tree).cert, at=LATER)


def test_expired_and_not_yet_valid_certificates(tree: County) -> None:
    village = tree.villages[VILLAGE]
    chain = chain_for(tree, VILLAGE)
    with pytest.raises(CertificateExpired) as expired:
        verify_node(village.cert, chain, tree.root.cert, at=NOW + timedelta(days=3651))
    assert expired.value.params["code"] == VILLAGE
    assert "过期" in str(expired.value) and "2035-02-27 16:00 (UTC+8)" in str(expired.value)
    with pytest.raises(CertificateNotYetValid):
        verify_node(village.cert, chain, tree.root.cert, at=NOW - timedelta(days=2))
    with pytest.raises(CertificateExpired) as root_expired:
        verify_node(village.cert, chain, tree.root.cert, at=NOW + timedelta(days=365 * 21))
    assert root_expired.value.params["code"] == COUNTY


# -- revocation -------------------------------------------------------------


def test_revoked_village_is_refused(tree: County) -> None:
    village = tree.villages[VILLAGE]
    listed = revocations(tree, 1, village.cert.serial_number)
    with pytest.raises(CertificateRevoked) as caught:
        verify_node(village.cert, chain_for(tree, VILLAGE), tree.root.cert, listed, at=LATER)
    assert caught.value.params == {"code": VILLAGE}
    assert "吊销" in str(caught.value)
    other = tree.villages[VILLAGE_2]
    assert verify_node(other.cert, chain_for(tree, VILLAGE_2), tree.root.cert, listed, at=LATER)


def test_revoked_township_takes_its_villages_with_it(tree: County) -> None:
    node, township = tree.townships[TOWNSHIP]
    listed = revocations(tree, 2, node.cert.serial_number, township.cert.serial_number)
    with pytest.raises(CertificateRevoked) as caught:
        verify_node(node.cert, [], tree.root.cert, listed, at=LATER)
    assert caught.value.params == {"code": TOWNSHIP}
    for code in (VILLAGE, VILLAGE_2):
        with pytest.raises(CertificateRevoked) as caught:
            verify_node(tree.villages[code].cert, chain_for(tree, code), tree.root.cert, listed,
                        at=LATER)
        assert caught.value.params == {"code": TOWNSHIP}
    elsewhere = tree.villages[OTHER_VILLAGE]
    assert verify_node(elsewhere.cert, chain_for(tree, OTHER_VILLAGE), tree.root.cert, listed,
                       at=LATER)


def test_an_old_list_does_not_unrevoke(tree: County) -> None:
    village = tree.villages[VILLAGE]
    old = revocations(tree, 3)
    current = revocations(tree, 4, village.cert.serial_number)
    same_number = revocations(tree, 4)
    assert newer(None, old) is old
    assert newer(old, current) is current
    assert newer(current, old) is current
    assert newer(current, same_number) is current
    kept = newer(current, old)
    with pytest.raises(CertificateRevoked):
        verify_node(village.cert, chain_for(tree, VILLAGE), tree.root.cert, kept, at=LATER)


def test_revocation_file_format(tree: County) -> None:
    data = issue_revocations(tree.root.key, 12, [0x10, 0xFFFF, 0x3], now=NOW)
    lines = data.decode("ascii").splitlines()
    assert lines[:5] == ["bianmin-revocations/1", "suite: ecdsa-p256-sha256",
                         f"issuer-key: {root_key_id(tree.root.cert)}", "number: 12",
                         "issued-at: 2025-03-01T08:00:00Z"]
    assert lines[5:8] == ["revoked: 3", "revoked: 10", "revoked: ffff"]
    assert lines[8].startswith("signature: ") and len(lines) == 9
    listed = load_revocations(data, tree.root.cert)
    assert listed.number == 12 and listed.issued_at == NOW
    assert listed.revoked == frozenset({3, 16, 65535}) and listed.is_revoked(16)
    assert listed.to_bytes() == data
    assert issue_revocations(tree.root.key, 12, [0xFFFF, 0x3, 0x10], now=NOW) == data


def test_tampered_lists_are_refused(tree: County) -> None:
    data = issue_revocations(tree.root.key, 5, [0xABC, 0xDEF], now=NOW)
    text = data.decode("ascii")
    tampered = [
        text.replace("revoked: abc\n", ""),  # un-revoke one
        text.replace("revoked: def", "revoked: dee"),
        text.replace("number: 5", "number: 50"),
        text.replace("number: 5", "number: 05"),
        text.replace("\n", "\r\n"),
        text.replace("revoked: def\n", "revoked: def\nrevoked: def\n"),
        text + "\n",
        text[:-1],
        text.replace("signature: ", "signature:  "),
        "",
        "garbage",
    ]
    for variant in tampered:
        with pytest.raises(RevocationInvalid):
            load_revocations(variant.encode("ascii"), tree.root.cert)
    signature = bytearray(data)
    signature[-5] = ord("A") if signature[-5] != ord("A") else ord("B")
    with pytest.raises(RevocationInvalid):
        load_revocations(bytes(signature), tree.root.cert)
    with pytest.raises(RevocationInvalid):
        load_revocations("bianmin-revocations/1\n数\n".encode(), tree.root.cert)


def test_a_list_from_another_root_is_refused(tree: County) -> None:
    other = build_county("other-root")
    data = issue_revocations(other.root.key, 9, [], now=NOW)
    with pytest.raises(RevocationInvalid):
        load_revocations(data, tree.root.cert)
    theirs = load_revocations(data, other.root.cert)
    with pytest.raises(RevocationInvalid):
        verify_node(tree.county.cert, [], tree.root.cert, theirs, at=LATER)
    with pytest.raises(RevocationInvalid):
        newer(revocations(tree, 1), theirs)


def test_a_remembered_chain_is_judged_again_on_time_and_revocation(tree: County) -> None:
    """VerifiedChains (the hub's memory of chains seen at earlier hellos) answers exactly
    as verify_node would at that moment, with that list."""
    village = tree.villages[VILLAGE]
    pem = to_pem([village.cert, *chain_for(tree, VILLAGE)])
    chains = VerifiedChains()
    assert chains.verify(pem, tree.root.cert, revocations(tree, 1), at=LATER).code == VILLAGE
    assert chains.verify(pem, tree.root.cert, revocations(tree, 1), at=LATER).code == VILLAGE
    # Revoked since: the village itself, or its township's issuing certificate.
    with pytest.raises(CertificateRevoked):
        chains.verify(pem, tree.root.cert, revocations(tree, 2, village.cert.serial_number),
                      at=LATER)
    with pytest.raises(CertificateRevoked) as caught:
        chains.verify(pem, tree.root.cert,
                      revocations(tree, 3, issuing(tree).cert.serial_number), at=LATER)
    assert caught.value.params == {"code": TOWNSHIP}
    # Later than the certificate lasts, or earlier than it starts.
    with pytest.raises(CertificateExpired):
        chains.verify(pem, tree.root.cert, at=NOW + timedelta(days=3651))
    with pytest.raises(CertificateNotYetValid):
        chains.verify(pem, tree.root.cert, at=NOW - timedelta(days=2))
    # A list signed by another root, and another root.
    other = build_county("other-root")
    with pytest.raises(RevocationInvalid):
        chains.verify(pem, tree.root.cert,
                      load_revocations(issue_revocations(other.root.key, 9, [], now=NOW),
                                       other.root.cert), at=LATER)
    with pytest.raises(ChainInvalid):
        chains.verify(pem, other.root.cert, at=LATER)
    # A copy with the signature's last byte changed is another text: verified afresh.
    der = bytearray(village.cert.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 1
    tampered = to_pem([x509.load_der_x509_certificate(bytes(der)), *chain_for(tree, VILLAGE)])
    with pytest.raises(ChainInvalid):
        chains.verify(tampered, tree.root.cert, at=LATER)
    # Still good for what it was good for.
    assert chains.verify(pem, tree.root.cert, at=LATER) == verify_node(
        village.cert, chain_for(tree, VILLAGE), tree.root.cert, at=LATER)


# -- files ------------------------------------------------------------------


def test_pem_round_trips(tree: County) -> None:
    village = tree.villages[VILLAGE]
    assert certificate_from_pem(to_pem(village.cert)) == village.cert
    chain = [issuing(tree).cert, tree.root.cert]
    assert chain_from_pem(to_pem(chain)) == chain
    csr = node_csr(village.key, VILLAGE, "village", NAMES[VILLAGE])
    assert request_from_pem(to_pem(csr)) == csr
    second = issuing_csr(new_issuing_key(), TOWNSHIP, NAMES[TOWNSHIP])
    assert requests_from_pem(to_pem(csr) + to_pem(second)) == [csr, second]
    for bad in (b"", b"garbage", to_pem(chain), to_pem(csr)):
        with pytest.raises(PemInvalid):
            certificate_from_pem(bad)
    for bad in (b"", to_pem(village.cert), to_pem(csr) + to_pem(second),
                b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"):
        with pytest.raises(PemInvalid):
            request_from_pem(bad)


def test_trust_errors_share_a_root_and_speak_chinese() -> None:
    error = ChainInvalid(code=VILLAGE, reason=SignatureForged(code=VILLAGE))
    assert isinstance(error, TrustError) and isinstance(error, KeysError)
    assert str(error) == (f"站点 {VILLAGE} 的证书链无效：站点 {VILLAGE} 的证书签名不正确："
                          "证书是伪造的或被改动过。")


# -- frozen vectors ---------------------------------------------------------

FROZEN_NOW = datetime(2025, 1, 1, tzinfo=UTC)
FROZEN_AT = datetime(2027, 6, 1, tzinfo=UTC)
FROZEN_FILES = ("root.pem", "county.pem", "township.pem", "township-chain.pem", "village.pem",
                "village-chain.pem", "revoked-village.pem", "revocations-1.txt")


def build_ca_vectors(out: Path) -> None:
    """Write the ca-v1 certificates and revocation list under ``out``."""
    tree = build_county("ca-v1", FROZEN_NOW)
    out.mkdir(parents=True, exist_ok=True)
    township_node, township = tree.townships[TOWNSHIP]
    files = {
        "root.pem": to_pem(tree.root.cert),
        "county.pem": to_pem(tree.county.cert),
        "township.pem": to_pem(township_node.cert),
        "township-chain.pem": to_pem([township.cert, tree.root.cert]),
        "village.pem": to_pem(tree.villages[VILLAGE].cert),
        "village-chain.pem": to_pem([township.cert, tree.root.cert]),
        "revoked-village.pem": to_pem(tree.villages[VILLAGE_2].cert),
        "revocations-1.txt": issue_revocations(
            tree.root.key, 1, [tree.villages[VILLAGE_2].cert.serial_number], now=FROZEN_NOW),
    }
    for name, data in files.items():
        (out / name).write_bytes(data)


def test_frozen_chains_still_verify() -> None:
    root = certificate_from_pem((DATA / "root.pem").read_bytes())
    listed = load_revocations((DATA / "revocations-1.txt").read_bytes(), root)
    assert listed.number == 1 and listed.issued_at == FROZEN_NOW
    chain = chain_from_pem((DATA / "village-chain.pem").read_bytes())
    village = certificate_from_pem((DATA / "village.pem").read_bytes())
    identity = verify_node(village, chain, root, listed, at=FROZEN_AT)
    assert (identity.code, identity.tier, identity.name) == (VILLAGE, "village", NAMES[VILLAGE])
    for name, code in (("county.pem", COUNTY), ("township.pem", TOWNSHIP)):
        cert = certificate_from_pem((DATA / name).read_bytes())
        assert verify_node(cert, chain, root, listed, at=FROZEN_AT).code == code
    revoked = certificate_from_pem((DATA / "revoked-village.pem").read_bytes())
    assert verify_node(revoked, chain, root, at=FROZEN_AT).code == VILLAGE_2
    with pytest.raises(CertificateRevoked):
        verify_node(revoked, chain, root, listed, at=FROZEN_AT)


def test_writer_still_produces_the_frozen_bytes(tmp_path: Path) -> None:
    build_ca_vectors(tmp_path)
    assert sorted(p.name for p in DATA.iterdir()) == sorted((*FROZEN_FILES, "enrolment.json"))
    for name in FROZEN_FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


if __name__ == "__main__":
    build_ca_vectors(DATA)
