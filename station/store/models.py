"""The tables of the local store.

Personal values (names, ID numbers, phones, addresses, form contents, event
payloads, file names) live only in encrypted columns.  Clear columns hold
what supervision and listing need without revealing a person: case numbers,
matter codes, states, dates, material names from the catalogue, blind
indexes.
"""

from __future__ import annotations

import uuid

from peewee import (
    BlobField,
    BooleanField,
    CompositeKey,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from station.store.fields import EncryptedField, EncryptedJSONField


def new_id() -> str:
    return uuid.uuid4().hex


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class Setting(BaseModel):
    """Node settings: code, tier, name (none of them personal)."""

    key = TextField(primary_key=True)
    value = TextField()


class User(BaseModel):
    """A person who logs in at this station; the key slot lives in the vault."""

    name = TextField(primary_key=True)
    role = TextField()
    display_name = EncryptedField(null=True)
    created_at = TextField()
    office = TextField(null=True)  # reviewers and signers belong to an office
    sealing_public = TextField(null=True)  # the user's X25519 key, for office keys
    sealing_private = BlobField(null=True)  # sealed under the user's personal key


class MatterSnapshot(BaseModel):
    """The catalogue entry a case was filed under, kept as it was then."""

    code = TextField()
    digest = TextField()
    name = TextField()
    tier = TextField()
    definition = TextField()  # JSON of forms.Matter.to_json()

    class Meta:
        primary_key = False
        indexes = ((("code", "digest"), True),)


class Applicant(BaseModel):
    """A resident on whose behalf cases are filed (申请人)."""

    id = TextField(primary_key=True, default=new_id)
    name = EncryptedField()
    name_index = TextField(null=True, index=True)  # blind index of the normalised name
    id_number = EncryptedField()
    id_index = TextField(index=True)
    birth_date = EncryptedField()
    sex = EncryptedField()
    phone = EncryptedField()
    phone_index = TextField(index=True)
    address = EncryptedField()
    created_at = TextField()
    # Version of the applicant's search keys (search_keys.py); NULL until written.
    search_version = IntegerField(null=True)


class SearchKey(BaseModel):
    """One blind-indexed search key of a resident (schema 9): an ID or phone tail with
    the birth year or surname, or one character of the name (``search_keys.py``)."""

    key = TextField()
    applicant = ForeignKeyField(Applicant, backref="search_keys")

    class Meta:
        table_name = "search_key"
        primary_key = CompositeKey("key", "applicant")
        without_rowid = True


class Case(BaseModel):
    """A case (办件): one application for one matter."""

    id = TextField(primary_key=True, default=new_id)
    case_no = TextField(unique=True)
    node_code = TextField()
    matter_code = TextField(index=True)
    matter_digest = TextField()
    applicant = ForeignKeyField(Applicant, backref="cases", index=True)
    form = EncryptedJSONField()
    status = TextField(index=True)
    filed_at = TextField(index=True)
    deadline = DateField(null=True, index=True)
    promised_days = IntegerField()
    agent = TextField()
    notice_issued = BooleanField(default=False)
    updated_at = TextField()
    proxy = EncryptedJSONField(null=True)  # 代办: who filed for the applicant, consent

    class Meta:
        table_name = "cases"


class CaseMaterial(BaseModel):
    """One page or file of a material (申请材料) received for a case."""

    id = TextField(primary_key=True, default=new_id)
    case = ForeignKeyField(Case, backref="materials", index=True)
    name = TextField()  # the catalogue's material name, not personal
    page = IntegerField()
    blob = TextField()  # content address in the material store
    size = IntegerField()
    media_type = TextField()
    original_name = EncryptedField(null=True)
    received_at = TextField()  # for a reused page: when it was first received
    # 资料共享 (schema 10): the case this page was first handed in for, when the resident
    # agreed to use it again here; the same blob, referenced, not copied.
    reused_from = TextField(null=True)


class MaterialCheck(BaseModel):
    """An office's 齐全 verdict on one page, by its content address (schema 10): a later
    case that reuses the page shows 已核验（office, date）."""

    id = TextField(primary_key=True, default=new_id)
    blob = TextField(index=True)
    name = TextField()  # the catalogue's material name
    office = TextField()
    reviewer = TextField()
    checked_on = TextField()  # the day, China time
    case_no = TextField()  # the case it was checked in

    class Meta:
        table_name = "material_check"


class Event(BaseModel):
    """The outbox: every change and every access, chained per node.

    The header is clear (for supervision and sync); the payload is sealed.
    ``hash`` covers the header and the payload ciphertext; ``prev_hash``
    chains this node's log, so a rewritten history shows.
    """

    id = TextField(primary_key=True, default=new_id)
    seq = IntegerField(unique=True)
    node_code = TextField()
    case_no = TextField(null=True, index=True)
    matter_code = TextField(null=True)
    type = TextField(index=True)
    at = TextField()
    author = TextField()
    payload = EncryptedJSONField()
    prev_hash = TextField()
    hash = TextField(unique=True)


class NodeKey(BaseModel):
    """This node's own keys: signing (Ed25519), issuing (P-256, parents), CA root.

    The private key is sealed like any personal value; the certificate chain
    that vouches for it is clear (certificates are public).
    """

    purpose = TextField(primary_key=True)  # "signing", "issuing", "root"
    suite = TextField()
    public = TextField()  # PEM
    private = EncryptedField()  # PEM, sealed
    certificate = TextField(null=True)  # PEM chain, this key's certificate first
    created_at = TextField()


class EnrolmentGrant(BaseModel):
    """A one-time enrolment code this node issued to a child (only its digest)."""

    digest = TextField(primary_key=True)  # never the code itself
    child_code = TextField(index=True)
    tier = TextField()
    issued_by = TextField()
    issued_at = TextField()
    expires_at = TextField()
    used_at = TextField(null=True)


class OfficeKey(BaseModel):
    """An office's sealing key pair, by version (rotation adds a version)."""

    office = TextField()
    version = IntegerField()
    suite = TextField()
    public = TextField()  # base64 of the public key
    created_at = TextField()

    class Meta:
        primary_key = CompositeKey("office", "version")


class OfficeMember(BaseModel):
    """An office's private key (one version), sealed to one member's key."""

    office = TextField()
    version = IntegerField()
    user = TextField(index=True)
    sealed = BlobField()

    class Meta:
        primary_key = CompositeKey("office", "version", "user")


class SyncEnvelope(BaseModel):
    """An outbox event as it travels: the signed envelope (header clear, payload
    sealed to its readers).  ``seq`` is the event's seq in this node's log."""

    seq = IntegerField(primary_key=True)
    digest = TextField(unique=True)
    envelope = BlobField()
    materials = TextField()  # JSON list of the transport addresses it cites
    created_at = TextField()


class OutgoingMaterial(BaseModel):
    """A material page re-encrypted for travel under its own key (the key is
    inside the sealed payload of the event that cites it)."""

    address = TextField(primary_key=True)  # SHA-256 of the transport ciphertext
    blob = TextField(index=True)  # the local blob it was made from
    key = EncryptedField()  # base64 of the transport key
    size = IntegerField()
    uploaded = BooleanField(default=False)


class SyncReceipt(BaseModel):
    """A hub's signed receipt for this node's events: proof of delivery."""

    hub = TextField()
    node = TextField()
    up_to_seq = IntegerField()
    head = TextField()
    document = TextField()
    received_at = TextField()
    reported = BooleanField(default=False)

    class Meta:
        primary_key = CompositeKey("hub", "node", "up_to_seq")


class InboxEvent(BaseModel):
    """An envelope pulled from the hub (addressed to this node or its offices)."""

    digest = TextField(primary_key=True)
    node = TextField()
    seq = IntegerField()
    type = TextField(index=True)
    case_no = TextField(null=True, index=True)
    envelope = BlobField()
    hub_index = IntegerField()
    received_at = TextField()
    applied = BooleanField(default=False)


class CaseDocument(BaseModel):
    """A signed document of a case (notice, decision …), kept as an encrypted blob: made
    here, or received from the office that signed it (``seen`` once the agent opened it)."""

    id = TextField(primary_key=True, default=new_id)
    case_no = TextField(index=True)
    kind = TextField()  # supplement / refuse / special / approve / reject
    title = TextField()  # the document's name, e.g. 准予批准决定书
    blob = TextField()
    size = IntegerField()
    event = TextField()  # the id of the event that carried it
    received_at = TextField()
    seen = BooleanField(default=False)

    class Meta:
        table_name = "case_document"


class CaseDraft(BaseModel):
    """新建办件's unfinished work (草稿): everything typed and the scans' addresses, sealed.

    Clear columns say only whose draft it is and when it was saved; the matter, the
    applicant, the form and the pages are in ``content``.
    """

    id = TextField(primary_key=True, default=new_id)
    user = TextField(index=True)  # the agent who started it
    saved_at = TextField()
    content = EncryptedJSONField()

    class Meta:
        table_name = "case_draft"


MODELS: tuple[type[BaseModel], ...] = (
    Setting,
    User,
    MatterSnapshot,
    Applicant,
    SearchKey,
    Case,
    CaseMaterial,
    MaterialCheck,
    Event,
    NodeKey,
    EnrolmentGrant,
    OfficeKey,
    OfficeMember,
    SyncEnvelope,
    OutgoingMaterial,
    SyncReceipt,
    InboxEvent,
    CaseDocument,
    CaseDraft,
)
