"""What every command shares: options, passphrases, opening the station, output."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station import i18n
from station.errors import PassphraseMismatch, PassphraseNeeded, StationError
from station.i18n import _
from station.paths import default_data_dir

if TYPE_CHECKING:
    from station.app import Station

# Every command module is imported to build the parser, so a module imports at its
# top only what building the parser needs; what a command needs to run (the
# station, documents, HTTP, PDF signing) is imported inside its handler.  Then a
# short command starts in a fraction of the time (tests/test_cli_start.py,
# bench/bench_cli_start.py).

PASSPHRASE_ENV = "STATION_PASSPHRASE"
NEW_PASSPHRASE_ENV = "STATION_NEW_PASSPHRASE"
RECOVERY_KEY_ENV = "STATION_RECOVERY_KEY"
CREDENTIAL = "passphrase"  # systemd: LoadCredential=passphrase:/etc/bianmin/….passphrase


def common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after the command name."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--data", type=Path, default=argparse.SUPPRESS,
                        help=_("数据目录（默认：系统数据目录或 STATION_DATA）"))
    parent.add_argument("--user", default=argparse.SUPPRESS,
                        help=_("登录用户（默认：STATION_USER 或建站时的第一个用户）"))
    parent.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS,
                        help=_("界面语言：zh 中文（默认）或 en 英文"))
    parent.add_argument("--documents", type=Path, default=argparse.SUPPRESS,
                        help=_("打印文件保存位置（默认：文档/便民站 或 STATION_DOCUMENTS）"))
    return parent


def hub_database_option(parser: argparse.ArgumentParser) -> None:
    """``--db``: the hub's database, for the commands that work on it."""
    parser.add_argument("--db", default=None,
                        help=_("数据库地址（默认：数据目录中的 SQLite；或 postgresql://…）"))


def hub_storage_options(parser: argparse.ArgumentParser) -> None:
    """``--db`` and ``--blobs``: where a hub's records and its materials are, for the
    commands that read or write both (backup, restore, import, migrate-blobs)."""
    hub_database_option(parser)
    parser.add_argument("--blobs", default=None, metavar="SPEC",
                        help=_("材料存放位置（与 station hub serve --blobs 相同；"
                               "默认：数据目录中的 blobs 文件夹）"))


def date_argument(text: str) -> date:
    """A date option: argparse reports a bad one as a usage error (exit 2)."""
    from station.clock.calendar import parse_date

    try:
        return parse_date(text)
    except StationError as error:
        raise argparse.ArgumentTypeError(i18n.render(error)) from None


def data_dir(args: argparse.Namespace) -> Path:
    return getattr(args, "data", None) or default_data_dir()


def user_name(args: argparse.Namespace) -> str | None:
    return getattr(args, "user", None) or os.environ.get("STATION_USER") or None


def documents_dir(args: argparse.Namespace) -> Path | None:
    return getattr(args, "documents", None)


def ask_secret(env: str, prompt: str, confirm: bool = False) -> str:
    """A secret from the environment, else from the terminal (twice if confirming)."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise PassphraseNeeded(variable=env)
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("请再输入一次：")) != first:
        raise PassphraseMismatch()
    return first


def passphrase(confirm: bool = False) -> str:
    """STATION_PASSPHRASE, else a systemd credential named ``passphrase`` (a hub service:
    ``LoadCredential=passphrase:FILE``, never in the environment), else the terminal."""
    if PASSPHRASE_ENV not in os.environ and not confirm:
        credential = credential_file(CREDENTIAL)
        if credential is not None:
            return credential.read_text(encoding="utf-8").rstrip("\r\n")
    return ask_secret(PASSPHRASE_ENV, _("口令："), confirm)


def credential_file(name: str) -> Path | None:
    """A credential systemd passed to this service (``$CREDENTIALS_DIRECTORY/name``)."""
    folder = os.environ.get("CREDENTIALS_DIRECTORY")
    path = Path(folder) / name if folder else None
    return path if path is not None and path.is_file() else None


@contextmanager
def opened(args: argparse.Namespace) -> Iterator[Station]:
    from station.app import Station

    station = Station.open(data_dir(args), user_name(args), passphrase(), documents_dir(args))
    try:
        yield station
    finally:
        station.close()


def emit(args: argparse.Namespace, document: Any, text: str, stream: bool = False) -> None:
    """One JSON document on stdout with --json, else text for a person.

    ``stream``: one of many (a command that keeps running): each document on one
    line (JSON Lines), flushed at once, so a pipe sees every round as it ends."""
    if getattr(args, "json", False):
        json.dump(document, sys.stdout, ensure_ascii=False, indent=None if stream else 2,
                  default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")
    if stream:
        sys.stdout.flush()


def say(message: str) -> None:
    """A message for a person: stderr, so stdout stays clean for --json."""
    sys.stderr.write(message.rstrip("\n") + "\n")
