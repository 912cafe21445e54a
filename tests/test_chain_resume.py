"""A dead village PC restored from its backup resumes its chain where the hub holds it
(issue 17, "A dead village PC", with a backup).

The village files 5 cases and syncs 3, backs up (``station backup``), files 2
more and syncs 1 of them, and its data folder is lost.  ``station restore``
puts the backup on the new PC, which knows nothing of the 6th case.  Before it
reaches the hub it
refuses to file (the number could be the 6th case's) but records what the agent
looks at, under seqs the hub already holds.  Its first sync then takes the hub's
envelopes as its own, moves those records after the hub's head, and sends only
what the hub lacks; the next case gets a number after the 6th.  Every case
arrives exactly once, there is no fork, and the audit is clean at the township
and the county.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from cli import station as run_station
from network import hub_holdings, station_holdings

from station import outbox
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.errors import ChainNotResumed
from station.hubops import hub_runner
from station.hubops.audit import audit_hub
from station.network import chain_resume, link, publish
from station.store.models import Event, SyncEnvelope
from sync.hub.identity import open_database
from sync.hub.models import HubEvent


def _as_agent(net: DemoNetwork, *args: str | Path) -> Any:
    return run_station(*args, "--data", net.village.data, "--user", net.village.user,
                       env={"STATION_PASSPHRASE": net.passphrase,
                            "STATION_DOCUMENTS": str(net.workdir / "documents" / "cli")})


def _filed_at(net: DemoNetwork, node_data: Path) -> dict[str, int]:
    """case number -> how many case.filed events the hub holds for it."""
    db = open_database(None, node_data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            rows = (HubEvent.select(HubEvent.case_no).where(HubEvent.type == "case.filed")
                    .tuples())
            counts: dict[str, int] = {}
            for (case_no,) in rows:
                counts[case_no] = counts.get(case_no, 0) + 1
            return counts
    finally:
        db.close()


def _audit_ok(node_data: Path) -> None:
    db = open_database(None, node_data / hub_runner.DB_NAME)
    try:
        audit = audit_hub(db)
    finally:
        db.close()
    assert audit.report.ok, audit.summary()


def test_a_restored_station_resumes_after_what_the_hub_holds(hubs: DemoNetwork,
                                                             tmp_path: Path) -> None:
    net = hubs
    with net.open(net.village) as village:
        early = [r.case_no for r in demo_network.file_samples(net, village, 3)]
        link.sync_once(village)
        late = [r.case_no for r in demo_network.file_samples(net, village, 2)]
    copy = tmp_path / "stick" / "village.bmsbackup"
    copy.parent.mkdir()
    made = _as_agent(net, "backup", "--to", copy, "--json")
    assert made.code == 0, made.err
    with net.open(net.village) as village:
        after_copy = [r.case_no for r in demo_network.file_samples(net, village, 1)]
        link.sync_once(village)
        hub_head = link.acked_seq()
        demo_network.file_samples(net, village, 1)  # never leaves the dead PC
    shutil.rmtree(net.village.data)
    restored = _as_agent(net, "restore", copy, "--json")
    assert restored.code == 0, restored.err

    with net.open(net.village) as village:
        assert chain_resume.pending() is not None  # set by the restore
        restored_top = Event.select().order_by(Event.seq.desc()).first().seq
        assert restored_top <= hub_head  # the seqs it would use next are the hub's
        with pytest.raises(ChainNotResumed) as refused:
            demo_network.file_samples(net, village, 1)
        assert "立即同步" in str(refused.value)
        with village.db.atomic("IMMEDIATE"):
            looked = outbox.append(village.node.code, net.village.user, outbox.ACCESS_VIEWED,
                                   {"what": "case"}, case_no=early[0])
        assert looked.seq <= hub_head  # a seq the hub already holds for another event
        assert publish.publish_pending(village) == 0, "published before the chain resumed"
        report = link.sync_once(village)
        assert report.pending == 0, report
        assert chain_resume.pending() is None
        assert outbox.verify_chain(Event.select().order_by(Event.seq)) == []
        stand_ins = Event.select().where(Event.type == outbox.RECOVERED).count()
        assert stand_ins > 0  # the 6th case's events, which this copy never had
        assert Event.get_by_id(looked.id).seq > hub_head
        offline = [r.case_no for r in demo_network.file_samples(net, village, 1)]
        assert offline[0] > after_copy[0], "a number the hub already holds was given again"
        link.sync_once(village)
        village_head = link.acked_seq()
        assert village_head == SyncEnvelope.select().order_by(SyncEnvelope.seq.desc()).first().seq

    demo_network.wait_for_county(net, {net.village.code: village_head})
    sent = station_holdings(net, net.village).sent
    for hub_node in (net.township, net.county):
        hub = hub_holdings(net, hub_node, None)
        assert hub.forks == 0
        assert hub.rows == len(hub.events), "an event is held twice"
        assert {k: v for k, v in hub.events.items() if k[0] == net.village.code} == sent
        filed = _filed_at(net, hub_node.data)
        for case_no in (*early, *late, *after_copy, *offline):
            assert filed.get(case_no) == 1, f"{case_no} at {hub_node.code}: {filed.get(case_no)}"
        _audit_ok(hub_node.data)


def test_a_copy_that_is_not_this_nodes_history_is_refused(hubs: DemoNetwork,
                                                           tmp_path: Path) -> None:
    """The hub holds a different event at a seq the copy already sent: the station
    says so plainly and changes nothing."""
    net = hubs
    with net.open(net.village) as village:
        demo_network.file_samples(net, village, 1)
        link.sync_once(village)
        top = SyncEnvelope.select().order_by(SyncEnvelope.seq.desc()).first()
        SyncEnvelope.update(digest="f" * 64).where(SyncEnvelope.seq == top.seq).execute()
        with village.db.atomic():
            chain_resume.mark(chain_resume.RESTORE)
        before = Event.select().count()
        with pytest.raises(chain_resume.ChainDiverged) as raised:
            link.sync_once(village)
        assert f"第 {top.seq} 号" in str(raised.value)
        assert Event.select().count() == before
        assert chain_resume.pending() is not None


def test_the_plan_keeps_what_matches_and_moves_the_rest() -> None:
    layout = chain_resume.plan(unsent=[(4, "a"), (5, "b"), (6, "x")],
                               held=[(4, "a"), (5, "b"), (6, "c"), (7, "d")], high_water=7)
    assert layout.matched == {4, 5}
    assert layout.stand_ins == (6, 7)
    assert layout.moves == (("x", 8),)


def test_a_usb_export_waits_for_the_first_online_sync(net: DemoNetwork, tmp_path: Path) -> None:
    """Only the hub can say where the chain stands: the stick is refused, plainly."""
    from station.errors import BundleNeedsOnlineSync
    from station.network import bundle

    with net.open(net.village) as village:
        with village.db.atomic():
            chain_resume.mark(chain_resume.RESTORE)
        with pytest.raises(BundleNeedsOnlineSync) as refused:
            bundle.export(village, tmp_path / "stick.zip")
        assert "联网" in str(refused.value)
        assert not (tmp_path / "stick.zip").exists()
