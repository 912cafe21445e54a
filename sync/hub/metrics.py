"""The hub's ``/metrics``: Prometheus text for the county's monitoring.

What is counted, and where:

| metric | kind | counted |
|---|---|---|
| ``bianmin_hub_requests_total{method,route,status}`` | counter | every answer, by route template and status class (``2xx`` …) |
| ``bianmin_hub_request_errors_total{method,route,status}`` | counter | answers with status 400 and above |
| ``bianmin_hub_events_ingested_total`` | counter | events pushes to this hub stored (not duplicates) |
| ``bianmin_hub_events_served_total`` | counter | events handed out by pulls |
| ``bianmin_hub_received_bytes_total`` / ``…_sent_bytes_total`` | counter | request and answer bodies |
| ``bianmin_hub_busy_refusals_total`` | counter | signed requests refused at once with 429 ``busy`` (``sync.hub.admission``) |
| ``bianmin_hub_requests_in_progress`` | gauge | signed requests being worked on now |
| ``bianmin_hub_forward_backlog_events`` | gauge | events held here the parent hub lacks (hubs with an upstream) |
| ``bianmin_hub_upstream_last_success_timestamp_seconds`` | gauge | the last forwarding round that succeeded |
| ``bianmin_hub_forwarding_lock_held{pid}`` | gauge | 1 if the worker process that answered (``pid``) holds the forwarding lock now (``sync.hub.leader``), else 0 (hubs with an upstream) |
| ``bianmin_hub_forwarding_holder_pid`` | gauge | the process that last took the forwarding lock, as recorded in the database |
| ``bianmin_hub_database_size_bytes`` | gauge | the SQLite file with its WAL, or ``pg_database_size`` |
| ``bianmin_hub_data_free_bytes`` | gauge | free space on the disk of the data folder |

Counters live in one registry per hub (tests run several hubs in one process)
and are counted by the request middleware, never by a responder.  A hub served by
several worker processes (``station hub serve --workers N``) counts per process: a
scrape reads the counters of whichever worker answers it (the ``pid`` label of the
forwarding gauge names it); the gauges read from the database are the same in each.  Gauges are
read when Prometheus scrapes, with bounded work: one indexed lookup per node of
the subtree, a file size or one PostgreSQL function, one ``statvfs``.

The route is unsigned (Prometheus scrapes plain HTTP) and answers only the
addresses the operator allows (``station hub serve --metrics-allow CIDR``;
loopback by default).  Behind a reverse proxy the address is the proxy's unless
the hub is told to trust it (``--trusted-proxy``; waitress then takes the address
the proxy adds to ``X-Forwarded-For`` and drops that header from anyone else): a
proxy on the hub's own machine must either be trusted so or not pass ``/metrics``
on (docs/monitoring.md).
"""  # noqa: E501

from __future__ import annotations

import ipaddress
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sync.hub import forward, leader
from sync.hub.identity import is_postgres
from sync.hub.service import HubService

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_ALLOW = ("127.0.0.1/32", "::1/128")
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"  # a path no route serves: one label, so 404 probes add no series


def networks(texts: Iterable[str]) -> tuple[Network, ...]:
    """The allowed networks; ValueError names the first text that is not a network."""
    return tuple(ipaddress.ip_network(text.strip(), strict=False) for text in texts)


def allowed(address: str | None, allow: Sequence[Network]) -> bool:
    """``address`` (as the server saw it) is in one of ``allow``; an IPv4 address
    written as IPv6 (``::ffff:127.0.0.1``) counts as the IPv4 one."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in allow)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class HubMetrics:
    """One hub's counters, its scrape-time gauges and who may read them."""

    def __init__(self, hub: HubService, allow: Iterable[str] = DEFAULT_ALLOW,
                 data_dir: Path | None = None, trusted_proxy: str | None = None) -> None:
        self.allow = networks(allow)
        self.trusted_proxy = trusted_proxy
        self.registry = CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = Counter("bianmin_hub_requests", "Answers by route and status class",
                                labels, registry=self.registry)
        self.errors = Counter("bianmin_hub_request_errors",
                              "Answers with status 400 or above, by route", labels,
                              registry=self.registry)
        self.events_in = Counter("bianmin_hub_events_ingested",
                                 "Events stored from pushes (duplicates not counted)",
                                 registry=self.registry)
        self.events_out = Counter("bianmin_hub_events_served", "Events handed out by pulls",
                                  registry=self.registry)
        self.bytes_in = Counter("bianmin_hub_received_bytes", "Request body bytes",
                                registry=self.registry)
        self.bytes_out = Counter("bianmin_hub_sent_bytes", "Answer body bytes",
                                 registry=self.registry)
        self.busy_refused = Counter("bianmin_hub_busy_refusals",
                                    "Signed requests refused with 429 busy (too many at once)",
                                    registry=self.registry)
        self.gauges = HubGauges(hub, data_dir)
        self.registry.register(self.gauges)

    def watch(self, admission: Any) -> None:
        """Report ``admission.in_progress`` (sync.hub.admission) at each scrape."""
        self.gauges.admission = admission

    def permits(self, address: str | None) -> bool:
        """May a request from ``address`` (as the server saw it) read the metrics?"""
        return allowed(address, self.allow)

    def record(self, method: str, route: str | None, status: int, bytes_in: int,
               bytes_out: int, events_in: int = 0, events_out: int = 0) -> None:
        labels = (method, route or UNMATCHED, status_class(status))
        self.requests.labels(*labels).inc()
        if status >= 400:
            self.errors.labels(*labels).inc()
        self.bytes_in.inc(bytes_in)
        self.bytes_out.inc(bytes_out)
        if events_in:
            self.events_in.inc(events_in)
        if events_out:
            self.events_out.inc(events_out)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class HubGauges(Collector):
    """The gauges, read from the hub's database and disk at each scrape."""

    def __init__(self, hub: HubService, data_dir: Path | None) -> None:
        self.hub = hub
        self.data_dir = data_dir
        self.admission: Any = None

    def describe(self) -> list[Metric]:
        return []  # read at scrape time only: nothing is queried when registering

    def collect(self) -> Iterator[Metric]:
        if self.admission is not None:
            yield _gauge("bianmin_hub_requests_in_progress",
                         "Signed requests being worked on now", self.admission.in_progress)
        if self.hub.me.upstream:
            yield _gauge("bianmin_hub_forward_backlog_events",
                         "Events held here that the parent hub does not hold yet",
                         forward.backlog(self.hub.me.code))
            success = forward.last_success()
            if success is not None:
                yield _gauge("bianmin_hub_upstream_last_success_timestamp_seconds",
                             "When a forwarding round to the parent hub last succeeded",
                             success)
            held = GaugeMetricFamily("bianmin_hub_forwarding_lock_held",
                                     "1 if this worker process forwards to the parent hub now",
                                     labels=["pid"])
            held.add_metric([str(os.getpid())], 1 if leader.holds_lock() else 0)
            yield held
            holder = leader.holder()
            if holder is not None and isinstance(holder.get("pid"), int):
                yield _gauge("bianmin_hub_forwarding_holder_pid",
                             "The process that last took the forwarding lock",
                             holder["pid"])
        yield _gauge("bianmin_hub_database_size_bytes", "Size of the hub database",
                     self.database_size())
        folder = self.folder()
        if folder is not None:
            yield _gauge("bianmin_hub_data_free_bytes", "Free space on the data folder's disk",
                         shutil.disk_usage(folder).free)

    def folder(self) -> Path | None:
        if self.data_dir is not None:
            return self.data_dir
        db = self.hub.db
        if isinstance(db, SqliteDatabase) and db.database not in ("", ":memory:"):
            return Path(db.database).resolve().parent
        return None

    def database_size(self) -> int:
        db = self.hub.db
        if is_postgres(db):
            return int(db.execute_sql("SELECT pg_database_size(current_database())")
                       .fetchone()[0])
        if isinstance(db, SqliteDatabase) and db.database not in ("", ":memory:"):
            return sum(os.path.getsize(path) for path in
                       (db.database, db.database + "-wal") if os.path.exists(path))
        return 0


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
