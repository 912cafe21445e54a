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

import zipfile
from pathlib import Path

import msoffcrypto.format.ooxml
import openpyxl
import pytest
from cli import snapshot, station
from excel_sheets import MATTER_CELLS, fill, headers, plant_ten_mistakes

from forms.catalogue import load_catalogue
from forms.workbook_errors import (
    CellError,
    CellMerged,
    CellNegative,
    CellNotChoice,
    CellNotInteger,
    CellRequired,
    ColumnMissing,
    ConditionUnknownField,
    MatterCodeRepeated,
    MatterCodeUnknown,
    PromisedOverLegalDays,
    SheetMissing,
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
