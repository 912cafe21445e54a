"""A whole trust network: county, two townships with two offices each, three
villages and their users, enrolled; a payload sealed at a village to one
township office and the county archive; revocation; codes out of bounds.

Stations are opened one at a time (each is a real data directory)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import PASSPHRASE
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import ca
from keys.errors import CertificateRevoked, NotARecipient, NotUnderIssuer
from keys.seal import open_sealed, recipients_of, seal
from keys.sign import sign, verify
from station import node_keys
from station.app import Station
from station.store.models import Setting
from station.trust import enrolment, offices, revocations, users

COUNTY = "450981000000"
TOWNSHIPS = {"450981104000": ("民政办", "农业农村办"), "450981105000": ("民政办", "社保所")}
VILLAGES = {"450981104201": "450981104000", "450981104202": "450981104000",
            "450981105201": "450981105000"}
OFFICE_USERS = {"民政办": "mz", "农业农村办": "ny", "社保所": "sb"}


@contextmanager
def opened(root: Path, code: str, user: str = "admin",
           passphrase: str = PASSPHRASE) -> Iterator[Station]:
    station = Station.open(root / code, user, passphrase, root / "printed" / code)
    try:
        yield station
    finally:
        station.close()


def enrol(root: Path, parent: str, child: str, tier: str) -> None:
    with opened(root, parent) as station:
        code = enrolment.issue_code(station, child, tier).code
    request, answer = root / f"{child}.request", root / f"{child}.certs"
    with opened(root, child) as station:
        enrolment.write_request(station, code, request)
    with opened(root, parent) as station:
        enrolment.approve_request(station, request, answer)
    with opened(root, child) as station:
        assert enrolment.install_certificates(station, answer).code == child


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("network")
    tiers = {COUNTY: "county", **dict.fromkeys(TOWNSHIPS, "township"),
             **dict.fromkeys(VILLAGES, "village")}
    for code, tier in tiers.items():
        Station.init(root / code, tier, code, f"站 {code}", "admin", PASSPHRASE,
                     root / "printed" / code)[0].close()
    with opened(root, COUNTY) as county:
        enrolment.init_ca(county)
        users.add_user(county, "archivist", "auditor", "archive passphrase", office="档案")
        offices.create_office(county, "档案")
    for township, names in TOWNSHIPS.items():
        enrol(root, COUNTY, township, "township")
        with opened(root, township) as station:
            for office in names:
                users.add_user(station, f"{OFFICE_USERS[office]}", "reviewer",
                               f"{OFFICE_USERS[office]} passphrase", office=office)
                offices.create_office(station, office)
    for village, township in VILLAGES.items():
        enrol(root, township, village, "village")
    return root


def office_recipient(root: Path, code: str, office: str):  # type: ignore[no-untyped-def]
    with opened(root, code) as station:
        return offices.recipient(station, office)


def keyring(root: Path, code: str, user: str, passphrase: str):  # type: ignore[no-untyped-def]
    with opened(root, code, user, passphrase) as station:
        return offices.keyring(station)


def test_only_the_intended_readers_open_a_sealed_case(network: Path) -> None:
    payload = "{\"case\": \"450981104201-20261121-0001\", \"name\": \"黄秀英\"}".encode()
    to_office = office_recipient(network, "450981104000", "民政办")
    to_archive = office_recipient(network, COUNTY, "档案")
    with opened(network, "450981104201"):  # sealed at the village
        sealed = seal(payload, [to_office, to_archive])
    assert recipients_of(sealed) == [to_office.id, to_archive.id]
    assert open_sealed(sealed, keyring(network, "450981104000", "mz", "mz passphrase")) == \
        payload
    assert open_sealed(sealed, keyring(network, COUNTY, "archivist", "archive passphrase")) == \
        payload
    for code, user, passphrase in (
        ("450981104000", "ny", "ny passphrase"),      # the township's other office
        ("450981104000", "admin", PASSPHRASE),        # the hub's operator holds no office key
        ("450981105000", "mz", "mz passphrase"),      # the same office of another township
        ("450981105201", "admin", PASSPHRASE),        # a village of another township
    ):
        with pytest.raises(NotARecipient):
            open_sealed(sealed, keyring(network, code, user, passphrase))


def test_removing_a_member_rotates_the_office_key(network: Path) -> None:
    with opened(network, "450981105000") as station:
        users.add_user(station, "sb2", "reviewer", "sb2 passphrase", office="社保所")
    with opened(network, "450981105000", "sb", "sb passphrase") as station:
        offices.add_member(station, "社保所", "sb2")
        old = offices.recipient(station, "社保所")
        version = offices.remove_member(station, "社保所", "sb2")
        new = offices.recipient(station, "社保所")
    assert version == 2 and new.id != old.id
    old_case, new_case = seal(b"old", [old]), seal(b"new", [new])
    ring = keyring(network, "450981105000", "sb2", "sb2 passphrase")
    with pytest.raises(NotARecipient):
        open_sealed(new_case, ring)
    kept = keyring(network, "450981105000", "sb", "sb passphrase")
    assert open_sealed(old_case, kept) == b"old" and open_sealed(new_case, kept) == b"new"


def signed_by_village(network: Path, code: str) -> tuple[bytes, bytes, list[x509.Certificate]]:
    with opened(network, code):
        key = node_keys.load_key(node_keys.SIGNING)
        chain = ca.chain_from_pem((node_keys.certificate(node_keys.SIGNING) or "").encode())
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    data = b"event header and sealed payload, exactly as sent"
    return data, sign(data, key, key_id=str(chain[0].serial_number)), chain


def test_a_revoked_station_is_refused_once_the_list_arrives(network: Path) -> None:
    data, signature, chain = signed_by_village(network, "450981104202")
    with opened(network, COUNTY) as county:
        root = ca.certificate_from_pem(Setting.get(Setting.key == "root_certificate").value
                                       .encode())
        identity = ca.verify_node(chain[0], chain[1:], root, revocations.current(county))
        assert verify(data, signature, identity.public_key) == str(chain[0].serial_number)
        first = revocations.revoke(county, set())
        listed = revocations.revoke(county, {chain[0].serial_number})
    with opened(network, "450981104000") as township:
        revocations.install(township, listed)
        kept = revocations.install(township, first)  # an older list never wins
        assert chain[0].serial_number in kept.revoked
        with pytest.raises(CertificateRevoked):
            ca.verify_node(chain[0], chain[1:], root, revocations.current(township))


def test_a_village_outside_its_township_is_refused(network: Path) -> None:
    with opened(network, "450981104000") as township, pytest.raises(NotUnderIssuer):
        enrolment.issue_code(township, "450981105201", "village")
    # Forge one anyway, signed with township 104's issuing key, for a village of 105.
    with opened(network, "450981104000") as township:
        issuing_key = node_keys.load_key(node_keys.ISSUING)
        issuing_chain = ca.chain_from_pem(
            (node_keys.certificate(node_keys.ISSUING) or "").encode())
        root = ca.certificate_from_pem(Setting.get(Setting.key == "root_certificate").value
                                       .encode())
    victim = ed25519.Ed25519PrivateKey.generate()
    now = datetime.now(UTC)
    forged = (x509.CertificateBuilder()
              .subject_name(ca.subject_name("450981105201", "village", "冒名村"))
              .issuer_name(issuing_chain[0].subject)
              .public_key(victim.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - timedelta(minutes=1))
              .not_valid_after(now + timedelta(days=30))
              .sign(issuing_key, hashes.SHA256()))  # type: ignore[arg-type]
    with pytest.raises(NotUnderIssuer):
        ca.verify_node(forged, issuing_chain, root)


def test_a_new_passphrase_keeps_the_office_key_usable(network: Path) -> None:
    code = "450981104000"
    with opened(network, code, "ny", "ny passphrase") as station:
        before = offices.keyring(station)
        users.change_passphrase(station, "ny new passphrase")
    with pytest.raises(Exception, match="口令不正确"):
        opened(network, code, "ny", "ny passphrase").__enter__()
    after = keyring(network, code, "ny", "ny new passphrase")
    assert set(after) == set(before) and after
    sealed = seal(b"for the office", [office_recipient(network, code, "农业农村办")])
    assert open_sealed(sealed, after) == b"for the office"


def test_recovery_renews_the_users_key_and_members_give_office_keys_again(
        network: Path, tmp_path: Path) -> None:
    code = "450981105000"
    with opened(network, code) as station:
        users.add_user(station, "mz2", "reviewer", "mz2 passphrase", office="民政办")
    with opened(network, code, "mz", "mz passphrase") as station:
        offices.add_member(station, "民政办", "mz2")
    with opened(network, code, "mz2", "mz2 passphrase") as station:
        assert offices.keyring(station)
        assert users.renew_after_recovery(station) == 1  # as `station recover` does
        assert offices.keyring(station) == {}
    with opened(network, code, "mz", "mz passphrase") as station:
        offices.add_member(station, "民政办", "mz2")
    assert keyring(network, code, "mz2", "mz2 passphrase")


def test_only_an_admin_enrols_and_adds_users(network: Path) -> None:
    from station.errors import RoleRequired

    with opened(network, "450981104000", "mz", "mz passphrase") as station:
        with pytest.raises(RoleRequired):
            enrolment.issue_code(station, "450981104203", "village")
        with pytest.raises(RoleRequired):
            users.add_user(station, "intruder", "admin", "intruder passphrase")
