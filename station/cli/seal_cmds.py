"""station seal create / list, station verify-pdf."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from station.cli.context import emit, opened
from station.i18n import _, translate

if TYPE_CHECKING:
    from station.documents.verify import PdfVerification


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    seal = sub.add_parser("seal", parents=[common], help=_("科室电子印章"))
    cmds = seal.add_subparsers(dest="seal_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("create", parents=[common],
                        help=_("管理员：为本站科室制作电子印章（县级由根证书、乡镇由签发证书签发）"))
    p.add_argument("--office", required=True, help=_("科室，如 民政局、民政办"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_create)
    p = cmds.add_parser("list", parents=[common], help=_("本站的科室印章及其状态"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)

    p = sub.add_parser("verify-pdf", parents=[common],
                       help=_("核验盖章文书：签名、证书链（追溯到本县根证书）和吊销名单"))
    p.add_argument("file", type=Path, help=_("PDF 文件"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_verify_pdf)


def run_create(args: argparse.Namespace) -> int:
    from keys.ca import shown_time
    from station.trust import seals

    with opened(args) as station:
        made = seals.create_seal(station, args.office)
    cert = made.certificate
    emit(args, {"office": made.office, "serial": made.serial,
                "not_after": cert.not_valid_after_utc.isoformat()},
         _("已制作“{office}”的印章（序列号 {serial}，有效至 {not_after}）。").format(
             office=made.office, serial=made.serial,
             not_after=shown_time(cert.not_valid_after_utc)))
    return 0


def run_list(args: argparse.Namespace) -> int:
    from keys.ca import shown_time
    from station.trust import seals
    from station.trust.seals import STATE_LABELS

    with opened(args) as station:
        found = seals.list_seals(station)
    lines = [_("{office}：{state}，序列号 {serial}，有效至 {not_after}").format(
        office=info.office, state=translate(STATE_LABELS[info.state]), serial=info.serial,
        not_after=shown_time(info.not_after)) for info in found]
    emit(args, {"seals": [info.to_json() for info in found]},
         "\n".join(lines) or _("本站还没有科室印章。"))
    return 0


def run_verify_pdf(args: argparse.Namespace) -> int:
    from station.documents.verify import verify_pdf
    from station.trust import revocations, seals

    with opened(args) as station:
        root = seals.trust_root()
        current = revocations.current(station)
    result = verify_pdf(args.file, root, current)
    failure = result.failure()
    if failure is None or args.json:
        emit(args, result.to_json(), _report(result))
    if failure is not None:
        raise failure
    return 0


def _report(result: PdfVerification) -> str:
    from keys.ca import shown_time

    lines = [_("文件 {path} 的电子印章有效：").format(path=result.path)]
    for seal in result.seals:
        signed_at = shown_time(seal.signed_at) if seal.signed_at else "—"
        line = _("  {node}“{office}”（站点编码 {code}，印章序列号 {serial}）于 {signed_at} 盖章")
        lines.append(line.format(node=seal.node_name, office=seal.office, code=seal.node_code,
                                 serial=seal.serial, signed_at=signed_at))
    lines.append(_("盖章后文件未被改动；印章证书可追溯到本县根证书，未被吊销。"))
    return "\n".join(lines)
