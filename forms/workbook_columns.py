"""The Excel 事项清单: its sheets and columns, shared by the template, the reader
and the writer (one table, no copies).

Row 1 of every data sheet holds the headers: the element names of the national
catalogue (国家政务服务事项基本目录/实施清单), e.g. 事项名称, 法定办结时限.  Each
column maps to one key of the catalogue's TOML format (``docs/catalogue.md``);
``key`` is that key's path (``templates.approve`` for a key of
``[matter.templates]``).  The kinds of cell:

========== ============================================ =========================
kind       typed in the cell                             in the TOML
========== ============================================ =========================
text       text (a whole number is taken as its digits)  text
integer    a whole number ≥ 0                            integer
number     a number                                      integer or decimal
yes_no     是 / 否                                        true / false
choice     one of the column's labels                    the label's value
list       values separated by 、                        list of text
lines      one value per line (Alt+Enter in Excel)        list of text
condition  one ``字段名=值1、值2`` per line               {字段名 = [值1, 值2]}
========== ============================================ =========================

The words are those of the county's clerks: the workbook is a Chinese
document, as the catalogue's values are.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms.schema import (
    DOCUMENT_TEMPLATES,
    MATERIAL_FORMS,
    MATERIAL_SOURCES,
    MATTER_TYPES,
    TEMPLATE_KEYS,
)

TEXT, INTEGER, NUMBER, YES_NO, CHOICE, LIST, LINES, CONDITION = (
    "text", "integer", "number", "yes_no", "choice", "list", "lines", "condition")
LIST_SEPARATOR = "、"
CONDITION_SIGN = "="
YES, NO = "是", "否"

# 行使层级 / 办理层级 as the national lists write them → the catalogue's tiers.
TIER_CHOICES = (("村级", "village"), ("乡镇级", "township"), ("县级", "county"))
FIELD_TYPE_CHOICES = (("文字", "text"), ("数字", "number"), ("日期", "date"),
                      ("选择", "choice"), ("身份证号", "resident_id"), ("电话", "phone"),
                      ("地址", "address"))
FLOW_CHOICES = (("联合审批", "joint"), ("依次办理", "sequential"))
KIND_CHOICES = ((YES, "即办件"), (NO, "承诺件"))


def _same(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, its TOML key, how a cell is read."""

    header: str
    key: str
    kind: str
    required: bool
    meaning: str
    example: str
    choices: tuple[tuple[str, str], ...] = ()  # (label in the cell, value in the TOML)
    width: int = 14  # in characters of the template

    def label_of(self, value: object) -> str:
        """The cell text for a TOML value of a choice column."""
        for label, stored in self.choices:
            if stored == value:
                return label
        raise ValueError(f"{value!r} is no value of column {self.header}")

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.choices)


@dataclass(frozen=True)
class Sheet:
    """A sheet of the workbook; ``matter_key`` is its column naming the matter
    (None on the sheet of matters itself), ``toml`` the matter's list it fills."""

    title: str
    columns: tuple[Column, ...]
    about: str
    toml: str | None = None

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    def letter(self, key: str) -> str:
        return column_letter(self.columns.index(self.column(key)) + 1)


def column_letter(number: int) -> str:
    """1 → A, 27 → AA (Excel's column names)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


CODE = "code"  # the key naming the matter on every sheet

_CODE_ON_LISTS = Column("事项编码", CODE, TEXT, True,
                        "本行所属事项的事项编码，须是“事项”表中已有的编码", "450981-MZ-001",
                        width=18)

_TEMPLATE_HEADERS = {
    "approve": "准予决定文书", "reject": "不予批准决定文书", "refuse": "不予受理文书",
    "supplement": "补齐补正文书", "special": "特别程序文书", "accept": "受理文书",
    "extend": "延期文书", "service": "送达文书",
}

MATTERS = Sheet("事项", (
    Column("事项编码", CODE, TEXT, True,
           "本县的事项实施编码：英文字母、数字和“-”“_”“.”，最多 64 个字符，全表不重复",
           "450981-MZ-001", width=18),
    Column("事项名称", "name", TEXT, True, "与国家基本目录一致的事项名称",
           "农村最低生活保障申请", width=28),
    Column("基本编码", "national_code", TEXT, False,
           "国家基本目录事项编码：英文字母、数字和“-”，4 至 64 个字符", "000723006000",
           width=16),
    Column("事项类型", "type", CHOICE, True, "行政权力的类别或公共服务", "行政给付",
           choices=_same(MATTER_TYPES)),
    Column("行使层级", "tier", CHOICE, True, "作出决定的层级", "县级",
           choices=TIER_CHOICES, width=10),
    Column("实施主体", "offices", LIST, True,
           "作出决定的部门；两个以上部门用“、”隔开（联合办理），每个部门都须在“办理流程”表中"
           "有本层级的环节", "民政局", width=16),
    Column("联合办理", "flow", CHOICE, False,
           "两个以上实施主体时的办理方式：联合审批（同时审查），或依次办理（按实施主体的先后"
           "顺序逐个办理）；留空为联合审批", "联合审批", choices=FLOW_CHOICES, width=10),
    Column("设定依据", "legal_basis", TEXT, True, "法律、法规、规章和规范性文件及条款",
           "《社会救助暂行办法》第九条", width=36),
    Column("受理条件", "acceptance_conditions", LINES, True,
           "每行一条（在 Excel 中按 Alt+Enter 换行）", "申请人具有本县农村户籍", width=36),
    Column("法定办结时限", "legal_days", INTEGER, True, "法律规定的办结时限，工作日数（整数）",
           "30", width=10),
    Column("承诺办结时限", "promised_days", INTEGER, False,
           "向群众承诺的办结时限，工作日数（整数），不得超过法定办结时限；即办件填 0 或留空",
           "25", width=10),
    Column("是否即办件", "kind", CHOICE, False,
           "是：当场办结（承诺办结时限为 0）；否：承诺件；留空则按承诺办结时限确定",
           "否", choices=KIND_CHOICES, width=10),
    Column("收费标准", "fee", TEXT, True, "不收费，或收费标准", "不收费", width=12),
    Column("收费依据", "fee_basis", TEXT, False, "设定收费的文件；不收费的事项留空",
           "《行政事业性收费项目目录》", width=20),
    Column("办理结果", "result_document", TEXT, True, "群众得到的审批结果名称或证照",
           "最低生活保障审批通知书", width=22),
    Column("到办事现场次数", "visits", INTEGER, True, "群众须到现场的次数（整数，目标 0 或 1）",
           "0", width=10),
    Column("特别程序", "special_procedures", LINES, False,
           "不计入办结时限的特别程序，每行一项（听证、现场勘查、专家评审、公示等）", "入户调查",
           width=16),
    Column("办理地点", "place", TEXT, False, "告诉群众的办理地点", "各村（社区）便民服务站",
           width=22),
    Column("办理时间", "hours", TEXT, False, "告诉群众的办理时间",
           "工作日 8:00—12:00，14:30—17:30", width=22),
    Column("咨询电话", "phone", TEXT, False, "部门咨询电话：固定电话带区号，或手机号",
           "0775-3312345", width=14),
    *(Column(_TEMPLATE_HEADERS[kind], f"templates.{kind}", CHOICE, False,
             "本事项使用的文书模板；留空用第一个", DOCUMENT_TEMPLATES[kind][0],
             choices=_same(DOCUMENT_TEMPLATES[kind]), width=18) for kind in TEMPLATE_KEYS),
), "每行一个事项。")

PROCEDURE = Sheet("办理流程", (
    _CODE_ON_LISTS,
    Column("环节名称", "name", TEXT, True, "本环节做什么", "受理、入户调查", width=28),
    Column("办理层级", "tier", CHOICE, True, "本环节在哪一层级办理", "乡镇级",
           choices=TIER_CHOICES, width=10),
    Column("办理部门", "office", TEXT, True, "本环节由哪个部门办理", "民政办", width=16),
    Column("环节时限", "days", INTEGER, False,
           "本环节自己的时限，工作日数（整数）；各环节合计不得超过法定办结时限", "15", width=10),
), "每行一个办理环节，同一事项的环节按办理先后排列。", toml="procedure")

MATERIALS = Sheet("申请材料", (
    _CODE_ON_LISTS,
    Column("材料名称", "name", TEXT, True, "材料名称，同一事项内不重复", "居民户口簿", width=24),
    Column("是否必需", "required", YES_NO, False,
           "是：缺了不能受理；否：可选材料；填了“必需条件”的材料留空或填“否”", "是", width=10),
    Column("必需条件", "required_when", CONDITION, False,
           "按表单选择项的值才必需：每行一条“字段名=值1、值2”，字段须是本事项“表单字段”表中"
           "类型为“选择”的字段", "applied_by=亲属代办、村（居）委会代办", width=28),
    Column("材料形式", "form", CHOICE, True, "原件、复印件、原件及复印件或电子件", "复印件",
           choices=_same(MATERIAL_FORMS), width=12),
    Column("载体", "media", LIST, False,
           "纸质、电子，或“纸质、电子”；留空时电子件为电子，其余为纸质；电子件须含电子",
           "纸质、电子", width=12),
    Column("原件份数", "originals", INTEGER, False,
           "须交验的原件份数（整数）；含原件的材料至少 1 份，其余为 0；留空按材料形式确定",
           "1", width=10),
    Column("复印件份数", "copies", INTEGER, False,
           "复印件份数（整数）；只交原件的材料为 0，其余至少 1 份；留空按材料形式确定", "1",
           width=10),
    Column("来源渠道", "source", CHOICE, False,
           "申请人提供、其他部门核发或可复用（从以前的审批结果中调取）；留空为申请人提供",
           "申请人提供", choices=_same(MATERIAL_SOURCES), width=12),
    Column("出具单位", "issuer", TEXT, False, "核发该材料的单位", "县残疾人联合会", width=18),
    Column("备注", "note", TEXT, False, "何时需要、要核对什么", "家庭成员有残疾的提供",
           width=24),
    Column("可复用期限（月）", "reuse_months", INTEGER, False,
           "同一居民以前办件时交过的这份材料，经本人同意可在收件后多少个月内再次使用"
           "（1 至 120 的整数）；留空为每次都要重新提交", "12", width=12),
), "每行一种申请材料，同一事项的材料按一次性告知的先后排列。", toml="materials")

FIELDS = Sheet("表单字段", (
    _CODE_ON_LISTS,
    Column("字段名", "name", TEXT, True,
           "填写表单时的键名：英文字母、数字和下划线，不以数字开头，同一事项内不重复",
           "household_size", width=20),
    Column("字段标签", "label", TEXT, True, "代办员看到的中文名称", "共同生活家庭成员人数",
           width=24),
    Column("字段类型", "type", CHOICE, True, "文字、数字、日期、选择、身份证号、电话或地址",
           "数字", choices=FIELD_TYPE_CHOICES, width=10),
    Column("是否必填", "required", YES_NO, False, "是或否；留空为是", "是", width=10),
    Column("格式", "pattern", TEXT, False,
           "只用于文字字段：整个值须符合的正则表达式", "[0-9]{16,19}", width=16),
    Column("最小值", "min", NUMBER, False,
           "只用于文字和数字字段；文字字段为最少字数（整数）", "1", width=10),
    Column("最大值", "max", NUMBER, False,
           "只用于文字和数字字段；文字字段为最多字数（整数）；不小于最小值", "20", width=10),
    Column("可选值", "options", LIST, False, "选择字段必填，其他字段留空；用“、”隔开",
           "是、否", width=24),
    Column("显示条件", "visible_when", CONDITION, False,
           "按前面某个选择字段的值才显示：每行一条“字段名=值1、值2”", "main_reason=其他",
           width=24),
    Column("填写提示", "help", TEXT, False, "显示在字段下方的提示", "16 至 19 位数字，不要留空格",
           width=24),
), "每行一个表单字段，同一事项的字段按填写先后排列。", toml="fields")

SHEETS = (MATTERS, MATERIALS, FIELDS, PROCEDURE)
GUIDE = "填写说明"

KIND_TEXT = {
    TEXT: "文字", INTEGER: "整数", NUMBER: "数字", YES_NO: "是 / 否", CHOICE: "下拉选择",
    LIST: "用“、”隔开的多个值", LINES: "每行一个值", CONDITION: "条件：字段名=值1、值2",
}
