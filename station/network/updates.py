"""Catalogue and calendar updates from the county (事项目录、节假日安排的更新).

The county's admin publishes (``station publish catalogue DIR`` /
``station publish calendar FILE``): the files are validated here first,
signed by the county node with the next version number (sync/updates.py)
and posted to the county hub, which hubs below copy.  Every station fetches
a newer version when it syncs (``exchange``, called from
``station.network.sync_once``), checks the county's signature up to its
root, validates the content as the county did, and installs it atomically
into ``DataLayout.catalogue`` / ``DataLayout.calendar``.

- A malformed update is refused with a clear message and changes nothing:
  the previous version stays, and the refusal is remembered (``status``)
  so that the same version is not fetched again and again.
- An older or equal version is ignored: a hub cannot roll a station back.
- The catalogue folder is swapped with two renames; a crash between them
  leaves ``incoming/catalogue-previous``, put back by the next ``exchange``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from forms.catalogue import load_catalogue, load_catalogue_text
from forms.errors import FormsError
from keys import ca
from keys.errors import KeysError
from station import i18n, node_keys, outbox
from station.app import Station
from station.cases import case_state
from station.clock.calendar import load_overrides
from station.errors import NotPermitted, StationError
from station.fileio import fsync_directory
from station.i18n import _
from station.labels import action_name
from station.network import enrolment_net
from station.node import tier_name
from station.store.models import Setting
from station.trust import revocations, users
from sync.client import HubClient
from sync.errors import SyncError
from sync.problems import HubUnreachable
from sync.updates import (
    CALENDAR,
    CALENDAR_FILE,
    CATALOGUE,
    FILE_NAME,
    KINDS,
    Update,
    kind_name,
    make_update,
    open_update,
)

log = logging.getLogger("bianmin.updates")
VERSION_SETTING = "updates.{kind}.version"
REFUSED_SETTING = "updates.{kind}.refused"
INCOMING = "incoming"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")  # an old .xls is told to be saved as .xlsx


class UpdateRefused(StationError):
    """县里发布的{what}更新第 {version} 版未通过校验，未安装，仍使用原来的版本：{reason}"""

    exit_code = 4


class UpdateSourceInvalid(StationError):
    """不能发布 {path}：{reason}"""

    exit_code = 4


class UpdateFileName(StationError):
    """文件名“{name}”不能发布：只能用字母、数字、点、横线和下划线，并以 .toml 结尾。"""

    exit_code = 4


@dataclass(frozen=True)
class Installed:
    kind: str
    version: int
    files: int


# -- what is installed -------------------------------------------------------------


def _setting(key: str) -> str | None:
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else None


def installed_version(kind: str) -> int:
    return int(_setting(VERSION_SETTING.format(kind=kind)) or 0)


def status() -> dict[str, dict[str, Any]]:
    """Per kind: the installed version and the last refused update, if any."""
    out = {}
    for kind in KINDS:
        refused = _setting(REFUSED_SETTING.format(kind=kind))
        out[kind] = {"version": installed_version(kind),
                     "refused": json.loads(refused) if refused else None}
    return out


# -- validating and installing -------------------------------------------------------


def validate(kind: str, files: dict[str, str], staging: Path) -> Path:
    """Write ``files`` under ``staging`` and check them as the station will read
    them; returns the staged file or folder.  FormsError / CalendarFileInvalid."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, text in files.items():
        if kind == CATALOGUE:
            load_catalogue_text(text, name)
        path = staging / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    fsync_directory(staging)
    if kind == CATALOGUE:
        load_catalogue(staging)  # the whole folder: e.g. a matter code in two files
        return staging
    load_overrides(staging / CALENDAR_FILE)
    return staging / CALENDAR_FILE


def install(station: Station, published: object, kind: str,
            at: datetime | None = None) -> Installed | None:
    """Verify, validate and install an update; None when it is not newer.

    UpdateRefused (nothing changed) when the signature, the signer or the
    content is wrong.  ``at``: the moment certificates are checked (the hub's
    time when fetched, as a village PC's clock may be days wrong)."""
    root = ca.certificate_from_pem(Setting.get(Setting.key == "root_certificate").value.encode())
    try:
        update = open_update(published, kind, root, revocations.current(station), at)
    except (SyncError, KeysError) as error:
        raise UpdateRefused(kind=kind, what=kind_name(kind), version="?", reason=error) from None
    if update.version <= installed_version(kind):
        return None
    return _install(station, update)


def _install(station: Station, update: Update) -> Installed:
    layout = station.layout
    incoming = layout.root / INCOMING
    recover(station)
    staging = incoming / f"{update.kind}-v{update.version}"
    try:
        staged = validate(update.kind, update.files, staging)
    except (FormsError, StationError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        _refused(station, update.kind, update.version, error)
        raise UpdateRefused(kind=update.kind, what=kind_name(update.kind), version=update.version,
                            reason=error) from None
    except OSError as error:  # e.g. a full disk: not the update's fault, try it again later
        shutil.rmtree(staging, ignore_errors=True)
        raise UpdateRefused(kind=update.kind, what=kind_name(update.kind), version=update.version,
                            reason=error) from None
    if update.kind == CALENDAR:
        os.replace(staged, layout.calendar)
        fsync_directory(layout.root)
        shutil.rmtree(staging, ignore_errors=True)
    else:
        previous = incoming / "catalogue-previous"
        shutil.rmtree(previous, ignore_errors=True)
        if layout.catalogue.exists():
            os.replace(layout.catalogue, previous)
        os.replace(staged, layout.catalogue)
        fsync_directory(layout.root)
        shutil.rmtree(previous, ignore_errors=True)
    with station.db.atomic("IMMEDIATE"):
        Setting.replace(key=VERSION_SETTING.format(kind=update.kind),
                        value=str(update.version)).execute()
        Setting.delete().where(Setting.key == REFUSED_SETTING.format(kind=update.kind)).execute()
        outbox.append(station.node.code, station.user, "node.update_installed",
                      {"kind": update.kind, "version": update.version,
                       "files": len(update.files)})
    station.__dict__.pop(update.kind, None)  # Station.catalogue / .calendar read it again
    if update.kind == CALENDAR:
        case_state.redate(station)  # the published days may move a provisional date
    log.info("installed %s update version %s", update.kind, update.version)
    return Installed(update.kind, update.version, len(update.files))


def _refused(station: Station, kind: str, version: int, error: Exception) -> None:
    message = i18n.render(error)
    log.warning("refused %s update version %s: %s", kind, version, message)
    with station.db.atomic("IMMEDIATE"):
        Setting.replace(key=REFUSED_SETTING.format(kind=kind), value=json.dumps(
            {"version": version, "message": message,
             "at": datetime.now(UTC).isoformat(timespec="seconds")},
            ensure_ascii=False)).execute()


def recover(station: Station) -> None:
    """Put back a catalogue folder a crash left half swapped."""
    layout = station.layout
    previous = layout.root / INCOMING / "catalogue-previous"
    if previous.is_dir() and not layout.catalogue.exists():
        os.replace(previous, layout.catalogue)
        fsync_directory(layout.root)


# -- over the network ------------------------------------------------------------------


def fetch(station: Station, client: HubClient, retry_refused: bool = True) -> list[Installed]:
    """Install every update the hub holds that is newer than ours.  UpdateRefused for
    the first bad one (the others are still tried).  ``retry_refused=False`` skips a
    version refused before."""
    recover(station)
    installed, refused = [], None
    for kind, offered in client.update_versions().items():
        if kind not in KINDS or offered <= installed_version(kind) \
                or (not retry_refused and offered == _refused_version(kind)):
            continue
        try:
            done = install(station, client.update(kind), kind, _hub_time(client))
        except UpdateRefused as error:
            refused = refused or error
            continue
        if done is not None:
            installed.append(done)
    if refused is not None:
        raise refused
    return installed


def _hub_time(client: HubClient) -> datetime:
    return datetime.fromtimestamp(time.time() + client.clock_offset, UTC)


def exchange(station: Station, client: HubClient) -> None:
    """One sync round's share: publish our open enrolment grants, take newer updates.

    Never fails the round for a bad update or grant (cases must keep syncing);
    what was refused is logged and shown by ``station updates status``.  Only a
    lost link stops the round, as it would anyway."""
    for step in (lambda: enrolment_net.publish_grants(station, client),
                 lambda: fetch(station, client, retry_refused=False)):
        try:
            step()
        except HubUnreachable:
            raise
        except (SyncError, KeysError, StationError, OSError) as error:
            log.warning("%s", i18n.render(error))


def _refused_version(kind: str) -> int | None:
    refused = _setting(REFUSED_SETTING.format(kind=kind))
    return int(json.loads(refused)["version"]) if refused else None


# -- publishing (the county) ---------------------------------------------------------


def read_source(kind: str, source: Path) -> dict[str, str]:
    """The files to publish: a folder of ``*.toml`` (or one file) or an Excel
    事项清单 (``*.xlsx``, every mistake listed by ``WorkbookInvalid``) for a
    catalogue, one TOML file for a calendar."""
    if kind == CATALOGUE and is_workbook(source):
        from forms.workbook_import import workbook_files  # openpyxl: only when asked

        return workbook_files(source)
    if kind == CATALOGUE:
        paths = sorted(source.glob("*.toml")) if source.is_dir() else [source]
    else:
        paths = [source]
    files = {}
    for path in paths:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise UpdateSourceInvalid(path=path, reason=error.strerror or str(error)) from None
        except UnicodeDecodeError:
            raise UpdateSourceInvalid(path=path, reason=_("不是 UTF-8 编码的文本")) from None
        name = CALENDAR_FILE if kind == CALENDAR else path.name
        if kind == CATALOGUE and not FILE_NAME.fullmatch(name):
            raise UpdateFileName(name=name)
        files[name] = text
    if not files:
        raise UpdateSourceInvalid(path=source, reason=_("文件夹中没有 *.toml 文件"))
    return files


def is_workbook(source: Path) -> bool:
    """An Excel 事项清单 rather than a folder of catalogue files."""
    return source.suffix.lower() in WORKBOOK_SUFFIXES and not source.is_dir()


def check_publisher(station: Station, kind: str) -> None:
    """Only the county's admin publishes (NotPermitted, RoleRequired otherwise)."""
    if station.node.tier != "county":
        raise NotPermitted(action=action_name(f"publish {kind}"),
                           tier=tier_name(station.node.tier))
    users.require_role(station, f"publish {kind}", "admin")


def check_source(station: Station, kind: str, source: Path) -> dict[str, str]:
    """What ``publish`` would send, checked as every station will check it, with no
    network and no change here: FormsError / CalendarFileInvalid name the file
    (and the line, for a TOML mistake)."""
    check_publisher(station, kind)
    files = read_source(kind, source)
    staging = station.layout.root / INCOMING / f"{kind}-publish"
    try:
        validate(kind, files, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return files


def publish(station: Station, client: HubClient, kind: str, source: Path) -> Installed:
    """County admin: validate, sign with the next version, post to the hub, install here."""
    node = station.node
    files = check_source(station, kind, source)
    held = client.update_versions().get(kind, 0)
    version = max(installed_version(kind), held) + 1
    key = node_keys.load_key(node_keys.SIGNING)
    chain = node_keys.certificate(node_keys.SIGNING)
    if not isinstance(key, ed25519.Ed25519PrivateKey) or not chain:
        raise NotPermitted(action=action_name(f"publish {kind}"), tier=tier_name(node.tier))
    published = make_update(kind, version, files, key, node.code, chain,
                            datetime.now(UTC).isoformat(timespec="seconds"))
    client.publish_update(kind, published)
    done = install(station, published, kind)
    assert done is not None
    return done
