"""station sync export / sync import / hub import: offline bundles on a USB stick."""

from __future__ import annotations

import argparse
from pathlib import Path

from station.cli.context import emit, hub_storage_options, opened
from station.i18n import _


def register_sync(sync: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """``station sync export|import``; plain ``station sync`` keeps working."""
    cmds = sync.add_subparsers(dest="sync_command", required=False, metavar="COMMAND")
    p = cmds.add_parser("export", parents=[common], help=_("导出离线数据包（带U盘到枢纽站导入）"))
    p.add_argument("--to", required=True, type=Path, help=_("离线数据包保存到哪个文件"))
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(handler=run_export)
    p = cmds.add_parser("import", parents=[common], help=_("导入枢纽站发回的回执包"))
    p.add_argument("file", type=Path, help=_("回执包文件"))
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(handler=run_import)


def register_hub(cmds: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``station hub import``."""
    p = cmds.add_parser("import", parents=[common],
                        help=_("枢纽站：导入站点的离线数据包，写出回执包"))
    p.add_argument("file", type=Path, help=_("站点导出的离线数据包"))
    hub_storage_options(p)
    p.add_argument("--receipts-to", type=Path, default=None,
                   help=_("回执包保存到哪个文件（默认：数据包旁的 文件名.receipts.zip）"))
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    p.set_defaults(handler=run_hub_import)


def run_export(args: argparse.Namespace) -> int:
    from station.network import bundle

    with opened(args) as station:
        report = bundle.export(station, args.to)
    emit(args, report.to_json(), _(
        "已导出离线数据包 {path}：事件 {events} 条，材料 {materials} 份，共 {size} 字节。"
        "请带到枢纽站用 station hub import 导入。").format(
        path=report.path, events=report.events, materials=report.materials, size=report.size))
    return 0


def run_import(args: argparse.Namespace) -> int:
    from station.network import bundle

    with opened(args) as station:
        report = bundle.import_receipts(station, args.file)
    emit(args, report.to_json(), _(
        "已导入回执包：回执 {receipts} 份，已确认到第 {acked} 条，收到 {pulled} 条，"
        "退回 {returned} 件，待发 {pending} 条。").format(
        receipts=report.receipts, acked=report.acked, pulled=report.pulled,
        returned=len(report.returned), pending=report.pending))
    return 0


def run_hub_import(args: argparse.Namespace) -> int:
    from station.hubops.usb_import import import_bundle

    with opened(args) as station:
        report = import_bundle(station, args.file, args.receipts_to, args.db, args.blobs)
    emit(args, report.to_json(), _(
        "已导入站点 {node} 的离线数据包：新收事件 {accepted} 条（重复 {duplicates} 条），"
        "材料 {materials} 份；回执包已写到 {path}，请带回站点用 station sync import 导入。").format(
        node=report.node, accepted=report.accepted, duplicates=report.duplicates,
        materials=report.materials, path=report.receipts_to))
    return 0
