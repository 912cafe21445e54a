"""入网注册单: the one-time code a parent node gives a new child node.

The code is printed large and as a QR code holding exactly it; it works once
and expires, so the sheet is handed over in person or by a trusted channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table, TableStyle

from station.documents.fonts import cjk_font
from station.documents.layout import (
    CONTENT_WIDTH,
    field_table,
    format_datetime,
    gap,
    heading,
    para,
    qr_code,
    signature_lines,
    styles,
)
from station.documents.pdf import build_pdf
from station.i18n import _

__all__ = ["EnrolmentSheetInfo", "write_enrolment_sheet"]


@dataclass(frozen=True)
class EnrolmentSheetInfo:
    parent_code: str
    parent_name: str
    child_code: str
    child_tier: str  # the tier's label, e.g. 村便民服务站
    code: str  # XXXX-XXXX-XXXX-C
    expires_at: datetime
    issued_by: str


def write_enrolment_sheet(info: EnrolmentSheetInfo, path: Path) -> Path:
    style = styles(cjk_font())
    title = _("入网注册单")
    code_block = Table(
        [[[para(_("注册码"), style.label), gap(1 * mm), para(info.code, style.big)],
          qr_code(info.code, style.font, 34 * mm)]],
        colWidths=[CONTENT_WIDTH - 40 * mm, 40 * mm],
    )
    code_block.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), style.font),
                                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    rows = [
        (_("上级站点"), f"{info.parent_name}（{info.parent_code}）"),
        (_("入网站点编码"), info.child_code),
        (_("入网站点层级"), info.child_tier),
        (_("有效期至"), format_datetime(info.expires_at)),
        (_("签发人"), info.issued_by),
    ]
    story: list[Flowable] = [
        para(title, style.title),
        para(_("一次有效 · 过期作废"), style.subtitle),
        gap(5 * mm),
        code_block,
        gap(4 * mm),
        field_table(rows, style, CONTENT_WIDTH),
        heading(_("使用方法"), style),
        para(_("在新站点的电脑上打开便民站，建站后进入“入网”页面，输入（或用扫码枪扫描）"
               "上面的注册码和上级枢纽站地址，发送申请，等待上级站点批准；没有网络时可把申请"
               "写到U盘交给上级站点。注册码只能用一次，过期后请向上级站点重新申请。"),
             style.body),
        gap(6 * mm),
        signature_lines([_("签发人（签字）："), _("领取人（签字）：")], style),
    ]
    return build_pdf(path, story, title=title, station_name=info.parent_name,
                     station_code=info.parent_code, font=style.font)
