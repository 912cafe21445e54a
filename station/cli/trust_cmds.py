"""station ca init, station enrol issue / request / approve / install."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from station import enrolment
from station.cli.context import emit, opened, say
from station.documents.enrolment import EnrolmentSheetInfo, write_enrolment_sheet
from station.i18n import _, translate
from station.node import TIER_LABELS, TIERS

CODE_ENV = "STATION_ENROLMENT_CODE"
SHEET_NAME = "{code}-入网注册单.pdf"  # a file name, the same in every interface language


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    ca_parser = sub.add_parser("ca", parents=[common], help=_("县级根证书"))
    ca_cmds = ca_parser.add_subparsers(dest="ca_command", required=True, metavar="COMMAND")
    p = ca_cmds.add_parser("init", parents=[common], help=_("县级管理员：建立全县的根证书"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_ca_init)

    enrol = sub.add_parser("enrol", parents=[common], help=_("入网：下级站点注册"))
    cmds = enrol.add_subparsers(dest="enrol_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("issue", parents=[common], help=_("上级站点：为下级站点签发一次性注册码"))
    p.add_argument("--code", required=True, help=_("下级站点的 12 位区划代码"))
    p.add_argument("--tier", required=True, choices=TIERS)
    p.add_argument("--out", type=Path, help=_("注册单 PDF 的保存位置"))
    p.add_argument("--valid-days", type=int, default=enrolment.DEFAULT_VALID_DAYS,
                   help=_("有效天数"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_issue)

    p = cmds.add_parser("request", parents=[common], help=_("新站点：生成入网申请文件"))
    p.add_argument("--enrolment-code", help=_("注册码（或设置 STATION_ENROLMENT_CODE）"))
    p.add_argument("--out", type=Path, required=True, help=_("申请文件"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_request)

    p = cmds.add_parser("approve", parents=[common], help=_("上级站点：审批入网申请，签发证书"))
    p.add_argument("request", type=Path)
    p.add_argument("--out", type=Path, required=True, help=_("证书文件"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_approve)

    p = cmds.add_parser("install", parents=[common], help=_("新站点：安装上级签发的证书"))
    p.add_argument("certificates", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_install)


def run_ca_init(args: argparse.Namespace) -> int:
    with opened(args) as station:
        root = enrolment.init_ca(station)
    emit(args, {"serial": root.serial_number},
         _("已建立根证书（序列号 {serial}）。").format(serial=root.serial_number))
    return 0


def run_issue(args: argparse.Namespace) -> int:
    with opened(args) as station:
        issued = enrolment.issue_code(station, args.code, args.tier, args.valid_days)
        node = station.node
        sheet = write_enrolment_sheet(
            EnrolmentSheetInfo(parent_code=node.code, parent_name=node.name,
                               child_code=issued.child_code,
                               child_tier=translate(TIER_LABELS[issued.tier]),
                               code=issued.code, expires_at=issued.expires_at.astimezone(),
                               issued_by=station.display_name(station.user)),
            args.out or station.documents / SHEET_NAME.format(code=issued.child_code))
    emit(args, {"code": issued.code, "child_code": issued.child_code, "tier": issued.tier,
                "expires_at": issued.expires_at.isoformat(), "sheet": str(sheet)},
         _("注册码：{code}（{days} 天内有效）\n注册单：{path}").format(
             code=issued.code, days=args.valid_days, path=sheet))
    return 0


def run_request(args: argparse.Namespace) -> int:
    code = args.enrolment_code or os.environ.get(CODE_ENV)
    if not code:
        from station.cli.context import ask_secret

        code = ask_secret(CODE_ENV, _("注册码："))
    with opened(args) as station:
        out = enrolment.write_request(station, code, args.out)
    done = _("入网申请文件：{path}，请交给上级站点审批。").format(path=out)
    emit(args, {"request": str(out)}, done)
    return 0


def run_approve(args: argparse.Namespace) -> int:
    with opened(args) as station:
        out = enrolment.approve_request(station, args.request, args.out)
    emit(args, {"certificates": str(out)},
         _("已签发证书：{path}，请交给新站点安装。").format(path=out))
    return 0


def run_install(args: argparse.Namespace) -> int:
    with opened(args) as station:
        identity = enrolment.install_certificates(station, args.certificates)
    emit(args, {"code": identity.code, "tier": identity.tier, "serial": identity.serial},
         _("已入网：{code}（证书序列号 {serial}）").format(code=identity.code,
                                                    serial=identity.serial))
    say(_("请妥善保管本机：证书和签名密钥只在这台电脑上。"))
    return 0
