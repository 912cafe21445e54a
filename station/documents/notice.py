"""补齐补正告知书: the one-time notice of everything a case still lacks.

Only the accepting office issues it, under its seal: a village station
receives papers and makes no finding (its 收件凭证 is ``receipt``).  The
notice lists *all* that is missing at once, so that a resident never comes
back to learn of one more paper; it says where the resident filed (the
village station, with its agent when known), by when to bring the papers
and what happens otherwise, and whom to call.  The law it cites follows the
matter's type (``legal``): 行政许可法 Art. 32 for licences only.  The case
clock restarts the day after the materials are complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table

from station.documents.fonts import cjk_font
from station.documents.layout import (
    CONTENT_WIDTH,
    Styles,
    format_date,
    format_datetime,
    gap,
    grid_table,
    para,
    styles,
)
from station.documents.legal import citation, supplement_consequence
from station.documents.sealplace import Addressee, write_sealed
from station.documents.service import served_page
from station.i18n import _

__all__ = ["MissingItem", "NoticeInfo", "write_notice"]


@dataclass(frozen=True)
class MissingItem:
    name: str
    form: str  # 原件 / 复印件 / 原件及复印件 …
    copies: int
    note: str  # what is wrong or what exactly to bring; may be empty


@dataclass(frozen=True)
class NoticeInfo:
    case_no: str
    matter_name: str
    applicant_name: str
    masked_id: str
    missing: Sequence[MissingItem]
    filed_at: datetime
    station_name: str  # the accepting node
    station_code: str
    agent: str  # the agent who filed, by name; empty when not known here (never an office)
    filed_where: str = ""  # the station where the resident filed; empty: ``station_name``
    office: str = ""  # the accepting office, whose seal the notice carries
    notified_at: datetime | None = None  # 告知日期 (China time); None: ``filed_at``
    supplement_by: date | None = None  # the last day to bring the papers
    matter_type: str = "行政许可"
    legal_basis: str = ""
    phone: str | None = None  # the office's phone, from the catalogue
    place: str | None = None  # where to bring the papers, if not the filing station
    hours: str | None = None
    number: str = ""  # 文书编号
    provisional: bool = False  # ``supplement_by`` rests on an unpublished holiday schedule

    @property
    def where(self) -> str:
        return self.filed_where or self.station_name

    @property
    def dated(self) -> datetime:
        return self.notified_at or self.filed_at


def write_notice(info: NoticeInfo, path: Path, *, title: str | None = None) -> Path:
    """Print the one-time notice to ``path`` (PDF with a seal field, written atomically)."""
    style = styles(cjk_font())
    title = title or _("补齐补正告知书")
    to = Addressee(info.case_no, info.applicant_name, info.masked_id, info.office,
                   info.station_name, info.station_code, info.number)
    body: list[Flowable] = [
        para(_opening(info), style.paragraph),
        gap(3 * mm),
        _missing_table(info.missing, style),
        gap(3 * mm),
        *(para(text, style.paragraph) for text in _closing(info)),
    ]
    after = served_page(to, title, info.where, info.dated, style)
    return write_sealed(path, title, to, info.dated, body, style, after,
                        date_label=_("告知日期"))


def _opening(info: NoticeInfo) -> str:
    return _(
        "您于{filed_at}在{station}申请办理的“{matter}”（办件编号：{case_no}），"
        "经本机关审查，申请材料不齐全或者不符合法定形式。{law}，"
        "现将需要补齐补正的全部材料一次性告知如下（共 {count} 项）："
    ).format(
        filed_at=format_datetime(info.filed_at),
        station=_filed_where(info),
        matter=info.matter_name,
        case_no=info.case_no,
        law=citation("supplement", info.matter_type, info.legal_basis),
        count=len(info.missing),
    )


def _filed_where(info: NoticeInfo) -> str:
    if info.agent:
        return _("{station}（代办员：{agent}）").format(station=info.where, agent=info.agent)
    return info.where


def _closing(info: NoticeInfo) -> list[str]:
    place = info.place or info.where
    if info.supplement_by:
        by = format_date(info.supplement_by)
        if info.provisional:
            by += _("（按法定节假日暂计，以公布的安排为准）")
        bring = _("请于{date}前将上述材料一次补齐，交到{place}。{consequence}").format(
            date=by, place=place,
            consequence=supplement_consequence(info.matter_type))
    else:
        bring = _("请将上述材料一次补齐后，交到{place}。").format(place=place)
    lines = [
        bring,
        _("办理时限自材料补齐之日的次日起重新计算，届时另行告知承诺办结日期。"),
        _("本告知书已列明需要补齐补正的全部材料，除上述材料外，不会再要求您补充其他材料。"),
        _("咨询电话：{phone}").format(phone=info.phone or "—"),
    ]
    if info.hours:
        lines.append(_("办公时间：{hours}").format(hours=info.hours))
    return lines


def _missing_table(items: Sequence[MissingItem], style: Styles) -> Table:
    rows = [
        [
            str(number),
            item.name,
            item.form,
            _("{copies} 份").format(copies=item.copies),
            item.note or "—",
        ]
        for number, item in enumerate(items, 1)
    ]
    widths = [12 * mm, 56 * mm, 30 * mm, 16 * mm, CONTENT_WIDTH - 114 * mm]
    header = [_("序号"), _("材料名称"), _("要求"), _("份数"), _("说明")]
    return grid_table(header, rows, style, widths, centred=(0, 2, 3))
