"""Errors of the service-matter catalogue and of filled forms.

FormsError                      any problem with the catalogue or a form; the root
├── CatalogueInvalid            a catalogue file has a mistake (names file, matter, field)
│   ├── CatalogueFileKey        a mistake outside any matter (top level of the file)
│   ├── CatalogueSyntax         not valid TOML (names file and line)
│   ├── CatalogueEncoding       not UTF-8 text
│   ├── CatalogueUnreadable     the file cannot be read
│   ├── CatalogueNotFound       no such file or folder
│   ├── CatalogueEmpty          a folder without *.toml files
│   └── CatalogueNoMatters      a file without any [[matter]]
├── CatalogueProblem            what is wrong with one key (the ``problem`` of CatalogueInvalid)
│   └── KeyUnknown, KeyMissing, NotText, NotInteger, NotOneOf, DuplicateValue,
│       KindNotInstant, StepsOverLegal, SequentialOneOffice, ConditionNotChoice, ...
├── UnknownMatter               no matter with this code in the catalogue
├── UnknownMaterial             the matter asks for no material of this name
├── FormInvalid                 a filled form or applicant has one or more bad values
├── FormNotObject               the form is not a set of "name: value" pairs
└── FieldProblem                one bad value (used inside FormInvalid)
    ├── FieldRequired, FieldUnknown, FieldPattern, FieldChoice, FieldMismatch
    ├── FieldRange: FieldTooSmall, FieldTooLarge, FieldTooShort, FieldTooLong
    ├── FieldType: FieldNotText, FieldNotNumber, FieldNotDate
    ├── InvalidResidentId: ResidentIdLength, ResidentIdFormat, ResidentIdChecksum,
    │                      ResidentIdBirthDate, ResidentIdFutureBirth, ResidentIdProvince
    └── InvalidPhone

Each docstring is the message a person reads (Chinese, the source language of
the message catalogue); ``{name}`` placeholders are filled from the keyword
arguments given when raising.  A parameter may itself be a FormsError (or a
list of them); it is rendered in turn.  Field problems never repeat the value
that was typed: it may be personal data and messages end up in logs.
"""

from __future__ import annotations

import inspect


class FormsError(Exception):
    """表单或事项目录有误。"""

    def __init__(self, **params: object) -> None:
        super().__init__(params)
        self.params = params

    def __str__(self) -> str:
        return (self.__doc__ or "").strip().format_map(self.params)


def _plain(value: object) -> object:
    """A parameter as text, rendering nested errors (untranslated)."""
    if isinstance(value, BaseException):
        return str(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, BaseException) for v in value):
        return "\n".join(f"  {i}. {v}" for i, v in enumerate(value, 1))
    return value


def _nested_str(self: FormsError) -> str:
    """The message with nested errors rendered (untranslated; the station translates)."""
    template = inspect.cleandoc(type(self).__doc__ or "")
    return template.format_map({k: _plain(v) for k, v in self.params.items()})


# --- the catalogue ---------------------------------------------------------


class CatalogueInvalid(FormsError):
    """事项目录文件 {file} 有误：事项 {matter} 的“{field}”{problem}"""

    __str__ = _nested_str


class CatalogueFileKey(CatalogueInvalid):
    """事项目录文件 {file} 有误：“{field}”{problem}"""


class CatalogueSyntax(CatalogueInvalid):
    """事项目录文件 {file} 第 {line} 行第 {column} 列附近不符合 TOML 格式（{detail}）。"""


class CatalogueEncoding(CatalogueInvalid):
    """事项目录文件 {file} 不是 UTF-8 编码（第 {position} 个字节处）；请用记事本“另存为”UTF-8 编码。"""  # noqa: E501


class CatalogueUnreadable(CatalogueInvalid):
    """无法读取事项目录文件 {file}（{detail}）。"""


class CatalogueNotFound(CatalogueInvalid):
    """找不到事项目录文件或文件夹 {file}。"""


class CatalogueEmpty(CatalogueInvalid):
    """文件夹 {file} 中没有事项目录文件（*.toml）。"""


class CatalogueNoMatters(CatalogueInvalid):
    """事项目录文件 {file} 中没有任何事项（[[matter]]）。"""


class CatalogueProblem(FormsError):
    """有误。"""


class KeyUnknown(CatalogueProblem):
    """不是可用的键（拼写错误？）；这一层可用的键：{valid}。"""


class KeyMissing(CatalogueProblem):
    """缺少，必须填写。"""


class NotText(CatalogueProblem):
    """应为文字（用英文双引号括起来）。"""


class NotTextList(CatalogueProblem):
    """应为文字的列表，如 ["甲", "乙"]。"""


class NotInteger(CatalogueProblem):
    """应为整数。"""


class NotNumber(CatalogueProblem):
    """应为数字。"""


class NotBoolean(CatalogueProblem):
    """应为 true 或 false。"""


class NotTable(CatalogueProblem):
    """应为表（TOML table）。"""


class NotTableList(CatalogueProblem):
    """应为表的列表（用 [[…]] 逐项书写）。"""


class Blank(CatalogueProblem):
    """不能为空。"""


class NotOneOf(CatalogueProblem):
    """的值“{value}”不是可用的值；可用的值：{valid}。"""


class TooSmallValue(CatalogueProblem):
    """不能小于 {min}。"""


class TooLargeValue(CatalogueProblem):
    """不能大于 {max}。"""


class DuplicateValue(CatalogueProblem):
    """中“{value}”重复出现。"""


class DuplicateCode(CatalogueProblem):
    """与事项目录文件 {other} 中的事项编码重复。"""


class PromisedOverLegal(CatalogueProblem):
    """（{promised} 个工作日）不能超过法定办结时限 legal_days（{legal} 个工作日）。"""


class BadPattern(CatalogueProblem):
    """不是有效的正则表达式（{detail}）。"""


class BadIdentifier(CatalogueProblem):
    """不是有效的字段名：只能用英文字母、数字和下划线，不能以数字开头，最多 64 个字符。"""


class BadCode(CatalogueProblem):
    """不是有效的事项编码：只能用英文字母、数字和“-”“_”“.”，最多 64 个字符。"""


class KeyNotForType(CatalogueProblem):
    """只适用于 {allowed} 类型的字段，本字段的类型是 {type}。"""


class OptionsMissing(CatalogueProblem):
    """缺少：choice 类型的字段必须用 options 列出可选的值。"""


class MinOverMax(CatalogueProblem):
    """中 min（{min}）大于 max（{max}）。"""


class VisibleUnknownField(CatalogueProblem):
    """引用了不存在的字段 {name}。"""


class VisibleNotChoice(CatalogueProblem):
    """引用的字段 {name} 不是 choice 类型；只能按选择字段的值显示或隐藏。"""


class VisibleNotEarlier(CatalogueProblem):
    """引用的字段 {name} 必须排在本字段之前。"""


class VisibleBadOption(CatalogueProblem):
    """中的“{value}”不是字段 {name} 的可选值；可选：{valid}。"""


class OfficeNotInProcedure(CatalogueProblem):
    """中的 {office} 没有出现在决定层级（{tier}）的办理流程步骤中。"""


class UnknownTemplate(CatalogueProblem):
    """的值“{value}”不是这类文书可用的模板；可用的模板：{valid}。"""


class KindNotInstant(CatalogueProblem):
    """为“即办件”（当场办结），promised_days 应为 0，现为 {days} 个工作日。"""


class KindNotPromised(CatalogueProblem):
    """为“承诺件”，promised_days 应大于 0；当场办结的事项请写 kind = "即办件"。"""


class StepsOverLegal(CatalogueProblem):
    """中各步骤的时限 days 合计 {total} 个工作日，超过法定办结时限 legal_days（{legal} 个工作日）。"""  # noqa: E501


class SequentialOneOffice(CatalogueProblem):
    """为 sequential（各部门依次办理）时，offices 至少要列出两个部门，按办理先后排列。"""


class SequentialOutOfOrder(CatalogueProblem):
    """的顺序与办理流程（procedure）中这些部门的步骤顺序不一致；依次办理时按 offices 的顺序办理。"""


class RequiredWithCondition(CatalogueProblem):
    """不能与 required_when 同时使用：按条件必需的材料只写 required_when。"""


class ConditionNotChoice(CatalogueProblem):
    """引用的字段 {name} 不是 choice 类型；只能按选择字段的值决定材料是否必需。"""


class OriginalsFormMismatch(CatalogueProblem):
    """与 form（“{form}”）不符：含原件的材料至少 1 份原件，不含原件的材料原件份数应为 0。"""


class CopiesFormMismatch(CatalogueProblem):
    """与 form（“{form}”）不符：只交原件的材料复印件份数应为 0，其余材料至少 1 份。"""


class ElectronicNotAllowed(CatalogueProblem):
    """与 form（“电子件”）不符：电子件必须能以电子方式提交（media 中要有“电子”）。"""


class BadNationalCode(CatalogueProblem):
    """不是有效的国家基本目录事项编码：只能用英文字母、数字和“-”，4 至 64 个字符。"""


class BadOfficePhone(CatalogueProblem):
    """不是有效的电话号码（固定电话请带区号，如 0775-3312345）。"""


# --- looking things up -----------------------------------------------------


class UnknownMatter(FormsError):
    """事项目录中没有编码为 {code} 的事项。"""


class UnknownMaterial(FormsError):
    """事项 {matter} 不需要名为“{name}”的材料；该事项的材料有：{valid}。"""


# --- filled forms ----------------------------------------------------------


class FormInvalid(FormsError):
    """填写的内容有 {count} 处错误：\n{problems}"""

    __str__ = _nested_str


class FormNotObject(FormsError):
    """填写的内容应是一组“字段名: 值”（JSON 对象）。"""


class FieldProblem(FormsError):
    """“{label}”填写有误。"""


class FieldRequired(FieldProblem):
    """“{label}”必须填写。"""


class FieldUnknown(FieldProblem):
    """本事项没有字段 {field}，请删除或检查拼写；可用的字段：{valid}。"""


class FieldPattern(FieldProblem):
    """“{label}”的格式不对。"""


class FieldChoice(FieldProblem):
    """“{label}”只能选：{valid}。"""


class FieldMismatch(FieldProblem):
    """“{label}”与身份证号码不一致。"""


class FieldRange(FieldProblem):
    """“{label}”超出允许的范围。"""


class FieldTooSmall(FieldRange):
    """“{label}”不能小于 {min}。"""


class FieldTooLarge(FieldRange):
    """“{label}”不能大于 {max}。"""


class FieldTooShort(FieldRange):
    """“{label}”至少要 {min} 个字。"""


class FieldTooLong(FieldRange):
    """“{label}”最多 {max} 个字。"""


class FieldType(FieldProblem):
    """“{label}”的值类型不对。"""


class FieldNotText(FieldType):
    """“{label}”应填写文字。"""


class FieldNotNumber(FieldType):
    """“{label}”应填写数字。"""


class FieldNotDate(FieldType):
    """“{label}”应填写有效日期，格式如 2024-05-01。"""


class InvalidResidentId(FieldProblem):
    """“{label}”不是有效的居民身份证号码。"""


class ResidentIdLength(InvalidResidentId):
    """“{label}”应为 18 位（17 位数字加 1 位校验码），现在是 {length} 位。"""


class ResidentIdFormat(InvalidResidentId):
    """“{label}”前 17 位只能是数字，最后一位是数字或 X。"""


class ResidentIdChecksum(InvalidResidentId):
    """“{label}”校验码不对，请逐位核对号码。"""


class ResidentIdBirthDate(InvalidResidentId):
    """“{label}”中的出生日期（第 7 至 14 位）不是有效日期。"""


class ResidentIdFutureBirth(InvalidResidentId):
    """“{label}”中的出生日期晚于今天。"""


class ResidentIdProvince(InvalidResidentId):
    """“{label}”的前两位不是有效的省级行政区划代码。"""


class InvalidPhone(FieldProblem):
    """“{label}”不是有效的中国大陆手机号码或固定电话号码（固定电话请带区号，如 0775-1234567）。"""
