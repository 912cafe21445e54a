"""Resuming this node's chain where the hub holds it: after a restore, or on a new PC.

A station restored from a backup does not know what its node sent after the copy
was taken; a replacement PC knows nothing of its node's log at all.  If either
wrote its next event at its own last seq + 1, the hub would hold two different
events for one (node, seq): a fork.  So a store marked ``chain.resume`` publishes
nothing until its first sync has asked the hub for the node's own envelopes
(``GET /v1/nodes/{node}/events``) and:

* keeps each envelope as its own, after checking it chains from its last
  published one (and, for a restore, carries its own signature);
* matches an envelope to the local event with the same id at the same seq (an
  event the backup held but had not yet sent);
* stands a ``node.recovered`` record in for each envelope it has no event for
  (the old PC's work after the backup: the hub and the county have it);
* moves its own unsent events after the hub's head, in order.

A replacement PC takes the whole log the same way (it checks that it chains up to
the hub's head, but not the old key's signatures: the county's audit does) and
goes on from there in a new key epoch the county approved.  Knowing every case
number the old PC gave, it never gives one again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from station import node_keys, outbox
from station.app import Station
from station.errors import StationError
from station.network import publish
from station.store.models import Event, Setting, SyncEnvelope
from sync.client import HubClient
from sync.envelope import ZERO_HASH, Envelope, parse_envelope, verify_envelope
from sync.errors import SyncError
from sync.hlc import Timestamp

RESUME_SETTING = outbox.RESUME_SETTING
ACKED_SETTING = "sync.acked_seq"  # link.ACKED_SETTING (link imports this module)
RESTORE, REPLACEMENT = "restore", "replacement"
PAGE = 500


class ChainDiverged(StationError):
    """上级枢纽站保存的本站第 {seq} 号记录与本机的不一致，不能接着上报。
    请不要再办件，联系县里的管理员核对（可能用了别的电脑的备份）。"""

    exit_code = 1


@dataclass(frozen=True)
class Resumed:
    """What resuming did: the hub's head, and how many records were taken or moved."""

    high_water: int
    taken: int  # envelopes the hub held that this store now keeps
    recovered: int  # of those, events this store had no record of (stand-ins written)
    moved: int  # local events not yet sent, moved after the hub's head


def mark(reason: str, **details: str) -> None:
    """Ask the next sync to resume the chain first (call inside a transaction)."""
    outbox.ask_chain_resume(reason, **details)


def pending() -> dict[str, Any] | None:
    """The resume request, or None when the chain is known to be where the hub has it."""
    row = Setting.get_or_none(Setting.key == RESUME_SETTING)
    if row is None:
        return None
    value = json.loads(row.value)
    return value if isinstance(value, dict) else {"reason": RESTORE}


@dataclass(frozen=True)
class Plan:
    """Where each local record goes (a pure plan; ``apply`` writes it)."""

    matched: frozenset[int]  # seqs whose local event is the hub's envelope
    stand_ins: tuple[int, ...]  # seqs the hub holds and this store has no event for
    moves: tuple[tuple[str, int], ...]  # (event id, new seq), in order


def plan(unsent: Sequence[tuple[int, str]], held: Sequence[tuple[int, str]],
         high_water: int) -> Plan:
    """``unsent``: (seq, event id) of local events above the last published seq;
    ``held``: (seq, event id) of the hub's envelopes taken.  Local events the hub holds
    under the same seq stay; every other unsent event moves after ``high_water``."""
    hub_ids = dict(held)
    matched = frozenset(seq for seq, event_id in unsent if hub_ids.get(seq) == event_id)
    movers = [event_id for seq, event_id in sorted(unsent) if seq not in matched]
    return Plan(matched=matched,
                stand_ins=tuple(seq for seq, _ in sorted(held) if seq not in matched),
                moves=tuple((event_id, high_water + 1 + i) for i, event_id in enumerate(movers)))


def _last_published() -> tuple[int, str]:
    last = SyncEnvelope.select().order_by(SyncEnvelope.seq.desc()).first()
    return (last.seq, last.digest) if last else (0, ZERO_HASH)


def _fetch(client: HubClient, code: str, after: int, high_water: int) -> list[Envelope]:
    taken: list[Envelope] = []
    while after < high_water:
        answer = client.node_events(code, after, PAGE)
        page = [parse_envelope(item["raw"]) for item in answer["events"]]
        if not page:
            break
        for envelope in page:
            if envelope.header.node != code or envelope.header.seq != after + 1:
                raise ChainDiverged(seq=after + 1)
            taken.append(envelope)
            after += 1
    if after < high_water:
        raise ChainDiverged(seq=after + 1)
    return taken


def _check(taken: Sequence[Envelope], prev: str, own_key: ed25519.Ed25519PublicKey | None,
           head: str | None) -> None:
    """The envelopes chain from our last one to the hub's head; a restored store also
    checks its own signature on each (a replacement PC's key is not the old one's)."""
    for envelope in taken:
        if envelope.header.prev != prev:
            raise ChainDiverged(seq=envelope.header.seq)
        if own_key is not None:
            try:
                verify_envelope(envelope, own_key)
            except SyncError:
                raise ChainDiverged(seq=envelope.header.seq) from None
        prev = envelope.hash
    if taken and taken[-1].hash != head:
        raise ChainDiverged(seq=taken[-1].header.seq)


def resume(station: Station, client: HubClient) -> Resumed | None:
    """Resume the chain if the store asks for it; None when it did not."""
    request = pending()
    if request is None:
        return None
    code = station.node.code
    replacement = request.get("reason") == REPLACEMENT
    published, prev = _last_published()
    head = client.node_head(code)
    high_water = int(head["high_water"])
    if high_water <= published:
        mine = SyncEnvelope.get_or_none(SyncEnvelope.seq == high_water)
        if high_water and (mine is None or mine.digest != head["head"]):
            raise ChainDiverged(seq=high_water)
        with station.db.atomic("IMMEDIATE"):
            Setting.delete().where(Setting.key == RESUME_SETTING).execute()
        return Resumed(high_water, 0, 0, 0)
    taken = _fetch(client, code, published, high_water)
    own = node_keys.ensure_signing_key().public_key() if not replacement else None
    assert own is None or isinstance(own, ed25519.Ed25519PublicKey)
    _check(taken, prev, own, head.get("head"))
    return _apply(station, taken, high_water, request)


def _apply(station: Station, taken: Sequence[Envelope], high_water: int,
           request: dict[str, Any]) -> Resumed:
    published, _ = _last_published()
    with station.db.atomic("IMMEDIATE"):
        unsent = [(e.seq, e.id) for e in Event.select(Event.seq, Event.id)
                  .where(Event.seq > published)]
        layout = plan(unsent, [(e.header.seq, e.header.event_id) for e in taken], high_water)
        moving = [Event.get_by_id(event_id) for event_id, _ in layout.moves]
        for i, event in enumerate(moving):  # out of the way of the seqs the hub holds
            Event.update(seq=-1 - i).where(Event.id == event.id).execute()
        by_seq = {e.header.seq: e for e in taken}
        for seq in layout.stand_ins:
            _stand_in(station, by_seq[seq], request)
        for (_, seq), event in zip(layout.moves, moving, strict=True):
            _renumber(event, seq)
        for envelope in taken:
            SyncEnvelope.insert(seq=envelope.header.seq, digest=envelope.hash,
                                envelope=envelope.raw,
                                materials=json.dumps(list(envelope.header.materials)),
                                created_at=outbox.utc_now()).on_conflict_replace().execute()
        _advance_clock(taken)
        acked = Setting.get_or_none(Setting.key == ACKED_SETTING)
        if acked is None or int(acked.value) < high_water:
            Setting.replace(key=ACKED_SETTING, value=str(high_water)).execute()
        Setting.delete().where(Setting.key == RESUME_SETTING).execute()
        outbox.append(station.node.code, "system", outbox.CHAIN_RESUMED,
                      {"reason": request.get("reason", RESTORE), "high_water": high_water,
                       "recovered": len(layout.stand_ins), "moved": len(layout.moves)})
    return Resumed(high_water, len(taken), len(layout.stand_ins), len(layout.moves))


def _previous_hash(seq: int) -> str:
    before = (Event.select(Event.hash).where((Event.seq < seq) & (Event.seq > 0))
              .order_by(Event.seq.desc()).first())  # (movers wait at seq <= 0)
    return before.hash if before else outbox.GENESIS


def _stand_in(station: Station, envelope: Envelope, request: dict[str, Any]) -> None:
    header = envelope.header
    taken_id = Event.get_or_none(Event.id == header.event_id) is not None
    event = Event(id=hashlib.sha256(envelope.raw).hexdigest()[:32] if taken_id
                  else header.event_id,
                  seq=header.seq, node_code=station.node.code, case_no=header.case_no,
                  matter_code=header.matter, type=outbox.RECOVERED, at=outbox.utc_now(),
                  author=header.author, prev_hash=_previous_hash(header.seq))
    # the case number stays in the clear column (as in the header): numbering skips it
    event.payload = {"type": header.type, "case_no": header.case_no, "digest": envelope.hash,
                     "reason": request.get("reason", RESTORE)}
    event.hash = outbox.event_hash(event)
    event.save(force_insert=True)


def _renumber(event: Event, seq: int) -> None:
    event.seq = seq
    event.prev_hash = _previous_hash(seq)
    event.hash = outbox.event_hash(event)
    Event.update(seq=seq, prev_hash=event.prev_hash, hash=event.hash).where(
        Event.id == event.id).execute()


def _advance_clock(taken: Sequence[Envelope]) -> None:
    """The next event's time must not go behind the hub's head (hybrid logical clock)."""
    if not taken:
        return
    newest = max(Timestamp.parse(e.header.hlc) for e in taken)
    stored = Setting.get_or_none(Setting.key == publish.HLC_SETTING)
    if stored is None or Timestamp.parse(stored.value) < newest:
        Setting.replace(key=publish.HLC_SETTING, value=str(newest)).execute()
