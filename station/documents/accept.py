"""受理通知书: the office tells the applicant in writing that it accepted the application.

行政许可法 Art. 32 ¶2: accepting (or refusing) an application, the office
issues a written certificate bearing its seal and the date.  Other types of
matter cite their own basis (``legal``).  The notice states the promised
date, from the case clock as it runs from acceptance
(``station.clock.deadlines``), the same date ``case status`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reportlab.lib.units import mm

from station.documents.fonts import cjk_font
from station.documents.layout import (
    CONTENT_WIDTH,
    field_table,
    format_date,
    format_datetime,
    gap,
    para,
    styles,
)
from station.documents.legal import citation, is_licence
from station.documents.sealplace import Addressee, write_sealed
from station.documents.service import served_page
from station.i18n import _

__all__ = ["AcceptInfo", "write_accept"]


@dataclass(frozen=True)
class AcceptInfo:
    case_no: str
    matter_name: str
    applicant_name: str
    masked_id: str
    filed_at: datetime
    filed_where: str  # the station where the resident filed
    accepted_at: datetime
    due: date | None  # the promised date (承诺办结日期); None: not known
    office: str  # the accepting office, whose seal the notice carries
    station_name: str
    station_code: str
    matter_type: str = "行政许可"
    legal_basis: str = ""
    promised_days: int = 0  # working days
    phone: str | None = None
    number: str = ""
    provisional: bool = False  # the date rests on an unpublished holiday schedule


def write_accept(info: AcceptInfo, path: Path, *, title: str) -> Path:
    """Print the notice to ``path`` (PDF with a seal field, written atomically)."""
    style = styles(cjk_font())
    to = Addressee(info.case_no, info.applicant_name, info.masked_id, info.office,
                   info.station_name, info.station_code, info.number)
    due = format_date(info.due) if info.due else "—"
    if info.due and info.provisional:
        due += _("（按法定节假日暂计，以公布的安排为准）")
    rows = [
        (_("受理日期"), format_date(info.accepted_at)),
        (_("承诺办结时限"), _("{days} 个工作日").format(days=info.promised_days)),
        (_("承诺办结日期"), due),
        (_("咨询电话"), info.phone or "—"),
    ]
    body = [
        para(_opening(info), style.paragraph),
        gap(2 * mm),
        field_table(rows, style, CONTENT_WIDTH),
        gap(3 * mm),
        *[para(text, style.paragraph) for text in _closing(info)],
    ]
    after = served_page(to, title, info.filed_where, info.accepted_at, style)
    return write_sealed(path, title, to, info.accepted_at, body, style, after)


def _opening(info: AcceptInfo) -> str:
    return _(
        "您于{filed_at}在{station}申请办理的“{matter}”（办件编号：{case_no}），"
        "申请材料齐全、符合法定形式。{law}，本机关决定予以受理。"
    ).format(filed_at=format_datetime(info.filed_at), station=info.filed_where,
             matter=info.matter_name, case_no=info.case_no,
             law=citation("accept", info.matter_type, info.legal_basis))


def _closing(info: AcceptInfo) -> list[str]:
    lines = [_("办理时限自受理之日的次日起计算，本机关将在承诺办结日期前作出决定并书面告知您。")]
    if is_licence(info.matter_type):
        lines.append(_("依法需要听证、招标、拍卖、检验、检测、检疫、鉴定或者专家评审的，"
                       "所需时间不计算在办理期限内，届时另行书面告知。"))
    return lines
