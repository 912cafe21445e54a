"""送达回证: the proof that a document reached the resident, for them to sign.

It names the document served (title and number), the resident, the serving
organ and the place, and leaves lines for the server, the manner of service,
the resident's signature and the day they signed.  Every sealed letter to a
resident (notices and decisions, ``sealplace.write_sealed``) carries it as
its last page, so the agent who hands the letter over brings the signed page
back; ``write_service`` prints one on its own (kind ``service``), e.g. to
serve a document again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from station.documents.fonts import cjk_font
from station.documents.layout import (
    CONTENT_WIDTH,
    Styles,
    field_table,
    format_date,
    gap,
    para,
    require_masked,
    styles,
)
from station.documents.organ import organ_name
from station.documents.sealplace import Addressee, SealPlace, build_sealable
from station.i18n import _

__all__ = ["ServiceInfo", "served_page", "service_page", "write_service"]


@dataclass(frozen=True)
class ServiceInfo:
    case_no: str
    applicant_name: str
    masked_id: str
    document_title: str  # the document served, e.g. 准予批准决定书
    document_number: str  # its 文书编号; may be empty
    office: str  # the serving office
    station_name: str  # the serving node
    station_code: str
    place: str  # where it is handed over: the station where the resident filed
    issued_at: date | datetime
    number: str = ""  # this 送达回证's own number (on its own only)


def service_page(info: ServiceInfo, style: Styles) -> list[Flowable]:
    """The 送达回证 as flowables (a page's worth)."""
    require_masked(info.masked_id)
    served = _("《{title}》").format(title=info.document_title)
    if info.document_number:
        served += _("（{number}）").format(number=info.document_number)
    blank = "          "
    rows = [
        (_("送达文书"), served),
        (_("办件编号"), info.case_no),
        (_("受送达人"), _("{name}（身份证号：{masked_id}）").format(
            name=info.applicant_name, masked_id=info.masked_id)),
        (_("送达机关"), organ_name(info.station_name, info.office, info.station_code)),
        (_("送达地点"), info.place),
        (_("送达方式"), _("□直接送达    □委托送达    □邮寄送达    □留置送达")),
        (_("送达人（签字）"), blank),
        (_("受送达人（签收）"), blank),
        (_("签收日期"), _("        年    月    日")),
        (_("备注"), _("受送达人拒绝签收的，由送达人注明情况并签字。")),
    ]
    return [
        para(_("送达回证"), style.title),
        *([para(info.number, style.subtitle)] if info.number else []),
        gap(6 * mm),
        KeepTogether([field_table(rows, style, CONTENT_WIDTH)]),
        gap(4 * mm),
        para(_("本回证由送达人带回，交{organ}存档。").format(
            organ=organ_name(info.station_name, info.office, info.station_code)), style.small),
    ]


def write_service(info: ServiceInfo, path: Path, *, title: str) -> Path:
    """Print a 送达回证 on its own to ``path`` (PDF with a seal field, atomic)."""
    style = styles(cjk_font())
    organ = organ_name(info.station_name, info.office, info.station_code)
    place = SealPlace([organ, format_date(info.issued_at)], style)
    story = [*service_page(info, style), KeepTogether([gap(8 * mm), place])]
    return build_sealable(path, story, place, title=title, station_name=info.station_name,
                          station_code=info.station_code, subject=info.case_no,
                          font=style.font)


def served_page(to: Addressee, title: str, place: str, dated: date | datetime,
                style: Styles) -> list[Flowable]:
    """The 送达回证 page for the sealed letter ``title`` to ``to``; none without a place."""
    if not place:
        return []
    return service_page(ServiceInfo(to.case_no, to.applicant_name, to.masked_id, title,
                                    to.number, to.office, to.station_name, to.station_code,
                                    place, dated), style)
