"""Reading cases: list, show, find by ID number, export a material.

Every read of a resident's data appends an access event (阅览留痕): who
listed, viewed, searched, or exported what, and when.  ID numbers and phones
are shown masked unless the caller asks to reveal them, which is recorded.
"""

from __future__ import annotations

import operator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from functools import reduce
from pathlib import Path
from typing import Any, BinaryIO

from peewee import fn

from forms.identity import check_resident_id, mask_id, mask_name
from keys.errors import DecryptionFailed
from station import outbox
from station.app import Station
from station.cases import case_state, history_notes, material_checks
from station.cases.status import label
from station.errors import CaseNotFound, MaterialFileMissing, MaterialNotFound, StoreDamaged
from station.fileio import write_atomically
from station.store.models import Applicant, Case, CaseMaterial, Event
from station.store.names import normalise_name

DEFAULT_PAGE = 50


@dataclass(frozen=True)
class CaseSummary:
    case_no: str
    matter_code: str
    matter_name: str
    status: str
    status_label: str
    filed_at: str
    deadline: str | None
    applicant: str  # masked name
    deadline_provisional: bool = False  # the date depends on an unpublished year (暂计)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CaseList:
    total: int
    offset: int
    items: list[CaseSummary]


def _record(
    station: Station, type_: str, payload: dict[str, Any], case: Case | None = None
) -> None:
    with station.db.atomic("IMMEDIATE"):
        outbox.append(
            station.node.code,
            station.user,
            type_,
            payload,
            case_no=case.case_no if case else None,
            matter_code=case.matter_code if case else None,
        )


def _matter_name(station: Station, code: str) -> str:
    matter = station.catalogue.matters.get(code)
    return matter.name if matter else code


def _summary(station: Station, case: Case) -> CaseSummary:
    return CaseSummary(
        case_no=case.case_no,
        matter_code=case.matter_code,
        matter_name=_matter_name(station, case.matter_code),
        status=case.status,
        status_label=label(case.status),
        filed_at=case.filed_at,
        deadline=case.deadline.isoformat() if case.deadline else None,
        applicant=mask_name(case.applicant.name),
        deadline_provisional=case.deadline is not None and station.calendar.provisional(
            datetime.fromisoformat(case.filed_at).date(), case.deadline),
    )


def _clock(station: Station, case_no: str) -> dict[str, Any]:
    """The case's promised date from the one clock (``case_state.clock``)."""
    clock = case_state.clock(station, case_no)
    due = clock.due if clock else None
    return {"deadline": due.isoformat() if due else None,
            "deadline_provisional": bool(clock and due and clock.provisional)}


def load_case(station: Station, case_no: str) -> Case:
    case = (
        Case.select(Case, Applicant)
        .join(Applicant)
        .where(Case.case_no == case_no.strip())
        .first()
    )
    if case is None:
        raise CaseNotFound(case_no=case_no)
    return case


@dataclass(frozen=True)
class CaseFilter:
    """What the list shows: every field optional, all on clear columns."""

    status: str | None = None
    matter: str | None = None
    deadline: str | None = None  # one of list_options.DEADLINE_STATES
    filed_from: date | None = None
    filed_to: date | None = None


# Deadline states (监察): overdue, due within DUE_SOON_DAYS, later, clock not started.
DUE_SOON_DAYS = 3
SORTS: dict[str, Any] = {
    "filed_at": Case.filed_at, "case_no": Case.case_no, "deadline": Case.deadline,
    "status": Case.status, "matter": Case.matter_code,
}


def _where(filters: CaseFilter, today: date) -> Any:
    conditions = []
    if filters.status:
        conditions.append(Case.status == filters.status)
    if filters.matter:
        conditions.append(Case.matter_code == filters.matter)
    soon = today + timedelta(days=DUE_SOON_DAYS)
    by_deadline = {
        "overdue": Case.deadline < today,
        "due_soon": Case.deadline.between(today, soon),
        "on_track": Case.deadline > soon,
        "not_started": Case.deadline.is_null(),
    }
    if filters.deadline:
        conditions.append(by_deadline[filters.deadline])
    if filters.filed_from:
        conditions.append(Case.filed_at >= filters.filed_from.isoformat())
    if filters.filed_to:
        conditions.append(Case.filed_at < (filters.filed_to + timedelta(days=1)).isoformat())
    return reduce(operator.and_, conditions) if conditions else None


def list_cases(
    station: Station,
    limit: int = DEFAULT_PAGE,
    offset: int = 0,
    filters: CaseFilter | None = None,
    sort: str = "filed_at",
    descending: bool = True,
    today: date | None = None,
) -> CaseList:
    """One page of cases (names masked), filtered and sorted on clear columns."""
    where = _where(filters or CaseFilter(), today or date.today())
    key = SORTS[sort]
    order = [key.desc() if descending else key.asc(),
             Case.case_no.desc() if descending else Case.case_no.asc()]
    counted = Case.select(fn.COUNT(Case.id))
    rows = Case.select(Case, Applicant).join(Applicant)
    if where is not None:
        counted, rows = counted.where(where), rows.where(where)
    total = counted.scalar() or 0
    page = rows.order_by(*order).limit(limit).offset(offset)
    items = _guard(lambda: [_summary(station, c) for c in page])
    _record(station, outbox.ACCESS_LISTED, {"offset": offset, "count": len(items)})
    return CaseList(total=int(total), offset=offset, items=items)


def find_by_name(station: Station, name: str) -> list[CaseSummary]:
    """Cases of residents with exactly this name (blind index; spaces and
    full-width forms do not matter)."""
    index = station.index.index("name", normalise_name(name))
    return _find(station, Applicant.name_index == index, "name")


def find_by_id_number(station: Station, id_number: str) -> list[CaseSummary]:
    """Cases of one resident, through the blind index of the ID number."""
    number = check_resident_id(id_number).number
    return _find(station, Applicant.id_index == station.index.index("id_number", number),
                 "id_number")


CASE_TAIL_DAYS = 366  # how far back the last digits of a case number are looked for


def find_by_case_tail(station: Station, digits: str,
                      today: date | None = None) -> list[CaseSummary]:
    """Cases of the last year whose number ends in ``digits`` (the day's serial, e.g.
    0007): what an agent reads off a receipt over the phone."""
    if not digits.isdigit() or len(digits) != 4:
        return []
    since = (today or date.today()) - timedelta(days=CASE_TAIL_DAYS)
    return _find(station, Case.case_no.endswith("-" + digits)
                 & (Case.filed_at >= since.isoformat()), "case_tail")


def find_cases(station: Station, condition: Any, by: str,
               detail: dict[str, Any] | None = None) -> list[CaseSummary]:
    """The cases matching ``condition`` (on clear columns or blind indexes), newest
    first, recorded as one search (阅览留痕) with ``by`` and ``detail``."""
    return _find(station, condition, by, detail)


def _find(station: Station, condition: Any, by: str,
          detail: dict[str, Any] | None = None) -> list[CaseSummary]:
    rows = (
        Case.select(Case, Applicant)
        .join(Applicant)
        .where(condition)
        .order_by(Case.filed_at.desc())
    )
    items = _guard(lambda: [_summary(station, c) for c in rows])
    _record(station, outbox.ACCESS_SEARCHED, {"by": by, "count": len(items), **(detail or {})})
    return items


def show_case(station: Station, case_no: str, reveal: bool = False) -> dict[str, Any]:
    case = load_case(station, case_no)
    matter = station.catalogue.matters.get(case.matter_code)
    details = _guard(lambda: _details(station, case, reveal))
    if matter is not None:
        received = {m["name"] for m in details["materials"]}
        details["missing"] = matter.missing_materials(details["form"] or {}, received)
    _record(station, outbox.ACCESS_VIEWED, {"reveal": reveal}, case)
    return details


def _details(station: Station, case: Case, reveal: bool) -> dict[str, Any]:
    person = case.applicant
    sources = material_checks.case_sources(case.case_no)
    matter = station.catalogue.matters.get(case.matter_code)
    return {
        "case_no": case.case_no,
        "status": case.status,
        "status_label": label(case.status),
        "matter": {
            "code": case.matter_code,
            "name": _matter_name(station, case.matter_code),
            "tier": matter.tier if matter else None,
            "offices": list(matter.offices) if matter else [],
        },
        "applicant": {
            "name": person.name,
            "id_number": person.id_number if reveal else mask_id(person.id_number),
            "sex": person.sex,
            "birth_date": person.birth_date,
            "phone": person.phone if reveal else _mask_phone(person.phone),
            "address": person.address,
        },
        "form": case.form,
        "materials": [
            {"name": m.name, "page": m.page, "size": m.size, "media_type": m.media_type,
             "reused_from": m.reused_from, "source": sources[m.name].text()}
            for m in CaseMaterial.select()
            .where(CaseMaterial.case == case)
            .order_by(CaseMaterial.name, CaseMaterial.page)
        ],
        "filed_at": case.filed_at,
        **_clock(station, case.case_no),
        "promised_days": case.promised_days,
        "agent": case.agent,
        "agent_name": station.display_name(case.agent),
        "proxy": case.proxy,
        "history": [
            {"type": e.type, "at": e.at, "author": e.author,
             "author_name": station.display_name(e.author),
             "note": history_notes.note(e.type, e.payload)}
            for e in Event.select(Event.id, Event.type, Event.at, Event.author, Event.payload)
            .where(Event.case_no == case.case_no)
            .order_by(Event.seq)
        ],
    }


def material_pages(station: Station, case_no: str) -> list[tuple[str, int, str]]:
    """A case's pages in order: (material name, page, media type)."""
    case = load_case(station, case_no)
    return [(m.name, m.page, m.media_type) for m in CaseMaterial.select()
            .where(CaseMaterial.case == case).order_by(CaseMaterial.name, CaseMaterial.page)]


def materials_received(case_no: str) -> tuple[str, set[str]] | None:
    """The matter of a case filed here and the names of the materials it holds (None
    when it was not filed here).  Names only, nothing personal: no access is recorded."""
    case = Case.get_or_none(Case.case_no == case_no)
    if case is None:
        return None
    names = {m.name for m in CaseMaterial.select(CaseMaterial.name)
             .where(CaseMaterial.case == case)}
    return str(case.matter_code), names


def missing_materials(station: Station, case_no: str) -> list[str] | None:
    """The required materials a case filed here lacks, for its form's values (None when
    it was not filed here or its matter is unknown).  Names only; the form stays inside."""
    held = materials_received(case_no)
    matter = station.catalogue.matters.get(held[0]) if held else None
    case = Case.get_or_none(Case.case_no == case_no)
    if held is None or matter is None or case is None:
        return None
    return matter.missing_materials(case.form or {}, held[1])


def read_material(station: Station, case_no: str, name: str, page: int) -> bytes:
    """One page's bytes, decrypted in memory, for the viewer (recorded as viewed)."""
    case = load_case(station, case_no)
    material = CaseMaterial.get_or_none(
        (CaseMaterial.case == case) & (CaseMaterial.name == name) & (CaseMaterial.page == page)
    )
    if material is None:
        raise MaterialNotFound(case_no=case_no, name=name, page=page)
    content = b"".join(_guard_iter(station, material.blob))
    _record(station, outbox.ACCESS_VIEWED, {"material": name, "page": page}, case)
    return content


def export_material(station: Station, case_no: str, name: str, page: int, out: Path) -> Path:
    """Decrypt one page of a material to a file the agent chose."""
    case = load_case(station, case_no)
    material = CaseMaterial.get_or_none(
        (CaseMaterial.case == case) & (CaseMaterial.name == name) & (CaseMaterial.page == page)
    )
    if material is None:
        raise MaterialNotFound(case_no=case_no, name=name, page=page)

    def render(dst: BinaryIO) -> None:
        for chunk in _guard_iter(station, material.blob):
            dst.write(chunk)

    write_atomically(out, render)
    _record(station, outbox.ACCESS_EXPORTED, {"material": name, "page": page}, case)
    return out


def _guard_iter(station: Station, address: str) -> Any:
    try:
        yield from station.blobs.iter_plaintext(address)
    except FileNotFoundError as error:
        raise StoreDamaged(detail=MaterialFileMissing(address=address[:12])) from error
    except DecryptionFailed as error:
        raise StoreDamaged(detail=error) from error


def _guard(read: Any) -> Any:
    try:
        return read()
    except DecryptionFailed as error:
        raise StoreDamaged(detail=error) from error


def _mask_phone(phone: str) -> str:
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) >= 7 else "***"
