"""station ca init, station enrol issue / request / approve / refuse / install / pending / fetch.

Enrolment works with files (``--out``, ``install``) or through the parent's
hub (``--hub``: station/network/enrolment_net.py).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING

from station import i18n
from station.cli.context import emit, opened, say
from station.i18n import _, translate
from station.node import TIER_LABELS, TIERS

if TYPE_CHECKING:
    from keys import ca
    from station.app import Station
    from sync.client import HubClient

CODE_ENV = "STATION_ENROLMENT_CODE"
SHEET_NAME = "{code}-入网注册单.pdf"  # a file name, the same in every interface language
MAX_WAIT_DELAY = 30.0  # seconds between two looks at the hub while waiting for approval


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
    p.add_argument("--valid-days", type=int, default=None,
                   help=_("有效天数"))
    p.add_argument("--hub", help=_("本站枢纽站地址：把注册码的核验凭据交给它，新站点即可在线申请"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_issue)

    p = cmds.add_parser("request", parents=[common],
                        help=_("新站点：生成入网申请文件，或发往上级枢纽站"))
    p.add_argument("--enrolment-code", help=_("注册码（或设置 STATION_ENROLMENT_CODE）"))
    p.add_argument("--out", type=Path, help=_("申请文件"))
    p.add_argument("--hub", help=_("上级枢纽站地址：在线发送申请"))
    p.add_argument("--wait", action="store_true", help=_("等到上级批准后自动安装证书"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_request, parser=p)

    p = cmds.add_parser("approve", parents=[common], help=_("上级站点：审批入网申请，签发证书"))
    p.add_argument("request", help=_("申请文件；用 --hub 时为新站点的 12 位区划代码"))
    p.add_argument("--out", type=Path, help=_("证书文件"))
    p.add_argument("--hub", help=_("本站枢纽站地址：审批在枢纽站等候的申请"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_approve, parser=p)

    p = cmds.add_parser("refuse", parents=[common],
                        help=_("上级站点：拒绝在枢纽站等候的入网申请，并说明理由"))
    p.add_argument("node", help=_("新站点的 12 位区划代码"))
    p.add_argument("--reason", required=True, help=_("拒绝的理由（新站点会看到）"))
    p.add_argument("--hub", help=_("本站枢纽站地址（默认：同步用的地址）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_refuse)

    p = cmds.add_parser("pending", parents=[common],
                        help=_("上级站点：列出在枢纽站等候审批的入网申请"))
    p.add_argument("--hub", help=_("本站枢纽站地址（默认：同步用的地址）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_pending)

    p = cmds.add_parser("fetch", parents=[common], help=_("新站点：从枢纽站取回并安装证书"))
    p.add_argument("--hub", help=_("上级枢纽站地址（默认：申请时用的地址）"))
    p.add_argument("--wait", action="store_true", help=_("尚未批准时每隔一段时间再试，直到装好"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_fetch)

    p = cmds.add_parser("install", parents=[common], help=_("新站点：安装上级签发的证书"))
    p.add_argument("certificates", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_install)


def run_ca_init(args: argparse.Namespace) -> int:
    from station.trust import enrolment

    with opened(args) as station:
        root = enrolment.init_ca(station)
    emit(args, {"serial": root.serial_number},
         _("已建立根证书（序列号 {serial}）。").format(serial=root.serial_number))
    return 0


def run_issue(args: argparse.Namespace) -> int:
    from keys.errors import KeysError
    from station.documents.enrolment import EnrolmentSheetInfo, write_enrolment_sheet
    from station.network import enrolment_net, link
    from station.trust import enrolment
    from sync.errors import SyncError

    with opened(args) as station:
        days = enrolment.DEFAULT_VALID_DAYS if args.valid_days is None else args.valid_days
        issued = enrolment.issue_code(station, args.code, args.tier, days)
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
                 code=issued.code, days=days, path=sheet))
        if args.hub:
            try:
                client = link.client_for(station, args.hub)
                link.connect(station, client)
                enrolment_net.publish_grants(station, client)
            except (SyncError, KeysError) as error:  # the code stands; the next sync retries
                say(_("注册码已签发，但未能交给枢纽站（{reason}）；本站下次同步时会再交。").format(
                    reason=i18n.render(error)))
    return 0


def run_request(args: argparse.Namespace) -> int:
    from station.network import enrolment_net
    from station.trust import enrolment

    if not args.out and not args.hub:
        args.parser.error(_("请给出 --out（写入申请文件）或 --hub（发往上级枢纽站），或两者都给。"))
    code = args.enrolment_code or os.environ.get(CODE_ENV)
    if not code:
        from station.cli.context import ask_secret

        code = ask_secret(CODE_ENV, _("注册码："))
    with opened(args) as station:
        value: dict[str, object] = {}
        lines = []
        if args.out:
            out = enrolment.write_request(station, code, args.out)
            value["request"] = str(out)
            lines.append(_("入网申请文件：{path}，请交给上级站点审批。").format(path=out))
        if args.hub:
            client = enrolment_net.client_for(station, args.hub)
            answer = enrolment_net.send_request(station, client, code)
            value.update(answer)
            value["hub"] = client.base
            lines.append(_("入网申请已送达 {hub}，请等待上级站点批准。").format(hub=client.base))
            if args.wait:
                say("\n".join(lines))
                lines = []
                identity = _fetch(station, client, wait=True)
                value.update(_identity_json(identity))
                lines.append(_installed_text(identity))
    emit(args, value, "\n".join(lines))
    return 0


def run_approve(args: argparse.Namespace) -> int:
    from station.network import enrolment_net, link
    from station.trust import enrolment

    if not args.hub and not args.out:
        args.parser.error(_("请给出 --out（证书文件）；用 --hub 时在枢纽站上审批。"))
    with opened(args) as station:
        if args.hub:
            client = link.client_for(station, args.hub)
            link.connect(station, client)
            enrolment_net.approve(station, client, args.request)
            value = {"node": args.request, "state": enrolment_net.APPROVED, "hub": client.base}
            text = _("已批准站点 {node} 入网，证书已交枢纽站 {hub}，新站点可以取回。").format(
                node=args.request, hub=client.base)
        else:
            out = enrolment.approve_request(station, Path(args.request), args.out)
            value = {"certificates": str(out)}
            text = _("已签发证书：{path}，请交给新站点安装。").format(path=out)
    emit(args, value, text)
    return 0


def run_refuse(args: argparse.Namespace) -> int:
    from station.network import enrolment_net, link

    with opened(args) as station:
        client = link.client_for(station, args.hub)
        link.connect(station, client)
        enrolment_net.refuse(station, client, args.node, args.reason)
    emit(args, {"node": args.node, "state": enrolment_net.REFUSED, "hub": client.base},
         _("已拒绝站点 {node} 的入网申请，理由已交枢纽站 {hub}，新站点会看到。").format(
             node=args.node, hub=client.base))
    return 0


def run_pending(args: argparse.Namespace) -> int:
    from station.network import enrolment_net, link

    with opened(args) as station:
        client = link.client_for(station, args.hub)
        link.connect(station, client)
        found = enrolment_net.pending(station, client)
    shown = [{k: v for k, v in item.items() if k != "request"} for item in found]
    lines = [f"{item['node']}  {item.get('name', '')}  {item['tier']}  {item['received_at']}"
             for item in shown] or [_("没有等候审批的入网申请。")]
    emit(args, {"requests": shown}, "\n".join(lines))
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from station.network import enrolment_net

    with opened(args) as station:
        client = enrolment_net.client_for(station, enrolment_net.hub_for(station, args.hub))
        identity = _fetch(station, client, args.wait)
    emit(args, _identity_json(identity), _installed_text(identity))
    say(_("请妥善保管本机：证书和签名密钥只在这台电脑上。"))
    return 0


def _fetch(station: Station, client: HubClient, wait: bool) -> ca.NodeIdentity:
    """Fetch and install the certificates; with ``wait``, retry (backing off) until the
    parent approves or the hub answers again."""
    from station.network import enrolment_net
    from sync.problems import HubUnreachable

    delay, told = 2.0, False
    while True:
        try:
            return enrolment_net.fetch(station, client)
        except (enrolment_net.EnrolmentPending, HubUnreachable) as error:
            if not wait:
                raise
            if not told:
                say(i18n.render(error))
                say(_("正在等待，按 Ctrl+C 停止（以后可再运行 station enrol fetch）。"))
                told = True
        time.sleep(delay * random.uniform(0.5, 1.0))
        delay = min(MAX_WAIT_DELAY, delay * 2)


def _identity_json(identity: ca.NodeIdentity) -> dict[str, object]:
    from station.network import enrolment_net

    return {"code": identity.code, "tier": identity.tier, "serial": identity.serial,
            "state": enrolment_net.APPROVED}


def _installed_text(identity: ca.NodeIdentity) -> str:
    return _("已入网：{code}（证书序列号 {serial}）").format(code=identity.code,
                                                   serial=identity.serial)


def run_install(args: argparse.Namespace) -> int:
    from station.trust import enrolment

    with opened(args) as station:
        identity = enrolment.install_certificates(station, args.certificates)
    emit(args, {"code": identity.code, "tier": identity.tier, "serial": identity.serial},
         _("已入网：{code}（证书序列号 {serial}）").format(code=identity.code,
                                                    serial=identity.serial))
    say(_("请妥善保管本机：证书和签名密钥只在这台电脑上。"))
    return 0
