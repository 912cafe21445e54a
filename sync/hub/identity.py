"""Who a hub is (its node, keys and trust anchor) and how it opens its database."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from peewee import Database, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect

from keys import ca
from keys.revocation import RevocationList
from sync.hub.ingest_sql import backfill_citations
from sync.hub.models import MODELS, SCHEMA_VERSION, HubState, add_missing_columns, database, upsert


@dataclass
class HubIdentity:
    code: str
    tier: str
    name: str
    signing_key: ed25519.Ed25519PrivateKey
    chain_pem: str  # this node's certificate first, up to the root
    root: x509.Certificate
    revocations: RevocationList | None = None
    directory: dict[str, str] | None = None  # this node's own signed directory entry
    upstream: str | None = None  # the parent hub's base URL
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def chain(self) -> list[x509.Certificate]:
        return ca.chain_from_pem(self.chain_pem.encode())


def open_database(url: str | None, default_path: Path) -> Database:
    """Bind the hub tables to ``url`` (sqlite:///…, postgresql://…) and create them."""
    if url is None:
        db: Database = SqliteDatabase(
            str(default_path), timeout=30,
            pragmas={"journal_mode": "wal", "synchronous": "full", "foreign_keys": 1})
    else:
        db = connect(url)
        if isinstance(db, SqliteDatabase):
            db.init(db.database, timeout=30,
                    pragmas={"journal_mode": "wal", "synchronous": "full"})
    database.initialize(db)
    with db.connection_context():
        db.create_tables(MODELS, safe=True)
        stored = HubState.get_or_none(HubState.key == "schema")
        if stored is None or json.loads(stored.value) != SCHEMA_VERSION:
            # an older hub's tables: bring them up in one write transaction, taking the
            # write lock first (a read upgraded to a write cannot wait for a running hub)
            with db.atomic("IMMEDIATE") if isinstance(db, SqliteDatabase) else db.atomic():
                add_missing_columns(db)
                backfill_citations(db)
                backfill_peer_keys()
                upsert(HubState, key="schema", value=json.dumps(SCHEMA_VERSION))
        if HubState.get_or_none(HubState.key == LOG_KEY) is None:
            start_new_log()
    return db


LOG_KEY = "log"


def backfill_peer_keys() -> int:
    """Record the key of every known node in ``hub_peer_key`` (a hub older than schema
    5 knew one key per node); returns how many were added."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from keys import ca
    from sync.hub.models import HubPeer, HubPeerKey

    before = HubPeerKey.select().count()
    for peer in HubPeer.select():
        leaf = ca.chain_from_pem(peer.chain.encode())[0]
        raw = leaf.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        HubPeerKey.insert(node=peer.node, key=raw, chain=peer.chain,
                          issued_at=leaf.not_valid_before_utc.isoformat()
                          ).on_conflict_ignore().execute()
    return int(HubPeerKey.select().count() - before)


def log_id() -> str:
    """Which line of history the hub's log indices belong to (pull cursors count in it)."""
    stored = HubState.get_or_none(HubState.key == LOG_KEY)
    return str(stored.value) if stored else ""


def start_new_log() -> str:
    """A new log id: after a restore from a backup the hub hands out again indices
    the lost hub had already given, so every cursor counted in the old log must
    restart (a station that kept its cursor would skip the events at those indices)."""
    value = secrets.token_hex(8)
    upsert(HubState, key=LOG_KEY, value=value)
    return value


def is_postgres(db: Database) -> bool:
    return isinstance(db, PostgresqlDatabase)
