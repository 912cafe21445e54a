"""Fill a case's document from its template (named in the catalogue) and seal it.

The office acting on the case prints the document with the applicant's name
and masked ID only, and seals it with its own seal (the county CA's
certificate, ``station.trust.seals``) through pyhanko; the sealed PDF is what
travels down to the village, with the event that the action writes.

Every document gets a number (``document_numbers``) that the event's
reference carries (``number``), so the village keeps and lists each version.
Dates are China dates; the promised dates on the 受理通知书 and the 延期告知书
are the case clock's (``station.clock.deadlines``) with the acceptance or the
extension counted in, the same dates ``case status`` shows afterwards.
Letters to the resident end with a 送达回证 page (``station.documents.service``)
naming the station where the resident filed, where the agent hands them over.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from forms.identity import mask_id
from forms.matter import Matter
from keys.ca import CHINA_TIME
from station.app import Station
from station.cases import case_state
from station.cases.case_documents import TITLES
from station.casework import clock_policy
from station.casework.document_numbers import next_number
from station.clock import deadlines
from station.documents import templates
from station.documents.accept import AcceptInfo
from station.documents.decision import DecisionInfo
from station.documents.extend import ExtendInfo
from station.documents.legal import SUPPLEMENT_DAYS
from station.documents.notice import MissingItem, NoticeInfo
from station.documents.refusal import RefusalInfo
from station.documents.service import ServiceInfo
from station.documents.sign import sign_pdf
from station.documents.special import SpecialInfo
from station.i18n import _
from station.store.models import Case, Event, User
from station.trust import directory, seals
from sync import lifecycle

REASONS = {"supplement": "一次性告知补齐补正", "refuse": "不予受理", "special": "特别程序告知",
           "approve": "准予批准", "reject": "不予批准", "accept": "受理",
           "extend": "延长办理期限", "service": "送达回证"}


def _filed_at(case: Case) -> datetime:
    return datetime.fromisoformat(case.filed_at)


def filed_where(station: Station, case: Case) -> str:
    """The station where the resident filed the case, by name (as the directory knows it)."""
    if case.node_code == station.node.code:
        return station.node.name
    entry = directory.stored_entries().get(case.node_code) or {}
    name = str(entry.get("name") or "")
    return name or _("便民服务站（站点编码 {code}）").format(code=case.node_code)


def agent_name(station: Station, case: Case) -> str:
    """The agent who filed, by name, when this node knows them; else empty (never an office)."""
    if case.node_code != station.node.code:
        return ""
    user = User.get_or_none(User.name == case.agent)
    if user is None or user.office or user.role != "agent":
        return ""
    return str(user.display_name or "")


def due_after(station: Station, case_no: str, event_type: str, day: date,
              matter: Matter) -> tuple[deadlines.Deadline, deadlines.Deadline]:
    """The case clock (``case_state.clock``'s events and rules) before and after an
    event of ``event_type`` on ``day``: the same promise every other place prints."""
    known = case_state.clock_events(station, case_no, case_state.steps(station, case_no))
    limits = deadlines.MatterLimits.for_matter(matter)
    policy = clock_policy.policy_from_settings()
    before = deadlines.deadline(known, limits, station.calendar, day, policy)
    after = deadlines.deadline([*known, deadlines.ClockEvent(event_type, day)], limits,
                               station.calendar, day, policy)
    return before, after


def requested_reason(case_no: str) -> str:
    """The reason given when the extension was asked for here (the latest request)."""
    asked = (Event.select().where((Event.case_no == case_no)
                                  & (Event.type == lifecycle.EXTENSION_REQUESTED))
             .order_by(Event.seq.desc()).first())
    return str((asked.payload or {}).get("reason") or "") if asked else ""


def info_for(station: Station, case: Case, kind: str, office: str,
             details: dict[str, Any], number: str = "") -> object:
    """The template's input for ``kind``, from the stored case and the reviewer's words."""
    matter = station.catalogue.get(case.matter_code)
    node = station.node
    name, masked = case.applicant.name, mask_id(case.applicant.id_number)
    now = datetime.now(CHINA_TIME)
    today = now.date()
    where = filed_where(station, case)
    common = {"matter_type": matter.type, "legal_basis": matter.legal_basis, "number": number}
    if kind in ("approve", "reject"):
        return DecisionInfo(case.case_no, matter.name, name, masked, _filed_at(case), now,
                            str(details.get("opinion", "")), matter.legal_basis,
                            matter.result_document, office, node.name, node.code,
                            filed_where=where, number=number)
    if kind == "refuse":
        return RefusalInfo(case.case_no, matter.name, name, masked, _filed_at(case), now,
                           str(details.get("reason", "")), office, node.name, node.code,
                           filed_where=where, **common)
    if kind == "special":
        return SpecialInfo(case.case_no, matter.name, name, masked,
                           str(details.get("procedure", "")), str(details.get("reason", "")),
                           today, int(details.get("expected_days", 0)), now, office,
                           node.name, node.code, filed_where=where, **common)
    if kind == "accept":
        _before, clock = due_after(station, case.case_no, deadlines.ACCEPTED, today, matter)
        return AcceptInfo(case.case_no, matter.name, name, masked, _filed_at(case), where, now,
                          clock.due, office, node.name, node.code,
                          promised_days=matter.promised_days, phone=matter.phone,
                          provisional=clock.provisional, **common)
    if kind == "extend":
        before, after = due_after(station, case.case_no, deadlines.EXTENSION_APPROVED, today,
                                  matter)
        days = deadlines.MatterLimits.for_matter(matter).extension_days
        reason = requested_reason(case.case_no) or str(details.get("reason", ""))
        return ExtendInfo(case.case_no, matter.name, name, masked, reason, days, before.due,
                          after.due, now, office,
                          node.name, node.code, filed_where=where, phone=matter.phone,
                          provisional=after.provisional, **common)
    if kind == "service":
        return ServiceInfo(case.case_no, name, masked, str(details.get("document", "")),
                           str(details.get("document_number", "")), office, node.name,
                           node.code, where, now, number=number)
    return _notice_info(station, case, matter, office, details, number)


def _notice_info(station: Station, case: Case, matter: Matter, office: str,
                 details: dict[str, Any], number: str) -> NoticeInfo:
    node = station.node
    now = datetime.now(CHINA_TIME)
    missing = []
    for item in details.get("missing", []):
        spec = next((m for m in matter.materials if m.name == item["name"]), None)
        why = {"missing": _("缺少"), "unclear": _("不清晰，请重新提供")}.get(item["verdict"], "")
        note = "；".join(x for x in (why, item.get("reason", "")) if x)
        missing.append(MissingItem(item["name"], spec.form if spec else "",
                                   spec.copies if spec else 1, note))
    days = int(details.get("days") or SUPPLEMENT_DAYS)
    supplement_by = station.calendar.add_workdays(now.date(), days)
    return NoticeInfo(case.case_no, matter.name, case.applicant.name,
                      mask_id(case.applicant.id_number), missing, _filed_at(case),
                      node.name, node.code, agent_name(station, case),
                      filed_where=filed_where(station, case), office=office, notified_at=now,
                      supplement_by=supplement_by,
                      provisional=station.calendar.provisional(now.date(), supplement_by),
                      matter_type=matter.type, legal_basis=matter.legal_basis,
                      phone=matter.phone, place=matter.place, hours=matter.hours,
                      number=number)


def make_signed(station: Station, case: Case, kind: str, office: str,
                details: dict[str, Any], folder: Path, number: str = "") -> Path:
    """Print and seal the document; the sealed PDF's path inside ``folder``."""
    matter = station.catalogue.get(case.matter_code)
    template = templates.for_matter(matter, kind)
    info = info_for(station, case, kind, office, details, number)
    plain = templates.render(template, info, folder / "plain.pdf")
    seal = seals.load_seal(station, office)
    return sign_pdf(plain, folder / "sealed.pdf", seal.key, seal.chain, office=office,
                    reason=REASONS[kind], location=station.node.name)


def issue(station: Station, case: Case, kind: str, office: str,
          details: dict[str, Any]) -> dict[str, Any]:
    """Write the document of ``kind`` for ``case``, number it, seal it with ``office``'s
    seal and keep it as a blob; the reference the event carries (kind, title, number, blob)."""
    number = next_number(station, office, kind, datetime.now(CHINA_TIME).year)
    with tempfile.TemporaryDirectory(prefix="doc-", dir=station.layout.root) as folder:
        signed = make_signed(station, case, kind, office, details, Path(folder), number)
        blob = station.blobs.put_file(signed)
    return {"kind": kind, "title": TITLES[kind], "number": number, "blob": blob.address,
            "size": blob.size}
