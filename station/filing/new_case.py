"""Filing a case (受理登记) on behalf of a resident.

Everything is checked before anything is stored: the applicant, every form
field, every material name and file.  All problems are reported together
(one complete message, never piecemeal).  Then the scans go into the
encrypted material store, and the case, its materials and its events are
written in one transaction.  The receipt (with a 缺件提示 when required
materials were not handed in; the station makes no legal finding) is printed
after the commit, so a printing failure never loses a case: it can be printed
again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from peewee import chunked

from forms.catalogue import Matter
from forms.errors import FormInvalid, FormsError
from forms.validate import Applicant as ApplicantDetails
from forms.validate import validate_applicant, validate_form
from keys.ca import CHINA_TIME
from station import outbox
from station.app import Station
from station.cases.status import AWAITING_SUPPLEMENT, FILED
from station.clock import deadlines
from station.errors import ChainNotResumed, MaterialProblem, StationError
from station.filing import reuse as reuse_module
from station.filing.media import detect_media_type
from station.filing.numbering import next_case_no
from station.filing.printing import print_case_documents
from station.i18n import _
from station.store import search_keys
from station.store.blobs import StoredBlob
from station.store.models import Applicant, Case, CaseDraft, CaseMaterial, MatterSnapshot
from station.store.names import normalise_name

log = logging.getLogger("station.filing")


@dataclass(frozen=True)
class MaterialFile:
    """One page or file handed in for a material named in the catalogue."""

    name: str
    path: Path  # a file to store, or only its name when ``blob`` is already stored
    blob: StoredBlob | None = None  # a scan a draft already put in the material store


VILLAGE_AGENT = "村代办员"  # stored data, not interface text
MATERIAL_ROWS = 100  # page rows per INSERT (9 columns: far below SQLite's parameter limit)


@dataclass(frozen=True)
class Proxy:
    """代办: the agent files on the applicant's behalf, with their consent."""

    consent: bool
    relation: str = ""  # e.g. 村代办员, 子女
    note: str = ""

    def to_json(self, agent: str) -> dict[str, object]:
        return {"agent": agent, "consent": self.consent, "relation": self.relation,
                "note": self.note}


@dataclass
class FilingResult:
    case_no: str
    status: str
    deadline: str | None
    missing: list[str]
    receipt: Path | None
    printed: list[Path] = field(default_factory=list)
    deadline_provisional: bool = False  # the date depends on an unpublished year (暂计)
    reused: list[str] = field(default_factory=list)  # materials reused with consent


def check_materials(matter: Matter, files: Sequence[MaterialFile]) -> list[Exception]:
    problems: list[Exception] = []
    for item in files:
        try:
            matter.material(item.name)
        except FormsError as error:
            problems.append(error)
            continue
        reason = file_problem(item.path) if item.blob is None else None
        if reason:
            problems.append(MaterialProblem(name=item.name, path=item.path, reason=reason))
    return problems


def file_problem(path: Path) -> str | None:
    """Why a file cannot be a scanned page, or None."""
    if not path.is_file():
        return _("文件不存在。")
    try:
        head = read_head(path)
    except OSError as error:
        return _("无法读取（{error}）。").format(error=error.strerror)
    if not head:
        return _("文件是空的。")
    if detect_media_type(head) is None:
        return _("不是可识别的扫描件格式（支持 JPG、PNG、TIFF、BMP、PDF）。")
    return None


def read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(16)


def head_of(station: Station, item: MaterialFile) -> bytes:
    """The first bytes of a page: from its file, or from the material store."""
    if item.blob is None:
        return read_head(item.path)
    return next(station.blobs.iter_plaintext(item.blob.address), b"")[:16]


def missing_required(
    matter: Matter, form: Mapping[str, object], files: Sequence[MaterialFile]
) -> list[str]:
    """Required materials (for this form's values) of which no page was given."""
    return matter.missing_materials(form, (item.name for item in files))


def file_case(
    station: Station,
    matter_code: str,
    applicant_data: Mapping[str, object],
    form_data: Mapping[str, object],
    materials: Sequence[MaterialFile] = (),
    now: datetime | None = None,
    print_documents: bool = True,
    proxy: Proxy | None = None,
    draft: str | None = None,
    reuse: Sequence[str] = (),
    consent: bool = False,
) -> FilingResult:
    """File a case; ``draft`` (a 草稿's id) is deleted in the same transaction.

    ``reuse`` names materials the resident handed in for an earlier case here, used
    again with their ``consent`` (``station.filing.reuse``): referenced, not copied."""
    matter = station.catalogue.get(matter_code)
    problems: list[Exception] = []
    applicant: ApplicantDetails | None = None
    form: dict[str, object] | None = None
    try:
        applicant = validate_applicant(applicant_data)
    except FormInvalid as error:
        problems.extend(error.params["problems"])  # type: ignore[arg-type]
    try:
        form = validate_form(matter, form_data)
    except FormInvalid as error:
        problems.extend(error.params["problems"])  # type: ignore[arg-type]
    problems.extend(check_materials(matter, materials))
    chosen: list[reuse_module.Offer] = []
    if reuse and applicant is not None:
        try:
            chosen = reuse_module.choose(station, applicant.id_number, matter, reuse, consent,
                                         (m.name for m in materials), now and now.date())
        except StationError as error:
            problems.append(error)
    if problems or applicant is None or form is None:
        raise FormInvalid(problems=problems, count=len(problems))

    if outbox.chain_waits():
        raise ChainNotResumed()
    now = now or datetime.now().astimezone()
    missing = matter.missing_materials(
        form, [m.name for m in materials] + [o.name for o in chosen])
    fresh = iter(station.blobs.put_files([m.path for m in materials if m.blob is None]))
    stored = [(item, item.blob or next(fresh)) for item in materials]
    status = AWAITING_SUPPLEMENT if missing else FILED
    promise = promised_due(station, matter, now, bool(missing))
    deadline = promise.due
    node = station.node

    with station.db.atomic("IMMEDIATE"):
        snapshot_matter(matter, station.catalogue.digest)
        person = upsert_applicant(station, applicant, now)
        case = Case(
            case_no=next_case_no(node.code, now.date()),
            node_code=node.code,
            matter_code=matter.code,
            matter_digest=station.catalogue.digest,
            applicant=person,
            status=status,
            filed_at=now.isoformat(timespec="seconds"),
            deadline=deadline,
            promised_days=matter.promised_days,
            agent=station.user,
            notice_issued=bool(missing),
            updated_at=now.isoformat(timespec="seconds"),
        )
        case.form = form
        case.proxy = proxy.to_json(station.user) if proxy else None
        case.save(force_insert=True)
        pages: dict[str, int] = {}
        refs, rows = [], []
        for item, blob in stored:
            pages[item.name] = pages.get(item.name, 0) + 1
            material = new_material(case, item.name, blob, head_of(station, item),
                                    item.path.name, now.isoformat(timespec="seconds"),
                                    pages[item.name])
            rows.append(material.__data__)
            refs.append({"name": item.name, "page": material.page, "blob": blob.address})
        for offer in chosen:  # the same pages, referenced: the store holds them once
            for page, address in enumerate(offer.blobs, 1):
                material = CaseMaterial(
                    case=case, name=offer.name, page=page, blob=address,
                    size=offer.sizes[page - 1], media_type=offer.media_types[page - 1],
                    received_at=offer.received_at, reused_from=offer.case_no)
                material.original_name = None
                rows.append(material.__data__)
                refs.append({"name": offer.name, "page": page, "blob": address,
                             "reused_from": offer.case_no, "received": offer.received_at})
        for batch in chunked(rows, MATERIAL_ROWS):  # one statement, not one per page
            CaseMaterial.insert_many(batch).execute()
        if chosen:  # the resident's consent, in the chain before the filing that uses it
            outbox.append(node.code, station.user, outbox.CONSENT_REUSE,
                          reuse_module.consent_payload(chosen, station.user),
                          case_no=case.case_no, matter_code=matter.code)
        outbox.append(
            node.code,
            station.user,
            outbox.CASE_FILED,
            {
                "applicant": applicant_payload(applicant),
                "form": form,
                "materials": refs,
                "status": status,
                "deadline": deadline.isoformat() if deadline else None,
                "proxy": case.proxy,
            },
            case_no=case.case_no,
            matter_code=matter.code,
        )
        if missing:
            outbox.append(
                node.code,
                station.user,
                outbox.NOTICE_ISSUED,
                {"missing": missing},
                case_no=case.case_no,
                matter_code=matter.code,
            )
        if draft is not None:
            CaseDraft.delete().where(CaseDraft.id == draft).execute()
    log.info("case %s filed (%s), %d material file(s), %d reused", case.case_no, status,
             len(stored), sum(o.pages for o in chosen))

    result = FilingResult(
        case_no=case.case_no,
        status=status,
        deadline=deadline.isoformat() if deadline else None,
        missing=missing,
        receipt=None,
        deadline_provisional=bool(deadline and promise.provisional),
        reused=[o.name for o in chosen],
    )
    if print_documents:
        printed = print_case_documents(station, case.case_no)
        result.receipt = printed.receipt
        result.printed = printed.paths
    return result


def promised_due(station: Station, matter: Matter, now: datetime,
                 missing: bool) -> deadlines.Deadline:
    """The receipt's promise (``due``), from the one clock (``station.clock.deadlines``,
    as ``case_state.clock`` reads it later): nothing while papers are missing."""
    day = now.astimezone(CHINA_TIME).date()
    events = [deadlines.ClockEvent(deadlines.FILED, day)]
    if missing:
        events.append(deadlines.ClockEvent(deadlines.MISSING_AT_FILING, day))
    return deadlines.deadline(events, deadlines.MatterLimits.for_matter(matter),
                              station.calendar, day)


def add_material(case: Case, name: str, blob: StoredBlob, head: bytes, original_name: str,
                 received_at: str, page: int | None = None,
                 reused_from: str | None = None) -> CaseMaterial:
    """Record one stored page of a material (inside the caller's transaction); ``page``
    defaults to the next page of that material; ``reused_from``: the case a reused page
    was first handed in for."""
    if page is None:
        page = CaseMaterial.select().where((CaseMaterial.case == case)
                                           & (CaseMaterial.name == name)).count() + 1
    material = new_material(case, name, blob, head, original_name, received_at, page,
                            reused_from)
    material.save(force_insert=True)
    return material


def new_material(case: Case, name: str, blob: StoredBlob, head: bytes, original_name: str,
                 received_at: str, page: int, reused_from: str | None = None) -> CaseMaterial:
    """The row of one stored page, not yet saved (its original name sealed to its id)."""
    material = CaseMaterial(case=case, name=name, page=page, blob=blob.address,
                            size=blob.size, media_type=detect_media_type(head) or "",
                            received_at=received_at, reused_from=reused_from)
    material.original_name = original_name
    return material


def applicant_payload(applicant: ApplicantDetails) -> dict[str, str]:
    return {
        "name": applicant.name,
        "id_number": applicant.id_number,
        "phone": applicant.phone,
        "address": applicant.address,
    }


def upsert_applicant(station: Station, applicant: ApplicantDetails, now: datetime) -> Applicant:
    """One record per resident (found by the ID number's blind index)."""
    id_index = station.index.index("id_number", applicant.id_number)
    person = Applicant.get_or_none(Applicant.id_index == id_index)
    if person is None:
        person = Applicant(id_index=id_index, created_at=now.isoformat(timespec="seconds"))
        person.id_number = applicant.id_number
        person.birth_date = applicant.birth_date.isoformat()
        person.sex = applicant.sex
        creating = True
    else:
        creating = False
    person.name = applicant.name
    person.name_index = station.index.index("name", normalise_name(applicant.name))
    person.phone = applicant.phone
    person.phone_index = station.index.index("phone", applicant.phone)
    person.address = applicant.address
    person.search_version = search_keys.VERSION
    person.save(force_insert=creating)
    search_keys.replace_keys(person.id, search_keys.keys_for(
        station.index, applicant.name, person.id_number, applicant.phone, person.birth_date))
    return person


def snapshot_matter(matter: Matter, digest: str) -> None:
    MatterSnapshot.insert(
        code=matter.code,
        digest=digest,
        name=matter.name,
        tier=matter.tier,
        definition=json.dumps(matter.to_json(), ensure_ascii=False, sort_keys=True),
    ).on_conflict_ignore().execute()
