"""The event outbox: every change and every access, as a hash chain.

Events are appended inside the caller's transaction.  Each event's hash
covers its clear header and its sealed payload; ``prev_hash`` is the hash of
the node's previous event, so the log is a chain that the county can verify
and a rewrite shows as a fork.  Access events (阅览留痕) are ordinary events
with types ``access.*``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from peewee import fn

from station.i18n import N_, translate
from station.store.models import Event
from sync import lifecycle

GENESIS = "0" * 64

# Event types
CASE_FILED = "case.filed"
NOTICE_ISSUED = "case.notice_issued"
ACCESS_VIEWED = "access.viewed"
ACCESS_SEARCHED = "access.searched"
ACCESS_LISTED = "access.listed"
ACCESS_PRINTED = "access.printed"
ACCESS_EXPORTED = "access.exported"
ACCESS_BACKED_UP = "access.backed_up"  # a copy of the whole store (station backup)
ACCESS_FILE_OPENED = "access.file_opened"  # a resident's file (居民档案) opened
NODE_INITIALISED = "node.initialised"
OFFICE_MEMBER_ADDED = "office.member_added"
OFFICE_MEMBER_REMOVED = "office.member_removed"
CONSENT_REUSE = "consent.material_reused"  # 资料共享: the resident agreed (filing/reuse.py)
RECOVERED = "node.recovered"  # a stand-in for an event of this node the hub holds
CHAIN_RESUMED = "node.chain_resumed"
# Set by a restore from a backup, or on a replacement PC: until the first sync has
# asked the hub where this node's log stands, nothing is published and no case is
# filed (its number could be one the hub already holds).  See network/chain_resume.
RESUME_SETTING = "chain.resume"

LABELS = {
    CASE_FILED: N_("收件登记"),
    NOTICE_ISSUED: N_("缺件提示（收件时）"),
    ACCESS_VIEWED: N_("查看"),
    ACCESS_SEARCHED: N_("查找"),
    ACCESS_LISTED: N_("浏览列表"),
    ACCESS_PRINTED: N_("打印"),
    ACCESS_EXPORTED: N_("导出材料"),
    ACCESS_BACKED_UP: N_("备份本站数据"),
    ACCESS_FILE_OPENED: N_("查阅居民档案"),
    NODE_INITIALISED: N_("建站"),
    CONSENT_REUSE: N_("申请人同意复用材料"),
    OFFICE_MEMBER_ADDED: N_("交出科室密钥"),
    OFFICE_MEMBER_REMOVED: N_("移出科室"),
    RECOVERED: N_("上级已有的记录（恢复时取回）"),
    CHAIN_RESUMED: N_("与上级核对后接续记录"),
}


# Records of a kind without a label of its own, by the part before the dot.
KIND_LABELS = {
    "access": N_("查阅记录"),
    "node": N_("站点信息"),
    "trust": N_("密钥与证书"),
    "user": N_("人员变动"),
    "office": N_("科室变动"),
    "case": N_("办件步骤"),
    "consent": N_("申请人同意事项"),
}


def label(type_: str) -> str:
    """The name people read for an event type: its own label, the case step's (the
    lifecycle table's), or its kind's; never the code name."""
    if type_ in LABELS:
        return translate(LABELS[type_])
    if type_ in lifecycle.TABLE:
        return translate(lifecycle.action_label(type_))
    return translate(KIND_LABELS.get(type_.split(".", 1)[0], N_("其他记录")))


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def local_time(at: str) -> str:
    """An event time as people read it: this PC's local time, to the second."""
    return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def event_hash(event: Event) -> str:
    header = {
        "id": event.id,
        "seq": event.seq,
        "node": event.node_code,
        "case": event.case_no,
        "matter": event.matter_code,
        "type": event.type,
        "at": event.at,
        "author": event.author,
        "prev": event.prev_hash,
    }
    digest = hashlib.sha256(json.dumps(header, sort_keys=True).encode("utf-8"))
    digest.update(b"\x00")
    digest.update(bytes(event.__data__["payload"]))
    return digest.hexdigest()


def append(
    node_code: str,
    author: str,
    type_: str,
    payload: dict[str, Any],
    case_no: str | None = None,
    matter_code: str | None = None,
) -> Event:
    """Append one event; call inside a write transaction."""
    last = Event.select(Event.seq, Event.hash).order_by(Event.seq.desc()).first()
    event = Event(
        seq=(last.seq + 1) if last else 1,
        node_code=node_code,
        case_no=case_no,
        matter_code=matter_code,
        type=type_,
        at=utc_now(),
        author=author,
        prev_hash=last.hash if last else GENESIS,
    )
    event.payload = payload
    event.hash = event_hash(event)
    event.save(force_insert=True)
    return event


def ask_chain_resume(reason: str, **details: str) -> None:
    """Hold publishing and filing until the next sync has resumed the chain (call
    inside a write transaction): after a restore, or on a replacement PC."""
    from station.store.models import Setting

    Setting.replace(key=RESUME_SETTING,
                    value=json.dumps({"reason": reason, **details}, ensure_ascii=False)).execute()


def chain_waits() -> bool:
    """True while this store waits to learn from the hub where its chain stands."""
    from station.store.models import Setting

    return Setting.get_or_none(Setting.key == RESUME_SETTING) is not None


def verify_chain(events: Iterable[Event]) -> list[str]:
    """Problems in a node's chain, in order; empty when it is intact."""
    problems: list[str] = []
    prev, expected_seq = GENESIS, 1
    for event in events:
        if event.seq != expected_seq and event.type != RECOVERED:
            # a stand-in for what the hub holds may follow a gap: a replacement PC
            # begins its log at the hub's head
            problems.append(f"gap before seq {event.seq}")
        if event.prev_hash != prev:
            problems.append(f"seq {event.seq}: prev_hash does not match")
        if event_hash(event) != event.hash:
            problems.append(f"seq {event.seq}: hash does not match its content")
        prev, expected_seq = event.hash, event.seq + 1
    return problems


def count_events(type_prefix: str = "") -> int:
    query = Event.select(fn.COUNT(Event.id))
    if type_prefix:
        query = query.where(Event.type.startswith(type_prefix))
    return int(query.scalar() or 0)


def recent_events(limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Newest events' clear headers (for the sync screen); payloads stay sealed."""
    rows = (
        Event.select(Event.seq, Event.type, Event.case_no, Event.at, Event.author)
        .order_by(Event.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    return [{"seq": e.seq, "type": e.type, "case_no": e.case_no, "at": e.at, "author": e.author}
            for e in rows]
