"""A village PC dies with no backup: the county approves a replacement (issue 17).

Over real hubs on loopback, with the CLI as a county clerk and an agent would
use it.  The village files 5 cases and syncs 3 of them; its data folder is lost.
The township issues a new code for the same node code; a new PC asks, the
township approves it (the approval says it replaces an earlier PC), and the
new PC's first sync takes the node's log from the hub: its own records start
after the hub's head, signed with a new key.  The hubs take that as a new key
epoch of the same chain: no fork, no bad signature, and the audit is clean at
the township and at the county.  The old PC's key can no longer sync, and an
event it signed after the new epoch began is refused.  The new PC never gives a
case number the old one gave.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cli import station
from conftest import PASSPHRASE
from cryptography.hazmat.primitives.asymmetric import ed25519
from network import hub_holdings
from test_documents_issue import flat_text

from keys.errors import BadSignature
from station import node_keys, outbox
from station.app import first_user
from station.cases import case_documents
from station.casework import resent, review
from station.demo import demo_network
from station.demo.demo_network import ADMIN, REVIEW_MISSING, DemoNetwork, review_sample
from station.hubops import hub_runner
from station.hubops.audit import audit_hub
from station.network import enrol_desk, link
from station.paths import DataLayout
from station.store.models import Case, CaseMaterial, Event, SyncEnvelope
from sync import lifecycle
from sync.client import HubClient
from sync.envelope import build_envelope, parse_envelope
from sync.hub.identity import open_database
from sync.hub.models import HubEvent
from sync.hub.service import HubService
from sync.problems import NodeReplaced


def env(net: DemoNetwork) -> dict[str, str]:
    return {"STATION_PASSPHRASE": PASSPHRASE,
            "STATION_DOCUMENTS": str(net.workdir / "documents" / "cli")}


def _audit(node_data: Path) -> Any:
    db = open_database(None, node_data / hub_runner.DB_NAME)
    try:
        return audit_hub(db)
    finally:
        db.close()


def _filed(node_data: Path) -> dict[str, int]:
    db = open_database(None, node_data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            counts: dict[str, int] = {}
            for (case_no,) in HubEvent.select(HubEvent.case_no).where(
                    HubEvent.type == "case.filed").tuples():
                counts[case_no] = counts.get(case_no, 0) + 1
            return counts
    finally:
        db.close()


def _replace(net: DemoNetwork) -> None:
    """The township issues a new code for the village; a new PC asks and is approved."""
    hub = net.township.address
    assert hub
    code = net.village.code
    issued = station("enrol", "issue", "--code", code, "--tier", "village", "--hub", hub,
                     "--json", "--data", net.township.data, "--user", ADMIN, env=env(net))
    assert issued.code == 0, issued.err
    made = station("init", "--tier", "village", "--code", code, "--name", "新电脑",
                   "--data", net.village.data, "--json", env=env(net))
    assert made.code == 0, made.err
    sent = station("enrol", "request", "--hub", hub, "--enrolment-code",
                   str(issued.json()["code"]), "--json", "--data", net.village.data,
                   env=env(net))
    assert sent.code == 0, sent.err
    with net.open(net.township, ADMIN) as township:  # what 入网 → 审批 lists
        [waiting] = enrol_desk.pending_requests(township)
        assert waiting["node"] == code and waiting["replaces"] is True
    approved = station("enrol", "approve", code, "--hub", hub, "--json",
                       "--data", net.township.data, "--user", ADMIN, env=env(net))
    assert approved.code == 0, approved.err
    fetched = station("enrol", "fetch", "--hub", hub, "--json", "--data", net.village.data,
                      env=env(net))
    assert fetched.code == 0, fetched.err


def test_a_replacement_pc_goes_on_as_a_new_key_epoch(hubs: DemoNetwork) -> None:
    net = hubs
    with net.open(net.village) as village:
        synced = [r.case_no for r in demo_network.file_samples(net, village, 3)]
        link.sync_once(village)
        demo_network.file_samples(net, village, 2)  # lost with the PC
        old_key = node_keys.load_key(node_keys.SIGNING)
        assert isinstance(old_key, ed25519.Ed25519PrivateKey)
        old_chain = node_keys.certificate(node_keys.SIGNING)
        head = link.acked_seq()
        last = SyncEnvelope.get_by_id(head)
    shutil.rmtree(net.village.data)

    _replace(net)
    with net.open(net.village, first_user(DataLayout(Path(net.village.data)))) as village:
        assert outbox.chain_waits()  # the approval said: it replaces an earlier PC
        report = link.sync_once(village)
        assert not outbox.chain_waits()
        assert outbox.verify_chain(Event.select().order_by(Event.seq)) == []
        new = [r.case_no for r in demo_network.file_samples(net, village, 2)]
        assert not set(new) & set(synced), "a case number the old PC gave was given again"
        report = link.sync_once(village)
        assert report.pending == 0
        village_head = link.acked_seq()
        assert village_head > head
        first_new = Event.select().where(Event.seq > head).order_by(Event.seq).first()
        assert first_new.type != outbox.RECOVERED
    demo_network.wait_for_county(net, {net.village.code: village_head})

    for hub_node in (net.township, net.county):
        holdings = hub_holdings(net, hub_node, None)
        assert holdings.forks == 0
        audit = _audit(hub_node.data)
        assert audit.report.ok, audit.summary()
        [epoch] = [e for e in audit.report.epochs if e["node"] == net.village.code]
        assert epoch["starts"][0] == 1 and epoch["starts"][1] == head + 1
        filed = _filed(hub_node.data)
        for case_no in (*synced, *new):
            assert filed.get(case_no) == 1, (hub_node.code, case_no, filed.get(case_no))

    # the old PC, were it to come back: its key no longer syncs …
    hub = net.township.address
    assert hub and old_chain
    old = HubClient(hub, old_key, net.village.code)
    old.health()
    with pytest.raises(NodeReplaced):
        old.hello(old_chain)
    # … and an event it signs after the new epoch began is refused, even when a hub
    # below hands it on (it verifies under the old key, at a seq the new key holds)
    signed = parse_envelope(bytes(last.envelope))
    stale = replace(signed.header, event_id="e" * 32, seq=head + 1, prev=last.digest)
    raw = build_envelope(stale, signed.payload, old_key, net.village.code)
    with net.open(net.township) as township:
        identity = hub_runner.identity_of(township, None)
    db = open_database(None, net.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            service = HubService(identity, db)
            with pytest.raises(BadSignature):
                service.verify([raw], net.village.code)
            before = replace(signed.header)  # what it signed before stays good
            assert service.verify([bytes(last.envelope)], net.village.code)[0].header == before
    finally:
        db.close()


def test_an_older_key_is_still_verified_for_what_it_signed(hubs: DemoNetwork) -> None:
    """What the old PC sent before it died is still verified after the new key
    arrives: the hub keeps every key the node has had."""
    net = hubs
    with net.open(net.village) as village:
        demo_network.file_samples(net, village, 1)
        link.sync_once(village)
    shutil.rmtree(net.village.data)
    _replace(net)
    with net.open(net.village, first_user(DataLayout(Path(net.village.data)))) as village:
        link.sync_once(village)
    audit = _audit(net.township.data)
    assert not audit.report.bad_signatures, audit.summary()


def test_the_open_cases_and_their_notices_come_back_to_the_new_pc(hubs: DemoNetwork,
                                                                    tmp_path: Path) -> None:
    """What was sealed to the old PC cannot be opened on the new one; the township's
    民政办 can, and sends each open case again (filing, scans, steps, the signed
    补正告知) sealed to the new PC, which stores the case as filed here."""
    net = hubs
    with net.open(net.village) as village:
        filed, _held = review_sample(net, village)
        case_no = filed.case_no
        resident = Case.get(Case.case_no == case_no).applicant.name
        pages = CaseMaterial.select().join(Case).where(Case.case_no == case_no).count()
        link.sync_once(village)
    with net.open(net.township, "mz") as desk:
        review.claim(desk, case_no)
        review.request_supplement(desk, case_no, [
            review.Verdict(REVIEW_MISSING, "missing", "需户主页和本人页")])
    shutil.rmtree(net.village.data)

    _replace(net)
    agent = first_user(DataLayout(Path(net.village.data)))
    with net.open(net.village, agent) as village:
        resent.sync_round(village)  # the new inbox key reaches the hub's directory
        assert Case.get_or_none(Case.case_no == case_no) is None  # sealed to the old PC
    with net.open(net.township, "mz") as desk:
        resent.sync_round(desk)
        assert Event.select().where(Event.type == lifecycle.RESENT).count() == 1
    with net.open(net.village, agent) as village:
        resent.sync_round(village)
        case = Case.get(Case.case_no == case_no)
        assert case.status == lifecycle.SUPPLEMENT and case.applicant.name == resident
        materials = list(CaseMaterial.select().where(CaseMaterial.case == case))
        assert len(materials) == pages
        assert all(village.blobs.read(m.blob) for m in materials)
        [notice] = [d for d in case_documents.of_case(case_no) if d.kind == "supplement"]
        text = flat_text(case_documents.export(village, notice.id, tmp_path / "notice"))
        assert "送达回证" in text and "需户主页和本人页" in text
        village_head = link.acked_seq()
    with net.open(net.township, "mz") as desk:  # sent once, not at every round
        resent.sync_round(desk)
        assert Event.select().where(Event.type == lifecycle.RESENT).count() == 1
    demo_network.wait_for_county(net, {net.village.code: village_head})
    for hub_node in (net.township, net.county):
        audit = _audit(hub_node.data)
        assert audit.report.ok and not audit.report.flagged, audit.summary()
