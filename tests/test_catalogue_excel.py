"""The county's Excel 事项清单, in and out (real .xlsx files written and read by openpyxl,
the real ``station`` command in a child process):

- the template filled by hand (by header) with every shipped matter imports as the
  shipped catalogue; export → import is identical; both also through the CLI;
- ten planted mistakes of ten kinds give exactly those ten errors, each with its
  sheet, row and column, and nothing is written;
- a file that is not a workbook, a truncated one and a password-protected one are
  each refused with their own message.
"""

from __future__ import annotations

import tempfile
import tomllib
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import msoffcrypto.format.ooxml
import openpyxl
import pytest
from cli import snapshot, station
from excel_sheets import MATTER_CELLS, fill, find_row, headers, plant_ten_mistakes, set_cell
from hypothesis import example, given, settings
from hypothesis import strategies as st

from forms.catalogue import load_catalogue, load_catalogue_text
from forms.catalogue_write import matter_file
from forms.errors import BadIdentifier, BadOfficePhone
from forms.workbook_errors import (
    CellError,
    CellFormula,
    CellMerged,
    CellNegative,
    CellNotChoice,
    CellNotInteger,
    CellNotText,
    CellNotYesNo,
    CellRequired,
    ColumnMissing,
    ConditionBadValue,
    ConditionLaterField,
    ConditionSyntax,
    ConditionUnknownField,
    ElectronicMediaMissing,
    HeaderUnknown,
    InstantPromised,
    LengthNotWhole,
    MatterCodeRepeated,
    MatterCodeUnknown,
    MinAboveMax,
    NameRepeated,
    NotForFieldType,
    OfficeWithoutStep,
    OptionsNeeded,
    OriginalsMismatch,
    PromisedOverLegalDays,
    RequiredWithConditionCell,
    SequentialNeedsTwo,
    SequentialOrder,
    SheetMissing,
    StepDaysOverLegal,
    ValueControlCharacter,
    ValueNotExpressible,
    WorkbookDamaged,
    WorkbookEncrypted,
    WorkbookInvalid,
    WorkbookNotXlsx,
    WorkbookOutputNotEmpty,
)
from forms.workbook_import import import_workbook, workbook_files
from forms.workbook_template import write_template
from forms.workbook_write import export_workbook
from station import i18n

SHIPPED = load_catalogue()


def as_json(folder: Path) -> list[dict[str, object]]:
    return [m.to_json() for m in load_catalogue(folder)]


def expected() -> list[dict[str, object]]:
    return [m.to_json() for m in SHIPPED]


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    template = tmp_path / "模板.xlsx"
    write_template(template)
    return fill(template, SHIPPED, tmp_path / "事项清单.xlsx")


def test_the_template_has_the_national_headers_a_guide_and_drop_downs(tmp_path: Path) -> None:
    write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["事项", "申请材料", "表单字段", "办理流程", "填写说明"]
    matters = book["事项"]
    assert set(headers(matters)) == set(MATTER_CELLS)  # every element, nothing else
    assert matters.freeze_panes == "B2" and book["申请材料"].freeze_panes == "C2"
    assert all(cell.font.bold for cell in matters[1])
    tier = openpyxl.utils.get_column_letter(headers(matters)["行使层级"])
    lists = {str(v.sqref): v.formula1 for v in matters.data_validations.dataValidation}
    assert lists[f"{tier}2:{tier}2000"] == '"村级,乡镇级,县级"'
    guide = [[c.value for c in row] for row in book["填写说明"].iter_rows()]
    described = {(row[0], row[1]) for row in guide if row[1]}
    for name in ("事项", "申请材料", "表单字段", "办理流程"):
        for header in headers(book[name]):
            assert (name, header) in described, (name, header)


def test_a_filled_template_imports_as_the_shipped_catalogue(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "catalogue"
    files = import_workbook(filled, out)
    assert sorted(files) == sorted(p.name for p in out.iterdir())
    assert sorted(files) == sorted(f"{m.code}.toml" for m in SHIPPED)
    assert as_json(out) == expected()


def test_export_then_import_is_identical(tmp_path: Path) -> None:
    workbook = tmp_path / "导出.xlsx"
    assert export_workbook(SHIPPED, workbook) == len(SHIPPED)
    import_workbook(workbook, tmp_path / "again")
    assert as_json(tmp_path / "again") == expected()
    export_workbook(load_catalogue(tmp_path / "again"), tmp_path / "second.xlsx")
    import_workbook(tmp_path / "second.xlsx", tmp_path / "third")
    assert {p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()} == \
        {p.name: p.read_bytes() for p in (tmp_path / "third").iterdir()}


def test_the_round_trip_through_the_command(tmp_path: Path) -> None:
    made = station("catalogue", "template", "--out", tmp_path / "t.xlsx", "--json")
    assert made.code == 0 and made.json() == {"out": str(tmp_path / "t.xlsx")}, made.err
    filled = fill(tmp_path / "t.xlsx", SHIPPED, tmp_path / "filled.xlsx")
    done = station("catalogue", "import", filled, "--out", tmp_path / "a", "--json")
    assert done.code == 0, done.err
    assert done.json()["matters"] == len(SHIPPED)
    assert as_json(tmp_path / "a") == expected()

    out = station("catalogue", "export", tmp_path / "a", "--out", tmp_path / "e.xlsx", "--json")
    assert out.code == 0 and out.json()["matters"] == len(SHIPPED), out.err
    back = station("catalogue", "import", tmp_path / "e.xlsx", "--out", tmp_path / "b")
    assert back.code == 0 and "12 个事项" in back.out, back.err
    assert as_json(tmp_path / "b") == expected()


EXPECTED_KINDS = {CellNotInteger, CellNotChoice, CellRequired, CellMerged, MatterCodeRepeated,
                  MatterCodeUnknown, CellNegative, PromisedOverLegalDays, ConditionUnknownField}


def test_ten_planted_mistakes_give_exactly_ten_errors_and_nothing_is_written(
        filled: Path, tmp_path: Path) -> None:
    bad = tmp_path / "有错.xlsx"
    planted = plant_ten_mistakes(filled, bad)
    out = tmp_path / "never"
    with pytest.raises(WorkbookInvalid) as caught:
        import_workbook(bad, out)
    problems = caught.value.problems
    assert all(isinstance(p, CellError) for p in problems), problems
    where = {(p.params["sheet"], p.params["row"], p.params["column"]) for p in problems}
    assert len(problems) == 10 and where == planted, "\n".join(map(i18n.render, problems))
    kinds = {type(p.params["problem"]) for p in problems}
    assert kinds == EXPECTED_KINDS  # two of the ten are CellNotChoice (tier, field type)
    text = i18n.render(caught.value)
    assert "有 10 处错误" in text and "什么都没有写入" in text
    assert "工作表“事项”第" in text and "（法定办结时限）：应填写整数" in text
    assert "“省级”不是可用的值；应为：村级、乡镇级、县级" in text
    assert "属于合并单元格" in text and "不能小于 0" in text
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".never")]

    empty = tmp_path / "empty"
    empty.mkdir()
    before = snapshot(tmp_path)
    refused = station("catalogue", "import", bad, "--out", empty, "--json")
    assert refused.code == 4, refused.err
    listed = refused.json()["errors"]
    assert {(e["sheet"], e["row"], e["column"]) for e in listed} == planted
    assert all(e["header"] and e["problem"] for e in listed)
    assert "有 10 处错误" in refused.err
    assert snapshot(tmp_path) == before and not any(empty.iterdir())


def test_missing_sheets_and_columns_are_named(tmp_path: Path) -> None:
    write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    del book["办理流程"]
    book["事项"].cell(row=1, column=headers(book["事项"])["事项名称"], value="名称")
    book.save(tmp_path / "t.xlsx")
    with pytest.raises(WorkbookInvalid) as caught:
        workbook_files(tmp_path / "t.xlsx")
    kinds = [type(p) for p in caught.value.problems]
    assert SheetMissing in kinds and ColumnMissing in kinds
    text = i18n.render(caught.value)
    assert "缺少工作表“办理流程”" in text and "缺少“事项名称”列" in text
    assert "“名称”不是这张工作表的列名" in text


def test_an_existing_folder_is_never_overwritten(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "kept"
    out.mkdir()
    (out / "mine.toml").write_text("# the county's own\n", encoding="utf-8")
    with pytest.raises(WorkbookOutputNotEmpty):
        import_workbook(filled, out)
    assert [p.name for p in out.iterdir()] == ["mine.toml"]


def test_wrong_files_are_refused_each_with_its_reason(filled: Path, tmp_path: Path) -> None:
    text = tmp_path / "清单.xlsx"
    text.write_text("事项编码,事项名称\n450981-MZ-001,低保\n", encoding="utf-8")
    truncated = tmp_path / "半个.xlsx"
    truncated.write_bytes(filled.read_bytes()[: filled.stat().st_size // 2])
    locked = tmp_path / "加密.xlsx"
    with filled.open("rb") as plain, locked.open("wb") as sealed:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("县里的密码", sealed)
    docx = tmp_path / "文档.xlsx"  # a zip, but no workbook in it
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    cases = ((text, WorkbookNotXlsx, "不是 Excel 工作簿"), (truncated, WorkbookDamaged, "不完整"),
             (locked, WorkbookEncrypted, "设有打开密码"), (docx, WorkbookNotXlsx, "不是 Excel"))
    for path, kind, words in cases:
        with pytest.raises(kind) as caught:
            workbook_files(path)
        assert words in i18n.render(caught.value)
        done = station("catalogue", "import", path, "--out", tmp_path / "out")
        assert done.code == 4 and words in done.err, (path, done.err)
        assert not (tmp_path / "out").exists()


def test_values_are_read_as_typed(filled: Path, tmp_path: Path) -> None:
    """Day counts typed as text, codes typed as numbers, options with spaces: accepted."""
    book = openpyxl.load_workbook(filled)
    ws = book["事项"]
    where = headers(ws)
    row = 2
    ws.cell(row=row, column=where["法定办结时限"], value=" 30 ")
    ws.cell(row=row, column=where["承诺办结时限"], value=25.0)
    book.save(tmp_path / "typed.xlsx")
    import_workbook(tmp_path / "typed.xlsx", tmp_path / "out")
    code = ws.cell(row=row, column=where["事项编码"]).value
    matter = load_catalogue(tmp_path / "out").get(code)
    assert (matter.legal_days, matter.promised_days) == (30, 25)


# -- one mistake at a time: exactly one error, of its kind, at its cell -------------------

def _cell(sheet: str, header: str, value: object, **match: object) -> Callable[[Any], None]:
    def mutate(book: Any) -> None:
        ws = book[sheet]
        set_cell(ws, find_row(ws, **match), header, value)
    return mutate


MZ1 = {"事项编码": "450981-MZ-001"}
CL1 = {"事项编码": "450981-CL-001"}
ONE_MISTAKE = [
    ("formula", _cell("事项", "事项名称", "=A1", **MZ1), CellFormula, "事项名称"),
    ("condition syntax", _cell("表单字段", "显示条件", "main_reason其他", **MZ1,
                               字段名="other_reason"), ConditionSyntax, "显示条件"),
    ("one office in turn", _cell("事项", "联合办理", "依次办理", **MZ1), SequentialNeedsTwo,
     "联合办理"),
    ("offices out of order", _cell("事项", "实施主体", "民政局、残联", **CL1), SequentialOrder,
     "实施主体"),
    ("office without a step", _cell("事项", "实施主体", "民政局、卫健委", **MZ1),
     OfficeWithoutStep, "实施主体"),
    ("original counted 0", _cell("申请材料", "原件份数", 0, **MZ1, 材料名称="最低生活保障申请书"),
     OriginalsMismatch, "原件份数"),
    ("electronic on paper", _cell("申请材料", "材料形式", "电子件", **MZ1, 材料名称="居民户口簿"),
     ElectronicMediaMissing, "载体"),
    ("pattern on a number", _cell("表单字段", "格式", "[0-9]+", **MZ1, 字段名="household_size"),
     NotForFieldType, "格式"),
    ("choice without options", _cell("表单字段", "可选值", None, **MZ1, 字段名="main_reason"),
     OptionsNeeded, "可选值"),
    ("instant with days", _cell("事项", "是否即办件", "是", **MZ1), InstantPromised, "是否即办件"),
    ("condition on a later field", _cell("表单字段", "显示条件", "has_severe_case=是", **MZ1,
                                         字段名="other_reason"), ConditionLaterField, "显示条件"),
    ("condition value not an option", _cell("表单字段", "显示条件", "main_reason=其它", **MZ1,
                                            字段名="other_reason"), ConditionBadValue, "显示条件"),
    ("steps over the legal days", _cell("办理流程", "环节时限", 29, **CL1, 环节时限=15),
     StepDaysOverLegal, "法定办结时限"),
    ("material named twice", _cell("申请材料", "材料名称", "居民身份证", **MZ1,
                                   材料名称="居民户口簿"), NameRepeated, "材料名称"),
    ("phone", _cell("事项", "咨询电话", "12345", **CL1), BadOfficePhone, "咨询电话"),
    ("field name", _cell("表单字段", "字段名", "1st", **MZ1, 字段名="bank_card_no"), BadIdentifier,
     "字段名"),
    ("yes or no", _cell("申请材料", "是否必需", "可能", **MZ1, 材料名称="居民户口簿"), CellNotYesNo,
     "是否必需"),
    ("required and a condition", _cell("申请材料", "是否必需", "是", **CL1, 材料名称="委托书"),
     RequiredWithConditionCell, "是否必需"),
    ("text min not whole", _cell("表单字段", "最小值", 1.5, **MZ1, 字段名="bank_card_no"),
     LengthNotWhole, "最小值"),
    ("min over max", _cell("表单字段", "最小值", 50, **MZ1, 字段名="household_size"), MinAboveMax,
     "最小值"),
    ("date for text", _cell("事项", "收费标准", datetime(2026, 1, 1), **MZ1), CellNotText,
     "收费标准"),
]


@pytest.mark.parametrize(("what", "mutate", "kind", "header"),
                         ONE_MISTAKE, ids=[c[0] for c in ONE_MISTAKE])
def test_one_mistake_gives_one_error_at_its_cell(
        what: str, mutate: Callable[[Any], None], kind: type, header: str,
        tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    export_workbook(SHIPPED, good)
    book = openpyxl.load_workbook(good)
    mutate(book)
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(WorkbookInvalid) as caught:
        workbook_files(tmp_path / "bad.xlsx")
    problems = caught.value.problems
    assert len(problems) == 1, "\n".join(map(i18n.render, problems))
    [problem] = problems
    assert isinstance(problem, CellError) and isinstance(problem.params["problem"], kind)
    assert problem.params["header"] == header, i18n.render(problem)


def test_an_unknown_header_is_named_with_the_headers_the_sheet_has(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    export_workbook(SHIPPED, good)
    book = openpyxl.load_workbook(good)
    ws = book["申请材料"]
    ws.cell(row=1, column=ws.max_column + 1, value="材料备注")
    book.save(good)
    with pytest.raises(WorkbookInvalid) as caught:
        workbook_files(good)
    [problem] = caught.value.problems
    assert isinstance(problem.params["problem"], HeaderUnknown)
    assert problem.params["row"] == 1
    assert "可用的列名：事项编码、材料名称" in i18n.render(problem)


EDGE = '''
[[matter]]
code = "TEST.edge_1"
name = "边界事项"
type = "公共服务"
tier = "village"
offices = ["村委会"]
legal_basis = "=SUM(A1) 像公式的文字"
acceptance_conditions = ["条件一；含分号，逗号", "条件二"]
legal_days = 0
kind = "即办件"
fee = "不收费"
result_document = "证明"
visits = 1
national_code = "000123"
phone = "13800138000"

[[matter.procedure]]
name = "当场办结"
tier = "village"
office = "村委会"
days = 0

[[matter.materials]]
name = "申请书"
required = false
form = "电子件"
media = ["电子"]
originals = 0
copies = 2
source = "可复用"
note = "第一行\\n第二行"

[[matter.materials]]
name = "证明"
required_when = { choice = ["乙"], other = ["丙"] }
form = "原件及复印件"
originals = 2
copies = 3

[[matter.fields]]
name = "choice"
label = "选项"
type = "choice"
options = ["甲", "乙"]
required = false

[[matter.fields]]
name = "other"
label = "另一项"
type = "choice"
options = ["丙", "丁"]

[[matter.fields]]
name = "amount"
label = "金额"
type = "number"
min = 0.5
max = 99.25
visible_when = { choice = ["甲", "乙"] }

[[matter.fields]]
name = "memo"
label = "说明"
type = "text"
min = 1
max = 10
pattern = '^\\d+$'
help = "只填数字"

[matter.templates]
approve = "准予行政许可决定书"
reject = "不予行政许可决定书"
'''


def test_edge_values_survive_the_round_trip(tmp_path: Path) -> None:
    """Decimals, a text that looks like a formula, line breaks, two conditions, a 即办件,
    every material form's counts, chosen templates, a code with a dot."""
    [matter] = load_catalogue_text(EDGE, "edge.toml")
    export_workbook([matter], tmp_path / "edge.xlsx")
    import_workbook(tmp_path / "edge.xlsx", tmp_path / "out")
    [back] = load_catalogue(tmp_path / "out")
    assert back.to_json() == matter.to_json()
    assert (tmp_path / "out" / "TEST.edge_1.toml").exists()


def test_a_value_holding_its_cells_separator_is_not_exported(tmp_path: Path) -> None:
    [matter] = load_catalogue_text(EDGE.replace('["甲", "乙"]', '["甲、乙", "乙"]', 1)
                                   .replace('choice = ["甲", "乙"]', 'choice = ["乙"]'),
                                   "edge.toml")
    with pytest.raises(ValueNotExpressible) as caught:
        export_workbook([matter], tmp_path / "edge.xlsx")
    assert "“甲、乙”含有分隔符“、”" in i18n.render(caught.value)
    assert not (tmp_path / "edge.xlsx").exists()


# -- any text a county may type comes back as it was ------------------------------------

_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"),
                       include_characters="\n\t") | st.sampled_from("=、；“”'\"#[]{}\\ 　")
_TEXT = st.text(_CHARS, min_size=1, max_size=40).map(str.strip).filter(bool)


def _item(forbidden: str) -> st.SearchStrategy[str]:
    return _TEXT.map(lambda t: "".join(c for c in t if c not in forbidden).strip()).filter(bool)


@settings(max_examples=20, deadline=None)
@example(name="=A1 像公式", basis=" 前后有空格 ".strip(), note="一行\n二行\t制表", office="村委会",
         conditions=["甲；乙", "“引号”"], options=["是", "否"], legal=30, share=0.5,
         low=0.30000000000000004)
@given(name=_TEXT, basis=_TEXT, note=_TEXT, office=_item("、\n"),
       conditions=st.lists(_item("\n"), min_size=1, max_size=4, unique=True),
       options=st.lists(_item("、\n"), min_size=1, max_size=5, unique=True),
       legal=st.integers(0, 400), share=st.floats(0, 1), low=st.floats(-1e6, 1e6))
def test_any_text_survives_the_round_trip(name: str, basis: str, note: str, office: str,
                                         conditions: list[str], options: list[str],
                                         legal: int, share: float, low: float) -> None:
    data = tomllib.loads(EDGE)
    matter = data["matter"][0]
    del matter["kind"]
    matter.update(name=name, legal_basis=basis, offices=[office], acceptance_conditions=conditions,
                  legal_days=legal, promised_days=int(legal * share))
    matter["procedure"][0]["office"] = office
    matter["materials"][0]["note"] = note
    matter["fields"][0]["options"] = options
    matter["fields"][2]["visible_when"] = {"choice": options[-1:]}
    matter["fields"][2].update(min=low, max=low + 1)
    matter["materials"][1]["required_when"] = {"choice": options[:1], "other": ["丙"]}
    [original] = load_catalogue_text(matter_file(matter), "random.toml")
    with tempfile.TemporaryDirectory() as folder:
        export_workbook([original], Path(folder) / "x.xlsx")
        import_workbook(Path(folder) / "x.xlsx", Path(folder) / "out")
        [back] = load_catalogue(Path(folder) / "out")
    assert back.to_json() == original.to_json()


def test_a_control_character_is_not_exported(tmp_path: Path) -> None:
    [matter] = load_catalogue_text(EDGE.replace("第一行\\n第二行", "第一行\\u0007"), "e.toml")
    assert "\x07" in (matter.materials[0].note or "")
    with pytest.raises(ValueControlCharacter) as caught:
        export_workbook([matter], tmp_path / "x.xlsx")
    assert "备注" in i18n.render(caught.value) and not (tmp_path / "x.xlsx").exists()
