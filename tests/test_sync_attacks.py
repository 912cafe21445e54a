"""Attacks on a running hub: each gets its RFC 9457 problem and changes nothing.

One network (real hubs on loopback, SQLite) is shared by the module; every
test compares the township hub's holdings before and after."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519
from network import copy_network, hub_holdings

from keys import ca
from keys.seal import Recipient, seal
from keys.suites import generate_sealing_key
from station import node_keys, outbox
from station.casework import review_queue
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.network import link
from station.store.models import Case, SyncEnvelope
from station.trust import revocations
from sync import httpsig
from sync.client import HubClient
from sync.envelope import Header, build_envelope, parse_envelope
from sync.hub.app import UNPROVEN_BURST
from sync.hub.enrolments import REQUEST_FORMAT
from sync.problems import PROBLEM_BASE


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoNetwork]:
    from conftest import PASSPHRASE

    root = tmp_path_factory.mktemp("attacks")
    demo_network.setup(root / "template", PASSPHRASE)
    network_ = copy_network(root / "template", root / "net")
    demo_network.start_hubs(network_)
    with network_.open(network_.village) as village:
        demo_network.file_samples(network_, village, 1)
        link.sync_once(village)
    try:
        yield network_
    finally:
        network_.stop()


def village_key(net: DemoNetwork) -> ed25519.Ed25519PrivateKey:
    with net.open(net.village):
        key = node_keys.ensure_signing_key()
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key


def snapshot(net: DemoNetwork) -> tuple[Any, ...]:
    held = hub_holdings(net, net.township, net.township_db)
    return held.events, held.materials, held.forks


def problem_of(response: requests.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == PROBLEM_BASE + slug, body
    assert body["detail"] and body["status"] == status
    return body


def signed(net: DemoNetwork, method: str, path: str, body: bytes = b"",
           key: ed25519.Ed25519PrivateKey | None = None, key_id: str | None = None,
           headers: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    url = (net.reviewer.address or "") + path
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    all_headers.update(httpsig.sign_request(
        method, url, all_headers, body, key or village_key(net), key_id or net.village.code,
        created=int(time.time())))
    return url, all_headers


def test_forged_request_signature(net: DemoNetwork) -> None:
    before = snapshot(net)
    body = b'{"events": []}'
    url, headers = signed(net, "POST", "/v1/events", body)
    raw = base64.b64decode(headers["Signature"].split(":")[1])
    forged = bytes([raw[0] ^ 1]) + raw[1:]
    headers["Signature"] = "sig1=:" + base64.b64encode(forged).decode() + ":"
    problem_of(requests.post(url, data=body, headers=headers), 401, "signature-invalid")
    url, headers = signed(net, "POST", "/v1/events", body)
    problem_of(requests.post(url, data=b'{"events": [1]}', headers=headers), 400,
               "digest-mismatch")
    assert snapshot(net) == before


def test_forged_event_signature(net: DemoNetwork) -> None:
    before = snapshot(net)
    with net.open(net.village):
        raw = bytes(SyncEnvelope.get_by_id(1).envelope)
    other = ed25519.Ed25519PrivateKey.generate()
    envelope = parse_envelope(raw)
    forged = build_envelope(envelope.header, envelope.payload, other, net.village.code)
    client = network_client(net)
    with pytest.raises(Exception) as caught:
        client.push([forged])
    assert getattr(caught.value, "status", None) == 401
    assert snapshot(net) == before


def network_client(net: DemoNetwork) -> HubClient:
    client = HubClient(net.reviewer.address or "", village_key(net), net.village.code)
    client.health()
    return client


def test_replayed_request(net: DemoNetwork) -> None:
    url, headers = signed(net, "GET", "/v1/events?after=0&limit=1")
    assert requests.get(url, headers=headers).status_code == 200
    problem_of(requests.get(url, headers=headers), 401, "request-replayed")


def test_unenrolled_key(net: DemoNetwork) -> None:
    before = snapshot(net)
    stranger = ed25519.Ed25519PrivateKey.generate()
    url, headers = signed(net, "POST", "/v1/events", b'{"events": []}', key=stranger,
                          key_id="450981104299")
    problem_of(requests.post(url, data=b'{"events": []}', headers=headers), 401, "unknown-key")
    assert snapshot(net) == before


def test_malformed_json_and_bodies(net: DemoNetwork) -> None:
    before = snapshot(net)
    for body in (b"{not json", b'{"events": "x"}', b'{"events": ["!!"]}',
                 json.dumps({"events": [base64.b64encode(b"BMEV junk").decode()]}).encode()):
        url, headers = signed(net, "POST", "/v1/events", body)
        response = requests.post(url, data=body, headers=headers)
        assert response.status_code == 400, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert snapshot(net) == before


def test_deeply_nested_or_wide_bodies_are_refused_before_parsing(net: DemoNetwork) -> None:
    """Issue 15 item 5: 100,000 nested ``[`` (or far too many members) is a 400 problem on
    every endpoint, the unsigned-key ones included, never a 500 from a RecursionError."""
    before = snapshot(net)
    deep, wide = b"[" * 100_000, b"[" + b"0," * 300_000 + b"0]"
    base = net.reviewer.address or ""
    for body in (deep, b'{"chain": ' + deep, wide):
        response = requests.post(base + "/v1/hello", data=body,
                                 headers={"Content-Type": "application/json"})
        problem_of(response, 400, "body-too-complex")
    # the enrolment route takes 64 KiB at most: 60,000 levels fit
    for body in (b"[" * 60_000, b'{"request": ' + b"{" * 60_000):
        response = requests.post(base + "/v1/enrolment/requests", data=body,
                                 headers={"Content-Type": "application/json"})
        problem_of(response, 400, "body-too-complex")
    for body in (deep, wide):
        url, headers = signed(net, "POST", "/v1/events", body)
        problem_of(requests.post(url, data=body, headers=headers), 400, "body-too-complex")
    assert snapshot(net) == before


# Ten times what the hub lets through unproven per address (UNPROVEN_BURST): every one past
# the burst takes the same 429 path, so more of them prove nothing more.  The forged requests
# fill no replay memory of the village (nonce_rows below is unchanged, to the row), so
# however many come, the village cannot be locked out by them (the cap per node is 20,000).
FORGED_ENROLMENTS = 10 * UNPROVEN_BURST


def nonce_rows(net: DemoNetwork, key_id: str) -> int:
    with sqlite3.connect(f"file:{net.township.data / 'hub.db'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM hub_nonce WHERE key_id = ?",
                              (key_id,)).fetchone()[0])


def test_forged_enrolments_under_a_village_code_store_no_nonces_for_it(net: DemoNetwork) -> None:
    """Issue 15 item 1: a request signed with the key inside an enrolment request proves
    nothing about the node it names.  A flood of them under the village's key id (without
    its key) records no nonce under that key id, all but a burst are refused (429), and the
    village syncs at once after."""
    before, rows_before = snapshot(net), nonce_rows(net, net.village.code)
    stranger = ed25519.Ed25519PrivateKey.generate()
    csr = ca.to_pem(ca.node_csr(stranger, net.village.code, "village", "冒名村")).decode()
    body = json.dumps({"request": {
        "format": REQUEST_FORMAT, "node_code": net.village.code, "tier": "village",
        "csrs": csr, "proof": "x", "screen": "x"}}).encode()
    statuses: Counter[int] = Counter()
    with requests.Session() as session:  # one keep-alive connection
        for _ in range(FORGED_ENROLMENTS):
            url, headers = signed(net, "POST", "/v1/enrolment/requests", body, key=stranger)
            statuses[session.post(url, data=body, headers=headers).status_code] += 1
    assert set(statuses) <= {403, 429}, statuses
    # all but the burst (and the odd token earned back meanwhile) refused before any work
    assert statuses[429] >= FORGED_ENROLMENTS - UNPROVEN_BURST - 10, statuses
    url, headers = signed(net, "POST", "/v1/enrolment/requests", body, key=stranger)
    refused = requests.post(url, data=body, headers=headers)
    problem_of(refused, 429, "too-many-unproven")
    assert int(refused.headers["Retry-After"]) >= 1
    assert nonce_rows(net, net.village.code) == rows_before
    url, headers = signed(net, "GET", "/v1/events?after=0&limit=1")
    assert requests.get(url, headers=headers).status_code == 200
    assert snapshot(net) == before


def test_path_traversal_and_oversized_uploads(net: DemoNetwork) -> None:
    before = snapshot(net)
    for address in ("..%2F..%2Fetc%2Fpasswd", "0" * 63 + "G", "a" * 65):
        body = b'{"total": 10}'
        url, headers = signed(net, "POST", f"/v1/materials/{address}", body)
        response = requests.post(url, data=body, headers=headers)
        assert response.status_code in (400, 401, 404), response.text
    body = json.dumps({"total": 1 << 40}).encode()
    url, headers = signed(net, "POST", "/v1/materials/" + "ab" * 32, body)
    problem_of(requests.post(url, data=body, headers=headers), 413, "too-large")
    big = b"x" * ((1 << 20) + 4096)
    url, headers = signed(net, "PATCH", "/v1/materials/" + "cd" * 32, big,
                          headers={"Upload-Offset": "0", "Upload-Checksum": "sha256 AAAA"})
    problem_of(requests.patch(url, data=big, headers=headers), 413, "too-large")
    for total, status in ((10, 201), (11, 409)):  # the same address, another size
        body = json.dumps({"total": total}).encode()
        url, headers = signed(net, "POST", "/v1/materials/" + "ef" * 32, body)
        response = requests.post(url, data=body, headers=headers)
        assert response.status_code in ((200, 201) if status == 201 else (409,)), response.text
    problem_of(response, 409, "upload-size-conflict")
    held = hub_holdings(net, net.township, net.township_db)
    assert before[0] == held.events and set(held.materials) - set(before[1]) == {"ef" * 32}


def test_village_may_not_emit_a_township_event(net: DemoNetwork) -> None:
    before = snapshot(net)
    with net.open(net.village) as village:
        case_no = demo_network.file_samples(net, village, 1)[0].case_no
        link.sync_once(village)
        before = snapshot(net)
        with village.db.atomic("IMMEDIATE"):
            outbox.append(village.node.code, village.user, "case.claimed", {}, case_no=case_no,
                          matter_code="450981-MZ-005")
        with pytest.raises(Exception) as caught:
            link.sync_once(village)
        assert getattr(caught.value, "status", None) == 403
    assert snapshot(net) == before


def test_same_seq_other_content_is_kept_as_fork_evidence(net: DemoNetwork) -> None:
    key = village_key(net)
    with net.open(net.village):
        raw = bytes(SyncEnvelope.get_by_id(1).envelope)
    header = parse_envelope(raw).header
    _, public = generate_sealing_key()
    payload = seal(b'{"rewritten": true}', [Recipient("node:450981104201:9", public)])
    rewritten = Header(**{**header.__dict__, "recipients": ("node:450981104201:9",)})
    forged = build_envelope(rewritten, payload, key, net.village.code)
    held_before = hub_holdings(net, net.township, net.township_db)
    with pytest.raises(Exception) as caught:
        network_client(net).push([forged])
    assert getattr(caught.value, "status", None) == 409
    held = hub_holdings(net, net.township, net.township_db)
    assert held.events == held_before.events and held.forks == held_before.forks + 1
    from sync.audit import verify_hub
    from sync.hub.identity import open_database

    db = open_database(None, net.township.data / "hub.db")
    with db.connection_context():
        report = verify_hub()
    db.close()
    assert any(f["node"] == net.village.code and f["seq"] == 1 for f in report.forks)
    assert not report.ok


def test_broken_chain_link_is_kept_as_fork_evidence(net: DemoNetwork) -> None:
    """An event at the next seq whose ``prev`` is not the held head: 409 ``fork``, not stored,
    not receipted, the envelope kept as fork evidence (issue 15, item 4)."""
    key = village_key(net)
    held_before = hub_holdings(net, net.township, net.township_db)
    high = max(seq for node, seq in held_before.events if node == net.village.code)
    with net.open(net.village):
        last = parse_envelope(bytes(SyncEnvelope.get_by_id(high).envelope)).header
    _, public = generate_sealing_key()
    recipient = f"node:{net.village.code}:9"
    payload = seal(b'{"broken": "link"}', [Recipient(recipient, public)])
    broken = Header(**{**last.__dict__, "seq": high + 1, "prev": "ab" * 32,
                       "event_id": "f" * 32, "case_no": None, "matter": None,
                       "type": "node.note", "recipients": (recipient,), "materials": ()})
    forged = build_envelope(broken, payload, key, net.village.code)
    with pytest.raises(Exception) as caught:
        network_client(net).push([forged])
    assert getattr(caught.value, "status", None) == 409
    assert getattr(caught.value, "slug", None) == "fork"
    held = hub_holdings(net, net.township, net.township_db)
    assert held.events == held_before.events and held.forks == held_before.forks + 1


def test_case_number_of_another_node_is_refused(net: DemoNetwork) -> None:
    """A village files a case in the township's case-number space: 403
    ``case-number-not-own``, nothing stored (issue 15, item 2)."""
    key = village_key(net)
    held_before = hub_holdings(net, net.township, net.township_db)
    high = max(seq for node, seq in held_before.events if node == net.village.code)
    with net.open(net.village):
        filed = next(e for e in (parse_envelope(bytes(row.envelope)) for row in
                                 SyncEnvelope.select().order_by(SyncEnvelope.seq))
                     if e.header.type == "case.filed")
    foreign = Header(**{**filed.header.__dict__, "seq": high + 1,
                        "prev": held_before.events[(net.village.code, high)],
                        "event_id": "e" * 32,
                        "case_no": f"{net.township.code}-20261205-0901"})
    forged = build_envelope(foreign, filed.payload, key, net.village.code)
    with pytest.raises(Exception) as caught:
        network_client(net).push([forged])
    assert getattr(caught.value, "status", None) == 403
    assert getattr(caught.value, "slug", None) == "case-number-not-own"
    held = hub_holdings(net, net.township, net.township_db)
    assert held.events == held_before.events and held.forks == held_before.forks


def test_village_may_not_claim_a_case(net: DemoNetwork) -> None:
    with net.open(net.village):  # the case the fixture filed and synced
        case_no = str(Case.select(Case.case_no).order_by(Case.case_no).first().case_no)
    body = json.dumps({"case_no": case_no, "user": "daiban"}).encode()
    url, headers = signed(net, "POST", "/v1/claims", body)
    problem_of(requests.post(url, data=body, headers=headers, timeout=30), 403,
               "event-not-permitted")
    with net.open(net.reviewer) as desk:  # the case is still free for the township
        link.sync_once(desk)
        assert review_queue.claim(desk, case_no)


def test_revoked_key_is_refused(net: DemoNetwork, tmp_path: Path) -> None:
    with net.open(net.village):
        serial = _serial(node_keys.certificate(node_keys.SIGNING) or "")
    with net.open(net.county) as county:
        link.set_hub(county, net.county.address or "")
        revocations.revoke(county, {serial})
        link.sync_once(county)
    before = snapshot(net)

    def refused() -> bool:
        try:
            network_client(net).node_head(net.village.code)
        except Exception as error:
            return getattr(error, "status", None) == 403
        return False
    demo_network.wait_until(refused, 60, "the revocation to reach the township hub")
    assert snapshot(net) == before


def _serial(chain_pem: str) -> int:
    from keys import ca

    return ca.chain_from_pem(chain_pem.encode())[0].serial_number



def county_rows(net: DemoNetwork) -> dict[str, int]:
    from station.hubops import hub_runner
    from sync.hub import models
    from sync.hub.identity import open_database

    db = open_database(net.county_db, net.county.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            return {model.__name__: model.select().count()
                    for model in (models.HubEvent, models.HubNonce, models.HubSession,
                                  models.HubPeer, models.HubReceipt)}
    finally:
        db.close()


def test_request_signed_for_another_hub_is_refused(net: DemoNetwork) -> None:
    """A pull the township signed for its own hub, replayed to the county with the
    township's Host header: the county is not the authority it was signed for."""
    with net.open(net.township):
        key = node_keys.ensure_signing_key()
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    township = net.reviewer.address or ""
    county = net.county.address or ""
    path = "/v1/events?after=0&limit=1"
    headers = httpsig.sign_request("GET", township + path, {}, b"", key, net.township.code,
                                   created=int(time.time()))
    headers["Host"] = township.split("://", 1)[1]
    before = county_rows(net)
    problem_of(requests.get(county + path, headers=headers), 403, "wrong-authority")
    assert county_rows(net) == before


def test_a_hub_on_every_interface_must_be_given_its_public_names() -> None:
    from station.errors import HubPublicNameNeeded
    from station.hubops import hub_runner

    for listen in ("0.0.0.0:8470", "[::]:8470"):
        with pytest.raises(HubPublicNameNeeded):
            hub_runner.start(None, listen, None, None)  # type: ignore[arg-type]
