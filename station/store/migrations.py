"""Schema versions.  ``PRAGMA user_version`` holds the version of a store.

Each migration moves a store from version N-1 to N inside one transaction.
Never edit a released migration: add the next one, so an old store opens
after an upgrade.
"""

from __future__ import annotations

from collections.abc import Callable

from peewee import SqliteDatabase

from station.errors import StoreTooNew


def _v1_initial(db: SqliteDatabase) -> None:
    tables = [
        "CREATE TABLE setting (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE user (name TEXT NOT NULL PRIMARY KEY, role TEXT NOT NULL,"
        " display_name BLOB, created_at TEXT NOT NULL)",
        "CREATE TABLE matter_snapshot (code TEXT NOT NULL, digest TEXT NOT NULL,"
        " name TEXT NOT NULL, tier TEXT NOT NULL, definition TEXT NOT NULL)",
        "CREATE UNIQUE INDEX matter_snapshot_code_digest ON matter_snapshot (code, digest)",
        "CREATE TABLE applicant (id TEXT NOT NULL PRIMARY KEY, name BLOB NOT NULL,"
        " id_number BLOB NOT NULL, id_index TEXT NOT NULL, birth_date BLOB NOT NULL,"
        " sex BLOB NOT NULL, phone BLOB NOT NULL, phone_index TEXT NOT NULL,"
        " address BLOB NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX applicant_id_index ON applicant (id_index)",
        "CREATE INDEX applicant_phone_index ON applicant (phone_index)",
        "CREATE TABLE cases (id TEXT NOT NULL PRIMARY KEY, case_no TEXT NOT NULL,"
        " node_code TEXT NOT NULL, matter_code TEXT NOT NULL, matter_digest TEXT NOT NULL,"
        " applicant_id TEXT NOT NULL REFERENCES applicant (id), form BLOB NOT NULL,"
        " status TEXT NOT NULL, filed_at TEXT NOT NULL, deadline DATE,"
        " promised_days INTEGER NOT NULL, agent TEXT NOT NULL,"
        " notice_issued INTEGER NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE UNIQUE INDEX cases_case_no ON cases (case_no)",
        "CREATE INDEX cases_matter_code ON cases (matter_code)",
        "CREATE INDEX cases_applicant_id ON cases (applicant_id)",
        "CREATE INDEX cases_status ON cases (status)",
        "CREATE INDEX cases_filed_at ON cases (filed_at)",
        "CREATE INDEX cases_filed_desc ON cases (filed_at DESC, case_no DESC)",
        "CREATE TABLE case_material (id TEXT NOT NULL PRIMARY KEY,"
        " case_id TEXT NOT NULL REFERENCES cases (id), name TEXT NOT NULL,"
        " page INTEGER NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,"
        " media_type TEXT NOT NULL, original_name BLOB, received_at TEXT NOT NULL)",
        "CREATE INDEX case_material_case_id ON case_material (case_id)",
        "CREATE TABLE event (id TEXT NOT NULL PRIMARY KEY, seq INTEGER NOT NULL,"
        " node_code TEXT NOT NULL, case_no TEXT, matter_code TEXT, type TEXT NOT NULL,"
        " at TEXT NOT NULL, author TEXT NOT NULL, payload BLOB NOT NULL,"
        " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
        "CREATE UNIQUE INDEX event_seq ON event (seq)",
        "CREATE INDEX event_case_no ON event (case_no)",
        "CREATE INDEX event_type ON event (type)",
        "CREATE UNIQUE INDEX event_hash ON event (hash)",
    ]
    for sql in tables:
        db.execute_sql(sql)


def _v2_proxy(db: SqliteDatabase) -> None:
    """代办: record who filed on the applicant's behalf, and the consent."""
    db.execute_sql("ALTER TABLE cases ADD COLUMN proxy BLOB")


def _v3_name_search(db: SqliteDatabase) -> None:
    """Find residents by name (blind index), sort and filter by deadline.

    The name index needs the station's key, so rows written before this
    version get theirs when the station is next unlocked (``backfill``).
    """
    db.execute_sql("ALTER TABLE applicant ADD COLUMN name_index TEXT")
    db.execute_sql("CREATE INDEX applicant_name_index ON applicant (name_index)")
    db.execute_sql("CREATE INDEX cases_deadline ON cases (deadline)")


def _v4_trust(db: SqliteDatabase) -> None:
    """The node's own keys and certificates; enrolment codes issued to children."""
    db.execute_sql(
        "CREATE TABLE node_key (purpose TEXT NOT NULL PRIMARY KEY, suite TEXT NOT NULL,"
        " public TEXT NOT NULL, private BLOB NOT NULL, certificate TEXT,"
        " created_at TEXT NOT NULL)")
    db.execute_sql(
        "CREATE TABLE enrolment_grant (digest TEXT NOT NULL PRIMARY KEY,"
        " child_code TEXT NOT NULL, tier TEXT NOT NULL,"
        " issued_by TEXT NOT NULL, issued_at TEXT NOT NULL, expires_at TEXT NOT NULL,"
        " used_at TEXT)")
    db.execute_sql("CREATE INDEX enrolment_grant_child_code ON enrolment_grant (child_code)")


def _v5_users_and_offices(db: SqliteDatabase) -> None:
    """Users' own sealing keys and offices whose keys are wrapped to members."""
    for column, kind in (("office", "TEXT"), ("sealing_public", "TEXT"),
                         ("sealing_private", "BLOB")):
        db.execute_sql(f"ALTER TABLE user ADD COLUMN {column} {kind}")
    db.execute_sql(
        "CREATE TABLE office_key (office TEXT NOT NULL, version INTEGER NOT NULL,"
        " suite TEXT NOT NULL, public TEXT NOT NULL, created_at TEXT NOT NULL,"
        " PRIMARY KEY (office, version))")
    db.execute_sql(
        "CREATE TABLE office_member (office TEXT NOT NULL, version INTEGER NOT NULL,"
        " user TEXT NOT NULL, sealed BLOB NOT NULL, PRIMARY KEY (office, version, user))")
    db.execute_sql("CREATE INDEX office_member_user ON office_member (user)")


def _v6_sync(db: SqliteDatabase) -> None:
    db.execute_sql(
        "CREATE TABLE sync_envelope (seq INTEGER NOT NULL PRIMARY KEY, digest TEXT NOT NULL,"
        " envelope BLOB NOT NULL, materials TEXT NOT NULL, created_at TEXT NOT NULL)")
    db.execute_sql("CREATE UNIQUE INDEX sync_envelope_digest ON sync_envelope (digest)")
    db.execute_sql(
        "CREATE TABLE outgoing_material (address TEXT NOT NULL PRIMARY KEY, blob TEXT NOT NULL,"
        " key BLOB NOT NULL, size INTEGER NOT NULL, uploaded INTEGER NOT NULL)")
    db.execute_sql("CREATE INDEX outgoing_material_blob ON outgoing_material (blob)")
    db.execute_sql(
        "CREATE TABLE sync_receipt (hub TEXT NOT NULL, node TEXT NOT NULL,"
        " up_to_seq INTEGER NOT NULL, head TEXT NOT NULL, document TEXT NOT NULL,"
        " received_at TEXT NOT NULL, reported INTEGER NOT NULL,"
        " PRIMARY KEY (hub, node, up_to_seq))")
    db.execute_sql(
        "CREATE TABLE inbox_event (digest TEXT NOT NULL PRIMARY KEY, node TEXT NOT NULL,"
        " seq INTEGER NOT NULL, type TEXT NOT NULL, case_no TEXT, envelope BLOB NOT NULL,"
        " hub_index INTEGER NOT NULL, received_at TEXT NOT NULL, applied INTEGER NOT NULL)")
    db.execute_sql("CREATE INDEX inbox_event_type ON inbox_event (type)")
    db.execute_sql("CREATE INDEX inbox_event_case_no ON inbox_event (case_no)")


def _v7_case_documents(db: SqliteDatabase) -> None:
    db.execute_sql(
        "CREATE TABLE case_document (id TEXT NOT NULL PRIMARY KEY, case_no TEXT NOT NULL,"
        " kind TEXT NOT NULL, title TEXT NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,"
        " event TEXT NOT NULL, received_at TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0)")
    db.execute_sql("CREATE INDEX case_document_case_no ON case_document (case_no)")
    db.execute_sql("CREATE UNIQUE INDEX case_document_event_kind ON case_document (event, kind)")


def _v8_case_drafts(db: SqliteDatabase) -> None:
    """草稿: the new-case wizard's unfinished work, sealed, kept across a crash."""
    db.execute_sql(
        "CREATE TABLE case_draft (id TEXT NOT NULL PRIMARY KEY, user TEXT NOT NULL,"
        " saved_at TEXT NOT NULL, content BLOB NOT NULL)")
    db.execute_sql("CREATE INDEX case_draft_user ON case_draft (user)")


def _v9_partial_search(db: SqliteDatabase) -> None:
    """Search by an ID or phone tail with the birth year or surname, and by part of a
    name: blind-indexed keys per resident.  They need the station's key, so rows
    written before this version get theirs at the next unlock (``backfill``)."""
    db.execute_sql("ALTER TABLE applicant ADD COLUMN search_version INTEGER")
    db.execute_sql("CREATE INDEX applicant_search_pending ON applicant (search_version)"
                   " WHERE search_version IS NULL")
    db.execute_sql(
        "CREATE TABLE search_key (key TEXT NOT NULL,"
        " applicant_id TEXT NOT NULL REFERENCES applicant (id),"
        " PRIMARY KEY (key, applicant_id)) WITHOUT ROWID")
    db.execute_sql("CREATE INDEX search_key_applicant_id ON search_key (applicant_id)")


def _v10_material_reuse(db: SqliteDatabase) -> None:
    """资料共享: a page may serve again in a later case of the same resident (the row
    names the case it was first handed in for), and an office's 齐全 verdict on a page
    is kept against the page's content address."""
    db.execute_sql("ALTER TABLE case_material ADD COLUMN reused_from TEXT")
    db.execute_sql(
        "CREATE TABLE material_check (id TEXT NOT NULL PRIMARY KEY, blob TEXT NOT NULL,"
        " name TEXT NOT NULL, office TEXT NOT NULL, reviewer TEXT NOT NULL,"
        " checked_on TEXT NOT NULL, case_no TEXT NOT NULL)")
    db.execute_sql("CREATE INDEX material_check_blob ON material_check (blob)")


# Released migrations are frozen SQL, never derived from the models: the
# models describe the newest schema, a migration the step from the one before.
MIGRATIONS: dict[int, Callable[[SqliteDatabase], None]] = {
    1: _v1_initial,
    2: _v2_proxy,
    3: _v3_name_search,
    4: _v4_trust,
    5: _v5_users_and_offices,
    6: _v6_sync,
    7: _v7_case_documents,
    8: _v8_case_drafts,
    9: _v9_partial_search,
    10: _v10_material_reuse,
}
LATEST = max(MIGRATIONS)


def schema_version(db: SqliteDatabase) -> int:
    return int(db.execute_sql("PRAGMA user_version").fetchone()[0])


def migrate(db: SqliteDatabase) -> int:
    """Bring the store to LATEST; refuse a store written by a newer program."""
    current = schema_version(db)
    if current > LATEST:
        raise StoreTooNew(found=current, supported=LATEST)
    for version in range(current + 1, LATEST + 1):
        with db.atomic("IMMEDIATE"):
            MIGRATIONS[version](db)
            db.execute_sql(f"PRAGMA user_version = {version:d}")
    return LATEST
