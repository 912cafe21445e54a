"""The resident's file (居民档案): every case of one resident held at this station.

Opened by the resident's whole ID number (through its blind index, as
``register.find_by_id_number``) or by one of their case numbers (that case's
applicant).  The file shows the resident (name, masked ID number and phone,
address) and each case, newest first: its number, matter, day filed, state as
people read it, promised date, and its materials (name, pages, day received,
the case a reused material came from, and the offices that found its pages
齐全: 已核验, ``material_checks``).

Opening the file is one access event (阅览留痕, ``access.file_opened``) whose
sealed payload holds the resident's record id and the number of cases, nothing
personal.  An ID number that is not valid, or that no case here belongs to,
raises a message and records nothing.  Agents, reviewers, signers and admins
may open a file; an auditor reads the access trail, not the resident's data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from forms.errors import InvalidResidentId
from forms.identity import check_resident_id, mask_id
from keys.errors import DecryptionFailed
from station import outbox
from station.app import Station
from station.cases import status as stored_status
from station.cases.material_checks import Check, checks_of
from station.cases.register import _mask_phone, load_case
from station.errors import StationError, StoreDamaged
from station.i18n import N_, translate
from station.store.models import Applicant, Case, CaseMaterial
from station.trust import users
from sync import lifecycle

# Who may open a file: the village agent, reviewers, signers and admins.
ROLES = ("agent", "reviewer", "signer", "admin")
ACTION = N_("查阅居民档案")


class ResidentIdInvalid(StationError):
    """无法打开居民档案：{detail}"""

    exit_code = 4


class ResidentNotFound(StationError):
    """本站没有身份证号为 {masked} 的居民的办件，请核对号码。"""

    exit_code = 5


@dataclass(frozen=True)
class Resident:
    """The resident as the file shows them: ID number and phone masked."""

    name: str
    id_number: str  # masked
    phone: str  # masked
    address: str


@dataclass(frozen=True)
class FileMaterial:
    """A material of a case: its pages received on one day (from one source)."""

    name: str
    pages: int
    received: str  # the day received, YYYY-MM-DD (a reused one: first received)
    reused_from: str | None = None  # the case number a reused material came from
    checks: tuple[Check, ...] = ()  # offices that found these pages 齐全 (已核验)


@dataclass(frozen=True)
class FileCase:
    case_no: str
    matter_code: str
    matter_name: str
    filed: str  # the day filed, YYYY-MM-DD
    status: str
    state: str  # the state as people read it
    deadline: str | None
    deadline_provisional: bool
    materials: tuple[FileMaterial, ...]

    @property
    def pages(self) -> int:
        return sum(m.pages for m in self.materials)


@dataclass(frozen=True)
class ResidentFile:
    resident: Resident
    cases: tuple[FileCase, ...]  # newest first

    def to_json(self) -> dict[str, Any]:
        return {"resident": asdict(self.resident),
                "cases": [{**asdict(case), "materials": [asdict(m) for m in case.materials]}
                          for case in self.cases]}


def state_label(status: str) -> str:
    """A stored case state as people read it: the lifecycle's name once the case moved
    on, the filing's own name before (the same names as the case list)."""
    if status in lifecycle.STATE_LABELS and status != lifecycle.NONE:
        return translate(lifecycle.STATE_LABELS[status])
    return stored_status.label(status)


def open_by_id_number(station: Station, id_number: str) -> ResidentFile:
    """The file of the resident with this whole ID number (recorded as one access)."""
    users.require_role(station, translate(ACTION), *ROLES)
    try:
        number = check_resident_id(id_number).number
    except InvalidResidentId as error:
        raise ResidentIdInvalid(detail=error) from None
    index = station.index.index("id_number", number)
    people = [p.id for p in Applicant.select(Applicant.id).where(Applicant.id_index == index)]
    if not people or not Case.select().where(Case.applicant.in_(people)).exists():
        raise ResidentNotFound(masked=mask_id(number))
    return _opened(station, people)


def open_by_case(station: Station, case_no: str) -> ResidentFile:
    """The file of the applicant of case ``case_no`` (recorded as one access)."""
    users.require_role(station, translate(ACTION), *ROLES)
    case = load_case(station, case_no)
    index = case.applicant.id_index
    people = [p.id for p in Applicant.select(Applicant.id).where(Applicant.id_index == index)]
    return _opened(station, people)


def _opened(station: Station, people: list[str]) -> ResidentFile:
    try:
        found = _read(station, people)
    except DecryptionFailed as error:
        raise StoreDamaged(detail=error) from error
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, outbox.ACCESS_FILE_OPENED,
                      {"applicant": people[0], "count": len(found.cases)})
    return found


def _read(station: Station, people: list[str]) -> ResidentFile:
    rows = list(Case.select(Case, Applicant).join(Applicant)
                .where(Case.applicant.in_(people))
                .order_by(Case.filed_at.desc(), Case.case_no.desc()))
    person = rows[0].applicant if rows else Applicant.get_by_id(people[0])
    resident = Resident(name=person.name, id_number=mask_id(person.id_number),
                        phone=_mask_phone(person.phone), address=person.address)
    materials = _materials([row.id for row in rows])
    return ResidentFile(resident, tuple(_case(station, row, materials.get(row.id, ()))
                                        for row in rows))


def _case(station: Station, case: Case, materials: tuple[FileMaterial, ...]) -> FileCase:
    matter = station.catalogue.matters.get(case.matter_code)
    filed = _day(case.filed_at)
    return FileCase(
        case_no=case.case_no, matter_code=case.matter_code,
        matter_name=matter.name if matter else case.matter_code,
        filed=filed.isoformat(), status=case.status, state=state_label(case.status),
        deadline=case.deadline.isoformat() if case.deadline else None,
        deadline_provisional=case.deadline is not None
        and station.calendar.provisional(filed, case.deadline),
        materials=materials)


def _materials(cases: list[str]) -> dict[str, tuple[FileMaterial, ...]]:
    """Each case's materials, in name order: the pages of one material received on one
    day from one source counted together, with what offices found of those pages."""
    grouped: dict[str, dict[tuple[str, str, str | None], list[str]]] = {}
    for row in (CaseMaterial.select().where(CaseMaterial.case.in_(cases))
                .order_by(CaseMaterial.name, CaseMaterial.received_at, CaseMaterial.page)):
        # A reused page keeps the day it was first received, and names its case.
        key = (row.name, _day(row.received_at).isoformat(), row.reused_from)
        case = row.__data__["case"]  # the case's id, without loading the case
        grouped.setdefault(case, {}).setdefault(key, []).append(row.blob)
    return {case: tuple(FileMaterial(name, len(blobs), day, source, checks_of(blobs))
                        for (name, day, source), blobs in pages.items())
            for case, pages in grouped.items()}


def _day(at: str) -> date:
    """The day of a stored time, as the case list and the case number show it (the
    station PC's own day)."""
    return datetime.fromisoformat(at).date()

