"""Reading a county hub's database for the county admin: the sync log and each
station's health (the 审计 screen and ``station audit report``).

The hub's own audit (``sync.audit.verify_hub``) checks every node's chain;
this module arranges its findings per station, adds names and days of
silence, and lists the sync sessions the hub logged, filtered.  Only clear
headers and the session log are read: nothing here opens a payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from peewee import Database

from keys import ca
from keys.errors import KeysError
from keys.hierarchy import tier_of
from station.app import Station
from station.errors import StationError
from station.hubops import hub_runner
from station.trust import users
from sync.audit import AuditReport, verify_hub
from sync.hub.identity import open_database
from sync.hub.models import HubPeer, HubSession

HubDatabase = Database  # an open hub database: the audit screen holds it, these read it

SESSION_LIMIT = 1000
DIRECTIONS = ("up", "down", "both")
RESULTS = ("ok", "error")
PROBLEM_KINDS = ("forks", "gaps", "broken_links", "bad_signatures", "lost_in_transit",
                 "flagged")
# Listed for the admin to look at, but not a broken chain: an event kept without
# moving its case (often two nodes acting on one case at once).
NOTICE_KINDS = ("flagged",)


class HubDatabaseMissing(StationError):
    """找不到枢纽站数据库 {path}：这台电脑上还没有运行过枢纽站。请在运行枢纽站的电脑上操作，或填写枢纽站数据库地址。"""  # noqa: E501

    exit_code = 5


@dataclass(frozen=True)
class SessionFilter:
    station: str = ""  # a node code, or "" for every station
    direction: str = ""  # "up", "down", "both" or "" for any
    result: str = ""  # "ok", "error" or "" for any
    since: date | None = None  # local dates, both included
    until: date | None = None


@dataclass(frozen=True)
class SessionRow:
    started_at: str  # ISO, UTC
    peer: str
    name: str
    direction: str
    events_in: int
    events_out: int
    blobs_in: int
    bytes_in: int
    bytes_out: int
    duration_ms: int
    requests: int
    result: str
    error: str | None


@dataclass
class StationHealth:
    code: str
    name: str
    tier: str
    last_seen: str | None
    events: int
    high_water: int
    silent_days: int | None  # whole days since last seen; None: never seen
    silent: bool  # a village quiet for longer than the limit
    problems: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(n for kind, n in self.problems.items() if kind not in NOTICE_KINDS)


@dataclass
class HubAudit:
    report: AuditReport
    stations: list[StationHealth]
    silent_limit: int
    made_at: datetime

    def summary(self) -> dict[str, Any]:
        report = self.report
        return {"ok": report.ok, "nodes": len(report.nodes), "events": report.events,
                "sessions": report.sessions, "failed_sessions": report.failed_sessions,
                **{kind: len(getattr(report, kind)) for kind in PROBLEM_KINDS},
                "silent_stations": len(report.silent_stations),
                "silent_days": self.silent_limit}

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "made_at": self.made_at.isoformat(timespec="seconds"),
                "stations": [{**vars(s), "problems": dict(s.problems)} for s in self.stations],
                "problems": problem_list(self.report)}


def open_hub_database(station: Station, url: str | None = None) -> Database:
    """The hub database beside this node's store (or at ``url``); county admins only."""
    users.require_role(station, "audit", "admin", "auditor")
    path = station.layout.root / hub_runner.DB_NAME
    if not url and not path.exists():
        raise HubDatabaseMissing(path=path)
    return open_database(url or None, path)


def _utc_bound(day: date) -> str:
    moment = datetime.combine(day, time.min).astimezone()
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def read_sessions(db: Database, chosen: SessionFilter,
                  limit: int = SESSION_LIMIT) -> list[SessionRow]:
    """The hub's sync log, newest first, as the filter asks."""
    with db.connection_context():
        names = {p.node: p.name for p in HubPeer.select(HubPeer.node, HubPeer.name)}
        query = HubSession.select()
        if chosen.station:
            query = query.where(HubSession.peer == chosen.station)
        if chosen.direction:
            query = query.where(HubSession.direction == chosen.direction)
        if chosen.result:
            query = query.where(HubSession.result == chosen.result)
        if chosen.since:
            query = query.where(HubSession.started_at >= _utc_bound(chosen.since))
        if chosen.until:
            query = query.where(HubSession.started_at < _utc_bound(
                chosen.until + timedelta(days=1)))
        rows = query.order_by(HubSession.started_at.desc()).limit(limit)
        return [SessionRow(s.started_at, s.peer, names.get(s.peer, ""), s.direction,
                           s.events_in, s.events_out, s.blobs_in, s.bytes_in, s.bytes_out,
                           s.duration_ms, s.requests, s.result, s.error) for s in rows]


POLL = "poll"  # direction of a folded row: sessions that moved nothing


def fold_empty_polls(rows: list[SessionRow]) -> list[SessionRow]:
    """Successful sessions that moved nothing (a station asking "anything new?") folded
    into one row per station and hour, newest first, its ``requests`` the number of
    sessions; every other row as it was.  Pure: the screen calls it on what it read."""
    out: list[SessionRow] = []
    folded: dict[tuple[str, str], int] = {}  # (peer, hour) -> index in out
    for row in rows:
        empty = row.result == "ok" and not (row.events_in or row.events_out or row.blobs_in)
        if not empty:
            out.append(row)
            continue
        key = (row.peer, row.started_at[:13])
        if key in folded:
            kept = out[folded[key]]
            out[folded[key]] = replace(kept, requests=kept.requests + 1,
                                       bytes_in=kept.bytes_in + row.bytes_in,
                                       bytes_out=kept.bytes_out + row.bytes_out,
                                       duration_ms=kept.duration_ms + row.duration_ms)
        else:
            folded[key] = len(out)
            out.append(replace(row, direction=POLL, requests=1))
    return out


def session_peers(db: Database) -> list[tuple[str, str]]:
    """Every station that has a session in the log, with its name: the filter's choices."""
    with db.connection_context():
        names = {p.node: p.name for p in HubPeer.select(HubPeer.node, HubPeer.name)}
        codes = sorted({s.peer for s in HubSession.select(HubSession.peer).distinct()})
    return [(code, names.get(code, "")) for code in codes]


def audit_hub(db: Database, silent_days: int = 7, now: datetime | None = None) -> HubAudit:
    """Verify the hub's holdings and arrange the findings per station."""
    now = now or datetime.now(UTC)
    with db.connection_context():
        report = verify_hub(silent_days=silent_days, now=now)
        names = {p.node: p.name for p in HubPeer.select(HubPeer.node, HubPeer.name)}
    silent = {s["code"] for s in report.silent_stations}
    stations = []
    for node in report.nodes:
        code = str(node["code"])
        seen = node.get("last_seen")
        days = (now - datetime.fromisoformat(seen)).days if seen else None
        problems = {kind: sum(1 for p in getattr(report, kind) if p.get("node") == code)
                    for kind in PROBLEM_KINDS}
        stations.append(StationHealth(code, names.get(code, ""), _tier(code), seen,
                                      int(node["events"]), int(node["high_water"]), days,
                                      code in silent, problems))
    return HubAudit(report, stations, silent_days, now)


def _tier(code: str) -> str:
    try:
        return tier_of(code)
    except KeysError:
        return "?"


def problem_list(report: AuditReport) -> list[dict[str, Any]]:
    """Every finding as one record: kind, node, and where in its chain."""
    found: list[dict[str, Any]] = []
    for kind in PROBLEM_KINDS:
        for item in getattr(report, kind):
            found.append({"kind": kind, **item})
    return found


def can_audit(station: Station) -> bool:
    """The 审计 screen is for the county's admins and auditors."""
    if station.node.tier != "county":
        return False
    try:
        users.require_role(station, "audit", "admin", "auditor")
    except StationError:
        return False
    return True


@dataclass(frozen=True)
class StationCertificate:
    """A station's own certificate as the hub verified it (what 吊销 needs: the serial)."""

    code: str
    name: str
    tier: str
    serial: int
    last_seen: str | None


def station_certificates(db: Database, own: str) -> list[StationCertificate]:
    """Every station whose chain the hub holds, but ``own`` (the reader's node), by code."""
    with db.connection_context():
        peers = list(HubPeer.select().where(HubPeer.node != own).order_by(HubPeer.node))
    found = []
    for peer in peers:
        try:
            first = ca.chain_from_pem(str(peer.chain).encode())[0]  # the node's own certificate
        except (KeysError, IndexError):
            continue  # the hub verified it when it came; a damaged row is the audit's matter
        found.append(StationCertificate(peer.node, peer.name, _tier(peer.node),
                                        int(first.serial_number), peer.last_seen))
    return found


def listed_certificates(station: Station) -> list[StationCertificate]:
    """The stations' certificates held by the hub beside this node's store."""
    db = open_hub_database(station)
    try:
        return station_certificates(db, station.node.code)
    finally:
        db.close()
