"""Errors of the Excel 事项清单 (``station catalogue import``).

FormsError
└── WorkbookError               the workbook cannot be used as a whole
    ├── WorkbookNotFound, WorkbookNotXlsx, WorkbookEncrypted, WorkbookDamaged,
    │   WorkbookUnreadable, WorkbookOutputNotEmpty, WorkbookOutputFailed,
    │   ValueNotExpressible (export: a value holding the separator of its cell),
    │   ValueControlCharacter (export: a character Excel cannot keep)
    └── WorkbookInvalid         one or more mistakes, every one listed (``problems``)
        problems: SheetMissing, ColumnMissing, CellError (sheet, row, column, header
        and a CellProblem saying what is expected)

Every mistake of a workbook is collected before anything is reported, so a clerk
fixes them all in one go; nothing is written while one remains.
"""

from __future__ import annotations

from forms.errors import FormsError, _nested_str


class WorkbookError(FormsError):
    """Excel 事项清单 {file} 不能使用。"""


class WorkbookNotFound(WorkbookError):
    """找不到 Excel 文件 {file}。"""


class WorkbookUnreadable(WorkbookError):
    """无法读取 Excel 文件 {file}（{detail}）。"""


class WorkbookNotXlsx(WorkbookError):
    """{file} 不是 Excel 工作簿（.xlsx）文件；旧版 .xls 文件请在 Excel 中“另存为” Excel 工作簿（.xlsx）后再导入。"""  # noqa: E501


class WorkbookEncrypted(WorkbookError):
    """{file} 设有打开密码，无法读取；请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后再导入。"""


class WorkbookDamaged(WorkbookError):
    """{file} 已损坏或不完整（可能没有复制或下载完）；请在 Excel 中打开并重新保存后再导入。"""


class WorkbookOutputNotEmpty(WorkbookError):
    """文件夹 {file} 已经存在且不是空的；请指定一个新的文件夹。"""


class WorkbookOutputFailed(WorkbookError):
    """无法写入文件夹 {file}（{detail}）；什么都没有写入。"""


class ValueNotExpressible(WorkbookError):
    """事项 {matter} 的“{header}”中的“{value}”含有分隔符“{separator}”，无法写入 Excel 事项清单；请改用其他标点。"""  # noqa: E501


class ValueControlCharacter(WorkbookError):
    """事项 {matter} 的“{header}”含有 Excel 不能保存的控制字符（如回车符或制表符以外的不可见字符）；请删去后再导出。"""  # noqa: E501


class WorkbookInvalid(WorkbookError):
    """Excel 事项清单 {file} 有 {count} 处错误，什么都没有写入：\n{problems}"""

    __str__ = _nested_str

    @property
    def problems(self) -> list[FormsError]:
        found = self.params.get("problems")
        return list(found) if isinstance(found, list) else []


# --- where a mistake is -------------------------------------------------------------


class SheetMissing(FormsError):
    """缺少工作表“{sheet}”；请使用事项清单模板，不要删除或改名工作表。"""


class SheetEmpty(FormsError):
    """工作表“{sheet}”中没有任何事项；每行填写一个事项。"""


class ColumnMissing(FormsError):
    """工作表“{sheet}”缺少“{header}”列；请使用事项清单模板，不要删除或改名列。"""


class CellError(FormsError):
    """工作表“{sheet}”第 {row} 行 {column} 列（{header}）：{problem}"""

    __str__ = _nested_str


# --- what is expected in a cell --------------------------------------------------------


class CellProblem(FormsError):
    """填写有误。"""


class CellRequired(CellProblem):
    """必须填写。"""


class CellNotText(CellProblem):
    """应填写文字。"""


class CellNotInteger(CellProblem):
    """应填写整数，如 {example}。"""


class CellNegative(CellProblem):
    """不能小于 0，应填写 0 或正整数。"""


class CellNotNumber(CellProblem):
    """应填写数字，如 {example}。"""


class CellNotYesNo(CellProblem):
    """应填写“是”或“否”。"""


class CellNotChoice(CellProblem):
    """“{value}”不是可用的值；应为：{valid}。"""


class CellFormula(CellProblem):
    """是公式；请复制后用“选择性粘贴 → 数值”粘贴成值。"""


class CellMerged(CellProblem):
    """属于合并单元格 {cells}；请取消合并，每个单元格分别填写。"""


class HeaderUnknown(CellProblem):
    """“{value}”不是这张工作表的列名；可用的列名：{valid}。"""


class HeaderRepeated(CellProblem):
    """列名“{value}”重复出现。"""


class ItemBlank(CellProblem):
    """第 {index} 项是空的；多个值用“、”隔开，中间不要留空。"""


class ItemRepeated(CellProblem):
    """中“{value}”重复出现。"""


class ConditionSyntax(CellProblem):
    """第 {line} 行应写成“字段名=值1、值2”。"""


class ConditionUnknownField(CellProblem):
    """引用的字段“{name}”不在本事项的“表单字段”工作表中。"""


class ConditionLaterField(CellProblem):
    """引用的字段“{name}”必须排在本字段之前。"""


class ConditionNotChoiceField(CellProblem):
    """引用的字段“{name}”不是“选择”类型；只能按选择字段的值设条件。"""


class ConditionBadValue(CellProblem):
    """中的“{value}”不是字段“{name}”的可选值；可选：{valid}。"""


class MatterCodeRepeated(CellProblem):
    """事项编码“{value}”与第 {other} 行重复；每个事项只占一行。"""


class MatterCodeUnknown(CellProblem):
    """事项编码“{value}”不在“事项”工作表中。"""


class NameRepeated(CellProblem):
    """“{value}”与第 {other} 行重复；同一事项内不能重名。"""


class PromisedOverLegalDays(CellProblem):
    """{promised} 个工作日超过了法定办结时限（{legal} 个工作日）；应不大于法定办结时限。"""


class InstantPromised(CellProblem):
    """填“是”（即办件，当场办结）时，承诺办结时限应为 0 或留空，现为 {days} 个工作日。"""


class PromisedNotInstant(CellProblem):
    """填“否”（承诺件）时，承诺办结时限应大于 0；当场办结的事项请填“是”。"""


class StepDaysOverLegal(CellProblem):
    """“办理流程”中本事项各环节时限合计 {total} 个工作日，超过法定办结时限（{legal} 个工作日）。"""


class NoSteps(CellProblem):
    """本事项在“办理流程”工作表中没有环节；至少要有一个。"""


class OfficeWithoutStep(CellProblem):
    """中的“{office}”在“办理流程”工作表中没有{tier}的环节。"""


class SequentialNeedsTwo(CellProblem):
    """填“依次办理”时，实施主体至少要有两个部门，按办理先后用“、”隔开。"""


class SequentialOrder(CellProblem):
    """中部门的先后与“办理流程”工作表中这些部门环节的先后不一致。"""


class RequiredWithConditionCell(CellProblem):
    """填了“必需条件”时，“是否必需”应留空或填“否”。"""


class OriginalsMismatch(CellProblem):
    """与材料形式“{form}”不符：含原件的材料至少 1 份原件，不含原件的材料应为 0。"""


class CopiesMismatch(CellProblem):
    """与材料形式“{form}”不符：只交原件的材料应为 0，其余材料至少 1 份。"""


class ElectronicMediaMissing(CellProblem):
    """与材料形式“电子件”不符：电子件的载体须含“电子”。"""


class NotForFieldType(CellProblem):
    """只用于{allowed}类型的字段，本字段是“{type}”类型；请留空。"""


class OptionsNeeded(CellProblem):
    """“选择”类型的字段必须填写可选值，用“、”隔开。"""


class LengthNotWhole(CellProblem):
    """文字字段的字数应为不小于 0 的整数。"""


class LengthMaxZero(CellProblem):
    """文字字段的最多字数至少为 1。"""


class MinAboveMax(CellProblem):
    """最小值（{min}）大于最大值（{max}）。"""


class CatalogueCheck(CellProblem):
    """未通过事项目录的检查：{problem}"""

    __str__ = _nested_str
