"""Who may read what at a hub (issue 15, items 6 and 7), over real HTTP.

One network (real hubs on loopback, SQLite) with two villages under the same
township: the demo village, and a neighbour that has filed a case with scans.
The demo village, enrolled and signing with its own key, tries to read the
neighbour's queue entries, sync sessions, head, directory entry and material
bytes (403 ``read-not-permitted`` each), and to drop events into inboxes the
directory does not know (403 ``recipient-unknown``, nothing stored).  The
township and the neighbour itself still read what they need."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519
from network import copy_network, hub_holdings

from keys.seal import Recipient, seal
from keys.suites import generate_sealing_key
from station import node_keys
from station.casework import review_queue
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork, DemoNode
from station.network import link
from station.store.models import OutgoingMaterial, SyncEnvelope
from sync import httpsig
from sync.client import HubClient
from sync.envelope import Header, build_envelope, parse_envelope
from sync.hub.identity import open_database
from sync.problems import PROBLEM_BASE

NEIGHBOUR = ("450981104202", "桂平市示范镇邻村便民服务站")


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoNetwork, DemoNode]]:
    from conftest import PASSPHRASE

    root = tmp_path_factory.mktemp("reads")
    demo_network.setup(root / "template", PASSPHRASE)
    network_ = copy_network(root / "template", root / "net")
    neighbour = demo_network.add_village(network_, *NEIGHBOUR)
    demo_network.start_hubs(network_)
    try:
        for node in (network_.village, neighbour):
            with network_.open(node) as station:
                link.set_hub(station, network_.township.address or "")
                demo_network.file_samples(network_, station, 1)
                link.sync_once(station)
        yield network_, neighbour
    finally:
        network_.stop()


def key_of(net: DemoNetwork, node: DemoNode) -> ed25519.Ed25519PrivateKey:
    with net.open(node):
        key = node_keys.ensure_signing_key()
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key


def get(net: DemoNetwork, node: DemoNode, path: str) -> requests.Response:
    """A GET to the township hub, signed by ``node`` with its own key."""
    url = (net.township.address or "") + path
    headers = httpsig.sign_request("GET", url, {}, b"", key_of(net, node), node.code,
                                   created=int(time.time()))
    return requests.get(url, headers=headers, timeout=60)


def refused(response: requests.Response, slug: str = "read-not-permitted") -> dict[str, Any]:
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == PROBLEM_BASE + slug, body
    assert body["detail"]
    return body


def neighbour_material(net: DemoNetwork, neighbour: DemoNode) -> str:
    with net.open(neighbour):
        row = OutgoingMaterial.select().where(OutgoingMaterial.uploaded == True).first()  # noqa: E712
    assert row is not None, "the neighbour's scans were uploaded"
    return str(row.address)


def test_a_village_may_not_read_the_desk_queue(net: tuple[DemoNetwork, DemoNode]) -> None:
    network, neighbour = net
    body = refused(get(network, network.village, "/v1/queue"))
    assert "待办队列" in body["detail"]
    refused(get(network, network.village, "/v1/queue?office=" + quote("民政办")))
    with network.open(network.reviewer) as desk:  # the township's reviewer still sees both
        listed = {c["filed_by"] for c in review_queue.queue(desk, office="")}
    assert {network.village.code, neighbour.code} <= {f.split("/")[0] for f in listed if f}


def test_a_village_may_not_read_the_sync_log(net: tuple[DemoNetwork, DemoNode]) -> None:
    network, neighbour = net
    refused(get(network, network.village, "/v1/sessions"))
    refused(get(network, network.village, f"/v1/sessions?peer={neighbour.code}"))
    answer = get(network, network.reviewer, f"/v1/sessions?peer={neighbour.code}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["sessions"], "the township reads its hub's log"


def test_a_village_reads_only_its_own_head(net: tuple[DemoNetwork, DemoNode]) -> None:
    network, neighbour = net
    refused(get(network, network.village, f"/v1/nodes/{neighbour.code}"))
    refused(get(network, network.village, f"/v1/nodes/{network.township.code}"))
    own = get(network, network.village, f"/v1/nodes/{network.village.code}")
    assert own.status_code == 200 and own.json()["high_water"] >= 1, own.text
    theirs = get(network, neighbour, f"/v1/nodes/{neighbour.code}")
    assert theirs.status_code == 200 and theirs.json()["high_water"] >= 1, theirs.text
    above = get(network, network.reviewer, f"/v1/nodes/{neighbour.code}")  # its township
    assert above.json()["high_water"] == theirs.json()["high_water"], above.text
    refused(get(network, network.village, "/v1/nodes/450981104299"))  # never enrolled


def _entries(response: requests.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    found = {}
    for entry in response.json()["entries"]:
        value = json.loads(base64.b64decode(entry["document"]["body"]))  # verified elsewhere
        found[value["node"]] = value
    return found


def test_a_village_gets_the_directory_of_its_own_line(net: tuple[DemoNetwork, DemoNode]) -> None:
    network, neighbour = net
    seen = _entries(get(network, network.village, "/v1/directory"))
    assert set(seen) == {network.village.code, network.township.code, network.county.code}
    assert seen[network.township.code]["offices"], "the offices it seals to"
    refused(get(network, network.village, f"/v1/directory?node={neighbour.code}"))
    township = _entries(get(network, network.reviewer, "/v1/directory"))
    assert {neighbour.code, network.village.code} <= set(township)
    one = _entries(get(network, network.village, f"/v1/directory?node={network.county.code}"))
    assert set(one) == {network.county.code}


def test_a_village_may_not_read_a_neighbours_material(
        net: tuple[DemoNetwork, DemoNode]) -> None:
    network, neighbour = net
    address = neighbour_material(network, neighbour)
    refused(get(network, network.village, f"/v1/materials/{address}"))
    refused(get(network, network.village, f"/v1/materials/{address}/data?offset=0&length=16"))
    mine = get(network, neighbour, f"/v1/materials/{address}")
    assert mine.status_code == 200 and mine.json()["complete"], mine.text
    total = int(mine.json()["total"])
    township = HubClient(network.township.address or "", key_of(network, network.reviewer),
                         network.township.code)
    assert len(township.read_material(address, total)) == total  # the reviewing township


# -- recipients (item 6) ----------------------------------------------------------------


def _next_event(net: DemoNetwork, recipient_ids: list[str]) -> bytes:
    """A new, validly signed event of the demo village, sealed to ``recipient_ids``."""
    with net.open(net.village):
        last = SyncEnvelope.select().order_by(SyncEnvelope.seq.desc()).first()
        filed = parse_envelope(bytes(last.envelope))
    key = key_of(net, net.village)
    payload = seal(json.dumps({"note": "x"}).encode(),
                   [Recipient(rid, generate_sealing_key()[1]) for rid in recipient_ids])
    header = Header(**{**filed.header.__dict__, "seq": last.seq + 1, "prev": last.digest,
                       "event_id": uuid.uuid4().hex, "case_no": None, "matter": None,
                       "type": "access.viewed", "recipients": tuple(recipient_ids),
                       "materials": ()})
    return build_envelope(header, payload, key, net.village.code)


@pytest.mark.parametrize("recipient", [
    "node:450981104299:1",  # a village never enrolled
    "office:450981104000:不存在的科室:1",  # an office the township does not have
    "office:450982104000:民政办:1",  # another county's township
    "somebody",  # not a recipient id at all
])
def test_recipients_must_be_in_the_directory(net: tuple[DemoNetwork, DemoNode],
                                             recipient: str) -> None:
    network, _ = net
    before = hub_holdings(network, network.township, network.township_db)
    raw = _next_event(network, [f"office:{network.county.code}:档案:1", recipient])
    client = HubClient(network.township.address or "", key_of(network, network.village),
                       network.village.code)
    with pytest.raises(Exception) as caught:
        client.push([raw])
    assert getattr(caught.value, "status", None) == 403, caught.value
    assert getattr(caught.value, "slug", None) == "recipient-unknown", caught.value
    after = hub_holdings(network, network.township, network.township_db)
    assert after.events == before.events and after.forks == before.forks


def test_an_older_hub_learns_which_events_cite_each_material(
        net: tuple[DemoNetwork, DemoNode], tmp_path: Path) -> None:
    """A hub database from before ``hub_citation`` (schema 2) gets the table filled from
    its stored envelopes when it opens, so material reads are scoped there too."""
    network, _ = net
    copy = tmp_path / "hub.db"
    with sqlite3.connect(f"file:{network.township.data / 'hub.db'}?mode=ro", uri=True) as live, \
            sqlite3.connect(copy) as old:
        live.backup(old)
        held = set(old.execute("SELECT address, event FROM hub_citation"))
        old.execute("DROP TABLE hub_citation")
        old.execute("UPDATE hub_state SET value = '2' WHERE key = 'schema'")
    assert len(held) >= 6, "the two villages' scans are cited"
    open_database(None, copy).close()
    with sqlite3.connect(copy) as upgraded:
        assert set(upgraded.execute("SELECT address, event FROM hub_citation")) == held
