"""A case's signed documents: made and sealed at the office that acts, carried down
with the event, kept encrypted at every node, printed on demand.  Every version is
kept and printed to its own file (``document_versions``): none replaces another.

Kinds and their names in practice: ``supplement`` 补齐补正告知书, ``refuse``
不予受理通知书, ``special`` 特别程序告知书, ``approve`` 准予批准决定书,
``reject`` 不予批准决定书.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from station import outbox
from station.app import Station
from station.cases import document_versions
from station.errors import CaseNotFound
from station.fileio import write_atomically
from station.store.models import Case, CaseDocument

TITLES = {
    "supplement": "补齐补正告知书",
    "refuse": "不予受理通知书",
    "special": "特别程序告知书",
    "approve": "准予批准决定书",
    "reject": "不予批准决定书",
    "accept": "受理通知书",
    "extend": "延期告知书",
    "service": "送达回证",
}


def record(case_no: str, ref: dict[str, Any], event_id: str) -> CaseDocument:
    """Keep a document reference (call inside a transaction)."""
    existing = CaseDocument.get_or_none((CaseDocument.event == event_id)
                                        & (CaseDocument.kind == str(ref["kind"])))
    if existing is not None:
        return existing
    kind = str(ref["kind"])
    return CaseDocument.create(case_no=case_no, kind=kind,
                               title=str(ref.get("title") or TITLES.get(kind, kind)),
                               blob=str(ref["blob"]), size=int(ref["size"]), event=event_id,
                               received_at=outbox.utc_now())


def known(event_id: str, kind: str) -> bool:
    return CaseDocument.select().where((CaseDocument.event == event_id)
                                       & (CaseDocument.kind == kind)).exists()


def of_case(case_no: str) -> list[CaseDocument]:
    return list(CaseDocument.select().where(CaseDocument.case_no == case_no)
                .order_by(CaseDocument.received_at))


def unseen() -> list[dict[str, Any]]:
    return [{"id": d.id, "case_no": d.case_no, "kind": d.kind, "title": d.title,
             "received_at": d.received_at}
            for d in CaseDocument.select().where(CaseDocument.seen == False)  # noqa: E712
            .order_by(CaseDocument.received_at)]


def export(station: Station, document_id: str, folder: Path | None = None) -> Path:
    """Write a document out as a PDF for printing, beside every other version of the
    case (an access event records it)."""
    document = CaseDocument.get_or_none(CaseDocument.id == document_id)
    if document is None:
        raise CaseNotFound(case_no=document_id)
    target = (folder or station.documents) / document_versions.file_name(station, document)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = station.blobs.read(document.blob)
    write_atomically(target, lambda out: _write(out, data))
    case = Case.get_or_none(Case.case_no == document.case_no)
    with station.db.atomic("IMMEDIATE"):
        CaseDocument.update(seen=True).where(CaseDocument.id == document.id).execute()
        outbox.append(station.node.code, station.user, outbox.ACCESS_PRINTED,
                      {"document": document.kind}, case_no=document.case_no,
                      matter_code=case.matter_code if case else None)
    return target


def _write(out: BinaryIO, data: bytes) -> None:
    out.write(data)
