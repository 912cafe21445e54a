"""station backup / station restore: a station's own copy, and putting it back on a new PC."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

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
from station.i18n import _

if TYPE_CHECKING:
    from station.backup import restore


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common],
                       help=_("备份本站：加密的完整副本（含扫描件），程序运行时也可备份"))
    p.add_argument("--to", type=Path, required=True, dest="target", metavar="FILE",
                   help=_("备份文件（例如 U 盘上的文件）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_backup)
    p = sub.add_parser("restore", parents=[common],
                       help=_("在新电脑上从备份恢复本站（数据目录须为空）"))
    p.add_argument("backup_file", type=Path, metavar="FILE", help=_("备份文件"))
    p.add_argument("--recovery-key", action="store_true",
                   help=_("用恢复密钥代替口令，并设置新口令"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    from station.backup.take import take_backup

    with opened(args) as station:
        made = take_backup(station, args.target)
    emit(args, made.to_json(),
         _("本站备份已保存：{path}（{cases} 件办件，{scans} 份扫描件，{size} 字节）。请把备份"
           "放在这台电脑以外的地方。").format(path=made.path, cases=made.cases,
                                          scans=made.scans, size=made.size))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from station.backup import restore

    data = data_dir(args)
    info = restore.backup_info(args.backup_file)
    restore.check_target(data)  # before any question is asked
    say(_("备份：{name}（站点编码 {code}），备份时间 {at}。").format(
        name=info.header.node_name, code=info.header.node_code, at=info.header.created_at))
    unlock: restore.Unlock
    if args.recovery_key:
        key = ask_secret(RECOVERY_KEY_ENV, _("恢复密钥："))
        new = ask_secret(NEW_PASSPHRASE_ENV, _("新口令："), confirm=True)
        unlock = restore.WithRecoveryKey(key, new, user_name(args))
    else:
        unlock = restore.WithPassphrase(passphrase(), user_name(args))
    done = restore.restore_backup(args.backup_file, data, unlock, documents_dir(args))
    if done.office_keys_dropped:
        say(_("用户 {user} 的科室密钥需要由本科室其他成员重新授予（office add-member）。").format(
            user=done.user))
    emit(args, done.to_json(),
         _("已恢复站点 {name}（{code}）到 {data}：{cases} 件办件，{scans} 份扫描件。下次同步时"
           "接着备份时的记录继续。").format(name=done.header.node_name,
                                      code=done.header.node_code, data=done.data,
                                      cases=done.cases, scans=done.scans))
    return 0
