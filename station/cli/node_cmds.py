"""init, passwd, recover: creating a node and managing its passphrases."""

from __future__ import annotations

import argparse

from station.cli.context import (
    NEW_PASSPHRASE_ENV,
    RECOVERY_KEY_ENV,
    ask_secret,
    data_dir,
    documents_dir,
    emit,
    opened,
    passphrase,
    say,
    user_name,
)
from station.errors import NotInitialised
from station.i18n import _
from station.paths import DataLayout


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "init", parents=[common], help=_("建站：创建数据目录、密钥库和第一个用户")
    )
    p.add_argument("--tier", required=True, help=_("层级：village 村 / township 乡镇 / county 县"))
    p.add_argument("--code", required=True, help=_("12 位区划代码，例如 450981104201"))
    p.add_argument("--name", required=True, help=_("站点名称"))
    p.add_argument(
        "--operator", default=None, help=_("第一个用户的登录名（默认：--user 或 admin）")
    )
    p.add_argument("--operator-name", default=None, help=_("第一个用户的姓名，打印在凭证上"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_init)

    p = sub.add_parser("passwd", parents=[common], help=_("修改口令（不重新加密数据）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_passwd)

    p = sub.add_parser("recover", parents=[common], help=_("用恢复密钥解锁并设置新口令"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_recover)


def run_init(args: argparse.Namespace) -> int:
    from station.app import Station

    operator = args.operator or user_name(args) or "admin"
    secret = passphrase(confirm=True)
    station, sheet = Station.init(
        data_dir(args), args.tier, args.code, args.name, operator, secret, documents_dir(args),
        display_name=args.operator_name,
    )
    with station:
        node = station.node
        emit(
            args,
            {"code": node.code, "tier": node.tier, "name": node.name, "user": operator,
             "data": str(station.layout.root), "recovery_sheet": str(sheet)},
            _("已建站：{name}（{code}，{tier}），用户 {user}。").format(
                name=node.name, code=node.code, tier=node.tier_label, user=operator
            ),
        )
    say(_("恢复密钥单已保存到 {path}：请立即打印，锁进柜子，然后删除这个文件。").format(path=sheet))
    return 0


def _existing_user(args: argparse.Namespace) -> str:
    from keys.vault import Vault
    from station.app import first_user

    layout = DataLayout(data_dir(args))
    if not Vault.exists(layout.vault_dir):
        raise NotInitialised(path=layout.root)
    return user_name(args) or first_user(layout)


def run_passwd(args: argparse.Namespace) -> int:
    from station.trust import users

    user = _existing_user(args)
    with opened(args) as station:
        new = ask_secret(NEW_PASSPHRASE_ENV, _("新口令："), confirm=True)
        users.change_passphrase(station, new)
    emit(args, {"user": user, "changed": True}, _("用户 {user} 的口令已修改。").format(user=user))
    return 0


def run_recover(args: argparse.Namespace) -> int:
    from keys.vault import Vault
    from station.app import Station
    from station.trust import users

    user = _existing_user(args)
    key = ask_secret(RECOVERY_KEY_ENV, _("恢复密钥："))
    new = ask_secret(NEW_PASSPHRASE_ENV, _("新口令："), confirm=True)
    Vault.recover(DataLayout(data_dir(args)).vault_dir, key, user, new)
    station = Station.open(data_dir(args), user, new, documents_dir(args))
    with station:
        dropped = users.renew_after_recovery(station)
    if dropped:
        say(_("用户 {user} 的科室密钥需要由本科室其他成员重新授予（office add-member）。").format(
            user=user))
    emit(args, {"user": user, "recovered": True},
         _("已用恢复密钥解锁，用户 {user} 的新口令已生效。").format(user=user))
    return 0
