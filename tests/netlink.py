"""A real, bad rural network link between two network namespaces, for tests.

A village PC syncs over HTTP to the township hub across a slow, lossy,
high-latency link that sometimes drops out completely.  `VillageLink` builds
such a link for real with the kernel, so that the sync code under test sees
genuine TCP behaviour (retransmissions, stalls, resets), not a mock:

* a fresh network namespace (the "village") joined to the root namespace (the
  "township side") by a veth pair with a private /30 from 10.213.0.0/16;
* bandwidth: a `tc ... tbf` qdisc on both veth ends (each end shapes what it
  sends, so both directions are limited);
* loss: a dedicated nftables `netdev` table with an ingress and an egress chain
  bound to the root-side veth only, dropping `numgen random mod 1000 < N` of
  the IP packets in each direction (ARP is spared, so the link does not lose
  its neighbour entries; nothing else on the machine is touched);
* latency: this kernel has no `sch_netem`, so `VillageLink.forward` starts a
  small thread-based TCP proxy on the root-side veth address that delays every
  chunk of data by rtt/2 in each direction.  It is a pipeline (data read at t
  is written at t + rtt/2, in order), so it does not lower the throughput;
* cuts: `VillageLink.cut` sets the root-side veth down, `VillageLink.restore`
  brings it up again.

TSO/GSO is disabled on the veth pair (`gso_max_segs 1`) so that tbf and the
loss rule see wire-sized packets rather than 64 KiB super-packets.

Setting the link down keeps the IPv4 address, the qdisc and the nftables hooks
but removes the connected route, the IPv6 link-local address and the neighbour
entries; the kernel re-adds the connected route on up, and `restore` checks
and re-applies the address, the route and the qdisc anyway.

Everything is removed on exit, also after an exception, and at interpreter
exit for links that were never closed.  Leftovers of dead test processes (by
the pid in their names) are swept when a new link is created.

Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and the programs `ip`, `tc`
(Debian: iproute2) and `nft` (nftables).  When the link cannot be built,
`LinkUnavailable` says which command failed and why; tests must fail with it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import ipaddress
import itertools
import os
import queue
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["LinkError", "LinkUnavailable", "VillageLink"]

_POOL = ipaddress.IPv4Network("10.213.0.0/16")
_SUBNETS = _POOL.num_addresses // 4  # number of /30 blocks in the pool
_NS_PREFIX = "bm-village-"
_TABLE_PREFIX = "bm_village_"
_VETH_PREFIX = "bmv"
_VILLAGE_IFACE = "village0"
_LOCK_DIR = Path("/run/lock") if Path("/run/lock").is_dir() else Path("/tmp")
_LOCK_FILE = _LOCK_DIR / "bm-netlink.lock"
_COUNTER = itertools.count(1)
_OPEN_LINKS: set[VillageLink] = set()
_OPEN_LOCK = threading.Lock()


class LinkError(RuntimeError):
    """A command that manages the link failed."""


class LinkUnavailable(LinkError):
    """The link cannot be built on this machine (not root, missing program, ...)."""


def _describe(argv: Sequence[str]) -> str:
    return " ".join(argv)


class _Command:
    """Runs the `ip`, `tc` and `nft` commands, turning failures into clear errors."""

    def __init__(self, error: type[LinkError]) -> None:
        self.error = error

    def __call__(self, argv: Sequence[str], *, stdin: str | None = None,
                 check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(list(argv), input=stdin, capture_output=True, text=True,
                                  timeout=30, check=False)
        except FileNotFoundError as exc:
            raise self.error(f"`{_describe(argv)}` failed: {argv[0]} is not installed "
                             f"({exc})") from exc
        except subprocess.TimeoutExpired as exc:
            raise self.error(f"`{_describe(argv)}` did not finish in 30 s") from exc
        if check and done.returncode != 0:
            why = done.stderr.strip() or done.stdout.strip() or "no error output"
            hint = ""
            if os.geteuid() != 0:
                hint = (" (not running as root: network namespaces need CAP_SYS_ADMIN and "
                        "CAP_NET_ADMIN)")
            elif "not permitted" in why:
                hint = (" (running as root but without CAP_SYS_ADMIN/CAP_NET_ADMIN, e.g. in "
                        "an unprivileged container)")
            raise self.error(f"`{_describe(argv)}` failed with exit status {done.returncode}: "
                             f"{why}{hint}")
        return done


_setup = _Command(LinkUnavailable)
_manage = _Command(LinkError)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _global_lock() -> Iterator[None]:
    """Serialises address allocation and sweeping between test processes."""
    try:
        handle = open(_LOCK_FILE, "a+")  # noqa: SIM115 - held for the whole block
    except OSError as exc:
        raise LinkUnavailable(f"cannot open the lock file {_LOCK_FILE}: {exc}") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sweep_leftovers() -> None:
    """Removes namespaces, veths and tables left by test processes that died."""
    me = os.getpid()
    listed = _manage(["ip", "netns", "list"], check=False).stdout
    for name in re.findall(rf"^({re.escape(_NS_PREFIX)}(\d+)-\d+)", listed, re.MULTILINE):
        if int(name[1]) != me and not _pid_alive(int(name[1])):
            _manage(["ip", "netns", "delete", name[0]], check=False)
    tables = _manage(["nft", "list", "tables", "netdev"], check=False).stdout
    for name in re.findall(rf"^table netdev ({re.escape(_TABLE_PREFIX)}(\d+)_\d+)$", tables,
                           re.MULTILINE):
        if int(name[1]) != me and not _pid_alive(int(name[1])):
            _manage(["nft", "delete", "table", "netdev", name[0]], check=False)
    links = _manage(["ip", "-o", "link", "show"], check=False).stdout
    for name in re.findall(rf"^\d+: ({re.escape(_VETH_PREFIX)}([0-9a-f]+)n[0-9a-f]+)[@:]", links,
                           re.MULTILINE):
        pid = int(name[1], 16)
        if pid != me and not _pid_alive(pid):
            _manage(["ip", "link", "delete", name[0]], check=False)


def _free_subnet(seed: int) -> ipaddress.IPv4Network:
    """A /30 from the pool that no interface of the root namespace uses yet."""
    shown = _setup(["ip", "-4", "-o", "addr", "show"]).stdout
    used: set[ipaddress.IPv4Network] = set()
    for text in re.findall(r"inet (\d+\.\d+\.\d+\.\d+/\d+)", shown):
        network = ipaddress.IPv4Interface(text).network
        if network.overlaps(_POOL):
            used.add(network)
    subnets: list[ipaddress.IPv4Network] = list(_POOL.subnets(new_prefix=30))
    for step in range(_SUBNETS):
        candidate = subnets[(seed + step) % _SUBNETS]
        if not any(candidate.overlaps(other) for other in used):
            return candidate
    raise LinkUnavailable(f"no free /30 left in {_POOL}")


# --------------------------------------------------------------------------- delaying proxy

_IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)  # Linux; not exported by every Python
Lane = queue.SimpleQueue[tuple[float, bytes]]  # (when to write, data); b"" stands for EOF


class _Relay:
    """One proxied TCP connection: two directions, each a reader and a timed writer."""

    def __init__(self, client: socket.socket, upstream: socket.socket, delay: float,
                 on_done: Callable[[_Relay], None]) -> None:
        self.sockets = (client, upstream)
        self.delay = delay
        self.stopped = threading.Event()
        self._on_done = on_done
        self._lock = threading.Lock()
        self._running = 4
        self._directions_finished = 0
        for sock in self.sockets:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.queues: tuple[Lane, Lane] = (queue.SimpleQueue(), queue.SimpleQueue())

    def start(self) -> None:
        client, upstream = self.sockets
        for lane, (source, target) in zip(self.queues, ((client, upstream), (upstream, client)),
                                          strict=True):
            threading.Thread(target=self._read, args=(source, lane), daemon=True,
                             name="netlink-read").start()
            threading.Thread(target=self._write, args=(target, lane), daemon=True,
                             name="netlink-write").start()

    def _read(self, source: socket.socket, lane: Lane) -> None:
        try:
            while not self.stopped.is_set():
                data = source.recv(65536)
                lane.put((time.monotonic() + self.delay, data))
                if not data:
                    return
        except OSError:
            self.abort()
        finally:
            self._thread_done()

    def _write(self, target: socket.socket, lane: Lane) -> None:
        try:
            while True:
                due, data = lane.get()
                if self.stopped.is_set():
                    return
                wait = due - time.monotonic()
                if wait > 0 and self.stopped.wait(wait):
                    return
                if not data:
                    target.shutdown(socket.SHUT_WR)  # forward the FIN, after the delay
                    with self._lock:
                        self._directions_finished += 1
                        both = self._directions_finished == 2
                    if both:
                        self.abort()
                    return
                target.sendall(data)
        except OSError:
            self.abort()
        finally:
            self._thread_done()

    def abort(self) -> None:
        """Closes both sides: wakes every blocked reader and writer of this connection."""
        if self.stopped.is_set():
            return
        self.stopped.set()
        for lane in self.queues:
            lane.put((0.0, b""))
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _thread_done(self) -> None:
        with self._lock:
            self._running -= 1
            last = self._running == 0
        if last:
            for sock in self.sockets:
                sock.close()
            self._on_done(self)


class _DelayProxy:
    """Listens on `listen_host`, forwards to `target`, delays data by `delay` each way."""

    def __init__(self, listen_host: str, target: tuple[str, int], delay: float) -> None:
        self.target = target
        self.delay = delay
        self._relays: set[_Relay] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # FREEBIND: binding never depends on the state of the veth (e.g. during a cut).
        self._listener.setsockopt(socket.IPPROTO_IP, _IP_FREEBIND, 1)
        self._listener.bind((listen_host, 0))
        self._listener.listen(64)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._thread = threading.Thread(target=self._accept, daemon=True, name="netlink-accept")
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _peer = self._listener.accept()
            except OSError:
                return  # the listener was shut down
            threading.Thread(target=self._connect, args=(client,), daemon=True,
                             name="netlink-connect").start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=30)
        except OSError:
            client.close()  # the village sees the connection closed, as from a dead hub
            return
        upstream.settimeout(None)
        with self._lock:
            if self._closed:
                client.close()
                upstream.close()
                return
            relay = _Relay(client, upstream, self.delay, self._forget)
            self._relays.add(relay)
        relay.start()

    def _forget(self, relay: _Relay) -> None:
        with self._lock:
            self._relays.discard(relay)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            relays = list(self._relays)
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        self._listener.close()
        for relay in relays:
            relay.abort()


# --------------------------------------------------------------------------- the link


class VillageLink:
    """A namespace behind a slow, lossy, delayed veth link; use as a context manager.

    Inside the namespace only `host_address` (the root-side veth end) is reachable;
    `forward` exposes a root-namespace TCP service there, with the link's latency.
    """

    def __init__(self, rate_kbit: int = 2000, rtt_ms: int = 300,
                 loss_percent: float = 3.0) -> None:
        if rate_kbit <= 0:
            raise ValueError(f"rate_kbit must be positive, not {rate_kbit}")
        if rtt_ms < 0:
            raise ValueError(f"rtt_ms must not be negative, not {rtt_ms}")
        if not 0 <= loss_percent <= 100:
            raise ValueError(f"loss_percent must be within 0..100, not {loss_percent}")
        self.rate_kbit = rate_kbit
        self.rtt_ms = rtt_ms
        self.loss_percent = loss_percent
        pid, number = os.getpid(), next(_COUNTER)
        self.namespace = f"{_NS_PREFIX}{pid}-{number}"
        self.table = f"{_TABLE_PREFIX}{pid}_{number}"
        self.veth = f"{_VETH_PREFIX}{pid:x}n{number:x}"  # at most 15 characters
        self.village_veth = _VILLAGE_IFACE
        self.subnet: ipaddress.IPv4Network | None = None
        self.host_address = ""  # root-side end: what the village connects to
        self.village_address = ""  # namespace-side end
        self._seed = pid * 7 + number
        self._cut = False
        self._proxies: list[_DelayProxy] = []
        self._processes: list[subprocess.Popen[Any]] = []
        self._created: set[str] = set()

    # ----------------------------------------------------------------- lifecycle

    def __enter__(self) -> VillageLink:
        self.open()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def open(self) -> None:
        """Builds the namespace, the veth pair, the shaping, the loss table."""
        for program, package in (("ip", "iproute2"), ("tc", "iproute2"), ("nft", "nftables")):
            if shutil.which(program) is None:
                raise LinkUnavailable(f"the program `{program}` is not installed (Debian "
                                      f"package {package}); PATH={os.environ.get('PATH', '')}")
        with _OPEN_LOCK:
            _OPEN_LINKS.add(self)
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _build(self) -> None:
        ns, veth, inner = self.namespace, self.veth, self.village_veth
        _setup(["ip", "netns", "add", ns])
        self._created.add("namespace")
        with _global_lock():
            _sweep_leftovers()
            self.subnet = _free_subnet(self._seed)
            host, village = list(self.subnet.hosts())
            self.host_address, self.village_address = str(host), str(village)
            _setup(["ip", "link", "add", veth, "gso_max_segs", "1", "type", "veth",
                    "peer", "name", inner, "netns", ns, "gso_max_segs", "1"])
            self._created.add("veth")
            _setup(["ip", "addr", "add", f"{host}/30", "dev", veth])
        _setup(["ip", "link", "set", veth, "up"])
        _setup(["ip", "-n", ns, "addr", "add", f"{village}/30", "dev", inner])
        _setup(["ip", "-n", ns, "link", "set", "lo", "up"])
        _setup(["ip", "-n", ns, "link", "set", inner, "up"])
        _setup(["tc", "qdisc", "add", "dev", veth, "root", *self._tbf()])
        _setup(["tc", "-n", ns, "qdisc", "add", "dev", inner, "root", *self._tbf()])
        _setup(["nft", "-f", "-"], stdin=self._nft_script())
        self._created.add("table")

    def _tbf(self) -> list[str]:
        """tbf arguments: the rate, a burst of 20 ms (at least 4 frames), 200 ms of queue."""
        burst = max(self.rate_kbit * 1000 // 8 // 50, 4 * 1514)
        return ["tbf", "rate", f"{self.rate_kbit}kbit", "burst", str(burst), "latency", "200ms"]

    def _nft_script(self) -> str:
        threshold = round(self.loss_percent * 10)
        drop = (f"meta protocol {{ ip, ip6 }} numgen random mod 1000 < {threshold} counter drop"
                if threshold > 0 else "")
        chains = []
        for chain, hook in (("to_village", "egress"), ("from_village", "ingress")):
            chains.append(f"  chain {chain} {{\n"
                          f"    type filter hook {hook} device \"{self.veth}\" priority 0;"
                          f" policy accept;\n"
                          f"    {drop}\n"
                          f"  }}\n")
        return f"table netdev {self.table} {{\n{''.join(chains)}}}\n"

    def close(self) -> None:
        """Removes proxies, processes, the nft table, the veth pair and the namespace."""
        problems = []
        for proxy in self._proxies:
            proxy.close()
        self._proxies.clear()
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self._processes.clear()
        steps = (("table", ["nft", "delete", "table", "netdev", self.table]),
                 ("veth", ["ip", "link", "delete", self.veth]),
                 ("namespace", ["ip", "netns", "delete", self.namespace]))
        for what, argv in steps:
            if what in self._created:
                done = _manage(argv, check=False)
                if done.returncode == 0:
                    self._created.discard(what)
                else:
                    problems.append(f"`{_describe(argv)}`: {done.stderr.strip()}")
        with _OPEN_LOCK:
            _OPEN_LINKS.discard(self)
        if problems:
            raise LinkError("could not remove the village link: " + "; ".join(problems))

    # ----------------------------------------------------------------- use

    def forward(self, target_host: str, target_port: int) -> tuple[str, int]:
        """Exposes target_host:target_port to the village, with rtt_ms/2 delay each way.

        Returns the (host, port) that processes in the namespace connect to.  Each
        accepted connection opens one to the target; data and FINs are passed on in
        order, rtt_ms/2 after they were read; the relay closes both sockets once both
        directions have ended, or at once when either side fails or resets.  If the
        target refuses, the village's connection is closed.
        """
        proxy = _DelayProxy(self.host_address, (target_host, target_port),
                            self.rtt_ms / 2000)
        self._proxies.append(proxy)
        return proxy.address

    @property
    def is_cut(self) -> bool:
        return self._cut

    def cut(self) -> None:
        """Cuts the link for real: the root-side veth goes down (no carrier in the village)."""
        _manage(["ip", "link", "set", self.veth, "down"])
        self._cut = True

    def restore(self) -> None:
        """Brings the link up again and re-applies whatever `down` removed."""
        assert self.subnet is not None, "the link is not open"
        _manage(["ip", "link", "set", self.veth, "up"])
        _manage(["ip", "addr", "replace", f"{self.host_address}/30", "dev", self.veth])
        routes = _manage(["ip", "-4", "route", "show", "dev", self.veth]).stdout
        if str(self.subnet) not in routes:
            _manage(["ip", "route", "replace", str(self.subnet), "dev", self.veth,
                     "proto", "kernel", "scope", "link", "src", self.host_address])
        if "tbf" not in _manage(["tc", "qdisc", "show", "dev", self.veth]).stdout:
            _manage(["tc", "qdisc", "replace", "dev", self.veth, "root", *self._tbf()])
        self._cut = False

    def _in_namespace(self, argv: Sequence[str | os.PathLike[str]]) -> list[str]:
        return ["ip", "netns", "exec", self.namespace, *(os.fspath(arg) for arg in argv)]

    def popen(self, argv: Sequence[str | os.PathLike[str]],
              **kwargs: Any) -> subprocess.Popen[Any]:
        """Starts a command inside the village namespace (env and other kwargs pass through).

        Processes still running when the link closes are terminated.
        """
        process = subprocess.Popen(self._in_namespace(argv), **kwargs)
        self._processes.append(process)
        return process

    def run(self, argv: Sequence[str | os.PathLike[str]],
            **kwargs: Any) -> subprocess.CompletedProcess[Any]:
        """Runs a command inside the village namespace, like `subprocess.run`."""
        return subprocess.run(self._in_namespace(argv), **kwargs)

    def __repr__(self) -> str:
        return (f"VillageLink({self.namespace}, {self.veth}, {self.subnet}, "
                f"{self.rate_kbit} kbit/s, rtt {self.rtt_ms} ms, loss {self.loss_percent} %)")


@atexit.register
def _close_leftovers() -> None:
    with _OPEN_LOCK:
        links = list(_OPEN_LINKS)
    for link in links:
        with contextlib.suppress(Exception):
            link.close()
