"""station publish catalogue / calendar (the county), station updates status / fetch."""

from __future__ import annotations

import argparse
from pathlib import Path

from station.cli.context import emit, opened
from station.i18n import _


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    publish = sub.add_parser("publish", parents=[common],
                             help=_("县级管理员：向全县发布事项目录或节假日安排"))
    cmds = publish.add_subparsers(dest="publish_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("catalogue", parents=[common],
                        help=_("发布事项目录（一个文件夹的 *.toml 文件）"))
    p.add_argument("source", type=Path, help=_("事项目录文件夹或文件"))
    p.add_argument("--hub", help=_("县级枢纽站地址（默认：同步用的地址）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_publish)
    p = cmds.add_parser("calendar", parents=[common], help=_("发布节假日安排（calendar.toml）"))
    p.add_argument("source", type=Path, help=_("节假日安排文件"))
    p.add_argument("--hub", help=_("县级枢纽站地址（默认：同步用的地址）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_publish)

    found = sub.add_parser("updates", parents=[common], help=_("县里发布的事项目录和节假日安排"))
    cmds = found.add_subparsers(dest="updates_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("status", parents=[common], help=_("本站已装的版本和被拒收的更新"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_status)
    p = cmds.add_parser("fetch", parents=[common], help=_("立即从枢纽站取回并安装更新"))
    p.add_argument("--hub", help=_("枢纽站地址（默认：同步用的地址）"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_fetch)


def _label(kind: str) -> str:
    from sync.updates import CATALOGUE

    return _("事项目录") if kind == CATALOGUE else _("节假日安排")


def run_publish(args: argparse.Namespace) -> int:
    from station.network import link, updates
    from sync.updates import CALENDAR, CATALOGUE

    kind = CATALOGUE if args.publish_command == "catalogue" else CALENDAR
    with opened(args) as station:
        updates.check_publisher(station, kind)
        client = link.client_for(station, args.hub)
        link.connect(station, client)
        done = updates.publish(station, client, kind, args.source)
    emit(args, {"kind": done.kind, "version": done.version, "files": done.files,
                "hub": client.base},
         _("已发布{what}第 {version} 版（{files} 个文件），各站同步时自动安装。").format(
             what=_label(done.kind), version=done.version, files=done.files))
    return 0


def run_status(args: argparse.Namespace) -> int:
    from station.network import updates

    with opened(args):
        value = updates.status()
    lines = []
    for kind, item in value.items():
        lines.append(_("{what}：第 {version} 版").format(what=_label(kind), version=item["version"])
                     if item["version"] else
                     _("{what}：未装过更新（用程序自带的）").format(what=_label(kind)))
        if item["refused"]:
            lines.append("  " + _("拒收第 {version} 版：{message}").format(**item["refused"]))
    emit(args, value, "\n".join(lines))
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from station.network import link, updates

    with opened(args) as station:
        client = link.client_for(station, args.hub)
        link.connect(station, client)
        done = updates.fetch(station, client)
    emit(args, {"installed": [{"kind": d.kind, "version": d.version} for d in done]},
         "\n".join(_("已安装{what}第 {version} 版。").format(what=_label(d.kind),
                                                         version=d.version) for d in done)
         or _("没有新的更新。"))
    return 0
