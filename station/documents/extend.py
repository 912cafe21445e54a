"""延期告知书: the office tells the applicant that the time to decide is extended, and why.

行政许可法 Art. 42: when a decision cannot be made within the time limit,
the head of the office may extend it once (ten working days; fifteen for a
joint matter) and the applicant is told the reason.  Other types of matter
cite their own basis (``legal``).  The new date is the case clock's after
the extension (``station.clock.deadlines``).
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
    gap,
    para,
    styles,
)
from station.documents.legal import citation
from station.documents.sealplace import Addressee, write_sealed
from station.documents.service import served_page
from station.i18n import _

__all__ = ["ExtendInfo", "write_extend"]


@dataclass(frozen=True)
class ExtendInfo:
    case_no: str
    matter_name: str
    applicant_name: str
    masked_id: str
    reason: str  # why the decision needs more time; plain text
    days: int  # working days added
    old_due: date | None
    new_due: date | None
    notified_at: datetime
    office: str
    station_name: str
    station_code: str
    filed_where: str = ""  # where the resident filed (the 送达回证's place); empty: no 回证
    matter_type: str = "行政许可"
    legal_basis: str = ""
    phone: str | None = None
    number: str = ""
    provisional: bool = False  # the new date rests on an unpublished holiday schedule


def write_extend(info: ExtendInfo, path: Path, *, title: str) -> Path:
    """Print the notice to ``path`` (PDF with a seal field, written atomically)."""
    style = styles(cjk_font())
    to = Addressee(info.case_no, info.applicant_name, info.masked_id, info.office,
                   info.station_name, info.station_code, info.number)
    new_due = format_date(info.new_due) if info.new_due else "—"
    if info.new_due and info.provisional:
        new_due += _("（按法定节假日暂计，以公布的安排为准）")
    rows = [
        (_("延期理由"), info.reason or "—"),
        (_("原承诺办结日期"), format_date(info.old_due) if info.old_due else "—"),
        (_("延长期限"), _("{days} 个工作日").format(days=info.days)),
        (_("延长后办结日期"), new_due),
        (_("咨询电话"), info.phone or "—"),
    ]
    body = [
        para(_opening(info), style.paragraph),
        gap(2 * mm),
        field_table(rows, style, CONTENT_WIDTH),
        gap(3 * mm),
        para(_("本机关将在延长后的期限内作出决定并书面告知您。"), style.paragraph),
    ]
    after = served_page(to, title, info.filed_where, info.notified_at, style)
    return write_sealed(path, title, to, info.notified_at, body, style, after)


def _opening(info: ExtendInfo) -> str:
    return _(
        "您申请办理的“{matter}”（办件编号：{case_no}），因情况复杂，"
        "不能在规定期限内作出决定。经本机关负责人批准，{law}，"
        "办理期限延长 {days} 个工作日，现将延期理由和延长后的办结日期告知如下："
    ).format(matter=info.matter_name, case_no=info.case_no, days=info.days,
             law=citation("extend", info.matter_type, info.legal_basis))
