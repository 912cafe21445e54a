"""The ``station`` command.

Exit codes (also in README.md):
  0 done · 1 other error · 2 wrong usage · 3 passphrase, recovery key or user
  not accepted · 4 invalid input (form, applicant, material, catalogue, node
  code, date) · 5 not found (station, case, matter) · 6 data damaged or from a
  newer version · 130 interrupted · 141 output closed by the reader
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from forms.errors import FormsError, UnknownMatter
from keys.errors import (
    DecryptionFailed,
    EnrolmentCodeExpired,
    EnrolmentCodeMistyped,
    EnrolmentCodeUsed,
    EnrolmentProofInvalid,
    EnrolmentRequestMismatch,
    InvalidUserName,
    KeysError,
    LastUser,
    PassphraseTooWeak,
    TrustError,
    UnknownUser,
    VaultCorrupt,
    VaultMissing,
    VaultTooNew,
    WrongPassphrase,
    WrongRecoveryKey,
)
from station import i18n
from station.cli import (
    backup_cmds,
    case_cmds,
    catalogue_cmds,
    clock_cmds,
    demo_cmd,
    gui_cmd,
    info_cmds,
    node_cmds,
    people_cmds,
    progress_cmds,
    publish_cmds,
    report_cmds,
    resident_cmds,
    review_cmds,
    seal_cmds,
    sync_cmds,
    trust_cmds,
)
from station.cli.context import common_options, say
from station.errors import StationError
from station.i18n import _
from sync.errors import SyncError

EXIT_AUTH, EXIT_INPUT, EXIT_NOT_FOUND, EXIT_DAMAGED, EXIT_DISK, EXIT_PIPE = 3, 4, 5, 6, 7, 141

KEYS_EXIT_CODES: tuple[tuple[type[KeysError], int], ...] = (
    (WrongPassphrase, EXIT_AUTH),
    (WrongRecoveryKey, EXIT_AUTH),
    (UnknownUser, EXIT_AUTH),
    (PassphraseTooWeak, EXIT_AUTH),
    (InvalidUserName, EXIT_INPUT),
    (LastUser, EXIT_INPUT),
    (VaultMissing, EXIT_NOT_FOUND),
    (VaultCorrupt, EXIT_DAMAGED),
    (VaultTooNew, EXIT_DAMAGED),
    (TrustError, EXIT_INPUT),
    (EnrolmentCodeMistyped, EXIT_INPUT),
    (EnrolmentCodeExpired, EXIT_INPUT),
    (EnrolmentCodeUsed, EXIT_INPUT),
    (EnrolmentProofInvalid, EXIT_INPUT),
    (EnrolmentRequestMismatch, EXIT_INPUT),
    (DecryptionFailed, EXIT_DAMAGED),
)


def exit_code(error: Exception) -> int:
    if isinstance(error, StationError):
        return error.exit_code
    if isinstance(error, FormsError):
        return EXIT_NOT_FOUND if isinstance(error, UnknownMatter) else EXIT_INPUT
    if isinstance(error, SyncError):
        status = int(getattr(error, "status", 500))
        return {401: EXIT_AUTH, 403: EXIT_AUTH, 404: EXIT_NOT_FOUND, 507: EXIT_DISK}.get(
            status, EXIT_INPUT if 400 <= status < 500 else 1)
    for kind, code in KEYS_EXIT_CODES:
        if isinstance(error, kind):
            return code
    return 1


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="station",
        parents=[common],
        description=_("便民站：村、乡镇、县便民服务站的离线办件程序。"),
    )
    parser.add_argument("--version", action=_PrintVersion, help=_("显示版本号后退出"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (node_cmds, info_cmds, case_cmds, demo_cmd, gui_cmd, trust_cmds, people_cmds,
                   catalogue_cmds,
                   sync_cmds, publish_cmds, clock_cmds, review_cmds, seal_cmds, progress_cmds,
                   backup_cmds, report_cmds, resident_cmds):
        module.register(sub, common)
    return parser


class _PrintVersion(argparse.Action):
    """``--version``, like argparse's own, but the version is looked up only when asked
    for: importlib.metadata takes a while to load, and every other command skips it."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: Any = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        sys.stdout.write(f"{parser.prog} {version()}\n")
        parser.exit()


def version() -> str:
    """The installed distribution's version (the .deb's bundle carries its metadata)."""
    from importlib import metadata

    try:
        return metadata.version("bianmin-station")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.set_language(_language_from(argv))
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (StationError, FormsError, KeysError, SyncError) as error:
        say(_("错误：") + i18n.render(error))
        return exit_code(error)
    except KeyboardInterrupt:
        say(_("已中断。"))
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `station … | head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE


def _language_from(argv: Sequence[str]) -> str | None:
    """--lang is needed before the parser exists, so its help is translated."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":
    sys.exit(main())
