"""草稿: the new-case wizard's unfinished work, kept sealed so a crash loses nothing.

A draft is one row of ``case_draft``: whose it is and when it was saved in clear,
everything else (matter, applicant, form, pages, the step shown) in one sealed JSON
column.  Scans are stored in the encrypted material store the moment they are
imported, and the draft holds only their addresses: resuming never imports again,
and no scanned byte is ever written in plaintext.  A draft remembers every scan it
stored (``stored``), so when it is filed or deleted the scans no case and no other
draft uses are removed.  Filing deletes the draft in the case's own transaction.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.errors import FormsError
from station import outbox
from station.app import Station
from station.errors import MaterialProblem, StationError
from station.filing.new_case import FilingResult, MaterialFile, Proxy, file_case, file_problem
from station.filing.pages import rotate_bytes
from station.store.blobs import StoredBlob
from station.store.leftovers import referenced
from station.store.models import CaseDraft


class DraftGone(StationError):
    """这份草稿已不存在（可能已经提交或已被删除）。"""


@dataclass(frozen=True)
class DraftPage:
    """One imported page: its address in the material store and the file's name."""

    blob: str
    size: int
    name: str

    def to_json(self) -> dict[str, object]:
        return {"blob": self.blob, "size": self.size, "name": self.name}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DraftPage:
        return cls(str(data["blob"]), int(data["size"]), str(data["name"]))

    def material_file(self, material: str) -> MaterialFile:
        return MaterialFile(material, Path(self.name), StoredBlob(self.blob, self.size))


@dataclass(frozen=True)
class DraftSummary:
    """A row of the 草稿 list."""

    id: str
    matter: str  # the matter's name (its code if the catalogue no longer has it)
    applicant: str
    saved_at: str  # UTC, ISO 8601


def store_scan(station: Station, path: Path) -> DraftPage:
    """Check a scan and put it, encrypted, into the material store."""
    reason = file_problem(path)
    if reason:
        raise MaterialProblem(name=path.name, path=path, reason=reason)
    blob = station.blobs.put_file(path)
    return DraftPage(blob.address, blob.size, path.name)


def turn_scan(station: Station, page: DraftPage, source: Path | None = None) -> DraftPage:
    """The page turned a quarter right, sealed as a new page: read from ``source`` (the
    file just imported) or else from the store, turned in memory; no decrypted copy is
    written anywhere.  The old page goes when the draft is done."""
    data = source.read_bytes() if source is not None and source.is_file() else \
        station.blobs.read(page.blob)
    blob = station.blobs.put(io.BytesIO(rotate_bytes(data, 90, page.name)))
    return DraftPage(blob.address, blob.size, page.name)


def save_draft(station: Station, draft_id: str | None, content: Mapping[str, Any]) -> str:
    """Write the draft (a new one when ``draft_id`` is None); returns its id."""
    with station.db.atomic("IMMEDIATE"):
        row = CaseDraft.get_or_none(CaseDraft.id == draft_id) if draft_id else None
        creating = row is None
        if row is None:
            row = CaseDraft(user=station.user)
            if draft_id:
                row.id = draft_id
        row.saved_at = outbox.utc_now()
        row.content = dict(content)
        row.save(force_insert=creating)
    return str(row.id)


def load_draft(station: Station, draft_id: str) -> dict[str, Any]:
    row = CaseDraft.get_or_none(CaseDraft.id == draft_id)
    if row is None:
        raise DraftGone()
    _record(station, outbox.ACCESS_VIEWED, {"draft": draft_id})
    return dict(row.content)


def count_drafts(station: Station) -> int:
    """How many drafts this user has (for the 草稿 button: nothing is read or shown)."""
    return int(CaseDraft.select().where(CaseDraft.user == station.user).count())


def list_drafts(station: Station) -> list[DraftSummary]:
    """This user's drafts, the latest first."""
    rows = (CaseDraft.select().where(CaseDraft.user == station.user)
            .order_by(CaseDraft.saved_at.desc()))
    found = []
    for row in rows:
        content = row.content
        code = str(content.get("matter") or "")
        try:
            matter = station.catalogue.get(code).name if code else ""
        except FormsError:
            matter = code
        applicant = str((content.get("applicant") or {}).get("name", ""))
        found.append(DraftSummary(str(row.id), matter, applicant, str(row.saved_at)))
    if found:  # the applicants' names were shown: a view like the case list's (阅览留痕)
        _record(station, outbox.ACCESS_LISTED, {"drafts": len(found)})
    return found


def _record(station: Station, type_: str, payload: dict[str, Any]) -> None:
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, type_, payload)


def delete_draft(station: Station, draft_id: str) -> None:
    """The agent gives the draft up: its row goes, and the scans only it used."""
    row = CaseDraft.get_or_none(CaseDraft.id == draft_id)
    if row is None:
        return
    stored = stored_scans(row.content)
    with station.db.atomic("IMMEDIATE"):
        CaseDraft.delete().where(CaseDraft.id == draft_id).execute()
    remove_unused(station, stored)


def file_draft(station: Station, draft_id: str, matter_code: str,
               applicant: Mapping[str, object], form: Mapping[str, object],
               materials: Sequence[MaterialFile], proxy: Proxy | None = None,
               reuse: Sequence[str] = (), consent: bool = False) -> FilingResult:
    """File the case; the draft is deleted in the same transaction.  ``reuse`` and
    ``consent``: earlier materials reused with the resident's consent (``file_case``)."""
    row = CaseDraft.get_or_none(CaseDraft.id == draft_id)
    stored = stored_scans(row.content) if row is not None else []
    result = file_case(station, matter_code, applicant, form, materials, proxy=proxy,
                       draft=draft_id, reuse=reuse, consent=consent)
    remove_unused(station, stored)
    return result


def stored_scans(content: Mapping[str, Any]) -> list[str]:
    return [str(address) for address in content.get("stored") or []]


def remove_unused(station: Station, addresses: Iterable[str]) -> None:
    """Delete the scans among ``addresses`` that no case, document or draft refers to."""
    candidates = set(addresses)
    if not candidates:
        return
    for address in candidates - referenced(candidates):
        station.blobs.remove(address)
