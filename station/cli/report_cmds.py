"""station report monthly: the 月通报 of a month, as a summary, JSON, PDF or Excel."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from station.cli.context import emit, opened
from station.i18n import _
from station.supervision.figures import COUNTY, STATION, TOWNSHIP

if TYPE_CHECKING:
    from station.supervision.figures import MonthlyReport

SCOPES = (COUNTY, TOWNSHIP, STATION)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser("report", parents=[common], help=_("统计报表（乡镇、县）"))
    cmds = report.add_subparsers(dest="report_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("monthly", parents=[common],
                        help=_("月通报：按乡镇、站点、科室、事项统计一个月的办件"))
    p.add_argument("--month", required=True, metavar="YYYY-MM", help=_("月份，例如 2026-11"))
    p.add_argument("--scope", choices=SCOPES, default=None,
                   help=_("范围：county 全县、township 一个乡镇、station 一个站点"
                          "（默认：本站所辖范围）"))
    p.add_argument("--code", default=None,
                   help=_("乡镇或站点的编码（--scope 为 township 或 station 时必填）"))
    p.add_argument("--db", default=None, help=_("枢纽站数据库地址（默认：数据目录中的 SQLite）"))
    p.add_argument("--out", type=Path, default=None, metavar="FILE.pdf",
                   help=_("把月通报打印为 PDF 文件"))
    p.add_argument("--xlsx", type=Path, default=None, metavar="FILE.xlsx",
                   help=_("把月通报导出为 Excel 文件"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_monthly)


def run_monthly(args: argparse.Namespace) -> int:
    from station.supervision import service

    with opened(args) as station:
        report = service.monthly(station, args.month, args.scope, args.code, args.db)
        issuer_name, issuer_code = station.node.name, station.node.code
        made_by = station.display_name(station.user)
    written: dict[str, str] = {}
    if args.out is not None:
        from station.supervision.report_pdf import Issuer, write_monthly_pdf

        written["pdf"] = str(write_monthly_pdf(report, args.out,
                                               Issuer(issuer_name, issuer_code, made_by)))
    if args.xlsx is not None:
        from station.supervision.report_xlsx import write_monthly_xlsx

        written["xlsx"] = str(write_monthly_xlsx(report, args.xlsx))
    lines = [summary(report)]
    if "pdf" in written:
        lines.append(_("月通报已保存：{path}").format(path=written["pdf"]))
    if "xlsx" in written:
        lines.append(_("Excel 表已保存：{path}").format(path=written["xlsx"]))
    emit(args, {**report.to_json(), **written}, "\n".join(lines))
    return 0


def summary(report: MonthlyReport) -> str:
    """A few Chinese lines: the totals of the month, and how many rows each table has."""
    from station.supervision.columns import percent, report_title


    total = report.total
    lines = [
        _("{title}（统计截至 {as_of}）").format(title=report_title(report),
                                          as_of=report.as_of.isoformat()),
        _("受理 {received} 件，办结 {decided} 件，月末在办 {open} 件；办结率 {decided_rate}，"
          "按时办结率 {on_time_rate}，超期 {overdue} 件；满意率 {satisfaction}。").format(
            received=total.received, decided=total.decided, open=total.open_at_end,
            decided_rate=percent(total.decided_rate), on_time_rate=percent(total.on_time_rate),
            overdue=total.overdue, satisfaction=percent(total.satisfaction_rate)),
        _("乡镇 {townships} 个，站点 {stations} 个，科室 {offices} 个，事项 {matters} 项。").format(
            townships=len(report.townships), stations=len(report.stations),
            offices=len(report.offices), matters=len(report.matters)),
    ]
    if report.provisional:
        lines.append(_("注意：部分到期日所在年份的调休安排尚未公布，数字为暂定。"))
    return "\n".join(lines)
