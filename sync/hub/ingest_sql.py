"""The statements of the hub's event ingest (``HubService.push``), as fixed SQL.

Building a peewee query costs far more than running it, and a push runs
several per event; on PostgreSQL each statement is also a round trip.  So a
push reads what it needs for the whole batch with one query per table and
writes its rows with multi-row statements.  Every statement here is a fixed
string with placeholders (``db.param``): values are always passed as
parameters.  The SQL is the subset SQLite (3.35+) and PostgreSQL share
(``IN``, ``ON CONFLICT … DO UPDATE``, ``RETURNING``).  Table and column names
are those of ``sync/hub/models.py``.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import peewee
from peewee import Database, PostgresqlDatabase

from sync import lifecycle
from sync.envelope import Envelope, parse_envelope
from sync.hub import pg_copy
from sync.push import OutgoingEvent

# peewee's translation of driver errors (IntegrityError …), as db.execute_sql applies it
_DRIVER_ERRORS: Any = vars(peewee)["__exception_wrapper__"]
MAX_VALUES = 900  # values per statement: under the oldest SQLite limit (999 parameters)
_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(…, ensure_ascii=False), whose
# every call builds a new encoder
MAX_BATCH_ROWS = 10_000  # rows per INSERT on PostgreSQL (a push holds at most 500 events)
EVENT_COLUMNS = ("node", "seq", "digest", "envelope", "type", "case_no", "matter", "hlc",
                 "author", "peer", "received_at")
CASE_COLUMNS = ("case_no", "state", "holder", "filed_by", "matter", "offices", "updated_index",
                "level", "view")

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = MAX_VALUES) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _marks(db: Database, count: int) -> str:
    """``count`` placeholders, comma-separated: ``?, ?`` or ``%s, %s``."""
    return ", ".join([db.param] * count)


def _select_in(db: Database, sql: str, keys: Sequence[Any],
               before: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (ending in ``IN``) for ``keys``, a slice at a time.

    ``before`` are the parameters that come ahead of the ``IN (…)`` list."""
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(keys, MAX_VALUES - len(before)):
        cursor = db.execute_sql(f"{sql} ({_marks(db, len(chunk))})", (*before, *chunk))
        rows.extend(cursor.fetchall())
    return rows


def _rows_per_insert(db: Database, columns: int) -> int:
    """Rows per multi-row INSERT: SQLite binds at most 999 parameters a statement;
    psycopg2 writes the values into the statement itself, so on PostgreSQL a whole
    batch goes in one statement (one round trip)."""
    return MAX_BATCH_ROWS if isinstance(db, PostgresqlDatabase) else MAX_VALUES // columns


def _inserts(db: Database, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
             tail: str = "") -> Iterator[tuple[str, list[Any]]]:
    """The multi-row INSERTs of ``rows`` (statement, parameters), ``tail`` (``ON CONFLICT
    …``, ``RETURNING …``) after the values."""
    one = f"({_marks(db, len(columns))})"
    for chunk in _chunks(rows, _rows_per_insert(db, len(columns))):
        yield (f"INSERT INTO {table} ({', '.join(columns)}) "
               f"VALUES {', '.join([one] * len(chunk))}{tail}",
               [value for row in chunk for value in row])


def _one_row(db: Database, table: str, columns: Sequence[str], tail: str = "") -> str:
    """The INSERT of one row of ``columns``, ``tail`` after its values (for
    ``executemany``: on SQLite one prepared statement run per row costs about a
    quarter of a multi-row INSERT's parsing and binding)."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(db, len(columns))}){tail}"


def _executemany(db: Database, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
    """``sql`` run once per row of ``rows`` (driver errors as peewee's, as
    ``db.execute_sql`` raises them); the cursor."""
    with _DRIVER_ERRORS:
        cursor = db.cursor()
        cursor.executemany(sql, rows)
    return cursor


def _insert(db: Database, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
            tail: str = "", returning: str = "") -> list[tuple[Any, ...]]:
    """Insert ``rows`` with multi-row INSERTs, ``tail`` (``ON CONFLICT …``) after the values;
    the rows the ``returning`` columns give."""
    if returning:
        tail += f" RETURNING {returning}"
    returned: list[tuple[Any, ...]] = []
    for sql, params in _inserts(db, table, columns, rows, tail):
        cursor = db.execute_sql(sql, params)
        if returning:
            returned.extend(cursor.fetchall())
    return returned


class Script:
    """Statements that return nothing, run together by ``run``: on PostgreSQL in one
    round trip (joined by ``;``: psycopg2 writes the parameters into the text), on
    SQLite one by one (a call, not a round trip), in the order they were added; an
    ``insert`` is one multi-row statement on PostgreSQL, an ``executemany`` on SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.postgres = isinstance(db, PostgresqlDatabase)
        # (statement, parameters, whether the parameters are rows for executemany)
        self.statements: list[tuple[str, Sequence[Any], bool]] = []

    def add(self, sql: str, params: Sequence[Any]) -> None:
        self.statements.append((sql, params, False))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               tail: str = "") -> None:
        if not rows:
            return
        if self.postgres:
            self.statements.extend((sql, params, False)
                                   for sql, params in _inserts(self.db, table, columns, rows,
                                                               tail))
        else:
            self.statements.append((_one_row(self.db, table, columns, tail), rows, True))

    def run(self, then: str = "", params: Sequence[Any] = ()) -> Any:
        """Run the statements, then ``then`` (a SELECT, or nothing) in the same round
        trip on PostgreSQL; the cursor of the last statement run (None: none)."""
        statements, self.statements = self.statements, []
        if then:
            statements.append((then, params, False))
        if not statements:
            return None
        if self.postgres:
            return self.db.execute_sql("; ".join(sql for sql, _, _ in statements),
                                       [value for _, values, _ in statements
                                        for value in values])
        cursor = None
        for sql, values, many in statements:
            if many:
                cursor = _executemany(self.db, sql, values)
            else:
                cursor = self.db.execute_sql(sql, values)
        return cursor


@dataclass
class HeldEvents:
    """What the hub holds of the batch's nodes (a ``sync.ingest.HubView``), read up front."""

    high: dict[str, int] = field(default_factory=dict)
    digests: dict[tuple[str, int], str] = field(default_factory=dict)

    def high_water(self, node: str) -> int:
        return self.high.get(node, 0)

    def digest_at(self, node: str, seq: int) -> str | None:
        return self.digests.get((node, seq))


def held_events(db: Database, events: Iterable[OutgoingEvent]) -> HeldEvents:
    """The digests held at the batch's (node, seq), each node's highest seq and its digest.

    Read inside the push's transaction, before anything is written, this is
    exactly what ``decide_batch`` would have asked event by event.  One statement
    per node: its seqs (rows marked 0) and its head (the row marked 1)."""
    seqs: dict[str, set[int]] = {}
    for event in events:
        seqs.setdefault(event.node, set()).add(event.seq)
    held = HeldEvents()
    p = db.param
    head = (f" UNION ALL SELECT 1, seq, digest FROM (SELECT seq, digest FROM hub_event "
            f"WHERE node = {p} ORDER BY seq DESC LIMIT 1) AS head")
    for node, wanted in seqs.items():
        held.high[node] = 0
        for number, chunk in enumerate(_chunks(sorted(wanted), MAX_VALUES - 2)):
            sql = (f"SELECT 0, seq, digest FROM hub_event WHERE node = {p} "
                   f"AND seq IN ({_marks(db, len(chunk))})")
            params = [node, *chunk]
            if number == 0:
                sql, params = sql + head, [*params, node]
            rows = db.execute_sql(sql, params).fetchall()
            held.digests.update({(node, int(seq)): digest for _, seq, digest in rows})
            for marked, seq, digest in rows:
                if marked:  # the head, whose digest the next event's prev must name
                    held.high[node] = int(seq)
                    held.digests[(node, int(seq))] = digest
    return held


LOCK = "SELECT pg_advisory_xact_lock(hashtext(%s))"  # PostgreSQL: serialise writers of a key
# inside the transaction


def read_push(db: Database, locks: Sequence[str], events: Sequence[OutgoingEvent],
              envelopes: Sequence[Envelope], peer: str, checked: bool,
              named: set[str]) -> tuple[HeldEvents, PushBatch]:
    """Take a push's advisory locks (``locks``: keys, PostgreSQL only), then read what it
    needs: ``held_events`` of ``events`` and ``PushBatch.read`` of ``envelopes``, and the
    directory entries' times of the ``named`` nodes.  On PostgreSQL this is one round
    trip (the locks, then one SELECT of tagged rows, which sees everything committed
    before the locks were granted); on SQLite, one statement per table."""
    if not isinstance(db, PostgresqlDatabase):
        batch = PushBatch.read(db, envelopes, peer, checked)
        batch.named = named
        return held_events(db, events), batch
    seqs: dict[str, set[int]] = {}
    for event in events:
        seqs.setdefault(event.node, set()).add(event.seq)
    case_nos = sorted({e.header.case_no for e in envelopes if e.header.case_no})
    addresses = sorted({a for e in envelopes for a in e.header.materials}) if checked else []
    none = ", NULL::text" * 3  # the rows are 7 columns: part, key, up to 5 values
    parts: list[tuple[str, Sequence[Any]]] = []
    for node, wanted in seqs.items():
        parts.append((f"SELECT 0, node, seq::text, digest{none} FROM hub_event WHERE node = %s"
                      f" AND seq IN ({_marks(db, len(wanted))})", (node, *sorted(wanted))))
        parts.append((f"SELECT 1, node, seq::text, digest{none} FROM (SELECT node, seq, digest"
                      " FROM hub_event WHERE node = %s ORDER BY seq DESC LIMIT 1) AS head",
                      (node,)))
    if addresses:
        parts.append((f"SELECT 2, address, CASE WHEN complete THEN 'y' END{none}, NULL::text"
                      f" FROM hub_blob WHERE address IN ({_marks(db, len(addresses))})",
                      addresses))
    if case_nos:
        marks = _marks(db, len(case_nos))
        parts.append((f"SELECT 3, case_no, view, state, holder, filed_by, matter FROM hub_case"
                      f" WHERE case_no IN ({marks})", case_nos))
        parts.append((f"SELECT 4, case_no, holder{none}, NULL::text FROM hub_claim"
                      f" WHERE case_no IN ({marks})", case_nos))
    if named:
        parts.append((f"SELECT 5, node, issued_at{none}, NULL::text FROM hub_directory"
                      f" WHERE node IN ({_marks(db, len(named))})", sorted(named)))
    sql = "; ".join([LOCK] * len(locks) + [" UNION ALL ".join(sql for sql, _ in parts)])
    rows = db.execute_sql(sql, [*locks, *(value for _, values in parts for value in values)]
                          ).fetchall() if parts else []
    held = HeldEvents(high={node: 0 for node in seqs})
    batch = PushBatch(peer, set(), {}, {}, named=named,
                      issued={node: None for node in named} if named else None)
    for part, key, *values in rows:
        if part == 0:
            held.digests[(key, int(values[0]))] = values[1]
        elif part == 1:  # the head, whose digest the next event's prev must name
            held.high[key] = int(values[0])
            held.digests[(key, int(values[0]))] = values[1]
        elif part == 2 and values[0]:
            batch.complete.add(key)
        elif part == 3:
            batch.cases[key] = _case_view(key, *values)[1]
        elif part == 4:
            batch.claims[key] = values[0]
        elif part == 5 and batch.issued is not None:
            batch.issued[key] = None if values[0] is None else str(values[0])
    return held, batch


def complete_blobs(db: Database, addresses: Iterable[str]) -> set[str]:
    """Which of ``addresses`` are materials held whole."""
    rows = _select_in(db, "SELECT address, complete FROM hub_blob WHERE address IN",
                      sorted(set(addresses)))
    return {address for address, complete in rows if complete}


def cases(db: Database, case_nos: Iterable[str]) -> dict[str, lifecycle.CaseView]:
    """The folded views of the ``hub_case`` rows of ``case_nos`` that exist."""
    rows = _select_in(db, "SELECT case_no, view, state, holder, filed_by, matter "
                          "FROM hub_case WHERE case_no IN", sorted(set(case_nos)))
    return dict(_case_view(*row) for row in rows)


def _case_view(case_no: str, view: str | None, state: str, holder: str | None,
               filed_by: str | None, matter: str | None) -> tuple[str, lifecycle.CaseView]:
    """A ``hub_case`` row's folded view (a row an older hub folded has no view yet: it
    starts from the row's columns)."""
    known = json.loads(view or "{}") or {"state": state, "holder": holder,
                                         "filed_by": filed_by, "matter": matter,
                                         "level": "township"}
    return case_no, lifecycle.CaseView.from_json({**known, "case_no": case_no})


def claims(db: Database, case_nos: Iterable[str]) -> dict[str, str]:
    """The reviewer (``NODE/user``) holding each claimed case of ``case_nos``."""
    rows = _select_in(db, "SELECT case_no, holder FROM hub_claim WHERE case_no IN",
                      sorted(set(case_nos)))
    return {case_no: holder for case_no, holder in rows}


def conflicts(script: Script, node: str, seqs: Sequence[int],
              reason: str) -> list[dict[str, Any]]:
    """Run ``script``, then read the ``hub_flag`` rows of ``node`` at ``seqs`` flagged for
    ``reason`` (in the same round trip on PostgreSQL), by seq."""
    db, p = script.db, script.db.param
    sql = f"SELECT seq, case_no, type, state FROM hub_flag WHERE node = {p} AND reason = {p} " \
          "AND seq IN"
    chunks = list(_chunks(sorted(set(seqs)), MAX_VALUES - 2)) or [[]]
    rows: list[tuple[Any, ...]] = []
    for number, chunk in enumerate(chunks):
        if not chunk:
            script.run()
            break
        query, params = f"{sql} ({_marks(db, len(chunk))})", (node, reason, *chunk)
        cursor = script.run(query, params) if number == 0 else db.execute_sql(query, params)
        rows.extend(cursor.fetchall())
    rows.sort(key=lambda row: int(row[0]))
    return [{"seq": int(seq), "case_no": case_no, "type": type_, "state": state}
            for seq, case_no, type_, state in rows]


def directory_issued_at(db: Database, node: str) -> str | None:
    """When the newest ``hub_directory`` entry of ``node`` was issued (None: no entry)."""
    row = db.execute_sql(f"SELECT issued_at FROM hub_directory WHERE node = {db.param}",
                         (node,)).fetchone()
    return None if row is None else str(row[0])


def directory_issued(db: Database, nodes: Iterable[str]) -> dict[str, str | None]:
    """When the newest ``hub_directory`` entry of each of ``nodes`` was issued (None: no
    entry), read in one statement."""
    wanted = sorted(set(nodes))
    found = dict(_select_in(db, "SELECT node, issued_at FROM hub_directory WHERE node IN",
                            wanted))
    return {node: None if found.get(node) is None else str(found[node]) for node in wanted}


def note_first_seq(script: Script, node: str, key_hex: str, seq: int) -> None:
    """Lower ``hub_peer_key.first_seq`` of (``node``, key) to ``seq`` (or set it)."""
    p = script.db.param
    script.add(f"UPDATE hub_peer_key SET first_seq = {p} WHERE node = {p} AND \"key\" = {p} "
               f"AND (first_seq IS NULL OR first_seq > {p})", (seq, node, key_hex, seq))


def upsert_receipt(script: Script, node: str, up_to_seq: int, head: str, index: int,
                   document: str) -> None:
    """Insert or overwrite the ``hub_receipt`` row of (``node``, ``up_to_seq``)."""
    script.insert("hub_receipt", ("node", "up_to_seq", "head", "hub_index", "document"),
                  [(node, up_to_seq, head, index, document)],
                  " ON CONFLICT (node, up_to_seq) DO UPDATE SET head = excluded.head, "
                  "hub_index = excluded.hub_index, document = excluded.document")


def _event_row(envelope: Envelope, peer: str, received_at: str) -> tuple[Any, ...]:
    """An envelope's ``hub_event`` row, its values in ``EVENT_COLUMNS`` order."""
    h = envelope.header
    return (h.node, h.seq, envelope.hash, envelope.raw, h.type, h.case_no, h.matter, h.hlc,
            h.author, peer, received_at)


_EVENT_COPY: weakref.WeakKeyDictionary[Database, pg_copy.CopyFormat | None] = \
    weakref.WeakKeyDictionary()  # each PostgreSQL database's binary COPY of hub_event rows


def insert_events(db: Database, rows: Sequence[Sequence[Any]]) -> dict[tuple[str, int], int]:
    """Insert ``hub_event`` rows (values in ``EVENT_COLUMNS`` order), in order, so their
    log indexes ascend in that order; the index given to each (node, seq).  Inside a
    write transaction (on SQLite it holds the database's write lock)."""
    if not rows:
        return {}
    if isinstance(db, PostgresqlDatabase):
        return _copy_events(db, rows)
    # SQLite: one prepared INSERT run per row, then the rows given ids above the highest
    # before them, read back (no other connection can write meanwhile: the lock is ours)
    before = db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM hub_event").fetchone()[0]
    _executemany(db, _one_row(db, "hub_event", EVENT_COLUMNS), rows)
    returned = db.execute_sql("SELECT id, node, seq FROM hub_event WHERE id > ?",
                              (before,)).fetchall()
    indexes = {(node, int(seq)): int(index) for index, node, seq in returned}
    if len(indexes) != len(rows):  # not ours alone: never, while the lock is held
        raise RuntimeError("hub_event rows not read back as written")
    return indexes


def _copy_events(db: Database, rows: Sequence[Sequence[Any]]) -> dict[tuple[str, int], int]:
    """``insert_events`` on PostgreSQL: ids drawn from the column's sequence, ascending,
    then every row in one binary COPY (a multi-row INSERT … RETURNING if the table's
    types are not ones ``pg_copy`` writes)."""
    if db not in _EVENT_COPY:
        _EVENT_COPY[db] = pg_copy.copy_format(db, "hub_event", ("id", *EVENT_COLUMNS))
    form = _EVENT_COPY[db]
    if form is None or form.sequence is None:
        returned = _insert(db, "hub_event", EVENT_COLUMNS, rows, returning="id, node, seq")
        return {(node, int(seq)): int(index) for index, node, seq in returned}
    ids = pg_copy.next_ids(db, form.sequence, len(rows))
    form.copy(db, [(index, *row) for index, row in zip(ids, rows, strict=True)])
    return {(row[0], int(row[1])): index for index, row in zip(ids, rows, strict=True)}


def insert_citations(db: Database, rows: Sequence[tuple[str, int]]) -> None:
    """Insert ``hub_citation`` rows: (material address, event index)."""
    _insert(db, "hub_citation", ("address", "event"), rows)


def backfill_citations(db: Database, batch: int = 500) -> int:
    """Fill ``hub_citation`` for events stored by a hub older than the table (schema 3);
    returns how many rows were added.  Run once, inside the upgrade's transaction."""
    if db.execute_sql("SELECT 1 FROM hub_citation LIMIT 1").fetchone():
        return 0
    added, after = 0, 0
    while True:
        rows = db.execute_sql(f"SELECT id, envelope FROM hub_event WHERE id > {db.param} "
                              f"ORDER BY id LIMIT {int(batch)}", (after,)).fetchall()
        if not rows:
            return added
        cited = [(address, int(index)) for index, raw in rows
                 for address in dict.fromkeys(parse_envelope(bytes(raw)).header.materials)]
        insert_citations(db, cited)
        added += len(cited)
        after = int(rows[-1][0])


def upsert_cases(script: Script, folded: dict[str, lifecycle.CaseView]) -> None:
    """Write each case's folded state, inserting or overwriting its ``hub_case`` row."""
    rows = [(case_no, view.state, view.holder, view.filed_by, view.matter,
             _JSON.encode(list(view.offices)), 0, view.level, _JSON.encode(view.to_json()))
            for case_no, view in folded.items()]
    update = ", ".join(f"{column} = excluded.{column}" for column in CASE_COLUMNS[1:])
    script.insert("hub_case", CASE_COLUMNS, rows, f" ON CONFLICT (case_no) DO UPDATE SET {update}")


def delete_claims(script: Script, case_nos: Iterable[str]) -> None:
    """Drop the claims on ``case_nos`` (their cases were released or returned)."""
    for chunk in _chunks(sorted(set(case_nos))):
        script.add(f"DELETE FROM hub_claim WHERE case_no IN ({_marks(script.db, len(chunk))})",
                   tuple(chunk))


@dataclass
class PushBatch:
    """One push's reads and writes.  ``read`` fetches what the checks need for the whole
    batch; the checks (``HubService._store``) consult and fold it event by event, in
    memory; ``write`` then stores every row, in the order the events were added."""

    peer: str  # who delivered the batch
    complete: set[str]  # the cited materials held whole
    cases: dict[str, lifecycle.CaseView]  # hub_case rows as they stand, with this batch's
    claims: dict[str, str]  # hub_claim holders as they stand
    folded: dict[str, lifecycle.CaseView] = field(default_factory=dict)  # cases to write
    released: set[str] = field(default_factory=set)  # claims to drop
    flags: list[tuple[Any, ...]] = field(default_factory=list)  # hub_flag rows
    taken: dict[str, str] = field(default_factory=dict)  # claims moved to a colleague
    actors: dict[tuple[str, str], Any] = field(default_factory=dict)  # (node, user) -> Actor
    events: list[tuple[Envelope, str, list[str]]] = field(default_factory=list)
    received_at: str = ""  # when the push arrived: every event's received_at
    addressed: dict[tuple[str, ...], list[str]] = field(default_factory=dict)  # recipients
    # -> the nodes they name, worked out once per batch
    named: set[str] = field(default_factory=set)  # the nodes whose directory entries the
    # checks may read: the authors and the recipients' nodes
    issued: dict[str, str | None] | None = None  # their entries' issued_at, read once

    def directory_issued(self, db: Database) -> dict[str, str | None]:
        """When the directory entry of each ``named`` node was issued (None: no entry),
        read in one statement the first time a check asks."""
        if self.issued is None:
            self.issued = directory_issued(db, self.named)
        return self.issued

    @classmethod
    def read(cls, db: Database, envelopes: Sequence[Envelope], peer: str,
             checked: bool = True) -> PushBatch:
        """The materials, cases and claims ``envelopes`` cite (no materials when
        ``checked`` is False: a partial copy handed down is not checked again)."""
        case_nos = [e.header.case_no for e in envelopes if e.header.case_no]
        complete = complete_blobs(db, (a for e in envelopes for a in e.header.materials)) \
            if checked else set()
        return cls(peer, complete, cases(db, case_nos), claims(db, case_nos))

    def fold(self, case_no: str, case: lifecycle.CaseView) -> None:
        """Record a case's new state (written by ``write``)."""
        self.cases[case_no] = self.folded[case_no] = case

    def release(self, case_no: str) -> None:
        """Drop the claim on a case (released, returned, forwarded, decided)."""
        self.claims.pop(case_no, None)
        self.taken.pop(case_no, None)
        self.released.add(case_no)

    def take(self, case_no: str, holder: str) -> None:
        """Move the claim on a case to ``holder`` (a colleague takes it over)."""
        self.claims[case_no] = self.taken[case_no] = holder
        self.released.add(case_no)

    def add(self, envelope: Envelope, received_at: str, addressed: list[str]) -> None:
        """Stage an envelope's ``hub_event`` row and its ``hub_address`` rows (the nodes
        it is addressed to)."""
        self.events.append((envelope, received_at, addressed))

    def write(self, db: Database, script: Script) -> dict[tuple[str, int], int]:
        """Store the staged rows; the log index given to each (node, seq).  The events
        first (their indexes are needed), then every other row through ``script``: run
        at once on SQLite (while the pool still verifies, its statements let go of the
        interpreter lock), left for the caller's last round trip on PostgreSQL."""
        indexes = insert_events(db, [_event_row(e, self.peer, at) for e, at, _ in self.events])
        script.insert("hub_address", ("event", "node"),
                      [(indexes[(e.header.node, e.header.seq)], node)
                       for e, _, addressed in self.events for node in addressed])
        script.insert("hub_citation", ("address", "event"),
                      [(address, indexes[(e.header.node, e.header.seq)])
                       for e, _, _ in self.events
                       for address in dict.fromkeys(e.header.materials)])
        delete_claims(script, self.released)
        script.insert("hub_claim", ("case_no", "holder", "claimed_at"),
                      [(case_no, holder, received) for case_no, holder in self.taken.items()
                       for received in [self.events[-1][1] if self.events else ""]])
        upsert_cases(script, self.folded)
        script.insert("hub_flag", ("case_no", "node", "seq", "type", "state", "reason",
                                   "flagged_at"), self.flags)
        if not script.postgres:
            script.run()
        return indexes
