"""Offline bundles (离线数据包): a sync round carried on a USB stick as one signed file.

The file is a zip archive (every entry ZIP_STORED: ciphertext does not
compress, and a plain layout is easy to inspect and to stream)::

    events/NNNNNNNNNNNN   one signed envelope each, its exact bytes
                          (N: the author's seq, or the hub's log index going down)
    materials/<sha256>    one transport-encrypted material each, its exact bytes
    manifest.json         canonical JSON: format, version, kind, from, to,
                          created_at, the signer's certificate chain, the
                          kind's own fields, and every part's name, size, SHA-256
    manifest.sig          keys.sign signature (Ed25519) by ``from`` over
                          SIGNED_PREFIX + manifest.json

The prefix keeps a bundle signature from ever passing for a signed document
(sync.signed) or an envelope.  A reader trusts nothing before the caller has
verified the chain up to the county root and the signature checked out, and
it hands out a part's bytes only when they match the manifest's SHA-256.

Pure: reads and writes only the streams it is given.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from keys.errors import BadSignature, KeysError
from keys.sign import sign, signature_key_id, verify
from sync.problems import (
    BundleDamaged,
    BundleMalformed,
    BundleSignatureInvalid,
    BundleTooNew,
    BundleWrongKind,
    NotABundle,
)
from sync.signed import canonical

FORMAT = "bianmin-station/bundle"
VERSION = 1
EVENTS, RECEIPTS = "events", "receipts"  # a station's push; a hub's answer
KINDS = (EVENTS, RECEIPTS)
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
SIGNED_PREFIX = b"bianmin-station/bundle/v1\n"
READ_SIZE = 1 << 20
MAX_MANIFEST = 64 << 20
MAX_SIGNATURE = 4096
PART_NAME = re.compile(r"(events/[0-9]{12}|materials/[0-9a-f]{64})\Z")
ZIP_MAGIC = b"PK\x03\x04"
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
               KeyError, struct.error, NotImplementedError, UnicodeDecodeError, OverflowError)

# trust(source, chain_pem) -> the source's public key, once the caller verified the
# chain up to the root (it raises its own error otherwise).
Trust = Callable[[str, str], object]


def event_part(number: int) -> str:
    return f"events/{number:012d}"


def material_part(address: str) -> str:
    return f"materials/{address}"


def part_number(name: str) -> int:
    return int(name.rsplit("/", 1)[1])


def part_address(name: str) -> str:
    return name.rsplit("/", 1)[1]


def hub_for(code: str) -> str:
    """The hub a station's bundles go to: a village's township; a township or
    county desk shares its node (and its hub) with the hub itself."""
    return code[:9] + "000" if code[9:] != "000" else code


@dataclass(frozen=True)
class Part:
    name: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "size": self.size}


class BundleWriter:
    """Write parts, then ``finish`` with the signed manifest.  Streams: a part is
    never held whole in memory when given as chunks."""

    def __init__(self, out: BinaryIO) -> None:
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self._parts: dict[str, Part] = {}

    def add(self, name: str, data: bytes) -> Part:
        return self.add_stream(name, (data,))

    def add_stream(self, name: str, chunks: Iterable[bytes]) -> Part:
        if not PART_NAME.match(name) or name in self._parts:
            raise ValueError(f"not a valid new part name: {name!r}")
        digest, size = hashlib.sha256(), 0
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        with self._zip.open(info, "w", force_zip64=True) as entry:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                entry.write(chunk)
        part = Part(name, digest.hexdigest(), size)
        self._parts[name] = part
        return part

    def finish(self, fields: Mapping[str, Any], signing_key: object, key_id: str) -> bytes:
        """Sign and write the manifest; returns its exact bytes."""
        manifest = {**fields, "format": FORMAT, "version": VERSION,
                    "parts": [p.to_json() for p in sorted(self._parts.values(),
                                                          key=lambda p: p.name)]}
        if manifest.get("from") != key_id or manifest.get("kind") not in KINDS:
            raise ValueError("a manifest names its kind and is signed by its 'from' node")
        raw = canonical(manifest)
        for name, data in ((MANIFEST, raw), (SIGNATURE, sign(SIGNED_PREFIX + raw, signing_key,
                                                              key_id))):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            self._zip.writestr(info, data, compress_type=zipfile.ZIP_STORED)
        self._zip.close()
        return raw


@dataclass
class Bundle:
    """A bundle whose signature verified and whose every part matched its SHA-256."""

    label: str
    manifest: dict[str, Any]
    raw_manifest: bytes
    parts: dict[str, Part]
    archive: zipfile.ZipFile = field(repr=False)

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def source(self) -> str:
        return str(self.manifest["from"])

    @property
    def target(self) -> str:
        return str(self.manifest["to"])

    @property
    def chain(self) -> str:
        return str(self.manifest["chain"])

    @property
    def digest(self) -> str:
        """Names this bundle (a hub's answer cites the bundle it answers)."""
        return hashlib.sha256(self.raw_manifest).hexdigest()

    def names(self, prefix: str) -> list[str]:
        return sorted(n for n in self.parts if n.startswith(prefix))

    def stream(self, name: str) -> Iterator[bytes]:
        """The part's bytes in pieces of READ_SIZE; BundleDamaged at the end if they
        no longer match (the file changed under us)."""
        part = self.parts[name]
        digest, size = hashlib.sha256(), 0
        try:
            with self.archive.open(name) as entry:
                while piece := _read_full(entry, READ_SIZE):
                    digest.update(piece)
                    size += len(piece)
                    if size > part.size:
                        break
                    yield piece
        except _ZIP_ERRORS:
            raise BundleDamaged(path=self.label, part=name) from None
        if size != part.size or digest.hexdigest() != part.sha256:
            raise BundleDamaged(path=self.label, part=name)

    def read(self, name: str) -> bytes:
        return b"".join(self.stream(name))

    def field_of(self, name: str, kind: type | tuple[type, ...]) -> Any:
        """A kind-specific manifest field of the expected type; BundleMalformed if not."""
        value = self.manifest.get(name)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise BundleMalformed(path=self.label, part=name)
        return value


def _read_full(entry: Any, size: int) -> bytes:
    out = bytearray()
    while len(out) < size:
        piece = entry.read(size - len(out))
        if not piece:
            break
        out += piece
    return bytes(out)


def open_bundle(stream: BinaryIO, label: str, kind: str, trust: Trust) -> Bundle:
    """Open and check a bundle read from ``stream`` (``label`` names it in messages).

    In order: a zip of the expected layout; a manifest of this format; a
    signature by the manifest's ``from`` whose chain ``trust`` accepts; the
    expected ``kind``; every part's size and SHA-256.  Every failure is a
    BundleInvalid subclass (or what ``trust`` raises); nothing is trusted before.
    """
    head = stream.read(len(ZIP_MAGIC))
    stream.seek(0)
    if head != ZIP_MAGIC:
        raise NotABundle(path=label)
    try:
        archive = zipfile.ZipFile(stream, "r")
        entries = archive.infolist()
    except _ZIP_ERRORS:
        raise BundleDamaged(path=label, part="zip") from None
    names = [e.filename for e in entries]
    if MANIFEST not in names or SIGNATURE not in names:
        raise NotABundle(path=label)
    if len(set(names)) != len(names):
        raise BundleDamaged(path=label, part="zip")
    for entry in entries:
        if entry.compress_type != zipfile.ZIP_STORED or entry.flag_bits & 0x1:
            raise BundleDamaged(path=label, part=entry.filename)
    raw = _small(archive, MANIFEST, MAX_MANIFEST, label)
    signature = _small(archive, SIGNATURE, MAX_SIGNATURE, label)
    manifest = _manifest(raw, label)
    parts = _parts(manifest, label)
    source = str(manifest["from"])
    expected = {MANIFEST, SIGNATURE, *parts}
    if set(names) != expected:
        raise BundleDamaged(path=label, part=sorted(set(names) ^ expected)[0][:80])
    sizes = {e.filename: e.file_size for e in entries}
    for part in parts.values():
        if sizes[part.name] != part.size:
            raise BundleDamaged(path=label, part=part.name)
    try:
        signer = signature_key_id(signature, "离线数据包")
    except KeysError:
        raise BundleSignatureInvalid(path=label, node=source) from None
    if signer != source:
        raise BundleSignatureInvalid(path=label, node=source)
    public_key = trust(source, str(manifest["chain"]))
    try:
        verify(SIGNED_PREFIX + raw, signature, public_key, "离线数据包")
    except (BadSignature, KeysError):
        raise BundleSignatureInvalid(path=label, node=source) from None
    if manifest["kind"] != kind:
        raise BundleWrongKind(path=label)
    bundle = Bundle(label, manifest, raw, parts, archive)
    for name in parts:
        for _piece in bundle.stream(name):
            pass
    return bundle


def _small(archive: zipfile.ZipFile, name: str, limit: int, label: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise BundleDamaged(path=label, part=name)
    try:
        with archive.open(info) as entry:
            data = entry.read(limit + 1)
    except _ZIP_ERRORS:
        raise BundleDamaged(path=label, part=name) from None
    if len(data) > limit:
        raise BundleDamaged(path=label, part=name)
    return data


def _manifest(raw: bytes, label: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleDamaged(path=label, part=MANIFEST) from None
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise NotABundle(path=label)
    version = value.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BundleMalformed(path=label, part="version")
    if version > VERSION:
        raise BundleTooNew(path=label, version=version)
    if value.get("kind") not in KINDS:
        raise BundleMalformed(path=label, part="kind")
    for name in ("from", "to"):
        code = value.get(name)
        if not isinstance(code, str) or len(code) != 12 or not code.isdigit():
            raise BundleMalformed(path=label, part=name)
    for name in ("created_at", "chain"):
        if not isinstance(value.get(name), str):
            raise BundleMalformed(path=label, part=name)
    return value


def _parts(manifest: dict[str, Any], label: str) -> dict[str, Part]:
    listed = manifest.get("parts")
    if not isinstance(listed, list):
        raise BundleMalformed(path=label, part="parts")
    parts: dict[str, Part] = {}
    for item in listed:
        if not isinstance(item, dict):
            raise BundleMalformed(path=label, part="parts")
        name, digest, size = item.get("name"), item.get("sha256"), item.get("size")
        if not isinstance(name, str) or not PART_NAME.match(name) or name in parts \
                or not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest) \
                or not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise BundleMalformed(path=label, part="parts")
        parts[name] = Part(name, digest, size)
    return parts
