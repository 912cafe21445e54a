"""station gui: the desktop app."""

from __future__ import annotations

import argparse

from station.cli.context import data_dir, documents_dir, user_name
from station.i18n import _


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("gui", parents=[common], help=_("打开桌面程序"))
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from station.ui.app import run_gui  # Tk only when the window is wanted

    return run_gui(data_dir(args), documents_dir(args), user_name(args))
