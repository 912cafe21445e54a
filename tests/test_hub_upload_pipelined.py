"""Pipelined material uploads over real HTTP (sync/client.py ``HubClient.upload``).

The parts of a large scan go on one connection, up to ``DEPTH`` of ``PART`` bytes
sent before the first is answered (HTTP/1.1 pipelining; the hub takes a connection's
requests in order).  An 8 MiB scan ends whole in the filesystem store (SHA-256 =
address) with never more than one ``CHUNK`` sent and unanswered; a kill -9 of the hub
in the middle costs at most one ``CHUNK`` of bytes sent again, on SQLite and on
PostgreSQL; a part at the wrong offset (ahead, or again) is refused with the hub's
offset and the upload goes on; a forged part (checksum or signature wrong) changes
nothing; a hub from before pipelining (no ``"pipeline"`` in its POST answer, PATCH
answered 204 on a connection it then closes) gets one part a round trip and nothing
is sent twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import signal
import socket
import threading
from typing import BinaryIO

import pytest
from network import postgres_databases
from relay import LoopbackRelay
from test_hub_blobs_http import _restart, behind_relay, hub_db, scan, village_client

from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.network import link
from sync import httpsig
from sync.chunks import CHUNK, DEPTH, PART
from sync.client import HubClient, _part_headers, _Pipe
from sync.hub.blob_config import default_root
from sync.hub.blobs_fs import FilesystemStore
from sync.hub.models import HubBlob
from sync.problems import ChunkCorrupt, HubUnreachable, UploadOffsetWrong


def _whole_in_store(net: DemoNetwork, address: str) -> None:
    store = FilesystemStore(default_root(net.township.data))
    digest = hashlib.sha256()
    with store.path_of(address).open("rb") as handle:
        while block := handle.read(1 << 16):
            digest.update(block)
    assert digest.hexdigest() == address
    assert not (store.root / "uploads" / address).exists()


def test_an_8mib_scan_is_pipelined_and_whole(net: DemoNetwork) -> None:

    demo_network.start_hubs(net)
    client = village_client(net)
    address, data = scan(8 * CHUNK)
    before, requests_before = client.bytes_sent, client.requests_made
    unanswered: list[int] = []

    def note(done: int, total: int) -> None:
        unanswered.append(client.bytes_sent - before - done)

    sent = client.upload(address, len(data), lambda at, n: data[at:at + n], note)
    assert sent == len(data)
    assert client.requests_made - requests_before == 1 + len(data) // PART  # POST, PATCHes
    assert len(unanswered) == len(data) // PART
    # (bytes_sent also counts the POST's small JSON body)
    assert max(unanswered) >= (DEPTH - 1) * PART, "parts were sent before answers came"
    assert max(unanswered) < CHUNK, "never more than a chunk sent and not answered"
    _whole_in_store(net, address)
    with hub_db(net, net.township, None):
        blob = HubBlob.get(HubBlob.address == address)
    assert blob.complete and blob.received == len(data)


def _kill_in_the_middle(net: DemoNetwork, url: str | None) -> None:
    client = village_client(net)
    address, data = scan(8 * CHUNK)
    before = client.bytes_sent
    answered: list[int] = []

    def kill_at_half(done: int, total: int) -> None:
        answered.append(done)
        if done == 4 * CHUNK:
            assert net.township.process is not None
            net.township.process.send_signal(signal.SIGKILL)
            net.township.process.wait(30)

    with pytest.raises(HubUnreachable):
        client.upload(address, len(data), lambda at, n: data[at:at + n], kill_at_half)
    first = client.bytes_sent - before
    assert answered[-1] == 4 * CHUNK
    _restart(net, net.township, url)
    resumed = village_client(net)
    status = resumed.material_status(address)
    assert status is not None and 4 * CHUNK <= status["offset"] < len(data)
    sent = resumed.upload(address, len(data), lambda at, n: data[at:at + n])
    assert sent == len(data) - status["offset"], "the upload went on from the hub's offset"
    assert first + sent - len(data) <= CHUNK, "at most one chunk's worth sent again"
    _whole_in_store(net, address)
    with hub_db(net, net.township, url):
        blob = HubBlob.get(HubBlob.address == address)
    assert blob.complete and blob.received == len(data)
    assert resumed.read_material(address, len(data)) == data


def test_a_kill_in_the_middle_resends_at_most_a_chunk_sqlite(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    _kill_in_the_middle(net, None)


def test_a_kill_in_the_middle_resends_at_most_a_chunk_postgresql(net: DemoNetwork) -> None:
    with postgres_databases("county", "township") as (county, township):
        demo_network.start_hubs(net, county, township)
        try:
            _kill_in_the_middle(net, township)
        finally:
            net.stop()


def _patch(client: HubClient, address: str, start: int, data: bytes) -> None:
    client._request("PATCH", f"/v1/materials/{address}", data,
                    headers=_part_headers(start, data))


def _received(net: DemoNetwork, address: str) -> int:
    with hub_db(net, net.township, None):
        return int(HubBlob.get(HubBlob.address == address).received)


def test_parts_out_of_order_or_again_are_refused_with_the_offset(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    client = village_client(net)
    address, data = scan(3 * CHUNK)
    client._json("POST", f"/v1/materials/{address}", {"total": len(data)})
    _patch(client, address, 0, data[:PART])
    with pytest.raises(UploadOffsetWrong) as ahead:
        _patch(client, address, 2 * PART, data[2 * PART:3 * PART])
    assert int(str(ahead.value.params["expected"])) == PART
    with pytest.raises(UploadOffsetWrong) as again:
        _patch(client, address, 0, data[:PART])
    assert int(str(again.value.params["expected"])) == PART
    assert _received(net, address) == PART
    # A pipelined run that starts behind the hub (its first parts already held) learns
    # the offset from the 409 and goes on from there.
    sent = client.upload(address, len(data), lambda at, n: data[at:at + n])
    assert sent == len(data) - PART
    _whole_in_store(net, address)


def test_a_forged_part_changes_nothing(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    client = village_client(net)
    address, data = scan(2 * CHUNK)
    client._json("POST", f"/v1/materials/{address}", {"total": len(data)})
    _patch(client, address, 0, data[:PART])
    part = data[PART:2 * PART]
    wrong = bytes([part[0] ^ 1]) + part[1:]
    headers = _part_headers(PART, part)  # the checksum of other bytes
    with pytest.raises(ChunkCorrupt):
        client._request("PATCH", f"/v1/materials/{address}", wrong, headers=headers)
    assert _received(net, address) == PART
    # Signed for one body, another sent on a pipelined connection: refused unread.
    url = f"{client.base}/v1/materials/{address}"
    headers = {"Sync-Session": client.session_id, **_part_headers(PART, wrong)}
    headers.update(httpsig.sign_request("PATCH", url, headers, part, client.key,
                                        client.key_id,
                                        created=int(client.clock_offset) + _now()))
    with _Pipe(url, 30, None) as pipe:
        pipe.send("PATCH", headers, wrong)
        answer = pipe.answer("PATCH")
    assert answer.status_code >= 400
    assert answer.json()["title"] in ("DigestMismatch", "SignatureInvalid")
    assert _received(net, address) == PART
    store = FilesystemStore(default_root(net.township.data))
    assert sorted(p.name for p in (store.root / "uploads" / address).iterdir()
                  if not p.name.startswith(".")) == ["0"]
    assert client.upload(address, len(data), lambda at, n: data[at:at + n]) == len(data) - PART
    _whole_in_store(net, address)


def _now() -> int:
    import time

    return int(time.time())


class OldHubRelay(LoopbackRelay):
    """A relay in front of a hub that answers as a hub before pipelining did: no
    ``"pipeline"`` in the POST answer, and each PATCH answered ``204`` without a body,
    after which the connection is closed (waitress closes after an answer without
    Content-Length)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.patches = 0
        super().__init__(target)

    @staticmethod
    def _message(reader: BinaryIO) -> tuple[bytes, list[bytes], bytes] | None:
        first = reader.readline()
        if not first:
            return None
        headers = []
        while (line := reader.readline()) not in (b"\r\n", b""):
            headers.append(line)
        length = next((int(h.split(b":", 1)[1]) for h in headers
                       if h.lower().startswith(b"content-length:")), 0)
        return first, headers, reader.read(length)

    def serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        methods: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._requests, args=(client, upstream, methods),
                         daemon=True).start()
        reader = upstream.makefile("rb")
        try:
            while (message := self._message(reader)) is not None:
                first, headers, body = message
                method = methods.get(timeout=30)
                kept = [h for h in headers if not h.lower().startswith(
                    (b"content-length:", b"content-type:", b"connection:"))]
                if method == b"PATCH" and first.startswith(b"HTTP/1.1 200"):
                    self.patches += 1
                    client.sendall(b"HTTP/1.1 204 No Content\r\n" + b"".join(kept)
                                   + b"Connection: close\r\n\r\n")
                    break
                if method == b"POST" and body.startswith(b"{"):
                    value = json.loads(body)
                    value.pop("pipeline", None)
                    body = json.dumps(value).encode()
                    headers = [*kept, b"Content-Type: application/json\r\n",
                               f"Content-Length: {len(body)}\r\n".encode()]
                client.sendall(first + b"".join(headers) + b"\r\n" + body)
        except (OSError, queue.Empty):
            pass
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.close()

    def _requests(self, client: socket.socket, upstream: socket.socket,
                  methods: queue.Queue[bytes]) -> None:
        reader = client.makefile("rb")
        try:
            while (message := self._message(reader)) is not None:
                first, headers, body = message
                methods.put(first.split(b" ", 1)[0])
                upstream.sendall(first + b"".join(headers) + b"\r\n" + body)
        except OSError:
            pass

    def close(self) -> None:
        self.server.close()


def test_a_hub_before_pipelining_gets_one_part_a_round_trip(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    client = village_client(net)
    relay = behind_relay(net, OldHubRelay)
    try:
        old = HubClient(relay.address, client.key, client.key_id)
        old.clock_offset = client.clock_offset
        address, data = scan(3 * CHUNK + 1000)
        progress: list[int] = []
        sent = old.upload(address, len(data), lambda at, n: data[at:at + n],
                          lambda done, total: progress.append(done))
        assert sent == len(data), "nothing sent twice"
        assert relay.patches == 4  # one CHUNK a request, each answered before the next
        assert progress == [CHUNK, 2 * CHUNK, 3 * CHUNK, len(data)]
    finally:
        relay.close()
    _whole_in_store(net, address)


def test_pipelined_parts_to_a_hub_with_worker_processes(net: DemoNetwork) -> None:
    """``station hub serve --workers 2`` (gunicorn's gthread workers, PostgreSQL) also
    keeps the connection and takes its requests in order."""
    with postgres_databases("county", "township") as (county_db, township_db):
        net.county_db, net.township_db = county_db, township_db
        county = demo_network.start_hub(net, net.county, db=county_db)
        township = demo_network.start_hub(net, net.township, upstream=county,
                                          db=township_db, options=("--workers", "2"))
        try:
            with net.open(net.village) as village:
                link.set_hub(village, township)
            client = village_client(net)
            address, data = scan(4 * CHUNK + 123)
            assert client.upload(address, len(data), lambda at, n: data[at:at + n]) \
                == len(data), "nothing sent twice"
            assert client.pipeline, "the connection stayed open for the pipelined parts"
            _whole_in_store(net, address)
            assert client.read_material(address, len(data)) == data
        finally:
            net.stop()
