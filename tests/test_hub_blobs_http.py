"""Materials over real HTTP with the hub's material store (sync/hub/blobs_fs.py).

A scan up to one chunk goes in ONE signed request (PUT), counted at the hub in its
sync log; a 3 MiB scan whose upload is cut by a kill -9 of the hub after its first
part (its parts pipelined, sync/client.py) resumes after a restart, re-sends at most
one chunk's worth of bytes, ends whole in the store (SHA-256 = address) and
leaves no chunk row in the database, on SQLite and on PostgreSQL; a hub that does
not know PUT (405) still takes the material by POST and PATCH.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from network import postgres_databases
from relay import LoopbackRelay

from station.demo import demo_network
from station.demo.demo_network import DemoNetwork, DemoNode
from station.hubops import hub_runner
from station.network import link
from sync.chunks import CHUNK, PART
from sync.client import HubClient
from sync.hub.blob_config import default_root
from sync.hub.blobs_fs import FilesystemStore
from sync.hub.identity import open_database
from sync.hub.models import HubBlob, HubChunk, HubSession
from sync.problems import HubUnreachable

R = TypeVar("R", bound=LoopbackRelay)


def scan(size: int) -> tuple[str, bytes]:
    data = os.urandom(size)
    return hashlib.sha256(data).hexdigest(), data


def village_client(net: DemoNetwork) -> HubClient:
    with net.open(net.village) as village:
        client = link.client_for(village)
        link.connect(village, client)
    return client


@contextlib.contextmanager
def hub_db(net: DemoNetwork, node: DemoNode, url: str | None) -> Iterator[None]:
    db = open_database(url, node.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            yield
    finally:
        db.close()


def test_a_small_scan_is_one_request(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    client = village_client(net)
    address, data = scan(200_000)
    fresh = HubClient(client.base, client.key, client.key_id)  # its own sync session
    fresh.clock_offset = client.clock_offset
    assert fresh.upload(address, len(data), lambda at, n: data[at:at + n]) == len(data)
    with hub_db(net, net.township, None):
        session = HubSession.get(HubSession.id == f"{client.key_id}:{fresh.session_id}")
        blob = HubBlob.get(HubBlob.address == address)
        chunks = HubChunk.select().count()
    assert session.requests == 1 and session.blobs_in == 1 and session.result != "error"
    assert blob.complete and blob.received == blob.total == len(data)
    assert chunks == 0
    store = FilesystemStore(default_root(net.township.data))
    assert store.read(address, 0, len(data)) == data
    again = HubClient(client.base, client.key, client.key_id)
    again.clock_offset = client.clock_offset
    again.upload(address, len(data), lambda at, n: data[at:at + n])  # 200: held already
    with hub_db(net, net.township, None):
        assert HubSession.get(HubSession.id == f"{client.key_id}:{again.session_id}"
                              ).blobs_in == 0


def _restart(net: DemoNetwork, node: DemoNode, url: str | None) -> None:
    assert node.address and net.county.address
    demo_network.start_hub(net, node, upstream=net.county.address, db=url,
                           listen=node.address.removeprefix("http://"))


def _kill_resume(net: DemoNetwork, url: str | None) -> None:
    client = village_client(net)
    address, data = scan(3 * CHUNK)
    seen: list[int] = []

    def kill_after_first(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 1:  # the first part is in: kill -9 the hub
            assert net.township.process is not None
            net.township.process.send_signal(signal.SIGKILL)
            net.township.process.wait(30)

    before = client.bytes_sent
    with pytest.raises(HubUnreachable):
        client.upload(address, len(data), lambda at, n: data[at:at + n], kill_after_first)
    first = client.bytes_sent - before
    assert seen == [PART]  # the parts are pipelined: up to DEPTH sent, one answered
    _restart(net, net.township, url)
    resumed = village_client(net)
    status = resumed.material_status(address)
    assert status is not None
    held = int(status["offset"])
    assert PART <= held <= CHUNK
    progress: list[int] = []
    sent = resumed.upload(address, len(data), lambda at, n: data[at:at + n],
                          lambda done, total: progress.append(done))
    assert sent == len(data) - held, "the upload went on from the hub's offset"
    assert first + sent - len(data) <= CHUNK, "at most one chunk's worth sent again"
    assert progress == list(range(held + PART, len(data) + 1, PART))
    store = FilesystemStore(default_root(net.township.data))
    path = store.path_of(address)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 16):
            digest.update(block)
    assert digest.hexdigest() == address
    assert not (store.root / "uploads" / address).exists()
    with hub_db(net, net.township, url):
        blob = HubBlob.get(HubBlob.address == address)
        count = HubChunk._meta.database.execute_sql(
            f"SELECT count(*) FROM {HubChunk._meta.table_name}").fetchone()[0]
    assert blob.complete and blob.received == len(data)
    assert count == 0
    assert resumed.read_material(address, len(data)) == data


def test_a_3mib_scan_survives_a_hub_killed_after_its_first_chunk_sqlite(
        net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    _kill_resume(net, None)


def test_a_3mib_scan_survives_a_hub_killed_after_its_first_chunk_postgresql(
        net: DemoNetwork) -> None:
    with postgres_databases("county", "township") as (county, township):
        demo_network.start_hubs(net, county, township)
        try:
            _kill_resume(net, township)
        finally:
            net.stop()


class NoPutProxy(LoopbackRelay):
    """A relay to a hub that answers 405 to every PUT, as a hub before the one-request
    upload does."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.refused = 0
        super().__init__(target)

    def serve(self, client: socket.socket) -> None:
        first = client.recv(65536)
        if first.startswith(b"PUT "):
            self.refused += 1
            with contextlib.suppress(OSError):
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n"
                               b"Connection: close\r\n\r\n")
            client.close()
            return
        upstream = socket.create_connection(self.target)
        upstream.sendall(first)
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        self._pipe(client, upstream)

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self.server.close()


def behind_relay(net: DemoNetwork, relay: Callable[[tuple[str, int]], R]) -> R:
    """The township hub started again on its own address, now also answering signed
    requests made to ``relay``'s address (a relay in front of it, made here)."""
    assert net.township.address and net.county.address and net.township.process
    host, port = net.township.address.removeprefix("http://").split(":")
    made = relay((host, int(port)))
    net.township.process.send_signal(signal.SIGTERM)
    net.township.process.wait(30)
    demo_network.start_hub(net, net.township, upstream=net.county.address,
                           listen=f"{host}:{port}", public_names=(
                               f"{host}:{port}", made.address.removeprefix("http://")))
    return made


def test_a_hub_without_put_gets_post_and_patch(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    client = village_client(net)
    proxy = behind_relay(net, NoPutProxy)
    try:
        old = HubClient(proxy.address, client.key, client.key_id)
        old.clock_offset = client.clock_offset
        address, data = scan(300_000)
        assert old.upload(address, len(data), lambda at, n: data[at:at + n]) == len(data)
        assert proxy.refused == 1 and old.whole_put is False
        second, more = scan(1000)
        old.upload(second, len(more), lambda at, n: more[at:at + n])
        assert proxy.refused == 1  # not asked again in the same session
    finally:
        proxy.close()
    with hub_db(net, net.township, None):
        assert HubBlob.get(HubBlob.address == address).complete
        assert HubBlob.get(HubBlob.address == second).complete
    store = FilesystemStore(default_root(Path(net.township.data)))
    assert store.read(address, 0, len(data)) == data


def test_a_store_that_refuses_is_try_again_later(net: DemoNetwork) -> None:
    """The store cannot write (here its folder is a file, which refuses as a read-only
    disk does, whoever runs the test): 503 material-store-unavailable, nothing recorded,
    the hub goes on; once the store writes again, the same upload goes through."""
    from sync.problems import MaterialStoreUnavailable

    root = default_root(net.township.data)
    root.write_bytes(b"")
    demo_network.start_hubs(net)
    client = village_client(net)
    address, data = scan(50_000)
    with pytest.raises(MaterialStoreUnavailable):
        client.upload(address, len(data), lambda at, n: data[at:at + n])
    with hub_db(net, net.township, None):
        assert HubBlob.get_or_none(HubBlob.address == address) is None
    root.unlink()
    assert client.upload(address, len(data), lambda at, n: data[at:at + n]) == len(data)
    assert FilesystemStore(root).read(address, 0, len(data)) == data
