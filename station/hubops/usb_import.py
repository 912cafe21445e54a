"""A hub imports a station's offline bundle (USB stick) and writes the receipts bundle.

``station hub import`` and the hub admin's 管理 screen both call ``import_bundle``:
it opens this node's hub database (or the one given), imports through the same
push path as HTTP (``sync.hub.bundle_import``) and writes the receipts beside
the bundle unless told where.
"""

from __future__ import annotations

from pathlib import Path

from station.app import Station
from station.cases import matter_rules
from station.hubops import hub_runner
from sync.hub.bundle_import import HubImport, import_file
from sync.hub.identity import open_database
from sync.hub.service import HubService

__all__ = ["HubImport", "import_bundle", "receipts_path"]


def receipts_path(source: Path) -> Path:
    """Where the receipts go by default: ``name.receipts.zip`` beside the bundle."""
    return source.with_name(source.stem + ".receipts.zip")


def import_bundle(station: Station, source: Path, receipts_to: Path | None = None,
                  db_url: str | None = None, blobs: str | None = None) -> HubImport:
    """Import ``source`` into this node's hub; the report says what was exchanged.
    ``blobs``: the hub's material store, as ``station hub serve --blobs`` names it."""
    identity = hub_runner.identity_of(station, None)
    store = hub_runner.blob_store(station, blobs)
    db = open_database(db_url, station.layout.root / hub_runner.DB_NAME)
    catalogue = station.catalogue
    try:
        with db.connection_context():
            service = HubService(identity, db, store)
            service.matters = matter_rules.lookup(lambda: catalogue)
            return import_file(service, source, receipts_to or receipts_path(source))
    finally:
        db.close()
