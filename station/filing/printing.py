"""Printing a case's documents at the station that filed it: the 收件凭证.

The station receives papers for the office; it makes no legal finding, so it
prints no 补齐补正告知书 (only the accepting office issues one, sealed).  What
it saw missing goes on the receipt as 缺件提示.

Printed files hold personal data in clear, so they go to the documents folder
the agent chose (never the data directory), and every print is an access
event (阅览留痕).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from forms.identity import mask_id
from station import outbox
from station.app import Station
from station.cases import case_state
from station.cases.register import load_case
from station.documents.layout import format_date
from station.documents.receipt import ReceiptInfo, write_receipt
from station.filing.progress_link import progress_link
from station.i18n import _
from station.store.models import CaseMaterial

RECEIPT_NAME = "{case_no}-收件凭证.pdf"


def reused_source(case_no: str, received_at: str) -> str:
    """Where a reused material came from, as the receipt and the desks say it."""
    day = datetime.fromisoformat(received_at).date()  # as the case number reads it
    return _("经申请人同意复用：{date} 随办件 {case_no} 提交").format(
        date=format_date(day), case_no=case_no)


@dataclass
class Printed:
    receipt: Path | None = None
    paths: list[Path] = field(default_factory=list)


def print_case_documents(station: Station, case_no: str, folder: Path | None = None) -> Printed:
    """Write the receipt (with the 缺件提示 when required materials were not handed in)."""
    folder = folder or station.documents
    case = load_case(station, case_no)
    matter = station.catalogue.get(case.matter_code)
    person = case.applicant
    filed_at = datetime.fromisoformat(case.filed_at)
    received: dict[str, int] = {}
    reused: dict[str, str] = {}
    for material in CaseMaterial.select(CaseMaterial.name, CaseMaterial.reused_from,
                                        CaseMaterial.received_at).where(
                                            CaseMaterial.case == case):
        received[material.name] = received.get(material.name, 0) + 1
        if material.reused_from:
            reused[material.name] = reused_source(material.reused_from, material.received_at)
    missing = [m for m in matter.required_materials(case.form or {}) if m.name not in received]
    node = station.node
    clock = case_state.clock(station, case.case_no)
    printed = Printed()
    printed.receipt = write_receipt(
        ReceiptInfo(
            case_no=case.case_no,
            progress=progress_link(station, case.case_no),
            matter_code=matter.code,
            matter_name=matter.name,
            deciding_office="、".join(matter.offices),
            applicant_name=person.name,
            masked_id=mask_id(person.id_number),
            materials=sorted(received.items()),
            reused=reused,
            missing=[m.name for m in missing],
            filed_at=filed_at,
            promised_date=clock.due if clock else None,
            station_name=node.name,
            station_code=node.code,
            agent=station.display_name(case.agent),
            provisional=bool(clock and clock.due and clock.provisional),
        ),
        folder / RECEIPT_NAME.format(case_no=case.case_no),
    )
    printed.paths.append(printed.receipt)
    with station.db.atomic("IMMEDIATE"):
        for path in printed.paths:
            outbox.append(
                node.code,
                station.user,
                outbox.ACCESS_PRINTED,
                {"document": path.name},
                case_no=case.case_no,
                matter_code=case.matter_code,
            )
    return printed
