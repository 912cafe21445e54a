"""Where a hub keeps the bytes of materials: one interface, several stores.

A material is content addressed: its address is the SHA-256 (hex) of its
ciphertext.  The hub database keeps only the bookkeeping (``HubBlob``: total,
bytes received, complete); the bytes live in a ``BlobStore``:

* ``sync.hub.blobs_fs.FilesystemStore``: a folder on the hub's disk, the default;
* ``sync.hub.blobs_s3.S3Store``: any S3-compatible object store (政务云 object
  storage, MinIO, Ceph, OpenStack Swift's S3 API), through ``boto3``.

A scan up to one chunk arrives in one request and is stored with ``put`` once
the hub has hashed it.  A larger one arrives chunk by chunk (``put_part``, each
durable when it returns, so a cut loses at most the chunk in flight) and is
assembled and checked against its address by ``finish``.

Every method may raise ``BlobStoreUnavailable`` (the store cannot be reached or
refuses writes); the hub answers that as "try again later", never as a forgery.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from sync.errors import SyncError


class BlobStoreError(SyncError):
    # Root of the blob stores' own errors (the docstrings are the messages' templates).
    """材料存储出错。"""


class BlobStoreUnavailable(BlobStoreError):
    # The store cannot be reached, or refuses to write (full, read-only, denied).
    """材料存储 {store} 暂时不可用：{reason}"""

    def __init__(self, store: str, reason: str) -> None:
        super().__init__(store=store, reason=reason)
        self.store = store
        self.reason = reason


class BlobStoreConfigInvalid(BlobStoreError):
    # A ``--blobs`` address that names no store this hub knows how to use.
    """材料存放位置 {given} 不对：{reason}"""

    def __init__(self, given: str, reason: str) -> None:
        super().__init__(given=given, reason=reason)
        self.given = given
        self.reason = reason


class BlobStore(Protocol):
    """The bytes of materials, by address.  Implementations are thread safe and may
    be shared by several hub processes (on one machine or several)."""

    label: str  # where the bytes are, for logs and the start line (no secret in it)

    def put(self, address: str, data: bytes) -> None:
        """Store a whole material whose SHA-256 the caller has checked equals
        ``address``.  Durable when it returns; storing it again changes nothing."""

    def put_part(self, address: str, offset: int, data: bytes) -> None:
        """Store the chunk at ``offset`` of an upload in progress.  Durable when it
        returns; a part written again at the same offset replaces it."""

    def finish(self, address: str, total: int) -> bool:
        """Assemble the parts covering ``0..total`` into the material, hashing as it
        goes.  True: the SHA-256 equals ``address`` and the material is readable.
        False: it does not; the parts are discarded and nothing is readable."""

    def read(self, address: str, start: int, length: int) -> bytes:
        """Up to ``length`` bytes of a finished material from ``start`` (b"" past the
        end).  ``BlobMissing`` when the store holds no such material."""

    def has(self, address: str) -> bool:
        """Whether a finished material is held under ``address``."""

    def discard(self, address: str) -> None:
        """Drop the parts of an unfinished upload of ``address`` (not a finished
        material)."""

    def addresses(self) -> Iterator[str]:
        """Every finished material held, for audits, backups and migrations."""


class BlobMissing(BlobStoreError):
    # The store holds no finished material under this address.
    """材料存储中没有材料 {address}"""

    def __init__(self, address: str) -> None:
        super().__init__(address=address)
        self.address = address
