"""station user add, station office create / add-member / remove-member,
station ca revoke, station revocations install."""

from __future__ import annotations

import argparse
from pathlib import Path

from station.cli.context import NEW_PASSPHRASE_ENV, ask_secret, emit, opened
from station.i18n import _
from station.trust.roles import ROLES


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    user = sub.add_parser("user", parents=[common], help=_("本站用户"))
    user_cmds = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    p = user_cmds.add_parser("add", parents=[common], help=_(
        "添加用户（新用户的口令来自提示或 STATION_NEW_PASSPHRASE）"))
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--office", help=_("科室（审核员、签发人必填），如 民政办"))
    p.add_argument("--display-name", help=_("姓名"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_user_add)

    office = sub.add_parser("office", parents=[common], help=_("科室与科室密钥"))
    office_cmds = office.add_subparsers(dest="office_command", required=True, metavar="COMMAND")
    for name, helptext, handler in (
        ("create", _("为科室建立密钥（该科室的用户成为成员）"), run_office_create),
        ("add-member", _("科室成员：把科室密钥交给新成员"), run_add_member),
        ("remove-member", _("科室成员或管理员：移除成员并更换科室密钥"), run_remove_member),
    ):
        p = office_cmds.add_parser(name, parents=[common], help=helptext)
        p.add_argument("office")
        if name != "create":
            p.add_argument("member")
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=handler)

    ca_revoke = sub.add_parser("revocations", parents=[common], help=_("吊销名单"))
    cmds = ca_revoke.add_subparsers(dest="revocations_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("issue", parents=[common], help=_("县级：吊销证书并签发新名单"))
    p.add_argument("--serial", type=int, action="append", required=True, help=_("证书序列号"))
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_revoke)
    p = cmds.add_parser(
        "install", parents=[common], help=_("安装县级签发的吊销名单（旧名单不会替换新名单）"))
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_install)


def run_user_add(args: argparse.Namespace) -> int:
    from station.trust import users

    secret = ask_secret(NEW_PASSPHRASE_ENV, _("新用户的口令："), confirm=True)
    with opened(args) as station:
        added = users.add_user(station, args.name, args.role, secret, args.display_name,
                               args.office)
    emit(args, {"user": added.name, "role": added.role, "office": added.office},
         _("已添加用户 {user}（{role}）").format(user=added.name, role=added.role))
    return 0


def run_office_create(args: argparse.Namespace) -> int:
    from station.trust import offices

    with opened(args) as station:
        version = offices.create_office(station, args.office)
    emit(args, {"office": args.office, "version": version},
         _("科室“{office}”的密钥已建立。").format(office=args.office))
    return 0


def run_add_member(args: argparse.Namespace) -> int:
    from station.trust import offices

    with opened(args) as station:
        offices.add_member(station, args.office, args.member)
    emit(args, {"office": args.office, "member": args.member},
         _("{member} 已成为“{office}”的成员。").format(member=args.member, office=args.office))
    return 0


def run_remove_member(args: argparse.Namespace) -> int:
    from station.trust import offices

    with opened(args) as station:
        version = offices.remove_member(station, args.office, args.member)
    emit(args, {"office": args.office, "member": args.member, "version": version},
         _("已移除 {member}；“{office}”已换用第 {version} 版密钥。").format(
             member=args.member, office=args.office, version=version))
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from station.trust import revocations

    with opened(args) as station:
        data = revocations.revoke(station, set(args.serial))
    args.out.write_bytes(data)
    emit(args, {"file": str(args.out)}, _("吊销名单：{path}").format(path=args.out))
    return 0


def run_install(args: argparse.Namespace) -> int:
    from station.trust import revocations

    with opened(args) as station:
        kept = revocations.install(station, args.file.read_bytes())
    emit(args, {"number": kept.number, "revoked": sorted(kept.revoked)},
         _("当前吊销名单：第 {number} 号，共 {count} 个证书。").format(
             number=kept.number, count=len(kept.revoked)))
    return 0
