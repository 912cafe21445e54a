"""Leftover scans: material files nothing refers to, removed when the station opens.

Scans are stored before the transaction that refers to them (a filing, a supplement, a
document received), and the wizard stores a scan a moment before the draft that holds
its address is saved.  A process killed in between leaves an encrypted file no case
and no draft will ever read.  ``sweep_leftovers`` removes those files, and only those:

- a file whose name is not a blob address is not ours to judge: kept;
- a file the store refers to (``referenced``: a case's material, a case document, an
  outgoing copy's source, a draft's imported or turned pages) is kept;
- a file modified less than ``GRACE`` ago is kept: it may belong to a filing in progress
  in another process on the same data folder (the desktop app and a ``station``
  command may share it).  ``BlobStore.put`` touches a file it finds already stored, so
  a scan filed again after a crash counts as young too.

References are read first and each file's age after, so a file that gains a reference
meanwhile was written or touched meanwhile, and is young.

The sweep runs only when a session may have left such files: after an unclean end, or
after a session whose filing failed (``station/store/open_markers.py``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from station.store.blobs import BlobStore
from station.store.models import CaseDocument, CaseDraft, CaseMaterial, OutgoingMaterial

GRACE = timedelta(minutes=10)
ADDRESS = re.compile(r"[0-9a-f]{64}")
BLOB_COLUMNS = (CaseMaterial.blob, CaseDocument.blob, OutgoingMaterial.blob)


def draft_scans(content: Mapping[str, Any]) -> set[str]:
    """Every scan a draft refers to: those it stored and those its pages show."""
    found = {str(address) for address in content.get("stored") or []}
    for pages in (content.get("pages") or {}).values():
        found.update(str(page["blob"]) for page in pages if isinstance(page, Mapping))
    return found


def referenced(candidates: Collection[str] | None = None) -> set[str]:
    """The blob addresses the store refers to (only among ``candidates`` when given)."""
    used: set[str] = set()
    for column in BLOB_COLUMNS:
        query = column.model.select(column).distinct()
        if candidates is not None:
            query = query.where(column.in_(list(candidates)))
        used.update(str(value) for (value,) in query.tuples())
    for row in CaseDraft.select(CaseDraft.id, CaseDraft.content):
        used.update(draft_scans(row.content))
    if candidates is not None:
        used &= set(candidates)
    return used


@dataclass(frozen=True)
class Swept:
    removed: int  # files nothing referred to, removed
    young: int  # files nothing refers to yet, kept: younger than the grace period


def sweep_leftovers(blobs: BlobStore, grace: timedelta = GRACE) -> Swept:
    """Remove the material files nothing refers to and older than ``grace``."""
    used = referenced()
    oldest_kept = time.time() - grace.total_seconds()
    removed = young = 0
    for path in _blob_files(blobs):
        if path.name in used:
            continue
        try:
            if path.stat().st_mtime > oldest_kept:
                young += 1
                continue
        except FileNotFoundError:
            continue
        blobs.remove(path.name)
        removed += 1
    return Swept(removed, young)


def unreferenced(blobs: BlobStore, addresses: Collection[str]) -> set[str]:
    """Those of ``addresses`` still on disk that nothing refers to."""
    present = {address for address in addresses if blobs.path_of(address).is_file()}
    return present - referenced(present) if present else set()


def _blob_files(blobs: BlobStore) -> Iterator[Path]:
    return (path for path in blobs.root.iterdir()
            if ADDRESS.fullmatch(path.name) and path.is_file())
