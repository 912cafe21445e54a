"""Which law a document cites, and in which words, for which type of matter.

One table decides it, ``CITATIONS``: the 《中华人民共和国行政许可法》 governs
行政许可 (administrative licences) only.  Its articles are cited there:

=============  ==========================  =====================================
kind           document                    行政许可 cites
=============  ==========================  =====================================
supplement     补齐补正告知书              第三十二条第一款第（四）项
accept         受理通知书                  第三十二条第二款
refuse         不予受理通知书              第三十二条
extend         延期告知书                  第四十二条
special        特别程序告知书              第四十五条
=============  ==========================  =====================================

Every other type (行政给付 such as 低保, 临时救助, 高龄津贴, 残疾人两项补贴;
行政确认; 公共服务 …) cites the matter's own 设定依据 from the catalogue
(``Matter.legal_basis``) with general words ("根据…等有关规定"), never the
licensing law.  Decisions cite the matter's own basis whatever its type.

The consequence of not supplementing in time follows the type as well
(``supplement_consequence``), and the period to supplement defaults to
``SUPPLEMENT_DAYS`` working days.
"""

from __future__ import annotations

from station.i18n import N_, _, translate

__all__ = [
    "CITATIONS",
    "LICENCE",
    "SUPPLEMENT_DAYS",
    "citation",
    "is_licence",
    "supplement_consequence",
]

LICENCE = "行政许可"
SUPPLEMENT_DAYS = 15  # working days to bring what is missing, unless the reviewer says otherwise

# kind -> the article of the licensing law, for 行政许可 matters only.
CITATIONS: dict[str, str] = {
    "supplement": N_("《中华人民共和国行政许可法》第三十二条第一款第（四）项"),
    "accept": N_("《中华人民共和国行政许可法》第三十二条第二款"),
    "refuse": N_("《中华人民共和国行政许可法》第三十二条"),
    "extend": N_("《中华人民共和国行政许可法》第四十二条"),
    "special": N_("《中华人民共和国行政许可法》第四十五条"),
}


def is_licence(matter_type: str) -> bool:
    """Whether the licensing law governs a matter of this 事项类型."""
    return matter_type.strip() == LICENCE


def citation(kind: str, matter_type: str, legal_basis: str) -> str:
    """The clause that gives the legal ground of a document of ``kind``, e.g.
    "根据《中华人民共和国行政许可法》第三十二条第二款的规定".

    行政许可: the article of the licensing law (``CITATIONS``), else the matter's
    own basis.  Other types: "根据<own basis>等有关规定", or "根据有关法律法规的规定"
    when the catalogue names none.
    """
    basis = legal_basis.strip()
    if is_licence(matter_type):
        article = CITATIONS.get(kind)
        if article:
            return _("根据{law}的规定").format(law=translate(article))
    elif basis:
        return _("根据{law}等有关规定").format(law=basis)
    if basis:
        return _("根据{law}的规定").format(law=basis)
    return _("根据有关法律法规的规定")


def supplement_consequence(matter_type: str) -> str:
    """What happens when the materials are not brought by the deadline."""
    if is_licence(matter_type):
        return _("逾期未补齐补正的，视为撤回本次申请。")
    return _("逾期未补齐的，本次申请按撤回处理；您仍可以重新提出申请。")
