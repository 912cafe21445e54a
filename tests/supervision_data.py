"""A hub database with known cases, for the supervision figures (issue 18).

The report reads event headers (type, China day, case, node) and each case's folded
view (matter, offices, who decided), nothing else; so the builder writes exactly
those: ``HubEvent`` rows with empty envelopes, ``HubCase`` rows with their view,
``HubPeer`` names.  ``KNOWN`` is the November 2026 sample whose every figure
tests/test_supervision_monthly.py works out by hand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from peewee import Database, fn

from keys.ca import CHINA_TIME
from sync import lifecycle
from sync.hlc import Timestamp
from sync.hub.identity import open_database
from sync.hub.models import HubCase, HubEvent, HubPeer, upsert

COUNTY = "450981000000"
T1, T2 = "450981104000", "450981105000"  # 示范镇, 石龙镇
V1, V2, V3 = "450981104201", "450981104202", "450981105201"
NAMES = {COUNTY: "桂平市政务服务中心", T1: "桂平市示范镇便民服务中心",
         T2: "桂平市石龙镇便民服务中心", V1: "示范村便民服务站", V2: "新村便民服务站",
         V3: "石龙村便民服务站"}
TOWNSHIP_MATTER = "450981-MZ-003"  # 临时救助: township 民政办, 10 days promised, 15 legal
INSTANT_MATTER = "450981-WJ-001"  # 生育登记: township 卫生健康办, 0 days (即办件)

FILED, ACCEPTED, APPROVED = lifecycle.FILED, lifecycle.ACCEPTED, lifecycle.APPROVED


@dataclass
class Case:
    case_no: str
    matter: str
    office: str  # "node:office" that handles it
    events: Sequence[tuple[str, date]]  # (type, China day), in order
    state: str = lifecycle.REVIEW

    @property
    def station(self) -> str:
        return self.case_no[:12]


def d(text: str) -> date:
    return date.fromisoformat(text)


def case(station: str, number: int, events: Sequence[tuple[str, str]],
         matter: str = TOWNSHIP_MATTER, office: str = "民政办",
         state: str = lifecycle.REVIEW) -> Case:
    first = d(events[0][1])
    return Case(f"{station}-{first:%Y%m%d}-{number:04d}", matter,
                f"{lifecycle.township_of(station)}:{office}",
                [(type_, d(day)) for type_, day in events], state)


# The November 2026 sample (today 2026-12-05).  Days worked out in the test.
KNOWN = [
    case(V1, 1, [(FILED, "2026-11-02"), (ACCEPTED, "2026-11-02"), (APPROVED, "2026-11-10"),
                 (lifecycle.DELIVERED_EVENT, "2026-11-11"), (lifecycle.RATED, "2026-11-12")],
         state=lifecycle.CLOSED),  # A: on time, rated well
    case(V1, 2, [(FILED, "2026-10-12"), (ACCEPTED, "2026-10-12"), (APPROVED, "2026-11-05")],
         state=lifecycle.DECIDED),  # B: late
    case(V2, 3, [(FILED, "2026-11-02"), (ACCEPTED, "2026-11-03"),
                 (lifecycle.SUPPLEMENT_REQUESTED, "2026-11-04"),
                 (lifecycle.SUPPLEMENTED, "2026-11-09"), (APPROVED, "2026-11-13"),
                 (lifecycle.DELIVERED_EVENT, "2026-11-13"), (lifecycle.RATED_POOR, "2026-11-16"),
                 (lifecycle.FOLLOWUP_CALLED, "2026-11-18"),
                 (lifecycle.FOLLOWUP_CLOSED, "2026-11-20")],
         state=lifecycle.CLOSED),  # C: paused for a supplement; rated badly, called late
    case(V2, 4, [(FILED, "2026-11-02"), (ACCEPTED, "2026-11-02"),
                 (lifecycle.EXTENSION_REQUESTED, "2026-11-09"),
                 (lifecycle.EXTENSION_APPROVED, "2026-11-10"), (APPROVED, "2026-11-20"),
                 (lifecycle.DELIVERED_EVENT, "2026-11-20"), (lifecycle.RATED_POOR, "2026-11-23"),
                 (lifecycle.FOLLOWUP_CALLED, "2026-11-24")],
         state=lifecycle.FOLLOWUP),  # D: extended; rated badly, called on time, not fixed
    case(V3, 5, [(FILED, "2026-11-02"), (ACCEPTED, "2026-11-02"),
                 (lifecycle.SPECIAL_STARTED, "2026-11-03"),
                 (lifecycle.SPECIAL_ENDED, "2026-11-13"), (APPROVED, "2026-11-18")],
         state=lifecycle.DECIDED),  # E: special procedure
    case(V1, 6, [(FILED, "2026-11-03"), (lifecycle.WITHDRAWN_EVENT, "2026-11-04")],
         state=lifecycle.WITHDRAWN),  # F: withdrawn (退件)
    case(V1, 7, [(FILED, "2026-11-05"), (ACCEPTED, "2026-11-05"), (APPROVED, "2026-11-05"),
                 (lifecycle.DELIVERED_EVENT, "2026-11-05"), (lifecycle.RATED, "2026-11-05")],
         matter=INSTANT_MATTER, office="卫生健康办", state=lifecycle.CLOSED),  # G: 即办件
    case(V2, 8, [(FILED, "2026-11-02"), (ACCEPTED, "2026-11-02")]),  # H: open, overdue
    case(V3, 9, [(FILED, "2026-11-09"), (lifecycle.REFUSED_EVENT, "2026-11-10")],
         state=lifecycle.REFUSED),  # L: 不予受理
    case(V1, 10, [(FILED, "2026-10-12"), (ACCEPTED, "2026-10-12"), (APPROVED, "2026-10-20")],
         state=lifecycle.DECIDED),  # M: October, for the trend
    case(V1, 11, [(FILED, "2026-12-01"), (ACCEPTED, "2026-12-01")]),  # N: December
]
TODAY = date(2026, 12, 5)

# More open cases for the board on TODAY (tests/test_supervision_board.py).
BOARD_EXTRA = [
    case(V3, 21, [(FILED, "2026-11-23"), (ACCEPTED, "2026-11-23")]),  # Y: yellow on 12-03
    case(V3, 22, [(FILED, "2026-11-02"), (ACCEPTED, "2026-11-02"),
                  (lifecycle.SPECIAL_STARTED, "2026-11-05")], state=lifecycle.SPECIAL),  # P
    case(V1, 23, [(FILED, "2026-11-02"), (ACCEPTED, "2026-11-02"), (APPROVED, "2026-11-06"),
                  (lifecycle.DELIVERED_EVENT, "2026-11-06"),
                  (lifecycle.RATED_POOR, "2026-11-24")], state=lifecycle.FOLLOWUP),  # Q
]


@dataclass
class Writer:
    """Appends headers to a hub database as hubs do: one seq per node, log order."""

    db: Database
    seqs: dict[str, int] = field(default_factory=dict)
    tick: int = field(default_factory=lambda: int(datetime.now().timestamp()) % 100_000)

    def add(self, item: Case) -> None:
        rows = []
        for type_, day in item.events:
            node = item.station if type_ in (FILED, lifecycle.WITHDRAWN_EVENT,
                                              lifecycle.DELIVERED_EVENT, lifecycle.RATED,
                                              lifecycle.RATED_POOR) else item.office[:12]
            if node not in self.seqs:  # go on after what the database holds
                self.seqs[node] = HubEvent.select(fn.MAX(HubEvent.seq)).where(
                    HubEvent.node == node).scalar() or 0
            self.seqs[node] += 1
            self.tick += 1
            moment = datetime.combine(day, time(9, 0), CHINA_TIME)
            hlc = Timestamp(int(moment.timestamp() * 1000) + self.tick, 0, node)
            rows.append({"node": node, "seq": self.seqs[node], "digest": f"{self.tick:064x}",
                         "envelope": b"", "type": type_, "case_no": item.case_no,
                         "matter": item.matter, "hlc": str(hlc), "author": "clerk",
                         "peer": node, "received_at": moment.isoformat()})
        decided = any(t in (APPROVED, lifecycle.REJECTED, lifecycle.REFUSED_EVENT)
                      for t, _ in item.events)
        offices = (item.office,) if item.state in (*lifecycle.OPEN, lifecycle.FOLLOWUP) else ()
        view = lifecycle.CaseView(item.case_no, item.state, filed_by=item.station,
                                  matter=item.matter, level="township", offices=offices,
                                  decided_by=item.office if decided else None)
        with self.db.atomic():
            HubEvent.insert_many(rows).execute()
            top = HubEvent.select(HubEvent.id).order_by(HubEvent.id.desc()).scalar()
            upsert(HubCase, case_no=item.case_no, state=item.state, filed_by=item.station,
                   matter=item.matter, offices=json.dumps(list(offices)),
                   updated_index=top, level="township", view=json.dumps(view.to_json()))


def hub_database(url: str | None, path: Path) -> Database:
    """A hub database (SQLite at ``path``, or ``url``) with the names of the sample's nodes."""
    db = open_database(url, path)
    with db.connection_context():
        for node, name in NAMES.items():
            tier = "county" if node == COUNTY else "township" if node.endswith("000") \
                else "village"
            HubPeer.insert(node=node, tier=tier, name=name, chain="", serials="[]",
                           first_seen="2026-01-01T00:00:00+00:00").on_conflict_ignore().execute()
    return db


def write_cases(db: Database, cases: Sequence[Case]) -> Writer:
    writer = Writer(db)
    with db.connection_context():
        for item in cases:
            writer.add(item)
    return writer
