"""Test helpers for the Excel 事项清单: fill a template the way a clerk would (by
header, with openpyxl, independent of the product's column table), and plant
known mistakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from forms.matter import FieldSpec, MaterialSpec, Matter, ProcedureStep
from forms.schema import DEFAULT_TEMPLATES

TIER = {"village": "村级", "township": "乡镇级", "county": "县级"}
TYPE = {"text": "文字", "number": "数字", "date": "日期", "choice": "选择",
        "resident_id": "身份证号", "phone": "电话", "address": "地址"}


def yes(value: bool) -> str:
    return "是" if value else "否"


def joined(values: Iterable[str], sep: str = "、") -> str | None:
    return sep.join(values) or None


def condition(value: Any) -> str | None:
    return None if value is None else "\n".join(f"{k}={'、'.join(v)}" for k, v in value.items())


def template_cell(kind: str) -> Callable[[Matter], str | None]:
    def chosen(m: Matter) -> str | None:
        name = m.templates.for_kind(kind)
        return None if name == DEFAULT_TEMPLATES[kind] else name
    return chosen


MATTER_CELLS: dict[str, Callable[[Matter], Any]] = {
    "事项编码": lambda m: m.code,
    "事项名称": lambda m: m.name,
    "基本编码": lambda m: m.national_code,
    "事项类型": lambda m: m.type,
    "行使层级": lambda m: TIER[m.tier],
    "实施主体": lambda m: joined(m.offices),
    "联合办理": lambda m: {"joint": "联合审批", "sequential": "依次办理"}[m.flow],
    "设定依据": lambda m: m.legal_basis,
    "受理条件": lambda m: joined(m.acceptance_conditions, "\n"),
    "法定办结时限": lambda m: m.legal_days,
    "承诺办结时限": lambda m: m.promised_days,
    "是否即办件": lambda m: yes(m.is_instant),
    "收费标准": lambda m: m.fee,
    "收费依据": lambda m: m.fee_basis,
    "办理结果": lambda m: m.result_document,
    "到办事现场次数": lambda m: m.visits,
    "特别程序": lambda m: joined(m.special_procedures, "\n"),
    "办理地点": lambda m: m.place,
    "办理时间": lambda m: m.hours,
    "咨询电话": lambda m: m.phone,
    "准予决定文书": template_cell("approve"),
    "不予批准决定文书": template_cell("reject"),
    "不予受理文书": template_cell("refuse"),
    "补齐补正文书": template_cell("supplement"),
    "特别程序文书": template_cell("special"),
    "受理文书": template_cell("accept"),
    "延期文书": template_cell("extend"),
    "送达文书": template_cell("service"),
}
STEP_CELLS: dict[str, Callable[[ProcedureStep], Any]] = {
    "环节名称": lambda s: s.name, "办理层级": lambda s: TIER[s.tier],
    "办理部门": lambda s: s.office, "环节时限": lambda s: s.days,
}
MATERIAL_CELLS: dict[str, Callable[[MaterialSpec], Any]] = {
    "材料名称": lambda m: m.name,
    "是否必需": lambda m: None if m.conditional else yes(m.required),
    "必需条件": lambda m: condition(m.required_when),
    "材料形式": lambda m: m.form,
    "载体": lambda m: joined(m.media),
    "原件份数": lambda m: m.originals,
    "复印件份数": lambda m: m.photocopies,
    "来源渠道": lambda m: m.source,
    "出具单位": lambda m: m.issuer,
    "备注": lambda m: m.note,
    "可复用期限（月）": lambda m: m.reuse_months,
}
FIELD_CELLS: dict[str, Callable[[FieldSpec], Any]] = {
    "字段名": lambda f: f.name, "字段标签": lambda f: f.label, "字段类型": lambda f: TYPE[f.type],
    "是否必填": lambda f: yes(f.required), "格式": lambda f: f.pattern,
    "最小值": lambda f: f.min, "最大值": lambda f: f.max,
    "可选值": lambda f: joined(f.options), "显示条件": lambda f: condition(f.visible_when),
    "填写提示": lambda f: f.help,
}


def headers(ws: Worksheet) -> dict[str, int]:
    """Header → column number, as row 1 of the sheet has them."""
    return {str(c.value): c.column for c in ws[1] if c.value is not None}


def letter(ws: Worksheet, header: str) -> str:
    return openpyxl.utils.get_column_letter(headers(ws)[header])


def append(ws: Worksheet, cells: dict[str, Any]) -> int:
    where = headers(ws)
    assert set(cells) <= set(where), set(cells) - set(where)
    row = ws.max_row + 1
    for header, value in cells.items():
        if value is not None:
            ws.cell(row=row, column=where[header], value=value)
    return row


def fill(template: Path, matters: Iterable[Matter], out: Path) -> Path:
    """The template with every matter typed in, one sheet per table."""
    book = openpyxl.load_workbook(template)
    for m in matters:
        append(book["事项"], {h: f(m) for h, f in MATTER_CELLS.items()})
        for step in m.procedure:
            append(book["办理流程"], {"事项编码": m.code, **{h: f(step)
                                                         for h, f in STEP_CELLS.items()}})
        for material in m.materials:
            append(book["申请材料"], {"事项编码": m.code, **{h: f(material)
                                                         for h, f in MATERIAL_CELLS.items()}})
        for spec in m.fields:
            append(book["表单字段"], {"事项编码": m.code, **{h: f(spec)
                                                         for h, f in FIELD_CELLS.items()}})
    book.save(out)
    return out


def find_row(ws: Worksheet, **match: Any) -> int:
    """The first data row whose cells (by header) hold the given values."""
    where = headers(ws)
    for row in range(2, ws.max_row + 1):
        if all(ws.cell(row=row, column=where[h]).value == v for h, v in match.items()):
            return row
    raise AssertionError(f"no row with {match} on {ws.title}")


def set_cell(ws: Worksheet, row: int, header: str, value: Any) -> tuple[str, int, str]:
    ws.cell(row=row, column=headers(ws)[header]).value = value  # None empties the cell
    return (ws.title, row, letter(ws, header))


def plant_ten_mistakes(good: Path, out: Path) -> set[tuple[str, int, str]]:
    """Ten mistakes of ten kinds in a good workbook; each (sheet, row, column letter)."""
    book = openpyxl.load_workbook(good)
    matters, steps = book["事项"], book["办理流程"]
    materials, fields = book["申请材料"], book["表单字段"]
    planted = set()
    # 1. text in a day count
    planted.add(set_cell(matters, find_row(matters, 事项编码="450981-MZ-001"), "法定办结时限",
                         "三十天"))
    # 2. an unknown tier
    planted.add(set_cell(matters, find_row(matters, 事项编码="450981-MZ-002"), "行使层级", "省级"))
    # 3. a material without a name
    planted.add(set_cell(materials, find_row(materials, 事项编码="450981-MZ-003"), "材料名称",
                         None))
    # 4. a merged cell: 备注 of two materials of 450981-MZ-001
    first = find_row(materials, 事项编码="450981-MZ-001")
    column = letter(materials, "备注")
    materials.merge_cells(f"{column}{first}:{column}{first + 1}")
    planted.add((materials.title, first, column))
    # 5. a matter code twice
    source = find_row(matters, 事项编码="450981-MZ-005")
    copy = matters.max_row + 1
    for cell in matters[source]:
        matters.cell(row=copy, column=cell.column, value=cell.value)
    planted.add((matters.title, copy, letter(matters, "事项编码")))
    # 6. a material of a matter the sheet of matters does not have
    planted.add(set_cell(materials, find_row(materials, 事项编码="450981-RS-001"), "事项编码",
                         "450981-XX-999"))
    # 7. a field type that does not exist
    planted.add(set_cell(fields, find_row(fields, 事项编码="450981-MZ-001",
                                          字段名="bank_card_no"), "字段类型", "字符"))
    # 8. a negative day count
    planted.add(set_cell(steps, find_row(steps, 事项编码="450981-CL-001", 环节时限=5), "环节时限",
                         -3))
    # 9. promised days over the legal days
    row = find_row(matters, 事项编码="450981-MZ-004")
    legal = matters.cell(row=row, column=headers(matters)["法定办结时限"]).value
    planted.add(set_cell(matters, row, "承诺办结时限", legal + 5))
    # 10. a condition naming a field the matter does not have
    row = find_row(materials, 事项编码="450981-CL-001", 材料名称="委托书")
    planted.add(set_cell(materials, row, "必需条件", "no_such_field=是"))
    book.save(out)
    assert len(planted) == 10
    return planted
