"""The hub's sync log records failures, not the protocol's usual answers.

Before each upload a station asks the hub whether it already holds the scan; "not yet"
(404) is the normal answer.  It used to be logged as the session's error, so the county
auditor's 同步日志 showed every filing with scans as a red row "找不到 材料 …"."""

from __future__ import annotations

from test_sync_updates import hub_rows

from station.demo import demo_network
from station.demo.demo_network import TOWNSHIP, VILLAGE, DemoNetwork
from station.network import link
from sync.hub.models import HubBlob, HubSession


def test_uploading_new_scans_leaves_no_error_in_the_sync_log(hubs: DemoNetwork) -> None:
    net = hubs
    with net.open(net.village) as village:
        demo_network.file_samples(net, village)
        link.sync_once(village)
    sessions = hub_rows(None, net.township.data, HubSession, peer=VILLAGE[1])
    assert sessions, "the village's sync was not logged"
    assert hub_rows(None, net.township.data, HubBlob), "no scan reached the hub"
    assert sum(s.blobs_in for s in sessions) > 0  # the scans were uploaded in these sessions
    assert [(s.result, s.error) for s in sessions if s.error or s.result != "ok"] == []


def test_relaying_scans_upward_leaves_no_error_in_the_county_sync_log(
        hubs: DemoNetwork) -> None:
    net = hubs
    demo_network.round_trip(net)  # the township hub forwards the cases and scans up
    sessions = hub_rows(None, net.county.data, HubSession, peer=TOWNSHIP[1])
    assert sum(s.blobs_in for s in sessions) > 0  # scans came up in these sessions
    assert [(s.result, s.error) for s in sessions if s.error or s.result != "ok"] == []
