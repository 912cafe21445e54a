"""特别程序告知书: the applicant is told in writing that a special procedure runs.

行政许可法 Art. 45 (for licences; other types cite their own basis,
``legal``): time for a hearing, tendering, auction, inspection,
testing, quarantine or expert review is not counted in the time limit, and
the office tells the applicant in writing how long it will take.  The case
clock stops while it runs and goes on afterwards (``station.clock``).
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

__all__ = ["SpecialInfo", "write_special"]


@dataclass(frozen=True)
class SpecialInfo:
    case_no: str
    matter_name: str
    applicant_name: str
    masked_id: str
    procedure: str  # which: 听证, 现场勘查, 专家评审, 公示 …
    reason: str  # why it is needed; plain text
    starts_on: date
    expected_days: int  # working days it is expected to take
    notified_at: datetime
    office: str  # the office running the case, whose seal the document carries
    station_name: str
    station_code: str
    legal_basis: str = ""  # the matter's 设定依据 (cited unless it is a licence)
    matter_type: str = "行政许可"
    filed_where: str = ""  # where the resident filed (the 送达回证's place); empty: no 回证
    number: str = ""


def write_special(info: SpecialInfo, path: Path, *, title: str) -> Path:
    """Print the notice to ``path`` (PDF with a seal field, written atomically)."""
    if info.expected_days < 0:
        raise ValueError("expected_days must not be negative")
    style = styles(cjk_font())
    rows = [
        (_("特别程序"), info.procedure),
        (_("原因"), info.reason),
        (_("开始日期"), format_date(info.starts_on)),
        (_("预计所需时间"), _("约 {days} 个工作日").format(days=info.expected_days)),
    ]
    body = [
        para(_opening(info), style.paragraph),
        gap(2 * mm),
        field_table(rows, style, CONTENT_WIDTH),
        gap(3 * mm),
        para(_("特别程序结束后，办理期限接着计算；所需时间如有变化，将另行书面告知。"),
             style.paragraph),
    ]
    to = Addressee(info.case_no, info.applicant_name, info.masked_id, info.office,
                   info.station_name, info.station_code, info.number)
    after = served_page(to, title, info.filed_where, info.notified_at, style)
    return write_sealed(path, title, to, info.notified_at, body, style, after)


def _opening(info: SpecialInfo) -> str:
    return _(
        "您申请办理的“{matter}”（办件编号：{case_no}），需要依法进行{procedure}。"
        "{law}，{procedure}所需时间不计算在办理期限内，现书面告知如下："
    ).format(matter=info.matter_name, case_no=info.case_no, procedure=info.procedure,
             law=citation("special", info.matter_type, info.legal_basis))
