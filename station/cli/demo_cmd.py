"""station demo: a demo station with sample cases on this machine."""

from __future__ import annotations

import argparse
from pathlib import Path

import platformdirs

from station.cli.context import emit, say
from station.demo import DEMO_AGENT, run_demo
from station.i18n import _
from station.paths import APP_NAME
from station.status import label


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[common], help=_("演示：建一个演示村站并登记样例办件"))
    p.add_argument("--workdir", type=Path, default=None,
                   help=_("演示目录（默认：系统数据目录下的 demo）"))
    p.add_argument("--headless", action="store_true", help=_("不打开窗口"))
    p.add_argument("--setup-only", action="store_true", help=_("只建站，不登记样例办件"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    workdir = args.workdir or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "demo"
    result = run_demo(workdir, setup_only=args.setup_only)
    lines = [
        _("演示站数据目录：{path}").format(path=result.data),
        _("口令：{passphrase}").format(passphrase=result.passphrase),
    ]
    for case in result.cases:
        lines.append("")
        lines.append(_("办件编号：{case_no}（{status}）").format(
            case_no=case.case_no, status=label(case.status)))
        if case.deadline:
            lines.append(_("承诺办结日期：{date}").format(date=case.deadline))
        lines.append(_("收件凭证：{path}").format(path=case.receipt))
        if case.notice:
            lines.append(_("补齐补正告知书：{path}").format(path=case.notice))
    lines.append("")
    hint = _("查看办件：station --data {path} case list（口令见上）")
    lines.append(hint.format(path=result.data))
    emit(args, result.to_json(), "\n".join(lines))
    if args.headless or args.json or args.setup_only:
        return 0
    from station.ui.app import display_available, run_gui

    if not display_available():
        say(_("没有图形界面（未设置 DISPLAY），不打开窗口；加 --headless 可不显示本提示。"))
        return 0
    return run_gui(result.data, result.documents, DEMO_AGENT, demo_passphrase=result.passphrase)
