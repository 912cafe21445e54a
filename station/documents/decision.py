"""准予/不予批准决定书: the written decision on an application, sealed by the deciding office.

行政许可法 Art. 38: a decision is in writing; a refusal gives its reasons and
tells the applicant of the right to administrative reconsideration (60 days,
行政复议法 Art. 20) or to sue (6 months, 行政诉讼法 Art. 46).  The approval
names the result the applicant receives (办理结果).  The title is the
template's name (准予批准决定书, 准予行政许可决定书 …, see ``templates``).  It cites
the matter's own basis (设定依据), whatever its type, and ends with a
送达回证 page for the resident to sign (``service``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from station.documents.fonts import cjk_font
from station.documents.layout import (
    format_datetime,
    heading,
    para,
    styles,
)
from station.documents.sealplace import Addressee, rights_text, write_sealed
from station.documents.service import served_page
from station.i18n import _

__all__ = ["DecisionInfo", "write_decision"]


@dataclass(frozen=True)
class DecisionInfo:
    case_no: str
    matter_name: str
    applicant_name: str
    masked_id: str
    filed_at: datetime
    decided_at: datetime
    opinion: str  # 审查意见 (approval) or the reasons (refusal); plain text, may hold newlines
    legal_basis: str  # 《…》第…条
    result_document: str  # 办理结果, e.g. 《农村宅基地批准书》
    office: str  # the deciding office, whose seal the document carries
    station_name: str  # the deciding node
    station_code: str
    reconsideration_body: str = ""  # 行政复议机关, e.g. 桂平市人民政府; empty: "依法"
    court: str = ""  # e.g. 桂平市人民法院; both or neither
    filed_where: str = ""  # where the resident filed (the 送达回证's place); empty: no 回证
    number: str = ""  # 文书编号


def write_decision(info: DecisionInfo, path: Path, *, title: str, approved: bool) -> Path:
    """Print the decision to ``path`` (PDF with a seal field, written atomically)."""
    style = styles(cjk_font())
    body = [
        para(_finding(info, approved), style.paragraph),
        heading(_("审查意见") if approved else _("不予批准的理由"), style),
        para(info.opinion, style.paragraph),
        heading(_("办理结果"), style),
        para(_result(info, approved), style.paragraph),
        heading(_("救济途径"), style),
        para(rights_text(info.reconsideration_body, info.court), style.paragraph),
    ]
    to = _addressee(info)
    after = served_page(to, title, info.filed_where, info.decided_at, style)
    return write_sealed(path, title, to, info.decided_at, body, style, after)


def _addressee(info: DecisionInfo) -> Addressee:
    return Addressee(info.case_no, info.applicant_name, info.masked_id, info.office,
                     info.station_name, info.station_code, info.number)


def _finding(info: DecisionInfo, approved: bool) -> str:
    if approved:
        text = _(
            "您于{filed_at}申请办理的“{matter}”（办件编号：{case_no}），本机关已依法受理。"
            "经审查，您的申请符合法定条件和标准。根据{legal_basis}的规定，决定准予批准。"
        )
    else:
        text = _(
            "您于{filed_at}申请办理的“{matter}”（办件编号：{case_no}），本机关已依法受理。"
            "经审查，您的申请不符合法定条件和标准。根据{legal_basis}的规定，决定不予批准。"
        )
    return text.format(filed_at=format_datetime(info.filed_at), matter=info.matter_name,
                       case_no=info.case_no, legal_basis=info.legal_basis)


def _result(info: DecisionInfo, approved: bool) -> str:
    if approved:
        return _("本机关将出具{result}，由代办员通知您领取或送达给您。").format(
            result=info.result_document)
    return _("本机关不予出具{result}。").format(result=info.result_document)
