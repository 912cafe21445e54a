"""不予受理通知书: the written refusal to accept an application, sealed by the office.

An application outside the office's powers, or not meeting the conditions,
is refused in writing with the reasons (行政许可法 Art. 32 for licences; other
types cite their own basis, ``legal``), telling the
applicant where to apply instead when another office is competent; the
refusal is a decision and carries the remedies (复议 60 days, 诉讼 6 months).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.platypus import Flowable

from station.documents.fonts import cjk_font
from station.documents.layout import (
    Styles,
    format_datetime,
    heading,
    para,
    styles,
)
from station.documents.legal import citation
from station.documents.sealplace import Addressee, rights_text, write_sealed
from station.documents.service import served_page
from station.i18n import _

__all__ = ["RefusalInfo", "write_refusal"]


@dataclass(frozen=True)
class RefusalInfo:
    case_no: str
    matter_name: str
    applicant_name: str
    masked_id: str
    filed_at: datetime
    refused_at: datetime
    reasons: str  # why the application cannot be accepted; plain text
    office: str  # the refusing office, whose seal the document carries
    station_name: str  # the refusing node
    station_code: str
    legal_basis: str = ""  # the matter's 设定依据 (cited unless it is a licence)
    redirect_to: str = ""  # the competent office to apply to instead, if any
    reconsideration_body: str = ""
    court: str = ""
    matter_type: str = "行政许可"
    filed_where: str = ""  # where the resident filed (the 送达回证's place); empty: no 回证
    number: str = ""


def write_refusal(info: RefusalInfo, path: Path, *, title: str) -> Path:
    """Print the refusal to ``path`` (PDF with a seal field, written atomically)."""
    style = styles(cjk_font())
    body = [
        para(_finding(info), style.paragraph),
        heading(_("不予受理的理由"), style),
        para(info.reasons, style.paragraph),
        *_redirect(info, style),
        heading(_("救济途径"), style),
        para(rights_text(info.reconsideration_body, info.court, notice=True), style.paragraph),
    ]
    to = Addressee(info.case_no, info.applicant_name, info.masked_id, info.office,
                   info.station_name, info.station_code, info.number)
    after = served_page(to, title, info.filed_where, info.refused_at, style)
    return write_sealed(path, title, to, info.refused_at, body, style, after)


def _finding(info: RefusalInfo) -> str:
    return _(
        "您于{filed_at}申请办理的“{matter}”（办件编号：{case_no}），经审查，"
        "不符合受理条件。{law}，本机关决定不予受理。"
    ).format(filed_at=format_datetime(info.filed_at), matter=info.matter_name,
             case_no=info.case_no,
             law=citation("refuse", info.matter_type, info.legal_basis))


def _redirect(info: RefusalInfo, style: Styles) -> list[Flowable]:
    if not info.redirect_to:
        return []
    return [para(_("该申请事项请向{office}提出。").format(office=info.redirect_to),
                 style.paragraph)]
