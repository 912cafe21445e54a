"""station demo: a whole network on this machine (county, township, village, reviewer)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import platformdirs

from station.cli.context import emit, say
from station.i18n import _
from station.paths import APP_NAME


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[common],
                       help=_("演示：在本机运行县、乡镇枢纽站和村站，办件走完一个来回"))
    p.add_argument("--workdir", type=Path, default=None,
                   help=_("演示目录（默认：系统数据目录下的 demo）"))
    p.add_argument("--headless", action="store_true", help=_("不打开窗口"))
    p.add_argument("--setup-only", action="store_true",
                   help=_("只建站并完成入网，不启动枢纽站、不登记办件"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def _text(summary: dict) -> str:
    lines = [_("已登记 {filed} 件，乡镇收到 {at_township} 件，县级收到 {at_county} 件，"
               "退回村站 {returned_to_village} 件；审计{audit}。").format(
        filed=summary["filed"], at_township=summary["at_township"],
        at_county=summary["at_county"], returned_to_village=summary["returned_to_village"],
        audit=_("通过") if summary["audit_ok"] else _("未通过"))]
    if "review_case" in summary:
        lines.append(_("办件 {case_no}：一次性告知、补正、受理、联合审查、报县审批，{decided}；"
                       "已盖章文书 {verified}/{total} 份核验通过；送达并评价{rated}。").format(
            case_no=summary["review_case"],
            decided=_("准予批准") if summary["decided"] else _("未批准"),
            verified=summary["signed_pdfs_verified"], total=len(summary["signed_pdfs"]),
            rated=_("（已办结）") if summary["rated"] else ""))
    if "reuse_case" in summary:
        lines.append(_("资料共享：办件 {case_no} 经申请人同意复用 {reused}，扫描 {scanned} 页"
                       "（不复用需扫描 {without} 页），上传扫描件 {uploaded} 份；"
                       "乡镇审核台显示：{shown}").format(
            case_no=summary["reuse_case"], reused="、".join(summary["reused"]),
            scanned=summary["pages_scanned"], without=summary["pages_without_reuse"],
            uploaded=summary["scans_uploaded"],
            shown="；".join(f"{k}：{v}" for k, v in summary["desk_shows"].items())))
    for node in summary["nodes"]:
        lines.append(f"{node['role']:13} {node['code']}  {node['address'] or '-'}  "
                     f"{node['data']}  {node['user']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from station.demo import demo_network

    workdir = args.workdir or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "demo"
    net = demo_network.setup(workdir)
    if args.setup_only:
        emit(args, {"workdir": str(net.workdir), "nodes": [n.to_json() for n in net.nodes]},
             "\n".join(f"{n.role:13} {n.code}  {n.data}  {n.user}" for n in net.nodes))
        return 0
    # stopping the demo (SIGTERM, as a desktop session or a supervisor sends it)
    # must stop its hubs too: the handler turns it into SystemExit, so finally runs
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    try:
        demo_network.start_hubs(net)
        summary = demo_network.round_trip(net)
        summary.update(demo_network.review_trip(net))
        summary.update(demo_network.reuse_trip(net))
        summary["workdir"] = str(net.workdir)
        emit(args, summary, _text(summary))
        if args.headless or args.json:
            ok = summary["audit_ok"] and summary["decided"] and summary["rated"] \
                and summary["signed_pdfs_verified"] == len(summary["signed_pdfs"]) \
                and bool(summary["reused"]) and not summary["missing"]
            return 0 if ok else 1
        from station.ui.app import display_available, run_gui

        if not display_available():
            say(_("没有图形界面（未设置 DISPLAY），不打开窗口；加 --headless 可不显示本提示。"))
            return 0
        return run_gui(net.village.data, net.workdir / "documents" / net.village.code,
                       net.village.user, demo_passphrase=net.passphrase)
    finally:
        net.stop()
