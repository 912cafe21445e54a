"""The hub's tables.  Clear columns hold routing headers only; payloads and
materials are the senders' ciphertext, stored as received.

One database per hub: SQLite by default (``DATA/hub.db``) or PostgreSQL.
Materials live in the database too (as chunks), so a backup of the database
is a backup of the hub, and a restore is consistent by construction.
"""

from __future__ import annotations

from typing import Any

from peewee import (
    AutoField,
    BigIntegerField,
    BlobField,
    BooleanField,
    CompositeKey,
    DatabaseProxy,
    IntegerField,
    Model,
    TextField,
)

database = DatabaseProxy()
SCHEMA_VERSION = 5


class HubModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class HubEvent(HubModel):
    """One envelope, byte for byte as its author signed it; ``id`` is the hub log index."""

    id = AutoField()
    node = TextField()
    seq = BigIntegerField()
    digest = TextField()
    envelope = BlobField()
    type = TextField()
    case_no = TextField(null=True, index=True)
    matter = TextField(null=True)
    hlc = TextField()
    author = TextField()
    peer = TextField()  # who delivered it (the author, or a hub forwarding it)
    received_at = TextField()

    class Meta:
        indexes = ((("node", "seq"), True),)


class HubAddress(HubModel):
    """Which node each event is addressed to (from its recipients), for pulls."""

    event = BigIntegerField(index=True)
    node = TextField(index=True)

    class Meta:
        primary_key = CompositeKey("event", "node")


class HubCitation(HubModel):
    """Which events cite each material (their header's content addresses), so that a
    material's bytes go only to those events' parties (``sync.hub.scope``)."""

    address = TextField(index=True)
    event = BigIntegerField()

    class Meta:
        primary_key = CompositeKey("address", "event")


class HubFork(HubModel):
    """A second, different envelope for an (node, seq) already held: fork evidence."""

    id = AutoField()
    node = TextField(index=True)
    seq = BigIntegerField()
    digest = TextField()
    existing_digest = TextField()
    envelope = BlobField()
    peer = TextField()
    received_at = TextField()

    class Meta:
        indexes = ((("node", "seq", "digest"), True),)


class HubReceipt(HubModel):
    """The signed receipt given for a node's events up to ``up_to_seq``."""

    node = TextField()
    up_to_seq = BigIntegerField()
    head = TextField()
    hub_index = BigIntegerField()
    document = TextField()  # the signed wire form, JSON

    class Meta:
        primary_key = CompositeKey("node", "up_to_seq")


class HubProof(HubModel):
    """A receipt a station holds, reported up so the county can cross-check."""

    hub = TextField()
    node = TextField()
    up_to_seq = BigIntegerField()
    head = TextField()
    document = TextField()
    reported_at = TextField()

    class Meta:
        primary_key = CompositeKey("hub", "node", "up_to_seq")


class HubBlob(HubModel):
    """A material being uploaded or complete: the bookkeeping only; its bytes are in the
    hub's material store (``sync.hub.blobs``)."""

    address = TextField(primary_key=True)  # SHA-256 hex of the ciphertext
    total = BigIntegerField()
    received = BigIntegerField(default=0)
    complete = BooleanField(default=False)
    created_at = TextField()
    peer = TextField()


class HubChunk(HubModel):
    """A chunk of a material as hubs before the material store kept it: no longer
    written; read until ``station hub migrate-blobs`` moves it into the store."""

    address = TextField()
    offset = BigIntegerField()
    data = BlobField()

    class Meta:
        primary_key = CompositeKey("address", "offset")


class HubPeer(HubModel):
    """A node whose certificate chain this hub has verified."""

    node = TextField(primary_key=True)
    tier = TextField()
    name = TextField()
    chain = TextField()  # PEM, the node's certificate first
    serials = TextField()  # JSON list of every serial in the chain
    first_seen = TextField()
    last_seen = TextField(null=True)


class HubPeerKey(HubModel):
    """Every signing key a node has had (schema 5): a replacement PC brings a new one,
    and what the old one signed stays verifiable (``sync/epochs.py``)."""

    node = TextField()
    key = TextField()  # the raw public key, hex
    chain = TextField()  # PEM, the certificate of this key first
    issued_at = TextField()  # that certificate's not-before (ISO, UTC): orders the epochs
    first_seq = BigIntegerField(null=True)  # the first seq stored here signed by this key

    class Meta:
        primary_key = CompositeKey("node", "key")


class HubDirectory(HubModel):
    """A node's signed directory entry (its sealing keys), as the node signed it."""

    node = TextField(primary_key=True)
    document = TextField()
    issued_at = TextField()


class HubCase(HubModel):
    """A case's state folded from its event headers (no personal data)."""

    case_no = TextField(primary_key=True)
    state = TextField()
    holder = TextField(null=True)
    filed_by = TextField(null=True)
    matter = TextField(null=True)
    offices = TextField(default="[]")  # JSON: "node:office" reviewing it at its level now
    updated_index = BigIntegerField()
    level = TextField(null=True)  # the tier handling it now (added in schema 2)
    view = TextField(default="{}")  # JSON: the whole lifecycle.CaseView (schema 2)


class HubFlag(HubModel):
    """An event a child hub vouched for that the lifecycle table forbids in the state
    reached here: kept in the log, not folded into its case, shown to the audit."""

    id = AutoField()
    case_no = TextField(index=True)
    node = TextField()
    seq = BigIntegerField()
    type = TextField()
    state = TextField()
    reason = TextField()
    flagged_at = TextField()


class HubClaim(HubModel):
    """The one reviewer holding a case; the primary key makes a claim atomic."""

    case_no = TextField(primary_key=True)
    holder = TextField()
    claimed_at = TextField()


class HubSession(HubModel):
    """One sync session of one peer: what moved, how long, how it ended."""

    id = TextField(primary_key=True)  # the client's session id, namespaced by peer
    peer = TextField(index=True)
    direction = TextField()  # "up" (peer pushed), "down" (peer pulled), "both"
    started_at = TextField(index=True)
    last_at = TextField()
    duration_ms = IntegerField(default=0)
    requests = IntegerField(default=0)
    events_in = IntegerField(default=0)
    events_out = IntegerField(default=0)
    blobs_in = IntegerField(default=0)
    bytes_in = BigIntegerField(default=0)
    bytes_out = BigIntegerField(default=0)
    result = TextField(default="ok")
    error = TextField(null=True)


class HubNonce(HubModel):
    key_id = TextField()
    nonce = TextField()
    expires = BigIntegerField(index=True)

    class Meta:
        primary_key = CompositeKey("key_id", "nonce")


class HubState(HubModel):
    key = TextField(primary_key=True)
    value = TextField()


class HubGrant(HubModel):
    """An enrolment code a parent issued, as far as a hub may know it: the screen key
    (keys.enrolment.screen_key), never the code or its digest."""

    screen = TextField(primary_key=True)
    child = TextField(index=True)
    tier = TextField()
    issuer = TextField()
    expires_at = TextField()
    document = TextField()  # the issuer's signed grant, JSON wire form
    used_at = TextField(null=True)


class HubEnrolment(HubModel):
    """A new node's enrolment request and, once approved, its certificates file; once
    refused, the approver's signed refusal and its reason."""

    node = TextField(primary_key=True)
    tier = TextField()
    request = TextField()  # the request document as the node made it, JSON
    screen = TextField()  # the grant it matched
    issuer = TextField()  # the node whose admin approves it
    peer = TextField()  # who delivered it (the node itself, or a hub below relaying it)
    received_at = TextField()
    state = TextField(default="pending")  # "pending", "approved" or "refused" (schema 4)
    certificates = TextField(null=True)  # the approval, JSON
    approved_at = TextField(null=True)
    refusal = TextField(null=True)  # the approver's signed refusal, JSON wire form (schema 4)
    reason = TextField(null=True)  # its reason, as the approver wrote it (schema 4)
    refused_at = TextField(null=True)  # (schema 4)


class HubUpdate(HubModel):
    """The newest catalogue or calendar update the county signed, as received."""

    kind = TextField(primary_key=True)  # "catalogue" or "calendar"
    version = BigIntegerField()
    document = TextField()  # signed wire form, JSON
    chain = TextField()  # the county's certificate chain, PEM
    received_at = TextField()


MODELS = (HubEvent, HubAddress, HubFork, HubReceipt, HubProof, HubBlob, HubChunk, HubPeer,
          HubDirectory, HubCase, HubClaim, HubSession, HubNonce, HubState, HubGrant,
          HubEnrolment, HubUpdate, HubFlag, HubCitation, HubPeerKey)


def add_missing_columns(db: Any) -> list[str]:
    """Bring tables made by an older hub up to the models (new nullable or defaulted
    columns only); returns the columns added."""
    from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

    migrator = (SqliteMigrator(db) if db.__class__.__name__.startswith("Sqlite")
                else PostgresqlMigrator(db))
    added = []
    for model in MODELS:
        table = model._meta.table_name
        have = {column.name for column in db.get_columns(table)}
        for name, field_ in model._meta.fields.items():
            if field_.column_name not in have:
                migrate(migrator.add_column(table, field_.column_name, field_))
                added.append(f"{table}.{name}")
    return added


def upsert(model: type[HubModel], **values: object) -> None:
    """Insert or overwrite by primary key, on SQLite and PostgreSQL alike."""
    meta: Any = model._meta
    primary: Any = meta.primary_key
    key_fields = ([meta.fields[name] for name in primary.field_names]
                  if isinstance(primary, CompositeKey) else [primary])
    keys = {field.name for field in key_fields}
    update = {meta.fields[name]: value for name, value in values.items() if name not in keys}
    model.insert(**values).on_conflict(conflict_target=key_fields, update=update).execute()
