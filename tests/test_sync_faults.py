"""Faults on the way up, each ending in the holdings comparison of tests/link.py.

The township hub killed with SIGKILL in the middle of an upload and restarted;
the connection cut in the middle of a chunk; the same batch delivered twice and
out of order; a village whose clock is three days wrong (a real clock shift of
the village's own processes with libfaketime); a township hub restored from an
older backup.  After each fault the network runs on as usual (the reviewer
claims and returns a case, the return reaches the village), and every node's
holdings are compared: the same events, the same material hashes, nothing
duplicated, nothing missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from network import finish_round_trip, hub_holdings
from relay import LoopbackRelay

from station.app import Station
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.demo.village import sample_cases
from station.filing.new_case import MaterialFile, file_case
from station.hubops import hub_runner
from station.network import link, publish
from station.store.models import OutgoingMaterial, SyncEnvelope
from sync.chunks import CHUNK, PART
from sync.errors import SyncError

BIG = 3 * CHUNK + CHUNK // 3  # a scan of four chunks


def file_big_case(net: DemoNetwork, station: Station, size: int = BIG) -> str:
    """One case whose first page is a large scan (JPEG magic, then noise)."""
    sample = sample_cases(date.today())[0]
    name = sample.pages[0][0]
    scan = net.workdir / "scans" / f"big-{os.getpid()}-{size}.jpg"
    scan.parent.mkdir(parents=True, exist_ok=True)
    scan.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(size - 4))
    result = file_case(station, sample.matter, sample.resident.to_json(), sample.form,
                       [MaterialFile(name, scan)])
    return result.case_no


def restart_township(net: DemoNetwork, kill: bool = False, proxy: str | None = None) -> None:
    """Stop the township hub (SIGKILL or SIGTERM) and start it again on the same port;
    with a `proxy` in front of it, the proxy's address is one of its public names too."""
    process = net.township.process
    assert process is not None and net.township.address
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    process.wait(30)
    listen = net.township.address.removeprefix("http://")
    names: tuple[str, ...] = ()
    if proxy:
        port = listen.rsplit(":", 1)[1]
        names = (listen, f"localhost:{port}", proxy.removeprefix("http://"))
    assert net.county.address
    demo_network.start_hub(net, net.township, upstream=net.county.address, listen=listen,
                           public_names=names)


# -- the township hub killed with SIGKILL mid-upload --------------------------


def test_township_hub_killed_mid_upload_and_restarted(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    seen: list[tuple[int, int]] = []

    def kill_midway(what: str, done: int, total: int) -> None:
        if what == "upload" and total >= BIG:
            seen.append((done, total))
            if len(seen) == 2:  # two parts are in (more are in flight: pipelined)
                assert net.township.process is not None
                net.township.process.send_signal(signal.SIGKILL)
                net.township.process.wait(30)

    with net.open(net.village) as village:
        filed = [file_big_case(net, village)]
        filed += [r.case_no for r in demo_network.file_samples(net, village, 2)]
        with pytest.raises(SyncError):
            link.sync_once(village, progress=kill_midway)
        assert link.pending_count() > 0, "nothing may count as sent without a receipt"
    assert seen[-1][0] == 2 * PART
    restart_township(net)  # already dead: start it again on its port
    big = _big_address(net)
    township = hub_holdings(net, net.township, None)
    assert big in township.materials and not township.materials[big], \
        "the hub kept the parts it had committed before the kill"
    resumed: list[int] = []
    with net.open(net.village) as village:
        client = link.client_for(village)
        link.connect(village, client)
        status = client.material_status(big)
        assert status is not None
        kept = int(status["offset"])
        # what the hub answered is kept; of what was in flight, no more than a CHUNK
        assert 2 * PART <= kept <= 2 * PART + CHUNK
        link.sync_once(village, progress=lambda w, d, t: resumed.append(d) if t >= BIG
                          else None)
    assert resumed[0] == kept + PART, "the upload resumed at the hub's offset, not from zero"
    finish_round_trip(net, filed)


def _big_address(net: DemoNetwork) -> str:
    with net.open(net.village) as _village:
        return str(OutgoingMaterial.get(OutgoingMaterial.size >= BIG).address)


# -- the connection cut mid-chunk ---------------------------------------------


class CuttingProxy(LoopbackRelay):
    """A TCP relay on loopback that resets both sides once, in the middle of the
    request body of the ``nth`` chunk upload (PATCH) it sees."""

    def __init__(self, target: tuple[str, int], nth: int, after: int) -> None:
        self.nth, self.after = nth, after
        self.patches = 0
        self.relayed_up = 0  # bytes passed on to the hub, on every connection
        self.cut_done = threading.Event()
        super().__init__(target)

    def serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        threading.Thread(target=self._down, args=(upstream, client), daemon=True).start()
        self._up(client, upstream)

    def _up(self, source: socket.socket, target: socket.socket) -> None:
        budget: int | None = None
        try:
            while data := source.recv(65536):
                if budget is None and not self.cut_done.is_set():
                    self.patches += data.count(b"PATCH /v1/materials/")
                    if self.patches >= self.nth:
                        budget = self.after
                if budget is not None:
                    if len(data) >= budget:
                        target.sendall(data[:budget])
                        self.relayed_up += budget
                        self._reset(source, target)
                        return
                    budget -= len(data)
                target.sendall(data)
                self.relayed_up += len(data)
        except OSError:
            pass
        self._close(source, target)

    def _down(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        self._close(source, target)

    def _reset(self, *sockets: socket.socket) -> None:
        for sock in sockets:  # SO_LINGER 0: close sends RST, as a dropped link does
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.cut_done.set()
        self._close(*sockets)

    @staticmethod
    def _close(*sockets: socket.socket) -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self.server.close()


def test_connection_cut_mid_chunk_resends_at_most_that_chunk(net: DemoNetwork) -> None:
    """The connection is reset in the middle of a part, after some parts were answered:
    the client goes on from the hub's offset on a new connection, in the same upload,
    and what it sends again is never more than one CHUNK (the parts written and not
    yet answered, DEPTH x PART)."""
    demo_network.start_hubs(net)
    assert net.township.address
    host, port = net.township.address.removeprefix("http://").split(":")
    # the 7th part is written only once the 3rd is answered (DEPTH 4 in flight)
    proxy = CuttingProxy((host, int(port)), nth=7, after=PART // 2)
    restart_township(net, proxy=proxy.address)
    try:
        acknowledged: list[tuple[int, int]] = []
        with net.open(net.village) as village:
            filed = [file_big_case(net, village)]
            report = link.sync_once(village, url=proxy.address, progress=lambda w, d, t:
                                    acknowledged.append((d, t)) if t >= BIG else None)
            assert proxy.cut_done.is_set()
            assert report.materials >= 1
        done, total = acknowledged[-1]
        assert done == total and acknowledged == sorted(acknowledged)
        # everything but the material is a few KiB (hello, events, request headers)
        assert proxy.relayed_up <= total + CHUNK + 64 * 1024, \
            "after the cut at most one chunk's worth was sent again, not the material"
        finish_round_trip(net, filed)
    finally:
        proxy.close()


# -- the same batch twice and out of order ------------------------------------


def test_same_batch_twice_and_out_of_order_over_http(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    with net.open(net.village) as village:
        filed = [r.case_no for r in demo_network.file_samples(net, village, 3)]
        client = link.client_for(village)
        link.exchange_trust(village, client)
        publish.publish_pending(village)
        raws = [bytes(e.envelope) for e in SyncEnvelope.select().order_by(SyncEnvelope.seq)]
        materials = {m.address: m.size for m in OutgoingMaterial.select()}
        for address, size in materials.items():
            path = publish.outgoing_dir(village) / address
            client.upload(address, size, lambda o, n, p=path: _read(p, o, n))
        assert len(raws) >= 4
        late = client.push(list(reversed(raws[2:])))  # the later half first, reversed
        assert late.accepted == 0 and late.gaps, "events past a gap are not taken"
        first = client.push([raws[1], raws[0]])  # reversed: the hub orders by seq
        assert first.accepted == 2
        again = client.push([raws[1], raws[0]])
        assert again.accepted == 0 and again.duplicates == 2
        assert again.receipts == first.receipts or again.receipts, "a duplicate gets its receipt"
        rest = client.push(list(reversed(raws[2:])))
        assert rest.accepted == len(raws) - 2
        twice = client.push(raws)
        assert twice.accepted == 0 and twice.duplicates == len(raws)
        assert link.acked_seq() == 0  # the station itself has no receipt yet
    township = hub_holdings(net, net.township, None)
    assert township.rows == len(township.events) and township.forks == 0
    finish_round_trip(net, filed)  # the station's own sync learns the hub's head and moves on


def _read(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read(length)


# -- a village clock three days wrong -----------------------------------------

CHILD = """
import json, sys
from pathlib import Path
from station.demo import demo_network
from station.network import link
net = demo_network.setup(Path(sys.argv[1]))
with net.open(net.village) as village:
    filed = [r.case_no for r in demo_network.file_samples(net, village, 2)]
    report = link.sync_once(village)
print(json.dumps({"filed": filed, "pending": report.pending, "pushed": report.pushed}))
"""


@pytest.mark.parametrize("shift", ["+3d", "-3d"])
def test_village_clock_three_days_wrong(net: DemoNetwork, shift: str) -> None:
    if not shutil.which("faketime"):
        pytest.fail("faketime (Debian package faketime) is needed to shift the village's clock;"
                    " bash run.sh test installs it")
    demo_network.start_hubs(net)
    env = {**os.environ, "STATION_PASSPHRASE": net.passphrase, "FAKETIME_DONT_RESET": "1"}
    done = subprocess.run(["faketime", "-f", shift, sys.executable, "-c", CHILD,
                           str(net.workdir)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["pending"] == 0 and summary["pushed"] > 0, summary
    shown = subprocess.run(["faketime", "-f", shift, sys.executable, "-c",
                            "import datetime; print(datetime.date.today())"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert shown != date.today().isoformat(), "the village's clock was not shifted"
    finish_round_trip(net, summary["filed"])


# -- a hub restored from an older backup --------------------------------------


def test_hub_restored_from_older_backup_gets_what_it_lost(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    with net.open(net.village) as village:
        filed = [r.case_no for r in demo_network.file_samples(net, village, 1)]
        link.sync_once(village)
        first_head = link.acked_seq()
    backup = net.workdir / "township-backup.db"
    _backup(net.township.data / hub_runner.DB_NAME, backup)
    with net.open(net.village) as village:
        filed += [file_big_case(net, village)]
        filed += [r.case_no for r in demo_network.file_samples(net, village, 2)]
        link.sync_once(village)
        second_head = link.acked_seq()
    assert second_head > first_head
    demo_network.wait_for_county(net, {net.village.code: second_head})

    # the township's disk fails; it comes back from last night's backup
    process = net.township.process
    assert process is not None
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    for leftover in net.township.data.glob(hub_runner.DB_NAME + "*"):
        leftover.unlink()
    shutil.copyfile(backup, net.township.data / hub_runner.DB_NAME)
    restored = hub_holdings(net, net.township, None)
    assert max(s for (n, s) in restored.events if n == net.village.code) == first_head
    assert _big_address(net) not in restored.materials
    # it comes back while the county is out of reach (else it would pull the
    # village's events back down from the county, which also works)
    county = net.county.process
    assert county is not None and net.county.address
    county.terminate()
    county.wait(30)
    listen = (net.township.address or "").removeprefix("http://")
    demo_network.start_hub(net, net.township, listen=listen)
    with net.open(net.village) as village:
        client = link.client_for(village)
        link.connect(village, client)
        assert int(client.node_head(net.village.code)["high_water"]) == first_head
        report = link.sync_once(village)
        assert report.pushed == second_head - first_head, "the lost events were sent again"
        assert report.materials >= 1, "the lost materials were uploaded again"
        assert link.acked_seq() == second_head
    assert _big_address(net) in hub_holdings(net, net.township, None).materials
    demo_network.start_hub(net, net.county, listen=net.county.address.removeprefix("http://"))
    restart_township(net)  # its link to the county is back
    finish_round_trip(net, filed)


def _backup(source: Path, target: Path) -> None:
    """An online backup of a hub database, as sqlite3's .backup makes it."""
    import sqlite3

    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    copy.close()
    live.close()
