"""``station hub migrate-blobs``: move materials kept as chunk rows into the blob store.

Hubs before the material store kept each material's bytes as ``HubChunk`` rows in
their database.  This copies every such material into the store (``--blobs``, as
``station hub serve`` uses it), checks its SHA-256 against its address, and only
then deletes its rows, in one transaction per material.  It can be stopped at any
moment (even killed) and run again: a material the store already holds is not
copied again, its rows are just deleted.  An upload that was not finished is
copied as the parts of an upload in progress, so the station resumes it where it
stood.  A material whose rows do not hash to its address keeps its rows and is
counted; the audit reports it.  The hub may keep running meanwhile: it serves a
material from the rows until they are gone, then from the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from peewee import Database, SqliteDatabase

from sync.hub.blobs import BlobStore
from sync.hub.models import HubBlob, HubChunk


@dataclass
class Migrated:
    moved: int = 0  # copied, verified, rows deleted
    held: int = 0  # already in the store (an earlier run): rows deleted
    partial: int = 0  # unfinished uploads, copied as parts
    mismatched: int = 0  # rows that do not hash to their address: kept
    orphans: int = 0  # rows of no known material: deleted
    bytes: int = 0


def _rows(address: str) -> list[tuple[int, bytes]]:
    return [(row.offset, bytes(row.data)) for row in
            HubChunk.select(HubChunk.offset, HubChunk.data)
            .where(HubChunk.address == address).order_by(HubChunk.offset)]


def _drop_rows(db: Database, address: str) -> None:
    with db.atomic("IMMEDIATE") if isinstance(db, SqliteDatabase) else db.atomic():
        HubChunk.delete().where(HubChunk.address == address).execute()


def migrate(db: Database, store: BlobStore,
            progress: Callable[[Migrated], None] | None = None) -> Migrated:
    """Move every chunk-row material of ``db`` into ``store`` (see the module)."""
    done = Migrated()
    if not HubChunk.table_exists():
        return done
    addresses = [row.address for row in
                 HubChunk.select(HubChunk.address).distinct().order_by(HubChunk.address)]
    for address in addresses:
        blob = HubBlob.get_or_none(HubBlob.address == address)
        if blob is None:
            done.orphans += 1
        elif not blob.complete:
            for offset, data in _rows(address):
                store.put_part(address, offset, data)
            done.partial += 1
        elif store.has(address):
            done.held += 1
        else:
            rows = _rows(address)
            digest = hashlib.sha256()
            for _offset, data in rows:
                digest.update(data)
            if digest.hexdigest() != address or sum(len(d) for _o, d in rows) != blob.total:
                done.mismatched += 1
                continue
            store.put(address, b"".join(data for _o, data in rows))
            done.moved += 1
            done.bytes += blob.total
        _drop_rows(db, address)
        if progress:
            progress(done)
    return done
