"""补齐补正告知书: the one-time notice of everything a case still lacks.

行政许可法 Art. 32 asks for *one* notice listing *all* that is missing, so
that a resident never comes back to learn of one more paper.  The case clock
restarts the day after the materials are complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Table

from station.documents.fonts import cjk_font
from station.documents.layout import (
    CONTENT_WIDTH,
    Styles,
    case_number_block,
    format_datetime,
    gap,
    grid_table,
    para,
    require_masked,
    signature_lines,
    styles,
)
from station.documents.pdf import build_pdf
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
    station_name: str
    station_code: str
    agent: str


def write_notice(info: NoticeInfo, path: Path) -> Path:
    """Print the one-time notice to ``path`` (PDF, written atomically); return ``path``."""
    require_masked(info.masked_id)
    style = styles(cjk_font())
    title = _("补齐补正告知书")
    story: list[Flowable] = [
        para(title, style.title),
        para(_("（一次性告知）"), style.subtitle),
        gap(5 * mm),
        case_number_block(info.case_no, _("扫描二维码或报出办件编号，可查询办理进度。"), style),
        gap(5 * mm),
        para(
            _("{name}（身份证号：{masked_id}）：").format(
                name=info.applicant_name, masked_id=info.masked_id
            ),
            style.body,
        ),
        gap(1.5 * mm),
        para(_opening(info), style.paragraph),
        gap(3 * mm),
        _missing_table(info.missing, style),
        gap(3 * mm),
        *(para(text, style.paragraph) for text in _closing(info)),
        KeepTogether(_sign_off(info, style)),
    ]
    return build_pdf(
        path,
        story,
        title=title,
        station_name=info.station_name,
        station_code=info.station_code,
        subject=info.case_no,
        font=style.font,
    )


def _opening(info: NoticeInfo) -> str:
    return _(
        "您于{filed_at}在{station}申请办理的“{matter}”（办件编号：{case_no}），"
        "经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》"
        "第三十二条的规定，现将需要补齐补正的全部材料一次性告知如下（共 {count} 项）："
    ).format(
        filed_at=format_datetime(info.filed_at),
        station=info.station_name,
        matter=info.matter_name,
        case_no=info.case_no,
        count=len(info.missing),
    )


def _closing(info: NoticeInfo) -> list[str]:
    return [
        _("请将上述材料一次补齐后，交到{station}（代办员：{agent}）。").format(
            station=info.station_name, agent=info.agent
        ),
        _("办理时限自材料补齐之日的次日起重新计算，届时另行告知承诺办结日期。"),
        _("本告知书已列明需要补齐补正的全部材料，除上述材料外，不会再要求您补充其他材料。"),
    ]


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


def _sign_off(info: NoticeInfo, style: Styles) -> list[Flowable]:
    return [
        gap(6 * mm),
        para(info.station_name, style.right),
        para(_("告知日期：        年    月    日"), style.right),
        signature_lines([_("代办员（签字）："), _("日期：")], style),
        signature_lines([_("申请人（签收）："), _("日期：")], style),
    ]
