"""station hub backup / restore."""

from __future__ import annotations

import argparse
from pathlib import Path

from station.cli.context import emit, hub_storage_options, opened
from station.i18n import _


def register(cmds: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = cmds.add_parser("backup", parents=[common],
                        help=_("备份枢纽站（运行中也可备份，含全部材料）"))
    p.add_argument("--to", type=Path, required=True, dest="target", metavar="FILE",
                   help=_("备份文件"))
    hub_storage_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_backup)
    p = cmds.add_parser("restore", parents=[common],
                        help=_("从备份文件恢复枢纽站，并审计恢复结果"))
    p.add_argument("backup_file", type=Path, metavar="FILE", help=_("备份文件"))
    hub_storage_options(p)
    p.add_argument("--force", action="store_true", help=_("覆盖已有数据的枢纽站数据库"))
    p.add_argument("--silent-days", type=int, default=7, help=_("超过几天未同步算失联"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    from station.hubops import backup

    with opened(args) as station:
        manifest = backup.take(station, args.db, args.target, args.blobs)
    size = sum(part.size for part in manifest.parts) + sum(n for _a, n in manifest.materials)
    text = _("枢纽站备份已保存：{path}（{size} 字节）。").format(path=args.target, size=size)
    if manifest.materials_included:
        text += "\n" + _("其中含材料 {count} 份（{where}）。").format(
            count=len(manifest.materials), where=manifest.store)
    else:
        text += "\n" + _("材料保存在对象存储 {where} 中，不在这份备份里：材料由对象存储自身的"
                          "多副本和版本保留来保存，请确认已开启。").format(where=manifest.store)
    emit(args, {**manifest.to_json(), "path": str(args.target)}, text)
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from station.hubops import restore

    with opened(args) as station:
        done = restore.restore(station, args.backup_file, args.db, args.force,
                               args.silent_days, args.blobs)
    summary = done.audit.summary()
    text = _("已从 {made_at} 的备份恢复枢纽站数据库 {where}。").format(
        made_at=done.manifest.made_at, where=done.where)
    audit = _("审计：{nodes} 个站点，{events} 条事件；分叉 {forks}，缺口 {gaps}，签名无效 {bad}，"
              "途中丢失 {lost}，不合流程 {flagged}，失联站点 {silent}。")
    text += "\n" + audit.format(
        nodes=summary["nodes"], events=summary["events"], forks=summary["forks"],
        gaps=summary["gaps"], bad=summary["bad_signatures"], lost=summary["lost_in_transit"],
        flagged=summary["flagged"], silent=summary["silent_stations"])
    emit(args, {"backup": done.manifest.to_json(), "database": done.where, "audit": summary},
         text)
    return 0 if done.audit.report.ok else 1
