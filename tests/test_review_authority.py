"""Who may do what to a case: the lifecycle table refuses at the station, and the hub
refuses the same event when a station skips its own check; nothing changes."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from station import outbox
from station.app import Station
from station.casework import intake, review
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork, review_sample, start_hubs
from station.errors import CaseNotReadable
from station.network import link, publish
from station.store.models import SyncEnvelope
from sync import lifecycle
from sync.errors import SyncError
from sync.hub.identity import open_database
from sync.hub.models import HubCase
from sync.problems import ActionNotPermitted

pytestmark = pytest.mark.slow


def hub_state(net: DemoNetwork, node: demo_network.DemoNode, case_no: str) -> dict[str, Any]:
    db = open_database(None, node.data / "hub.db")
    try:
        with db.connection_context():
            row = HubCase.get_or_none(HubCase.case_no == case_no)
            return {"state": row.state, "holder": row.holder, "view": row.view} if row else {}
    finally:
        db.close()


def forge(station: Station, type_: str, case_no: str, matter: str) -> None:
    """Write an event without the station's check, as a tampered program would."""
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, type_, {"opinion": "forged"},
                      case_no=case_no, matter_code=matter)


def accepted_case(net: DemoNetwork) -> str:
    """A complete MZ-004 case, accepted by the township's 民政办 (reviewer mz)."""
    with net.open(net.village) as village:
        filed, _held = review_sample(net, village, with_missing=True)
        link.sync_once(village)
    with net.open(net.township, "mz") as desk:
        review.claim(desk, filed.case_no)
        review.accept(desk, filed.case_no)
    return filed.case_no


def test_two_reviewers_claim_at_once_exactly_one_holds(net: DemoNetwork) -> None:
    start_hubs(net)
    with net.open(net.village) as village:
        case_no = review_sample(net, village, with_missing=True)[0].case_no
        link.sync_once(village)
    for user in ("mz", "mz2"):  # both desks have pulled the case, as they would have
        with net.open(net.township, user) as desk:
            link.sync_once(desk)
    env = {"STATION_PASSPHRASE": net.passphrase, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    argv = [sys.executable, "-m", "station.cli.main", "review", "claim", case_no,
            "--data", str(net.township.data), "--user"]
    runs = [subprocess.Popen([*argv, user], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for user in ("mz", "mz2")]
    results = [(run.wait(120), run.stderr.read() if run.stderr else "") for run in runs]
    codes = sorted(code for code, _ in results)
    assert codes[0] == 0 and codes[1] != 0, results
    loser = next(err for code, err in results if code != 0)
    assert "已由" in loser and "认领" in loser, loser
    winner = "mz" if results[0][0] == 0 else "mz2"
    assert hub_state(net, net.township, case_no)["holder"] == f"{net.township.code}/{winner}"


def test_a_village_cannot_approve(net: DemoNetwork) -> None:
    start_hubs(net)
    case_no = accepted_case(net)
    before = hub_state(net, net.township, case_no)
    with net.open(net.village) as village:
        with pytest.raises(ActionNotPermitted):
            review.decide(village, case_no, True, "批准")
        forge(village, lifecycle.APPROVED, case_no, demo_network.REVIEW_MATTER)
        # A village decides its own village-level matters only: the hub refuses this one
        # (the village's staff has no signer of the deciding office, and the case is not
        # at the village).
        with pytest.raises(ActionNotPermitted):
            link.sync_once(village)
    assert hub_state(net, net.township, case_no) == before


def test_a_township_office_cannot_decide_a_county_matter(net: DemoNetwork) -> None:
    start_hubs(net)
    case_no = accepted_case(net)
    with net.open(net.township, "mz") as desk:
        review.release(desk, case_no)
    with net.open(net.township, "mzqf") as signer:  # a township signer of the same office
        review.claim(signer, case_no)
        before = hub_state(net, net.township, case_no)
        with pytest.raises(ActionNotPermitted, match="县级"):
            review.decide(signer, case_no, True, "批准")
        forge(signer, lifecycle.APPROVED, case_no, demo_network.REVIEW_MATTER)
        with pytest.raises(ActionNotPermitted):
            link.sync_once(signer)
    assert hub_state(net, net.township, case_no) == before
    assert before["state"] == lifecycle.REVIEW


def test_a_reviewer_of_another_office_cannot_open_a_case(net: DemoNetwork) -> None:
    start_hubs(net)
    with net.open(net.village) as village:
        filed = demo_network.file_samples(net, village, 1)[0]  # 低保: only 民政办 reviews
        link.sync_once(village)
    case_no = filed.case_no
    with net.open(net.township, "cl") as other:  # 残联
        link.sync_once(other)
        with pytest.raises(ActionNotPermitted, match="本科室"):
            review.claim(other, case_no)
        client = link.client_for(other)
        link.connect(other, client)
        with pytest.raises(SyncError):
            client.claim(case_no, "cl")  # the hub refuses the claim itself
        with pytest.raises(CaseNotReadable):
            intake.receive(other, case_no)
    assert hub_state(net, net.township, case_no)["holder"] is None


def test_a_forwarded_event_out_of_its_state_is_kept_flagged_and_audited(
        net: DemoNetwork) -> None:
    """A child hub that let a forbidden event through (an old or tampered program): the
    county keeps it, does not fold it into the case, and the audit names it."""
    start_hubs(net)
    case_no = accepted_case(net)  # under review at the township
    with net.open(net.village) as village:
        link.sync_once(village)
        heads = {village.node.code: int(SyncEnvelope.select().count())}
        forge(village, lifecycle.DELIVERED_EVENT, case_no, demo_network.REVIEW_MATTER)
        publish.publish_pending(village)  # sealed and signed, never pushed by the village
        forged = bytes(SyncEnvelope.select().order_by(SyncEnvelope.seq.desc()).get().envelope)
    demo_network.wait_for_county(net, heads)
    # The township forwards its own acceptance on its own schedule: wait for that state.
    county_before = demo_network.wait_until(
        lambda: (state := hub_state(net, net.county, case_no)).get("state") == lifecycle.REVIEW
        and state, what="the case under review at the county")
    assert county_before["state"] == lifecycle.REVIEW
    with net.open(net.township) as township:  # pushes it up as a child hub forwards
        client = link.client_for(township, net.county.address)
        link.connect(township, client)
        assert client.push([forged]).accepted == 1
    assert hub_state(net, net.county, case_no) == county_before
    env = {"STATION_PASSPHRASE": net.passphrase, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    done = subprocess.run([sys.executable, "-m", "station.cli.main", "audit", "verify",
                           "--data", str(net.county.data), "--json"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr  # listed for a look, the chains are whole
    flagged = json.loads(done.stdout)["flagged"]
    assert [(f["node"], f["case_no"], f["type"], f["state"]) for f in flagged] == [
        (net.village.code, case_no, lifecycle.DELIVERED_EVENT, lifecycle.REVIEW)]
    assert not json.loads(done.stdout)["forks"]  # the chain itself is whole
