"""The hub backup file: one tar holding ``manifest.json``, the database dump and the
materials of a hub whose material store is a folder.

The manifest names the hub, the database engine and every part with its size
and SHA-256; the materials (``materials/<address>``, streamed from the store) with
their sizes, their address being their SHA-256; and where the hub's material store
is (``store``).  ``verify`` reads the whole file and checks every part and every
material before anything is restored; with ``into`` and ``materials_into`` it
writes them out, checked once more.  Nothing here knows about databases.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from station.errors import StationError

FORMAT = "bianmin-hub-backup"
VERSION = 1
MANIFEST = "manifest.json"
ENGINES = ("sqlite", "postgresql")
BLOCK = 1 << 20
MATERIALS = "materials/"  # the tar members of the materials: materials/<address>
HEX = frozenset("0123456789abcdef")


class BackupUnreadable(StationError):
    """备份文件 {path} 无法读取或不是枢纽站备份：{reason}。请确认选对了文件。"""

    exit_code = 4


class BackupDamaged(StationError):
    """备份文件 {path} 已损坏：其中的“{part}”与清单记录的校验值不符。什么都没有恢复，请换一份备份。"""  # noqa: E501

    exit_code = 6


class BackupNotWritten(StationError):
    """无法写入备份文件 {path}：{reason}。请换一个有空间、可写入的位置。"""

    exit_code = 1


@dataclass(frozen=True)
class Part:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    node: str
    engine: str
    schema: int
    made_at: str
    parts: tuple[Part, ...]
    # Where the hub's materials are ("" in backups made before the material store) and
    # whether they are in this file: (address, size) of each; () with an object store,
    # whose own replication and versioning keep the scans.
    store: str = ""
    materials: tuple[tuple[str, int], ...] = ()
    materials_included: bool = False

    def to_json(self) -> dict[str, Any]:
        value = {"format": FORMAT, "version": VERSION, "node": self.node,
                 "engine": self.engine, "schema": self.schema, "made_at": self.made_at,
                 "parts": [vars(p) for p in self.parts]}
        if self.store:
            value["store"] = self.store
            value["materials_included"] = self.materials_included
            value["materials"] = [[address, size] for address, size in self.materials]
        return value


def describe(path: Path) -> Part:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return Part(path.name, path.stat().st_size, digest.hexdigest())


def write(target: Path, manifest: Manifest, files: dict[str, Path],
          open_material: Callable[[str], BinaryIO] | None = None) -> None:
    """The tar beside ``target``, fsynced, then renamed: whole under its name or absent.
    The manifest's materials are streamed from ``open_material(address)``."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.",
                                             suffix=".part")
    except OSError as error:
        raise BackupNotWritten(path=target, reason=error.strerror or str(error)) from None
    part = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
                text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(text), 0o600
                tar.addfile(info, io.BytesIO(text))
                for item in manifest.parts:
                    info = tarfile.TarInfo(item.name)
                    info.size, info.mode = item.size, 0o600
                    with files[item.name].open("rb") as source:
                        tar.addfile(info, source)
                for address, size in manifest.materials:
                    assert open_material is not None
                    info = tarfile.TarInfo(MATERIALS + address)
                    info.size, info.mode = size, 0o600
                    with open_material(address) as source:
                        tar.addfile(info, source)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise BackupNotWritten(path=target, reason=error.strerror or str(error)) from None


def _manifest(path: Path, tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.getmember(MANIFEST)
        handle = tar.extractfile(member)
        assert handle is not None
        value = json.loads(handle.read(1 << 20))
        if value.get("format") != FORMAT or value.get("version") != VERSION:
            raise ValueError(f"format {value.get('format')} {value.get('version')}")
        if value["engine"] not in ENGINES:
            raise ValueError(f"engine {value['engine']}")
        parts = tuple(Part(str(p["name"]), int(p["size"]), str(p["sha256"]))
                      for p in value["parts"])
        if len(parts) != 1:
            raise ValueError(f"{len(parts)} parts")
        for item in parts:
            if "/" in item.name or item.name in ("", ".", "..", MANIFEST):
                raise ValueError(f"part name {item.name}")
        materials = tuple((str(a), int(n)) for a, n in value.get("materials") or ())
        for address, size in materials:
            if len(address) != 64 or not set(address) <= HEX or size < 1:
                raise ValueError(f"material {address[:70]}")
        return Manifest(str(value["node"]), str(value["engine"]), int(value["schema"]),
                        str(value["made_at"]), parts, str(value.get("store") or ""),
                        materials, bool(value.get("materials_included")))
    except (KeyError, ValueError, TypeError, AssertionError) as error:
        raise BackupUnreadable(path=path, reason=f"manifest: {error}") from None


MaterialSink = Callable[[str, IO[bytes], int], bool]  # (address, stream, size) -> whole


def verify(path: Path, into: Path | None = None,
           materials_into: MaterialSink | None = None) -> Manifest:
    """Check every part's size and SHA-256 against the manifest, and every material's
    against its address (and, with ``into``, write the parts there; with
    ``materials_into``, hand each material's stream to it, which checks it again).
    Raises before returning if anything differs."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            manifest = _manifest(path, tar)
            names = {m.name for m in tar.getmembers()}
            for item in manifest.parts:
                if item.name not in names:
                    raise BackupDamaged(path=path, part=item.name)
                handle = tar.extractfile(item.name)
                if handle is None:
                    raise BackupDamaged(path=path, part=item.name)
                digest, size = hashlib.sha256(), 0
                out = (into / item.name).open("wb") if into else None
                try:
                    while block := handle.read(BLOCK):
                        digest.update(block)
                        size += len(block)
                        if out:
                            out.write(block)
                finally:
                    if out:
                        out.close()
                if size != item.size or digest.hexdigest() != item.sha256:
                    raise BackupDamaged(path=path, part=item.name)
            for address, size in manifest.materials:
                name = MATERIALS + address
                handle = tar.extractfile(name) if name in names else None
                if handle is None:
                    raise BackupDamaged(path=path, part=name)
                if materials_into is not None:
                    whole = materials_into(address, handle, size)
                else:
                    digest, length = hashlib.sha256(), 0
                    while block := handle.read(BLOCK):
                        digest.update(block)
                        length += len(block)
                    whole = length == size and digest.hexdigest() == address
                if not whole:
                    raise BackupDamaged(path=path, part=name)
    except (tarfile.TarError, EOFError) as error:
        raise BackupUnreadable(path=path, reason=str(error)) from None
    except OSError as error:
        raise BackupUnreadable(path=path, reason=error.strerror or str(error)) from None
    return manifest
