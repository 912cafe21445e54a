"""station progress serve | address: the public progress page and its address."""

from __future__ import annotations

import argparse

from station.cli.context import data_dir, emit, opened
from station.i18n import _
from sync.hub.progress_web import LIMIT


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    progress = sub.add_parser("progress", parents=[common],
                              help=_("县级：群众扫码查询办理进度的网页"))
    cmds = progress.add_subparsers(dest="progress_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("serve", parents=[common],
                        help=_("运行进度查询网页（只读，与县级枢纽站同一数据目录，无需口令）"))
    p.add_argument("--listen", required=True, help=_("监听地址 HOST:PORT，例如 0.0.0.0:8480"))
    p.add_argument("--db", default=None,
                   help=_("枢纽站数据库地址（默认：数据目录中的 SQLite；或 postgresql://…）"))
    p.add_argument("--per-minute", type=per_minute, default=LIMIT, metavar="N",
                   help=_("同一地址每分钟最多查询几次，超过则暂停查询（默认 {limit}）").format(
                       limit=LIMIT))
    p.add_argument("--trusted-proxy", default=None, metavar="ADDRESS",
                   help=_("前置反向代理（如 nginx）的地址：按它转发的 X-Forwarded-For 计数"))
    p.set_defaults(handler=run_serve)
    p = cmds.add_parser("address", parents=[common],
                        help=_("查看或设置进度查询网页的公开地址（县级设置后随目录下发到各村站）"))
    p.add_argument("url", nargs="?", default=None,
                   help=_("公开地址，例如 https://jd.example.gov.cn；收件凭证的二维码指向这里"))
    p.add_argument("--clear", action="store_true", help=_("清除本站设置的地址"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_address)


def per_minute(text: str) -> int:
    """The rate limit: a whole number of lookups, at least 1 (else a usage error)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            _("每分钟查询次数“{value}”不对：应为正整数。").format(value=text))
    return int(text)


def run_serve(args: argparse.Namespace) -> int:
    from station.hubops import progress_runner

    running = progress_runner.start(data_dir(args), args.listen, args.db, args.per_minute,
                                    args.trusted_proxy)
    progress_runner.run(running)
    return 0


def run_address(args: argparse.Namespace) -> int:
    from station.trust import directory, progress_address

    with opened(args) as station:
        if args.url or args.clear:
            progress_address.set_address(station, None if args.clear else args.url)
        own = progress_address.own_address()
        published = progress_address.published_address(
            directory.stored_entries(), station.node)
    used = own or published
    text = _("进度查询地址：{url}").format(url=used) if used else \
        _("尚未设置进度查询地址：收件凭证只印办件编号和查询码，不印二维码。")
    emit(args, {"own": own, "published": published, "used": used}, text)
    return 0
