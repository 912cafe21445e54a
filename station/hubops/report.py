"""同步审计报告: the county's audit of its hub, printed.

The summary of ``audit_hub`` (every node's chain verified from origin), a
table of every station's health, each problem found in words, and the
failed sync sessions.  Written atomically into the documents folder, like
every printed document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from station.app import Station
from station.documents.fonts import cjk_font
from station.documents.layout import (
    CONTENT_WIDTH,
    Styles,
    field_table,
    format_datetime,
    gap,
    grid_table,
    heading,
    para,
    signature_lines,
    styles,
)
from station.documents.pdf import build_pdf
from station.hubops.audit import (
    HubAudit,
    SessionFilter,
    SessionRow,
    StationHealth,
    audit_hub,
    open_hub_database,
    problem_list,
    read_sessions,
)
from station.i18n import N_, _, translate
from station.outbox import local_time

__all__ = ["AuditReportInfo", "make_audit_report", "report_name", "write_audit_report"]

REPORT_NAME = "同步审计报告-{code}-{stamp}.pdf"  # a file name, the same in every language
FAILED_SHOWN = 30
TIERS = {"county": N_("县"), "township": N_("乡镇"), "village": N_("村")}
PROBLEM_TEXT = {
    "forks": N_("站点 {node} 第 {seq} 条事件出现两个不同版本（分叉），两份均已留作证据。"),
    "gaps": N_("站点 {node} 缺少第 {first} 至第 {last} 条事件（缺口）。"),
    "broken_links": N_("站点 {node} 第 {seq} 条事件与前一条的哈希链接不符（链断裂）。"),
    "bad_signatures": N_("站点 {node} 第 {seq} 条事件的签名无效。"),
    "lost_in_transit": N_("站点 {node} 持有 {receipted_by} 签发的回执（确认到第 {up_to_seq} 条），"
                          "但县级枢纽站没有这条事件（途中丢失）。"),
    "flagged": N_("站点 {node} 第 {seq} 条事件（办件 {case_no}，{type}）在办件处于“{state}”时"
                  "不合办理流程：已留存并标记，未计入办件状态。"),
}


@dataclass(frozen=True)
class AuditReportInfo:
    audit: HubAudit
    failed_sessions: Sequence[SessionRow]
    hub_name: str
    hub_code: str
    made_by: str


def report_name(code: str, moment: datetime) -> str:
    return REPORT_NAME.format(code=code, stamp=f"{moment:%Y%m%d-%H%M%S}")


def report_path(station: Station, moment: datetime) -> Path:
    return station.documents / report_name(station.node.code, moment)


def tier_label(tier: str) -> str:
    return translate(TIERS[tier]) if tier in TIERS else tier


def health_label(row: StationHealth) -> str:
    if not row.ok:
        return _("有问题")
    if row.silent:
        return _("失联") if row.silent_days is None else \
            _("失联 {days} 天").format(days=row.silent_days)
    return _("正常")


def problem_sentences(audit: HubAudit) -> list[str]:
    lines = [translate(PROBLEM_TEXT[p["kind"]]).format_map(p) for p in problem_list(audit.report)]
    for row in audit.stations:
        if row.silent:
            lines.append(_("站点 {code}（{name}）从未同步。").format(code=row.code, name=row.name)
                         if row.silent_days is None else
                         _("站点 {code}（{name}）已 {days} 天未同步（超过 {limit} 天）。").format(
                             code=row.code, name=row.name, days=row.silent_days,
                             limit=audit.silent_limit))
    return lines


def write_audit_report(info: AuditReportInfo, path: Path) -> Path:
    """Print the audit report to ``path`` (PDF, written atomically); return ``path``."""
    style = styles(cjk_font())
    small = replace(style, cell=ParagraphStyle("cell-small", style.cell, fontSize=8.5,
                                               leading=11))
    audit = info.audit
    title = _("同步审计报告")
    verdict = _("核验通过：全部事件链完整，未发现分叉、缺口、签名无效或途中丢失。") \
        if audit.report.ok else _("发现问题：请核查下列站点，并联系相关站点管理员。")
    if audit.report.flagged:
        verdict += _("另有 {count} 条事件不合办理流程，已留存但未计入办件状态，"
                     "见“发现的问题”。").format(count=len(audit.report.flagged))
    silent = sum(1 for row in audit.stations if row.silent)
    if silent:
        verdict += _("另有 {count} 个村站超过 {days} 天未同步，见“发现的问题”。").format(
            count=silent, days=audit.silent_limit)
    story: list[Flowable] = [
        para(title, style.title),
        para(_("{hub}（{code}）· {time}").format(hub=info.hub_name, code=info.hub_code,
                                               time=format_datetime(audit.made_at.astimezone())),
             style.subtitle),
        gap(4 * mm),
        para(verdict, style.body),
        heading(_("审计摘要"), style),
        field_table(_summary_rows(audit), style, CONTENT_WIDTH),
        heading(_("各站点状况"), style),
        _stations_table(audit.stations, small),
        heading(_("发现的问题"), style),
        *[para(f"{i}. {line}", style.body) for i, line in enumerate(problem_sentences(audit), 1)],
    ]
    if not problem_sentences(audit):
        story.append(para(_("未发现问题。"), style.body))
    story += [heading(_("失败的同步会话"), style), *_failed(info.failed_sessions, small)]
    story += [gap(8 * mm), signature_lines([_("审计人（签字）："), _("日期：")], style)]
    return build_pdf(path, story, title=title, station_name=info.hub_name,
                     station_code=info.hub_code, subject=_("审计人：{user}").format(
                         user=info.made_by), font=style.font)


def _summary_rows(audit: HubAudit) -> list[tuple[str, str]]:
    value: dict[str, Any] = audit.summary()
    return [
        (_("站点数"), str(value["nodes"])),
        (_("事件数"), str(value["events"])),
        (_("同步会话"), _("{count} 次，其中失败 {failed} 次").format(
            count=value["sessions"], failed=value["failed_sessions"])),
        (_("分叉"), str(value["forks"])),
        (_("缺口"), str(value["gaps"])),
        (_("链断裂"), str(value["broken_links"])),
        (_("签名无效"), str(value["bad_signatures"])),
        (_("途中丢失"), str(value["lost_in_transit"])),
        (_("不合流程"), str(value["flagged"])),
        (_("失联站点"), _("{count} 个（超过 {days} 天未同步）").format(
            count=value["silent_stations"], days=value["silent_days"])),
    ]


def _stations_table(rows: Sequence[StationHealth], style: Styles) -> Flowable:
    header = [_("站点编码"), _("名称"), _("层级"), _("最近同步"), _("事件"), _("高水位"),
              _("分叉"), _("缺口"), _("签名无效"), _("途中丢失"), _("状况")]
    body = [[row.code, row.name or "—", tier_label(row.tier),
             local_time(row.last_seen)[:16] if row.last_seen else _("从未"),
             str(row.events), str(row.high_water), str(row.problems.get("forks", 0)),
             str(row.problems.get("gaps", 0)), str(row.problems.get("bad_signatures", 0)),
             str(row.problems.get("lost_in_transit", 0)), health_label(row)] for row in rows]
    widths = [m * mm for m in (25, 28, 12, 22, 11, 13, 11, 11, 12, 12, 17)]
    return grid_table(header, body, style, widths, centred=range(4, 10))


def _failed(rows: Sequence[SessionRow], style: Styles) -> list[Flowable]:
    if not rows:
        return [para(_("没有失败的同步会话。"), style.body)]
    body = [[local_time(r.started_at)[:16], f"{r.peer} {r.name}".strip(), r.error or "—"]
            for r in rows[:FAILED_SHOWN]]
    table = grid_table([_("时间"), _("站点"), _("错误")], body, style,
                       [m * mm for m in (28, 46, CONTENT_WIDTH / mm - 74)])
    return [table]


def make_audit_report(station: Station, db_url: str | None = None, silent_days: int = 7,
                      out: Path | None = None) -> tuple[Path, HubAudit]:
    """Audit the hub beside this county node (or at ``db_url``) and print the report."""
    db = open_hub_database(station, db_url)
    audit = audit_hub(db, silent_days)
    failed = read_sessions(db, SessionFilter(result="error"), FAILED_SHOWN)
    info = AuditReportInfo(audit, failed, station.node.name, station.node.code,
                           station.display_name(station.user))
    path = out or report_path(station, audit.made_at.astimezone())
    return write_audit_report(info, path), audit
