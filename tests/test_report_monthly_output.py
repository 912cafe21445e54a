"""月通报 printed and exported: the PDF read back with poppler, the workbook with openpyxl.

The reports are built by hand (``monthly_sample``): the renderers' figures are checked
against numbers known in advance, and no personal value can appear in either file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from monthly_sample import MADONG, SHILONG, sample_report
from openpyxl import load_workbook

from station.supervision.charts import office_ranking, township_bars, trend_lines
from station.supervision.columns import days, percent, report_title
from station.supervision.report_pdf import Issuer, write_monthly_pdf
from station.supervision.report_xlsx import write_monthly_xlsx

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def poppler(tool: str, *args: str | Path) -> str:
    assert shutil.which(tool), f"{tool} is not installed (apt: poppler-utils; bash run.sh test)"
    return subprocess.run([tool, *map(str, args)], check=True, capture_output=True,
                          text=True).stdout


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def no_personal_data(text: str) -> None:
    assert not ID_NUMBER.search(text), ID_NUMBER.search(text)
    assert not PHONE.search(text), PHONE.search(text)


def test_a_rate_is_a_percentage_with_one_decimal_rounded_half_up() -> None:
    assert percent(42 / 45) == "93.3%"
    assert percent(0.9) == "90.0%"
    assert percent(1.0) == "100.0%"
    assert percent(0.0) == "0.0%"
    assert percent(None) == "—"
    assert percent(0.12345) == "12.3%"
    assert percent(0.00125) == "0.1%"  # half up, not half to even
    assert days(7.25) == "7.3"
    assert days(None) == "—"


def test_printed_names_drop_the_centre_and_the_report_s_own_area() -> None:
    from station.supervision.columns import area_name, short_name

    assert area_name("桂平市政务服务中心") == "桂平市"
    assert area_name("示范村便民服务站") == "示范村"
    assert area_name("服务站") == "服务站"  # nothing would be left
    assert short_name("桂平市示范镇便民服务中心 民政办", "桂平市") == "示范镇 民政办"
    assert short_name("桂平市政务服务中心 民政局", "桂平市") == "桂平市 民政局"
    assert short_name("临时救助申请", "桂平市") == "临时救助申请"


def test_the_pdf_reads_back_with_its_figures_font_and_three_charts(tmp_path: Path) -> None:
    report = sample_report()
    path = write_monthly_pdf(report, tmp_path / "out" / "月通报.pdf",
                             Issuer("桂平市政务服务中心", "450981000000", "县管理员"))
    assert [p.name for p in path.parent.iterdir()] == ["月通报.pdf"]  # no temporary left over
    text = poppler("pdftotext", "-layout", path, "-")
    flat = squeezed(text)
    assert report_title(report) == "桂平市政务服务 2026年11月 月通报"
    assert "桂平市政务服务2026年11月月通报" in flat
    assert "统计截至：2026年11月30日" in flat
    for section in ("一、总体情况", "二、各乡镇情况", "三、各站点情况", "四、各科室情况",
                    "五、各事项情况", "六、近12个月趋势", "七、指标说明"):
        assert section in flat, section
    # 石龙镇's line: 受理 48, 办结 45, 在办 5, 办结率 90.0 %, 按时办结率 93.3 %, 超期 4,
    # 平均用时 7.3 (7.25 rounded half up), 满意率 90.0 %
    line = next(row for row in text.splitlines() if row.strip().startswith("石龙镇 ")
                and "48" in row)
    assert line.split()[1:] == ["48", "45", "5", "90.0%", "93.3%", "4", "7.3", "90.0%"], line
    # 麻垌镇 decided nothing: its 按时办结率 and 平均用时 are "—", never 0 %
    line = next(row for row in text.splitlines() if row.strip().startswith("麻垌镇"))
    assert line.split()[1:] == ["3", "0", "3", "0.0%", "—", "0", "—", "—"], line
    assert "按时办结率93.3%" in flat and "办结率84.9%" in flat  # the totals: 45 / 53
    assert "补齐补正12件（23.5%）" in flat
    # the office ranking: 桂平市民政局 (5 of 5) first, 麻垌镇 社保所 (nothing decided) left out
    ranking = text[text.index("排名"):]
    assert ranking.index("桂平市民政局") < ranking.index("石龙镇 民政办") < \
        ranking.index("石龙镇 农业农村办")
    assert "麻垌镇 社保所" not in ranking[:ranking.index("五、")]
    assert "2025年12月" in text and "完整口径见《统计口径说明》" in flat
    assert "桂平市政务服务中心（站点编码450981000000）" in flat  # the footer: who printed it
    assert "暂定" not in flat  # not provisional
    no_personal_data(text)
    fonts = poppler("pdffonts", path).splitlines()[2:]
    assert fonts and all("WenQuanYi" in f and f.split()[-5] == "yes" for f in fonts), fonts
    images = [line.split() for line in poppler("pdfimages", "-list", path).splitlines()[2:]]
    assert [row[2] for row in images] == ["image"] * 3, images  # three charts, opaque
    assert all(int(row[3]) >= 1200 and int(row[12]) >= 190 for row in images), images  # ≥190 dpi


def test_many_stations_print_the_first_and_last_ten_and_a_provisional_note(
        tmp_path: Path) -> None:
    report = sample_report(stations=25, provisional=True)
    text = poppler("pdftotext", "-layout", write_monthly_pdf(report, tmp_path / "m.pdf"), "-")
    flat = squeezed(text)
    assert "共25个站点" in flat and "按时办结率前10名" in flat and "按时办结率后10名" in flat
    stations = text[text.index("三、各站点情况"):text.index("四、各科室情况")]
    shown = re.findall(r"示范(\d+)村", stations)
    assert len(shown) == 20
    # 示范3村 (10 of 13 on time) is the last; 示范24村 (34 of 34, the most) the first
    assert shown[0] == "24" and shown[-1] == "3"
    assert "数字为暂定" in flat
    assert "桂平市（站点编码450981000000）" in flat  # no issuer: the scope's own name


def test_a_month_without_cases_still_prints(tmp_path: Path) -> None:
    from dataclasses import replace

    from station.supervision.figures import Figures

    empty = replace(sample_report(), total=Figures(), townships=[], stations=[], offices=[],
                    matters=[], trend=[])
    text = squeezed(poppler("pdftotext", write_monthly_pdf(empty, tmp_path / "e.pdf"), "-"))
    assert "本月没有数据。" in text and "本月没有办结的办件，不排名。" in text
    assert len(poppler("pdfimages", "-list", tmp_path / "e.pdf").splitlines()[2:]) == 3


def test_the_charts_are_png_images_drawn_in_the_embedded_font() -> None:
    from PIL import Image

    report = sample_report()
    for png in (township_bars(report.townships), trend_lines(report.trend),
                office_ranking(report.offices)):
        assert png.startswith(b"\x89PNG")
        import io

        with Image.open(io.BytesIO(png)) as image:
            assert image.mode == "RGB" and image.width >= 1200


def test_matplotlib_is_not_imported_by_the_command_line() -> None:
    import sys

    done = subprocess.run([sys.executable, "-c",
                           "import sys, station.cli.main\n"
                           "print('matplotlib' in sys.modules, 'openpyxl' in sys.modules)"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_the_workbook_has_a_sheet_per_table_with_real_numbers(tmp_path: Path) -> None:
    report = sample_report()
    path = write_monthly_xlsx(report, tmp_path / "out" / "月通报.xlsx")
    assert [p.name for p in path.parent.iterdir()] == ["月通报.xlsx"]
    book = load_workbook(path)
    assert book.sheetnames == ["汇总", "乡镇", "站点", "科室", "事项", "月度趋势"]
    sheet = book["乡镇"]
    assert sheet["A1"].value == "桂平市政务服务 2026年11月 月通报\u3000乡镇"
    assert sheet["A1"].font.bold
    assert "统计截至：2026年11月30日" in sheet["A2"].value
    header = [c.value for c in sheet[3]]
    assert header[:8] == ["乡镇编码", "名称", "受理量", "办结量", "月末在办", "办结率", "按时办结",
                          "按时办结率"]
    assert all(c.font.bold and c.fill.start_color.rgb.endswith("D9E1F2") for c in sheet[3])
    assert sheet.freeze_panes == "C4"
    rows = {row[0].value: {h: c for h, c in zip(header, row, strict=True)}
            for row in sheet.iter_rows(min_row=4)}
    shilong = rows[SHILONG]
    assert shilong["名称"].value == "石龙镇"
    assert [shilong[h].value for h in ("受理量", "办结量", "月末在办")] == [48, 45, 5]
    rate = shilong["按时办结率"]
    assert isinstance(rate.value, float) and rate.value == pytest.approx(42 / 45)
    assert rate.number_format == "0.0%"
    assert shilong["办结率"].value == pytest.approx(0.9)
    assert shilong["办结率"].number_format == "0.0%"
    assert shilong["平均用时"].value == 7.25 and shilong["平均用时"].number_format == "0.0"
    assert rows[MADONG]["按时办结率"].value == "—"  # nothing decided: not 0 %
    assert sheet.column_dimensions["B"].width >= 8
    summary = book["汇总"]
    values = {row[0].value: row[1] for row in summary.iter_rows(min_row=4) if row[0].value}
    assert values["受理量"].value == 51 and values["按时办结率"].number_format == "0.0%"
    assert values["按时办结率"].value == pytest.approx(42 / 45)
    assert "指标说明" in values
    trend = book["月度趋势"]
    # only what is counted for every month: no 月末在办, so no 办结率 of 100 % by default
    assert [c.value for c in trend[3]] == ["月份", "受理量", "办结量", "按时办结", "按时办结率",
                                           "满意率"]
    months = [row[0].value for row in trend.iter_rows(min_row=4)]
    assert months[0] == "2025年12月" and months[-1] == "2026年11月" and len(months) == 12
    stations = book["站点"]
    assert stations.max_row == 3 + len(report.stations)
    for sheet in book.worksheets:  # nothing that looks like an ID number or a phone
        for row in sheet.iter_rows(values_only=True):
            no_personal_data(" ".join("" if v is None else str(v) for v in row))


def test_a_file_in_a_folder_that_cannot_be_written_is_a_chinese_error(tmp_path: Path) -> None:
    from station.errors import DocumentFolderUnwritable

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DocumentFolderUnwritable) as caught:
        write_monthly_xlsx(sample_report(), blocker / "月通报.xlsx")
    assert "路径中有同名文件" in str(caught.value)
    with pytest.raises(DocumentFolderUnwritable):
        write_monthly_pdf(sample_report(), blocker / "月通报.pdf")


# -- the command, through a real subprocess, over a real hub database ------------------

@pytest.fixture
def county(tmp_path: Path) -> dict[str, str]:
    """A county station whose hub database (beside it) holds the known November sample."""
    import supervision_data as data
    from cli import station as run_station
    from conftest import PASSPHRASE

    env = {"STATION_DATA": str(tmp_path / "county"), "STATION_PASSPHRASE": PASSPHRASE,
           "STATION_DOCUMENTS": str(tmp_path / "documents")}
    made = run_station("init", "--tier", "county", "--code", data.COUNTY,
                       "--name", data.NAMES[data.COUNTY], env=env)
    assert made.code == 0, made.err
    db = data.hub_database(None, tmp_path / "county" / "hub.db")
    data.write_cases(db, data.KNOWN)
    db.close()
    return env


def test_the_command_prints_a_summary_and_json(county: dict[str, str]) -> None:
    import supervision_data as data
    from cli import station as run_station

    done = run_station("report", "monthly", "--month", "2026-11", env=county)
    assert done.code == 0, done.err
    # the hand count (tests/test_supervision_monthly.py): 8 received, 6 decided, 1 open,
    # 5 on time, 2 overdue, satisfied 2 of 4
    assert "桂平市政务服务 2026年11月 月通报" in done.out  # the area, not its centre's name
    assert "受理 8 件，办结 6 件，月末在办 1 件；办结率 85.7%，按时办结率 83.3%，超期 2 件；" \
        "满意率 50.0%。" in done.out
    assert "乡镇 2 个，站点 3 个" in done.out
    value = run_station("report", "monthly", "--month", "2026-11", "--json", env=county).json()
    assert value["month"] == "2026-11" and value["total"]["received"] == 8
    assert value["total"]["on_time_rate"] == pytest.approx(5 / 6)
    assert {row["key"] for row in value["townships"]} == {data.T1, data.T2}
    assert "pdf" not in value and "xlsx" not in value
    shilong = run_station("report", "monthly", "--month", "2026-11", "--scope", "township",
                          "--code", data.T2, "--json", env=county).json()
    assert shilong["scope"]["kind"] == "township" and shilong["total"]["received"] == 2


def test_the_command_writes_the_pdf_and_the_workbook(county: dict[str, str],
                                                     tmp_path: Path) -> None:
    from cli import station as run_station

    pdf, xlsx = tmp_path / "out" / "月通报.pdf", tmp_path / "out" / "月通报.xlsx"
    done = run_station("report", "monthly", "--month", "2026-11", "--out", pdf, "--xlsx", xlsx,
                       "--json", env=county)
    assert done.code == 0, done.err
    assert done.json()["pdf"] == str(pdf) and done.json()["xlsx"] == str(xlsx)
    text = poppler("pdftotext", "-layout", pdf, "-")
    flat = squeezed(text)
    assert "按时办结率83.3%" in flat and "办结率85.7%" in flat and "满意率50.0%" in flat
    assert "桂平市政务服务中心（站点编码450981000000）" in flat
    # printed names: 桂平市示范镇便民服务中心 民政办 → 示范镇 民政办 (4 decided, 3 on time)
    line = next(row for row in text.splitlines() if row.strip().startswith("3 ")
                and "示范镇 民政办" in row)
    assert "75.0%" in line.split() and "桂平市示范镇" not in text.split("二、")[1]
    # the trend: October (B and M received, M decided on time), then November
    trend = [row.split() for row in text.splitlines() if row.strip().startswith("2026年1")]
    assert trend[-2:] == [["2026年10月", "2", "1", "1", "100.0%", "—"],
                          ["2026年11月", "8", "6", "5", "83.3%", "50.0%"]], trend
    no_personal_data(text)
    assert len(poppler("pdfimages", "-list", pdf).splitlines()[2:]) == 3
    book = load_workbook(xlsx)
    summary = {row[0].value: row[1].value for row in book["汇总"].iter_rows(min_row=4)}
    assert summary["受理量"] == 8 and summary["按时办结率"] == pytest.approx(5 / 6)
    words = run_station("report", "monthly", "--month", "2026-11", "--out", pdf, env=county)
    assert f"月通报已保存：{pdf}" in words.out


@pytest.mark.parametrize("month", ["2026-13", "abc"])
def test_a_bad_month_exits_4_in_chinese_and_writes_nothing(
        county: dict[str, str], tmp_path: Path, month: str) -> None:
    from cli import station as run_station

    out = tmp_path / "out"
    done = run_station("report", "monthly", "--month", month, "--out", out / "m.pdf",
                       "--xlsx", out / "m.xlsx", env=county)
    assert done.code == 4, done.err
    assert f"月份“{month}”不正确" in done.err and "年-月" in done.err
    assert done.out == "" and not out.exists()
