"""Office seal certificates: who may issue them, what they say, how long they last, how they fail.

A county tree is made in memory (seeded randomness): the county root, a
township with its issuing certificate, another township, a village.  Seals
are issued with ``keys.office_seal`` and checked with ``verify_seal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from seeded import SeededRandom

from keys.ca import approve, create_root, issuing_csr, new_issuing_key, node_csr
from keys.errors import (
    CertificateExpired,
    CertificateRevoked,
    ChainInvalid,
    KeysError,
    NotAnIssuer,
    NotASeal,
    OfficeNameInvalid,
    RevocationInvalid,
    SealExpired,
    SealNotForIssuer,
    SealNotYetValid,
    SealRevoked,
    TrustError,
    UnsupportedKey,
)
from keys.office_seal import (
    DOCUMENT_SIGNING,
    SealIdentity,
    certify_seal,
    new_seal,
    seal_name,
    verify_seal,
)
from keys.revocation import issue_revocations, load_revocations

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
COUNTY, TOWNSHIP, OTHER_TOWNSHIP, VILLAGE = (
    "450981000000", "450981104000", "450981105000", "450981104201")
NAMES = {COUNTY: "桂平市政务服务中心", TOWNSHIP: "示范镇便民服务中心",
         OTHER_TOWNSHIP: "东镇便民服务中心", VILLAGE: "示范村便民服务站"}


@dataclass
class Issuer:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


@dataclass
class Tree:
    root: Issuer
    township: Issuer
    other_township: Issuer
    village: x509.Certificate


def township_issuer(code: str, root: Issuer, seed: str, now: datetime = NOW,
                    days: int = 3650) -> Issuer:
    key = new_issuing_key(SeededRandom(seed))
    cert = approve(issuing_csr(key, code, NAMES[code]), root.key, root.cert, now=now, days=days,
                   randbytes=SeededRandom(seed + "/serial"))
    return Issuer(key, cert)


def build_tree(seed: str = "seals", root_years: int = 20) -> Tree:
    key, cert = create_root(COUNTY, NAMES[COUNTY], now=NOW, years=root_years,
                            randbytes=SeededRandom(seed + "/root"))
    root = Issuer(key, cert)
    township = township_issuer(TOWNSHIP, root, seed + "/township")
    other = township_issuer(OTHER_TOWNSHIP, root, seed + "/other")
    village_key = Ed25519PrivateKey.from_private_bytes(SeededRandom(seed + "/village")(32))
    village = approve(node_csr(village_key, VILLAGE, "village", NAMES[VILLAGE]), township.key,
                      township.cert, now=NOW)
    return Tree(root, township, other, village)


@pytest.fixture(scope="module")
def tree() -> Tree:
    return build_tree()


def seal_key(seed: str) -> ec.EllipticCurvePrivateKey:
    return new_issuing_key(SeededRandom(seed))


# -- what a seal certificate says --------------------------------------------


def test_a_county_office_seal_names_its_office_and_node(tree: Tree) -> None:
    key, cert = new_seal(COUNTY, "民政局", tree.root.key, tree.root.cert, now=NOW,
                         randbytes=SeededRandom("county-seal"))
    subject = {a.oid: a.value for a in cert.subject}
    assert subject == {NameOID.COUNTRY_NAME: "CN", NameOID.ORGANIZATION_NAME: NAMES[COUNTY],
                       NameOID.ORGANIZATIONAL_UNIT_NAME: "seal", NameOID.COMMON_NAME: "民政局",
                       NameOID.SERIAL_NUMBER: COUNTY}
    assert cert.issuer == tree.root.cert.subject
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key() == key.public_key()
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign and not usage.value.crl_sign
    assert not usage.value.key_encipherment and not usage.value.key_agreement
    extended = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(extended) == [DOCUMENT_SIGNING]
    assert ExtendedKeyUsageOID.SERVER_AUTH not in extended

    identity = verify_seal(cert, [], tree.root.cert, at=NOW)
    assert identity == SealIdentity(COUNTY, "county", NAMES[COUNTY], "民政局",
                                    cert.serial_number, cert.not_valid_after_utc)
    assert seal_name(cert) == (COUNTY, "county", NAMES[COUNTY], "民政局")


def test_a_township_office_seal_verifies_through_the_issuing_certificate(tree: Tree) -> None:
    _key, cert = new_seal(TOWNSHIP, "民政办", tree.township.key, tree.township.cert, now=NOW)
    assert cert.issuer == tree.township.cert.subject
    identity = verify_seal(cert, [tree.township.cert], tree.root.cert, at=NOW)
    assert (identity.code, identity.tier, identity.node_name, identity.office) == (
        TOWNSHIP, "township", NAMES[TOWNSHIP], "民政办")
    # Extra certificates and the root itself in the chain do no harm.
    verify_seal(cert, [tree.other_township.cert, tree.root.cert, tree.township.cert],
                tree.root.cert, at=NOW)
    # Without the issuing certificate there is no path.
    with pytest.raises(ChainInvalid):
        verify_seal(cert, [], tree.root.cert, at=NOW)


# -- who may issue -------------------------------------------------------------


@pytest.mark.parametrize(("issuer", "code"), [
    ("root", TOWNSHIP),  # the county cannot make a township's seal
    ("root", VILLAGE),
    ("township", COUNTY),  # a township cannot make the county's seal
    ("township", OTHER_TOWNSHIP),  # nor another township's
    ("township", VILLAGE),  # nor one of its villages'
    ("other_township", TOWNSHIP),
])
def test_an_issuer_issues_seals_for_its_own_node_only(tree: Tree, issuer: str,
                                                       code: str) -> None:
    signer: Issuer = getattr(tree, issuer)
    with pytest.raises(SealNotForIssuer) as raised:
        new_seal(code, "民政办", signer.key, signer.cert, now=NOW)
    assert code in str(raised.value)


def test_a_node_certificate_is_no_seal_issuer(tree: Tree) -> None:
    village_like = forge_leaf(tree.township, seal_key("not-ca"), VILLAGE, unit="village",
                              ca=False)
    with pytest.raises(NotAnIssuer):
        certify_seal(seal_key("x").public_key(), VILLAGE, "村委会", seal_key("not-ca"),
                     village_like)


def test_only_p256_keys_are_sealed(tree: Tree) -> None:
    with pytest.raises(UnsupportedKey):
        certify_seal(Ed25519PrivateKey.generate().public_key(), COUNTY, "民政局",  # type: ignore[arg-type]
                     tree.root.key, tree.root.cert, now=NOW)
    with pytest.raises(UnsupportedKey):
        certify_seal(ec.generate_private_key(ec.SECP384R1()).public_key(), COUNTY, "民政局",
                     tree.root.key, tree.root.cert, now=NOW)


@pytest.mark.parametrize("office", ["", " 民政局", "民政局 ", "民政\x00局", "民" * 65])
def test_office_names_must_fit_a_certificate(tree: Tree, office: str) -> None:
    with pytest.raises(OfficeNameInvalid):
        new_seal(COUNTY, office, tree.root.key, tree.root.cert, now=NOW)


# -- how long a seal lasts -----------------------------------------------------


def test_a_seal_never_outlives_its_issuer() -> None:
    short = build_tree("short-root", root_years=1)
    _key, county_seal = new_seal(COUNTY, "民政局", short.root.key, short.root.cert, now=NOW)
    assert county_seal.not_valid_after_utc == short.root.cert.not_valid_after_utc
    brief = township_issuer(TOWNSHIP, short.root, "brief", days=30)
    _key, township_seal = new_seal(TOWNSHIP, "民政办", brief.key, brief.cert, now=NOW,
                                   days=3650)
    assert township_seal.not_valid_after_utc == brief.cert.not_valid_after_utc
    # When the issuer lasts longer, the seal gets the days asked for.
    _key, asked = new_seal(COUNTY, "财政局", short.root.key, short.root.cert, now=NOW, days=10)
    assert asked.not_valid_after_utc == NOW + timedelta(days=10)


def test_an_expired_issuer_issues_no_seal(tree: Tree) -> None:
    later = tree.township.cert.not_valid_after_utc + timedelta(days=1)
    with pytest.raises(CertificateExpired):
        new_seal(TOWNSHIP, "民政办", tree.township.key, tree.township.cert, now=later)


def test_seals_are_checked_at_the_time_given(tree: Tree) -> None:
    _key, cert = new_seal(COUNTY, "民政局", tree.root.key, tree.root.cert, now=NOW, days=30)
    verify_seal(cert, [], tree.root.cert, at=NOW + timedelta(days=29))
    with pytest.raises(SealExpired) as expired:
        verify_seal(cert, [], tree.root.cert, at=NOW + timedelta(days=31))
    assert "民政局" in str(expired.value) and "过期" in str(expired.value)
    _key, future = new_seal(COUNTY, "民政局", tree.root.key, tree.root.cert,
                            now=NOW + timedelta(days=5))
    with pytest.raises(SealNotYetValid):
        verify_seal(future, [], tree.root.cert, at=NOW + timedelta(days=2))


def test_an_expired_issuing_certificate_takes_its_seals_with_it(tree: Tree) -> None:
    brief = township_issuer(TOWNSHIP, tree.root, "brief-2", days=30)
    _key, cert = new_seal(TOWNSHIP, "民政办", brief.key, brief.cert, now=NOW, days=3650)
    verify_seal(cert, [brief.cert], tree.root.cert, at=NOW + timedelta(days=20))
    with pytest.raises((SealExpired, CertificateExpired)):
        verify_seal(cert, [brief.cert], tree.root.cert, at=NOW + timedelta(days=40))


# -- refusing what is not a good seal -------------------------------------------


def forge_leaf(signer: Issuer, key: ec.EllipticCurvePrivateKey, code: str, *,
               unit: str = "seal", office: str = "民政局", ca: bool = False,
               usage: x509.KeyUsage | None = None) -> x509.Certificate:
    """A certificate made directly with cryptography's builder, bypassing certify_seal()."""
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, NAMES.get(code, "某站")),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        x509.NameAttribute(NameOID.COMMON_NAME, office),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, code),
    ])
    usage = usage or x509.KeyUsage(True, True, False, False, False, ca, ca, False, False)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True)
        .add_extension(usage, True)
        .sign(signer.key, hashes.SHA256())
    )


def test_a_township_forging_the_county_seal_is_caught(tree: Tree) -> None:
    forged = forge_leaf(tree.township, seal_key("forged"), COUNTY)
    with pytest.raises(SealNotForIssuer):
        verify_seal(forged, [tree.township.cert], tree.root.cert, at=NOW)


def test_a_seal_of_another_county_is_not_trusted(tree: Tree) -> None:
    other = build_tree("another-county")
    _key, cert = new_seal(COUNTY, "民政局", other.root.key, other.root.cert, now=NOW)
    with pytest.raises(ChainInvalid) as raised:
        verify_seal(cert, [other.root.cert], tree.root.cert, at=NOW)
    assert "证书" in str(raised.value)


@pytest.mark.parametrize("kind", ["node", "issuing", "no-commitment", "ca-seal"])
def test_certificates_that_are_not_seals(tree: Tree, kind: str) -> None:
    if kind == "node":
        cert, chain = tree.village, [tree.township.cert]
    elif kind == "issuing":
        cert, chain = tree.township.cert, []
    elif kind == "no-commitment":
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        cert, chain = forge_leaf(tree.root, seal_key("nc"), COUNTY, usage=usage), []
    else:
        cert, chain = forge_leaf(tree.root, seal_key("ca"), COUNTY, ca=True), []
    with pytest.raises(NotASeal):
        verify_seal(cert, chain, tree.root.cert, at=NOW)


def test_revoked_seals_and_issuers(tree: Tree) -> None:
    _key, county_seal = new_seal(COUNTY, "民政局", tree.root.key, tree.root.cert, now=NOW)
    _key, township_seal = new_seal(TOWNSHIP, "民政办", tree.township.key, tree.township.cert,
                                   now=NOW)
    listed = load_revocations(
        issue_revocations(tree.root.key, 1, [county_seal.serial_number], now=NOW),
        tree.root.cert)
    with pytest.raises(SealRevoked) as raised:
        verify_seal(county_seal, [], tree.root.cert, listed, at=NOW)
    assert str(county_seal.serial_number) in str(raised.value)
    assert "吊销" in str(raised.value)
    verify_seal(township_seal, [tree.township.cert], tree.root.cert, listed, at=NOW)

    issuer_listed = load_revocations(
        issue_revocations(tree.root.key, 2, [tree.township.cert.serial_number], now=NOW),
        tree.root.cert)
    with pytest.raises(CertificateRevoked):
        verify_seal(township_seal, [tree.township.cert], tree.root.cert, issuer_listed, at=NOW)


def test_a_revocation_list_of_another_root_is_refused(tree: Tree) -> None:
    other = build_tree("another-list")
    _key, cert = new_seal(COUNTY, "民政局", tree.root.key, tree.root.cert, now=NOW)
    foreign = load_revocations(issue_revocations(other.root.key, 1, [], now=NOW), other.root.cert)
    with pytest.raises(RevocationInvalid):
        verify_seal(cert, [], tree.root.cert, foreign, at=NOW)


def test_seal_errors_are_trust_errors_in_chinese() -> None:
    for error in (SealNotForIssuer(issuer=TOWNSHIP, code=COUNTY), NotASeal(subject="CN=x"),
                  SealRevoked(node="县", office="民政局", serial=7),
                  SealExpired(node="县", office="民政局", not_after="2030-01-01")):
        assert isinstance(error, TrustError) and isinstance(error, KeysError)
        assert "印章" in str(error)
    assert isinstance(OfficeNameInvalid(office="", maximum=64), KeysError)
