"""Running a hub for this node: ``station hub serve``.

The operator unlocks the node's store once; the hub keeps the node's signing
key in memory (to sign receipts and its own requests upward) and works on
its own database.  Township and county hubs are this same program: the
enrolment decides which.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import peewee
from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import ca
from station import node_keys
from station.app import Station
from station.cases import matter_rules
from station.errors import (
    DiskRefusesWrites,
    HubPublicNameNeeded,
    HubWorkersNeedPostgres,
    HubWorkersUnavailable,
    NotEnrolled,
    StationError,
)
from station.hubops.hub_banner import materials_line, started_line
from station.network import hub_tls
from station.store.models import Setting
from station.trust import directory, revocations
from sync import storage
from sync.hub import workers as hub_workers
from sync.hub.blob_config import open_blob_store
from sync.hub.blobs import BlobStore, BlobStoreConfigInvalid
from sync.hub.forward import Forwarder
from sync.hub.identity import HubIdentity, open_database
from sync.hub.leader import ForwardingLeader
from sync.hub.metrics import DEFAULT_ALLOW, HubMetrics
from sync.hub.serve import app_for, bind
from sync.hub.service import HubService

log = logging.getLogger("bianmin.hub")
UPSTREAM_SETTING = "hub.upstream"
DB_NAME = "hub.db"
WILDCARD = ("0.0.0.0", "::")  # every interface: the public names must be given
THREADS = 8  # serving threads (of each worker process)


@dataclass
class RunningHub:
    service: HubService
    server: object  # waitress's (one process), else None
    leader: ForwardingLeader | None  # forwards upward (hubs with an upstream)
    address: str
    banner: str  # the line saying where it listens and which database it uses
    workers: int = 1
    app: object = None  # several processes: the WSGI app and the socket the master bound
    sock: socket.socket | None = None
    trusted_proxy: str | None = None


def identity_of(station: Station, upstream: str | None) -> HubIdentity:
    chain = node_keys.certificate(node_keys.SIGNING)
    root = Setting.get_or_none(Setting.key == "root_certificate")
    if not chain or root is None:
        raise NotEnrolled()
    key = node_keys.ensure_signing_key()
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    node = station.node
    return HubIdentity(node.code, node.tier, node.name, key, chain,
                       ca.certificate_from_pem(root.value.encode()),
                       revocations.current(station), directory.own_entry(station), upstream)


def upstream_of(station: Station, given: str | None) -> str | None:
    if given:
        with station.db.atomic("IMMEDIATE"):
            Setting.replace(key=UPSTREAM_SETTING, value=given.rstrip("/")).execute()
        return given.rstrip("/")
    stored = Setting.get_or_none(Setting.key == UPSTREAM_SETTING)
    return stored.value if stored else None


def database_label(url: str) -> str:
    """A database address as it may be printed: no password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def check_workers(workers: int, db_url: str | None) -> None:
    """Several worker processes need gunicorn (not on Windows) and PostgreSQL (SQLite is
    one process's); refused before the store is opened, so nothing changes."""
    if workers <= 1:
        return
    if not hub_workers.available():
        raise HubWorkersUnavailable(workers=workers)
    if db_url is None or not db_url.lower().startswith(("postgres://", "postgresql://")):
        raise HubWorkersNeedPostgres(workers=workers)


class BlobStoreInvalid(StationError):
    """材料存放位置 {given} 不可用：{reason}"""

    exit_code = 2


def blob_store(station: Station, spec: str | None) -> BlobStore:
    """The store ``--blobs SPEC`` names (default: ``blobs`` in the data folder)."""
    try:
        return open_blob_store(spec, Path(station.layout.root))
    except BlobStoreConfigInvalid as error:
        raise BlobStoreInvalid(given=error.given, reason=error.reason) from None


def start(station: Station, listen: str, db_url: str | None,
          upstream: str | None, public_names: Sequence[str] = (),
          metrics_allow: Sequence[str] = (), trusted_proxy: str | None = None,
          max_busy: int | None = None, workers: int = 1,
          blobs: str | None = None) -> RunningHub:
    """Build the hub and bind its socket (serve with ``run``).  ``/metrics`` answers the
    networks in ``metrics_allow`` (by default loopback only); past ``max_busy`` signed
    requests at once, others are answered 429 (``sync.hub.admission``).

    ``workers`` > 1: that many worker processes (``sync.hub.workers``, Linux), which
    need PostgreSQL; refused before anything is stored or opened otherwise.  Metrics
    and ``max_busy`` then count per worker process.

    ``blobs``: where materials are kept (``sync.hub.blob_config``; default the data
    folder)."""

    host, _, port = listen.rpartition(":")
    check_workers(workers, db_url)
    if host.strip("[]") in WILDCARD and not public_names:
        raise HubPublicNameNeeded(listen=listen)
    identity = identity_of(station, upstream_of(station, upstream))
    data = station.layout.root
    store = blob_store(station, blobs)
    try:
        db = open_database(db_url, Path(data) / DB_NAME)
        with db.connection_context():
            service = HubService(identity, db, store)
    except (peewee.DatabaseError, OSError) as error:
        reason = storage.refuses_writes(error)
        if reason is None:
            raise
        where = Path(data) / DB_NAME if db_url is None else database_label(db_url)
        raise DiskRefusesWrites(path=where, reason=reason) from None
    service.matters = matter_rules.lookup(lambda: station.catalogue)
    metrics = HubMetrics(service, metrics_allow or DEFAULT_ALLOW, Path(data), trusted_proxy)
    leader = None
    if identity.upstream:
        upstream_url, ca_file = identity.upstream, hub_tls.ca_file(station)
        leader = ForwardingLeader(
            db, lambda: Forwarder(service, upstream_url, ca_file=ca_file))
    if workers > 1:
        sock = hub_workers.listen_socket(host or "127.0.0.1", int(port))
        bound = f"http://{host or '127.0.0.1'}:{sock.getsockname()[1]}"
        app = app_for(service, host or "127.0.0.1", sock.getsockname()[1], public_names,
                      metrics, max_busy)
        return RunningHub(service, None, leader, bound, started_line(bound, db, workers) + "\n"
                          + materials_line(store.label),
                          workers, app, sock, trusted_proxy)
    server, bound = bind(service, host or "127.0.0.1", int(port), threads=THREADS,
                         public_names=public_names, metrics=metrics, max_busy=max_busy)
    return RunningHub(service, server, leader, bound, started_line(bound, db) + "\n"
                      + materials_line(store.label))


def run(hub: RunningHub) -> None:
    if hasattr(signal, "SIGXFSZ") and threading.current_thread() is threading.main_thread():
        # A file-size limit (ulimit -f) then fails the write like a full disk, which the
        # hub reports plainly and survives, instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if hub.workers > 1:
        assert hub.sock is not None
        hub_workers.serve(hub.app, hub.sock, hub.workers, THREADS,
                          started=lambda: print(hub.banner, file=sys.stderr, flush=True),
                          in_worker=lambda: _worker_threads(hub), db=hub.service.db,
                          trusted_proxy=hub.trusted_proxy)
        return
    if hub.leader is not None:
        threading.Thread(target=hub.leader.run, name="forwarding-lock", daemon=True).start()
    print(hub.banner, file=sys.stderr, flush=True)
    try:
        hub.server.run()  # type: ignore[attr-defined]
    finally:
        if hub.leader is not None:
            hub.leader.stop.set()


def _worker_threads(hub: RunningHub) -> None:
    """In each worker process: keep its memory in step with the database, and try for
    the forwarding lock."""
    stop = threading.Event()
    threading.Thread(target=hub_workers.keep_in_step, args=(hub.service, stop),
                     name="in-step", daemon=True).start()
    if hub.leader is not None:
        threading.Thread(target=hub.leader.run, name="forwarding-lock", daemon=True).start()
