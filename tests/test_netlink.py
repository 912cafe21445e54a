"""The village link emulator really limits, delays, loses and cuts traffic.

Real namespaces, real qdiscs and nftables rules, real curl and Python processes
inside the village namespace; only lower bounds on time, so a busy machine
cannot make these tests fail.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from netlink import LinkUnavailable, VillageLink

BLOB_SIZE = 1024 * 1024


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[str, int, bytes]]:
    """A plain HTTP file server in the root namespace serving /blob (1 MiB) and /small."""
    root = tmp_path / "www"
    root.mkdir()
    blob = os.urandom(BLOB_SIZE)
    (root / "blob").write_bytes(blob)
    (root / "small").write_bytes(b"ok\n")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_address[1], blob
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _curl(link: VillageLink, url: str, *options: str) -> subprocess.CompletedProcess[str]:
    return link.run(["curl", "-sS", "--fail", *options, url], capture_output=True, text=True)


def _namespaces() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                          check=True).stdout


def _tables() -> str:
    return subprocess.run(["nft", "list", "tables"], capture_output=True, text=True,
                          check=True).stdout


def test_a_file_arrives_intact_at_the_configured_rate(hub: tuple[str, int, bytes],
                                                      tmp_path: Path) -> None:
    target_host, target_port, blob = hub
    received = tmp_path / "received"
    with VillageLink(rate_kbit=2000, rtt_ms=300, loss_percent=3.0) as link:
        host, port = link.forward(target_host, target_port)
        started = time.monotonic()
        result = _curl(link, f"http://{host}:{port}/blob", "--max-time", "25",
                       "-o", str(received))
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(received.read_bytes()).digest() == hashlib.sha256(blob).digest()
    floor = len(blob) * 8 / (2000 * 1000)  # seconds at exactly the configured rate
    assert elapsed >= 0.7 * floor, f"{elapsed:.2f} s is faster than the 2 Mbit/s link allows"


def test_a_request_takes_at_least_one_round_trip(hub: tuple[str, int, bytes]) -> None:
    target_host, target_port, _blob = hub
    with VillageLink(rtt_ms=300, loss_percent=0) as link:
        host, port = link.forward(target_host, target_port)
        started = time.monotonic()
        result = _curl(link, f"http://{host}:{port}/small", "--max-time", "10",
                       "-w", "\n%{time_total}")
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    body, curl_seconds = result.stdout.rsplit("\n", 1)
    assert body == "ok\n"
    assert float(curl_seconds) >= 0.300, f"connect + request took only {curl_seconds} s"
    assert elapsed >= 0.300


def test_a_cut_link_refuses_connections_until_restored(hub: tuple[str, int, bytes]) -> None:
    target_host, target_port, _blob = hub
    with VillageLink(rtt_ms=100, loss_percent=0) as link:
        host, port = link.forward(target_host, target_port)
        url = f"http://{host}:{port}/small"
        link.cut()
        assert link.is_cut
        cut = _curl(link, url, "--connect-timeout", "1", "--max-time", "2")
        assert cut.returncode != 0, "a connection got through a cut link"
        link.restore()
        assert not link.is_cut
        restored = _curl(link, url, "--max-time", "10")
        assert restored.returncode == 0, restored.stderr
        assert restored.stdout == "ok\n"


def test_a_transfer_survives_a_short_cut(hub: tuple[str, int, bytes], tmp_path: Path) -> None:
    target_host, target_port, blob = hub
    received = tmp_path / "received"
    with VillageLink(rate_kbit=4000, rtt_ms=100, loss_percent=0) as link:
        host, port = link.forward(target_host, target_port)
        curl = link.popen(["curl", "-sS", "--fail", "--max-time", "25", "-o", str(received),
                           f"http://{host}:{port}/blob"], stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while not (received.exists() and received.stat().st_size > 0):  # data is flowing
            assert curl.poll() is None and time.monotonic() < deadline, "no data arrived"
            time.sleep(0.02)
        link.cut()
        time.sleep(1.0)  # the outage itself, not a synchronisation
        stalled_at = received.stat().st_size
        link.restore()
        _out, errors = curl.communicate(timeout=30)
    assert curl.returncode == 0, errors
    assert stalled_at < len(blob), "the transfer finished before the cut"
    assert received.read_bytes() == blob


_UDP_CLIENT = """
import select, socket, sys
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.connect((host, port))
for number in range(count):
    sock.send(str(number).encode())
replies = set()
while select.select([sock], [], [], 1.0)[0]:  # until the link has been quiet for 1 s
    replies.add(int(sock.recv(64)))
print(len(replies))
"""


def test_packets_are_lost_both_ways() -> None:
    count = 100
    with VillageLink(loss_percent=30) as link:
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind((link.host_address, 0))
        server.settimeout(0.05)
        received: set[bytes] = set()
        stop = threading.Event()

        def echo() -> None:
            while not stop.is_set():
                try:
                    data, peer = server.recvfrom(64)
                except TimeoutError:
                    continue
                received.add(data)
                server.sendto(data, peer)

        thread = threading.Thread(target=echo, daemon=True)
        thread.start()
        try:
            result = link.run([sys.executable, "-c", _UDP_CLIENT, link.host_address,
                               str(server.getsockname()[1]), str(count)],
                              capture_output=True, text=True, timeout=20)
        finally:
            stop.set()
            thread.join(timeout=5)
            server.close()
    assert result.returncode == 0, result.stderr
    replies = int(result.stdout)
    to_hub = 100 * (1 - len(received) / count)
    to_village = 100 * (1 - replies / len(received))
    assert 5 <= to_hub <= 70, f"village -> hub lost {to_hub:.0f} % (configured 30 %)"
    assert 5 <= to_village <= 70, f"hub -> village lost {to_village:.0f} % (configured 30 %)"


def test_commands_run_inside_the_namespace_with_their_environment() -> None:
    with VillageLink(loss_percent=0) as link:
        addresses = link.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True,
                             check=True).stdout
        probe = link.run([sys.executable, "-c", "import os; print(os.environ['BM_PROBE'])"],
                         env={**os.environ, "BM_PROBE": "村"}, capture_output=True, text=True,
                         check=True).stdout
    assert f"inet {link.village_address}/30" in addresses
    assert link.host_address not in addresses  # the root-side end is not in the village
    assert probe == "村\n"


def test_everything_is_removed_on_exit_even_after_an_error() -> None:
    with VillageLink() as first, VillageLink() as second:
        assert first.subnet is not None and second.subnet is not None
        assert not first.subnet.overlaps(second.subnet)
        assert first.namespace in _namespaces() and second.namespace in _namespaces()
        assert first.table in _tables() and second.table in _tables()
        first.forward("127.0.0.1", 9)
        sleeper = first.popen([sys.executable, "-c", "import time; time.sleep(60)"])
    for link in (first, second):
        assert link.namespace not in _namespaces()
        assert link.table not in _tables()
        shown = subprocess.run(["ip", "link", "show", link.veth], capture_output=True)
        assert shown.returncode != 0, f"{link.veth} is still there"
    assert sleeper.returncode is not None, "a process in the namespace outlived the link"
    assert not [t for t in threading.enumerate() if t.name == "netlink-accept"]

    with pytest.raises(ZeroDivisionError), VillageLink() as failing:
        namespace, table = failing.namespace, failing.table
        _ = 1 / 0
    assert namespace not in _namespaces()
    assert table not in _tables()


def test_without_privileges_the_link_fails_with_the_reason(tmp_path: Path) -> None:
    script = ("from netlink import VillageLink\n"
              "with VillageLink():\n"
              "    pass\n")
    result = subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
         sys.executable, "-c", script],
        cwd=Path(__file__).parent, capture_output=True, text=True, timeout=30,
        env={**os.environ, "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode != 0
    assert LinkUnavailable.__name__ in result.stderr
    assert "`ip netns add bm-village-" in result.stderr
    assert "not running as root" in result.stderr
