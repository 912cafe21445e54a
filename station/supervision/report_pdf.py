"""月通报 printed: the monthly report as a county clerk files it.

The title names the scope and the month; then the totals, a table per township,
station, office and matter, the offices ranked by 按时办结率, the twelve-month trend,
three charts (``charts``) and one line per definition.  Rates are percentages with
one decimal, "—" when there was nothing to divide.  The report holds no personal data
(it is computed from event headers), so neither does the file.  Written atomically,
like every printed document.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, Table, TableStyle

from station.documents.fonts import cjk_font
from station.documents.layout import (
    CONTENT_WIDTH,
    Styles,
    format_date,
    format_datetime,
    gap,
    grid_table,
    heading,
    paired_field_table,
    para,
    signature_lines,
    styles,
    table,
)
from station.documents.pdf import build_pdf
from station.i18n import _, language, translate
from station.supervision import charts
from station.supervision import columns as col
from station.supervision.columns import (
    DEFINITIONS,
    Column,
    month_label,
    ranked,
    report_title,
    shortened,
)
from station.supervision.figures import COUNTY, Figures, MonthlyReport, Row

__all__ = ["Issuer", "report_title", "write_monthly_pdf"]

STATIONS_ALL = 20  # up to this many stations are listed whole; more: the first and last ten
STATIONS_EACH_END = 10
NAME_WIDTH = 32 * mm
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Issuer:
    """Who prints the report: the footer's station and the document's author."""

    name: str
    code: str
    made_by: str = ""


def write_monthly_pdf(report: MonthlyReport, path: Path, issuer: Issuer | None = None) -> Path:
    """Print ``report`` to ``path`` (PDF, written atomically); return ``path``."""
    report = shortened(report)
    style = styles(cjk_font())
    small = replace(style, cell=ParagraphStyle("cell-small", style.cell, fontSize=8.5,
                                               leading=11))
    who = issuer or Issuer(report.scope.name, report.scope.code)
    title = report_title(report)
    story: list[Flowable] = [para(title, style.title), para(_subtitle(report), style.subtitle),
                             gap(3 * mm)]
    if report.provisional:
        story.append(_note(_("本月部分办件的到期日落在国务院尚未公布放假调休安排的年份，"
                             "暂按周一至周五为工作日计算；相关数字为暂定，公布后会重新计算。"),
                           style))
    sections = _sections(report, style, small)
    for number, (name, body) in enumerate(sections):
        story.append(KeepTogether([heading(_numbered(number, name), style), body[0]]))
        story += body[1:]
    story += [gap(8 * mm), signature_lines([_("制表："), _("审核："), _("日期：")], style)]
    subject = _("制表人：{user}").format(user=who.made_by) if who.made_by else title
    return build_pdf(path, story, title=title, station_name=who.name, station_code=who.code,
                     subject=subject, font=style.font)


def _numbered(number: int, name: str) -> str:
    """"一、总体情况" in Chinese, "1. Overview" in English."""
    return f"{NUMERALS[number]}、{name}" if language() == "zh" else f"{number + 1}. {name}"


def _subtitle(report: MonthlyReport) -> str:
    return _("统计期间：{first}至{last}　统计截至：{as_of}　生成：{made}").format(
        first=format_date(report.first_day), last=format_date(report.last_day),
        as_of=format_date(report.as_of), made=format_datetime(report.made_at.astimezone()))


def _note(text: str, style: Styles) -> Flowable:
    return table([[para(text, style.body)]], [CONTENT_WIDTH], style, [
        ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#b58105")),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fff6d6")),
        ("TOPPADDING", (0, 0), (-1, -1), 2 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm)])


def _sections(report: MonthlyReport, style: Styles,
              small: Styles) -> list[tuple[str, list[Flowable]]]:
    found: list[tuple[str, list[Flowable]]] = [
        (_("总体情况"), [paired_field_table(summary_pairs(report.total), style, CONTENT_WIDTH)])]
    if report.scope.kind == COUNTY or report.townships:
        found.append((_("各乡镇情况"), [
            _chart(charts.township_bars(report.townships)), gap(2 * mm),
            _figures_table(report.townships, small)]))
    found.append((_("各站点情况"), _stations(report.stations, small)))
    found.append((_("各科室情况"), [
        _figures_table(report.offices, small), gap(3 * mm),
        _chart(charts.office_ranking(report.offices)), gap(2 * mm),
        _ranking_table(report.offices, small)]))
    found.append((_("各事项情况"), [_figures_table(report.matters, small)]))
    found.append((_("近12个月趋势"), [
        _chart(charts.trend_lines(report.trend)), gap(2 * mm), _trend_table(report.trend, small)]))
    found.append((_("指标说明"), [para(translate(line), style.small) for line in DEFINITIONS]))
    return found


def summary_pairs(total: Figures) -> list[list[tuple[str, str]]]:
    """The totals as label / value pairs, two to a line (the PDF's and the screen's)."""
    def pair(column: Column) -> tuple[str, str]:
        return column.title, column.text(total)

    def counted(count: Column, share: Column) -> tuple[str, str]:
        return count.title, _("{count} 件（{share}）").format(count=count.text(total),
                                                          share=share.text(total))

    return [
        [pair(col.RECEIVED), pair(col.DECIDED)],
        [pair(col.OPEN_AT_END), pair(col.DECIDED_RATE)],
        [pair(col.ON_TIME_RATE), pair(col.OVERDUE)],
        [pair(col.LONGEST), pair(col.AVERAGE)],
        [pair(col.P90), counted(col.INSTANT, col.INSTANT_SHARE)],
        [counted(col.SUPPLEMENTED, col.SUPPLEMENT_RATE), pair(col.WITHDRAWN)],
        [pair(col.REFUSED), pair(col.SATISFACTION)],
        [pair(col.RATED_GOOD), pair(col.RATED_POOR)],
        [pair(col.CALLED), pair(col.FIXED)],
    ]


def _chart(png: bytes) -> Flowable:
    width, height = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=CONTENT_WIDTH, height=CONTENT_WIDTH * height / width)


def _nothing(style: Styles) -> Flowable:
    return para(_("本月没有数据。"), style.body)


def _widths(count: int, name_width: float = NAME_WIDTH) -> list[float]:
    return [name_width, *[(CONTENT_WIDTH - name_width) / count] * count]


def _figures_table(rows: Sequence[Row], style: Styles,
                   shown: Sequence[Column] = col.PRINTED) -> Flowable:
    if not rows:
        return _nothing(style)
    header = [_("名称"), *[c.title for c in shown]]
    body = [[row.name, *[c.text(row.figures) for c in shown]] for row in rows]
    return _narrow(grid_table(header, body, style, _widths(len(shown)),
                              centred=range(1, len(shown) + 1)))


def _narrow(grid: Table) -> Table:
    """Less padding in a table of many figures: a five-character heading keeps one line."""
    grid.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 3),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
    return grid


def _stations(rows: Sequence[Row], style: Styles) -> list[Flowable]:
    if len(rows) <= STATIONS_ALL:
        return [_figures_table(rows, style)]
    order = ranked(rows)
    if len(order) <= 2 * STATIONS_EACH_END:
        return [_figures_table(order, style),
                para(_("另有 {count} 个站点本月没有办结的办件。").format(
                    count=len(rows) - len(order)), style.small)]
    return [para(_("共 {count} 个站点，按按时办结率排列，列出前 {each} 名和后 {each} 名；"
                   "全部站点见 Excel 表。").format(count=len(rows), each=STATIONS_EACH_END),
                 style.small),
            heading(_("按时办结率前 {each} 名").format(each=STATIONS_EACH_END), style),
            _figures_table(order[:STATIONS_EACH_END], style),
            heading(_("按时办结率后 {each} 名").format(each=STATIONS_EACH_END), style),
            _figures_table(order[-STATIONS_EACH_END:], style)]


def _ranking_table(rows: Sequence[Row], style: Styles) -> Flowable:
    order = ranked(rows)
    if not order:
        return para(_("本月没有办结的办件，不排名。"), style.body)
    shown = (col.ON_TIME_RATE, col.DECIDED, col.OVERDUE, col.AVERAGE, col.SATISFACTION)
    header = [_("排名"), _("科室"), *[c.title for c in shown]]
    body = [[str(rank), row.name, *[c.text(row.figures) for c in shown]]
            for rank, row in enumerate(order, 1)]
    rank_width = 12 * mm
    rest = (CONTENT_WIDTH - rank_width - 48 * mm) / len(shown)
    return _narrow(grid_table(header, body, style, [rank_width, 48 * mm, *[rest] * len(shown)],
                              centred=[0, *range(2, len(shown) + 2)]))


def _trend_table(trend: Sequence[tuple[str, Figures]], style: Styles) -> Flowable:
    if not trend:
        return _nothing(style)
    header = [_("月份"), *[c.title for c in col.TREND]]
    body = [[month_label(month), *[c.text(figures) for c in col.TREND]]
            for month, figures in trend]
    return _narrow(grid_table(header, body, style, _widths(len(col.TREND), 28 * mm),
                              centred=range(0, len(col.TREND) + 1)))
