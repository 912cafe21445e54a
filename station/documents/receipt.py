"""收件凭证: the receipt a resident takes home when a case is filed.

It carries the case number with its check code and a QR code holding the
public progress page's address (see ``layout.case_number_block``),
what was received, the promised completion date, and how to ask about
progress.  The ID number is printed masked only.

The station receives papers for the office and makes no legal finding: what
it saw missing is printed as 缺件提示, and only the reviewing office issues the
sealed 补齐补正告知书.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table

from station.documents.fonts import cjk_font
from station.documents.layout import (
    CONTENT_WIDTH,
    ProgressLink,
    Styles,
    case_number_block,
    format_date,
    format_datetime,
    gap,
    grid_table,
    heading,
    paired_field_table,
    para,
    require_masked,
    signature_lines,
    styles,
)
from station.documents.pdf import build_pdf
from station.i18n import _

__all__ = ["ReceiptInfo", "write_receipt"]

LONG_LIST = 6  # received materials listed one per row up to this many


@dataclass(frozen=True)
class ReceiptInfo:
    case_no: str
    # check code and progress page (layout.case_number_block); None: a QR of the bare number
    progress: ProgressLink | None = field(default=None, kw_only=True)
    matter_code: str
    matter_name: str
    deciding_office: str
    applicant_name: str
    masked_id: str
    materials: Sequence[tuple[str, int]]  # (material name, pages received)
    # 资料共享: material name -> where it came from (held here already, reused with consent)
    reused: Mapping[str, str] = field(default_factory=dict, kw_only=True)
    missing: Sequence[str]  # 缺件提示: required names not handed in; empty when none
    filed_at: datetime
    promised_date: date | None  # None while awaiting supplement (补齐补正)
    station_name: str
    station_code: str
    agent: str
    provisional: bool = False  # the date depends on a year whose 调休 is not published


def write_receipt(info: ReceiptInfo, path: Path) -> Path:
    """Print the receipt to ``path`` (PDF, written atomically); return ``path``."""
    require_masked(info.masked_id)
    style = styles(cjk_font())
    title = _("收件凭证")
    story: list[Flowable] = [
        para(title, style.title),
        para(_("请妥善保管本凭证，凭办件编号查询办理进度"), style.subtitle),
        gap(3 * mm),
        case_number_block(
            info.case_no, _("扫描右侧二维码或报出办件编号，即可查询办理进度。"), style,
            info.progress,
        ),
        heading(_("申请事项"), style),
        paired_field_table(_fields(info), style, CONTENT_WIDTH),
        heading(_("已收材料"), style),
        _materials_table(info, style),
        heading(_("如何查询办理进度"), style),
        *_progress_help(info, style),
        signature_lines([_("代办员（签字）："), _("申请人（签字）：")], style),
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


def _fields(info: ReceiptInfo) -> list[list[tuple[str, str]]]:
    station = _("{station}（站点编码 {code}）").format(
        station=info.station_name, code=info.station_code
    )
    rows: list[list[tuple[str, str]]] = [
        [(_("事项名称"), info.matter_name)],
        [(_("事项编码"), info.matter_code), (_("办理部门"), info.deciding_office)],
        [(_("申请人"), info.applicant_name), (_("身份证号"), info.masked_id)],
        [(_("收件时间"), format_datetime(info.filed_at)), (_("代办员"), info.agent)],
    ]
    if info.missing:
        rows.append([(_("缺件提示"), missing_hint(info.missing))])
    if info.promised_date is None:
        promised = _("待材料补齐后计算（办理时限从材料补齐之日的次日起计算）")
    else:  # the one clock (docs/clock.md): from the day the station received the papers
        promised = (
            _("{date}（自收件之日起按工作日计算，不含法定节假日；按法定节假日暂计，"
              "以公布的安排为准）") if info.provisional
            else _("{date}（自收件之日起按工作日计算，不含法定节假日）")
        ).format(date=format_date(info.promised_date))
    rows += [
        [(_("承诺办结日期"), promised)],
        [(_("收件站点"), station)],
    ]
    return rows


def _materials_table(info: ReceiptInfo, style: Styles) -> Table:
    """What was received, numbered; side by side in two halves when the list is long, so
    that the receipt stays one page to sign."""
    rows = [
        [str(number), name + (f"（{info.reused[name]}）" if name in info.reused else ""),
         _("{pages} 页").format(pages=pages)]
        for number, (name, pages) in enumerate(info.materials, 1)
    ]
    if not rows:
        rows = [["—", _("（未收到材料）"), "—"]]
    header = [_("序号"), _("材料名称"), _("页数")]
    if len(rows) <= LONG_LIST:
        widths = [14 * mm, CONTENT_WIDTH - 40 * mm, 26 * mm]
        return grid_table(header, rows, style, widths, centred=(0, 2))
    half = (len(rows) + 1) // 2
    paired = [left + (rows[half + i] if half + i < len(rows) else ["", "", ""])
              for i, left in enumerate(rows[:half])]
    column = CONTENT_WIDTH / 2
    widths = [12 * mm, column - 30 * mm, 18 * mm] * 2
    return grid_table(header * 2, paired, style, widths, centred=(0, 2, 3, 5))


def missing_hint(missing: Sequence[str]) -> str:
    """缺件提示: what the agent saw missing against the catalogue's list, and no finding.

    A village station receives papers for the office; only the office reviews
    them, so the hint says what was not handed in and who will decide.
    """
    items = "；".join(f"{number}. {name}" for number, name in enumerate(missing, 1))
    return _("收件时对照办事指南的材料清单，未见：{items}。此为提示，不是审查结论；"
             "材料由审核机关审查，如需补充或更正，审核机关将书面告知您。").format(items=items)


def _progress_help(info: ReceiptInfo, style: Styles) -> list[Flowable]:
    steps = [
        _("1. 到{station}或联系代办员{agent}，也可到乡镇便民服务中心、县政务服务中心任一窗口，"
          "凭本凭证或办件编号查询。").format(station=info.station_name, agent=info.agent),
        _("2. 办结后代办员会通知您领取结果，并请您对本次服务作出评价。"),
    ]
    note = _("听证、现场勘验、专家评审、公示等特别程序所需时间不计入办理时限，如需要将书面告知您。")
    return [*(para(step, style.body) for step in steps), gap(1.5 * mm), para(note, style.small)]
