"""station hub serve / import, station sync, station queue."""

from __future__ import annotations

import argparse
import ipaddress
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING

from station.cli import bundle_cmds, hub_backup_cmds
from station.cli.context import emit, hub_database_option, hub_storage_options, opened, say
from station.i18n import _, translate

if TYPE_CHECKING:
    from station.network import link

MAX_BACKOFF = 300.0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    hub = sub.add_parser("hub", parents=[common], help=_("枢纽站（乡镇、县）"))
    cmds = hub.add_subparsers(dest="hub_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("serve", parents=[common], help=_("运行枢纽站服务"))
    p.add_argument("--listen", required=True, help=_("监听地址 HOST:PORT，例如 0.0.0.0:8470"))
    hub_database_option(p)
    p.add_argument("--upstream", default=None, help=_("上级枢纽站地址（县级不填）"))
    p.add_argument("--public-name", action="append", default=[], dest="public_names",
                   metavar="HOST:PORT",
                   help=_("客户端使用的本站地址（可重复）；默认为监听地址"))
    p.add_argument("--metrics-allow", action="append", default=[], type=metrics_network,
                   metavar="CIDR",
                   help=_("允许读取运行指标（/metrics）的地址段（可重复），"
                          "例如 10.0.0.0/24；默认只允许本机"))
    p.add_argument("--trusted-proxy", default=None, metavar="ADDRESS",
                   help=_("前置反向代理（如 nginx）的地址：按它转发的 X-Forwarded-For "
                          "判断请求来自哪个地址"))
    p.add_argument("--max-busy", type=positive_int, default=None, metavar="N",
                   help=_("同时处理的同步请求上限，超出的请求立即答复“繁忙，稍后重试”"
                          "（默认不限；建议为服务线程数减 2，即 6）"))
    p.add_argument("--workers", type=positive_int, default=1, metavar="N",
                   help=_("工作进程数（默认 1）；多于 1 个须用 PostgreSQL 数据库（--db），"
                          "仅限 Linux"))
    p.add_argument("--blobs", default=None, metavar="SPEC",
                   help=_("材料存放位置：file:///路径 或 s3://存储桶/前缀?endpoint=…"
                          "（默认：数据目录中的 blobs 文件夹）"))
    p.set_defaults(handler=run_serve)
    bundle_cmds.register_hub(cmds, common)
    hub_backup_cmds.register(cmds, common)
    p = cmds.add_parser("migrate-blobs", parents=[common],
                        help=_("把数据库中的材料移到材料存储（可中断后重新运行）"))
    hub_storage_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_migrate_blobs)

    audit = sub.add_parser("audit", parents=[common], help=_("县级管理员：审计同步日志"))
    acmds = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    p = acmds.add_parser("verify", parents=[common],
                         help=_("核验全网事件链、回执和失联站点"))
    p.add_argument("--db", default=None, help=_("枢纽站数据库地址（默认：数据目录中的 SQLite）"))
    p.add_argument("--silent-days", type=int, default=7, help=_("超过几天未同步算失联"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_audit)
    p = acmds.add_parser("report", parents=[common], help=_("生成同步审计报告（PDF）"))
    p.add_argument("--db", default=None, help=_("枢纽站数据库地址（默认：数据目录中的 SQLite）"))
    p.add_argument("--out", type=Path, default=None, help=_("报告文件（默认：打印文件夹中）"))
    p.add_argument("--silent-days", type=int, default=7, help=_("超过几天未同步算失联"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_audit_report)
    p = acmds.add_parser("overrides", parents=[common],
                         help=_("材料缺少或不清晰仍予受理的办件及其理由"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_audit_overrides)

    p = sub.add_parser("sync", parents=[common], help=_("与枢纽站同步"))
    p.add_argument("--hub", default=None, help=_("枢纽站地址（记住供以后使用）"))
    p.add_argument("--hub-ca", type=Path, default=None, metavar="FILE",
                   help=_("县里提供的证书（PEM）：https 枢纽站的证书须由它签发（记住供以后使用）"))
    p.add_argument("--once", action="store_true", help=_("只同步一轮"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_sync)
    bundle_cmds.register_sync(p, common)

    p = sub.add_parser("queue", parents=[common], help=_("审核员：本科室待办队列"))
    p.add_argument("--office", default=None, help=_("科室（默认：本人所在科室）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_queue)
    qcmds = p.add_subparsers(dest="queue_command", required=False, metavar="COMMAND")
    q = qcmds.add_parser("claim", parents=[common], help=_("认领办件"))
    q.add_argument("case_no")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=run_claim)
    q = qcmds.add_parser("return", parents=[common], help=_("退回村站"))
    q.add_argument("case_no")
    q.add_argument("--reason", required=True, help=_("退回原因"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=run_return)


def metrics_network(text: str) -> str:
    """An address range such as 10.0.0.0/24 or a single address (else a usage error)."""
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("地址段“{value}”不对：应为 IP 地址或地址段，例如 10.0.0.0/24。").format(
                value=text)) from None
    return text.strip()


def positive_int(text: str) -> int:
    """A whole number of at least 1 (else a usage error)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            _("“{value}”不对：应为不小于 1 的整数。").format(value=text))
    return value


def run_migrate_blobs(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from station.hubops import hub_runner
    from station.hubops.migrate_blobs import migrate
    from sync.hub.identity import open_database

    with opened(args) as station:
        store = hub_runner.blob_store(station, args.blobs)
        db = open_database(args.db, station.layout.root / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            done = migrate(db, store)
    finally:
        db.close()
    text = _("材料迁移完成（{where}）：迁移 {moved} 份（{bytes} 字节），已在材料存储中 {held} 份，"
             "未完成的上传 {partial} 份，校验不符 {mismatched} 份（保留在数据库中），"
             "无主记录 {orphans} 份。").format(where=store.label, **asdict(done))
    emit(args, {**asdict(done), "store": store.label}, text)
    return 1 if done.mismatched else 0


def run_audit(args: argparse.Namespace) -> int:
    from station.hubops import hub_runner
    from station.trust import users
    from sync.audit import verify_hub
    from sync.hub.identity import open_database

    with opened(args) as station:
        users.require_role(station, "audit verify", "admin", "auditor")
        db = open_database(args.db, station.layout.root / hub_runner.DB_NAME)
    with db.connection_context():
        report = verify_hub(silent_days=args.silent_days)
    value = report.to_json()
    text = _("审计：{nodes} 个站点，{events} 条事件；分叉 {forks}，缺口 {gaps}，签名无效 {bad}，"
             "途中丢失 {lost}，不合流程 {flagged}，失联站点 {silent}。").format(
        nodes=len(report.nodes), events=report.events, forks=len(report.forks),
        gaps=len(report.gaps), bad=len(report.bad_signatures),
        lost=len(report.lost_in_transit), flagged=len(report.flagged),
        silent=len(report.silent_stations))
    emit(args, value, text)
    return 0 if report.ok else 1


def run_audit_report(args: argparse.Namespace) -> int:
    from station.hubops.report import make_audit_report

    with opened(args) as station:
        path, audit = make_audit_report(station, args.db, args.silent_days, args.out)
    emit(args, {**audit.to_json(), "path": str(path)},
         _("审计报告已保存：{path}").format(path=path))
    return 0 if audit.report.ok else 1


def run_audit_overrides(args: argparse.Namespace) -> int:
    from station.casework.override_audit import overrides
    from station.network import link

    with opened(args) as station:
        link.sync_once(station)
        found = overrides(station)
    lines = [_("{at}  {case_no}  {node}/{author}（{office}）：{materials}；理由：{reason}").format(
        at=item["at"], case_no=item["case_no"], node=item["node"], author=item["author"],
        office=item["office"] or "—", reason=item["reason"],
        materials="、".join(m["name"] for m in item["materials"]))
        for item in found["overrides"]]
    lines.append(_("共 {count} 件材料缺少或不清晰仍予受理。").format(
        count=len(found["overrides"])))
    emit(args, found, "\n".join(lines))
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from station.hubops import hub_runner

    hub_runner.check_workers(args.workers, args.db)
    with opened(args) as station:
        running = hub_runner.start(station, args.listen, args.db, args.upstream,
                                   args.public_names, args.metrics_allow, args.trusted_proxy,
                                   args.max_busy, args.workers, args.blobs)
    hub_runner.run(running)
    return 0


def _report_text(report: link.SyncReport) -> str:
    from sync import lifecycle

    text = _("已同步：上传 {pushed} 条，下载 {pulled} 条，材料 {materials} 份，待发 {pending} 条。")
    text = text.format(
        pushed=report.pushed, pulled=report.pulled, materials=report.materials,
        pending=report.pending)
    for item in report.conflicts:
        text += "\n" + _("办件 {case_no} 的“{action}”未生效：办件已处于“{state}”。").format(
            case_no=item["case_no"], action=translate(lifecycle.action_label(item["type"])),
            state=translate(lifecycle.label(item["state"])))
    return text


def run_sync(args: argparse.Namespace) -> int:
    from station.casework import resent
    from station.network import hub_tls, link

    with opened(args) as station:
        if args.hub_ca:
            hub_tls.set_ca(station, args.hub_ca)
        if args.hub:
            link.set_hub(station, args.hub)
        if args.once:
            report = resent.sync_round(station)
            emit(args, report.to_json(), _report_text(report))
            return 0
        failures = 0
        while True:
            try:
                report = resent.sync_round(station)
                failures = 0
                emit(args, report.to_json(), _report_text(report), stream=True)
                delay = 30.0
            except Exception as error:  # keep trying: the link comes back
                from station import i18n
                failures += 1
                say(_("同步失败：") + i18n.render(error))
                delay = min(MAX_BACKOFF, 5.0 * 2 ** min(failures, 6)) * random.uniform(0.5, 1)
            time.sleep(delay)


def run_queue(args: argparse.Namespace) -> int:
    from station.casework import review_queue
    from station.network import link

    with opened(args) as station:
        link.sync_once(station)
        cases = review_queue.queue(station, args.office)
    lines = [f"{c['case_no']}  {c['matter']}  {c['state']}  {c.get('holder') or ''}"
             for c in cases] or [_("队列为空。")]
    emit(args, {"cases": cases}, "\n".join(lines))
    return 0


def run_claim(args: argparse.Namespace) -> int:
    from station.casework import review_queue

    with opened(args) as station:
        answer = review_queue.claim(station, args.case_no)
    emit(args, answer, _("已认领办件 {case_no}。").format(case_no=args.case_no))
    return 0


def run_return(args: argparse.Namespace) -> int:
    from station.casework import review_queue

    with opened(args) as station:
        report = review_queue.return_to_village(station, args.case_no, args.reason)
    emit(args, {"case_no": args.case_no, "sync": report.to_json()},
         _("已退回办件 {case_no}。").format(case_no=args.case_no))
    return 0
