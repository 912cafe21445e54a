"""The hub backup file: every part checked against the manifest before use."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from station.hubops import backup_file
from station.hubops.backup_file import BackupDamaged, BackupUnreadable, Manifest


def _made(tmp_path: Path, content: bytes = b"SQLite format 3\x00" + bytes(range(256)) * 40
          ) -> tuple[Path, Manifest]:
    part = tmp_path / "hub.sqlite3"
    part.write_bytes(content)
    manifest = Manifest("450981104000", "sqlite", 4, "2026-12-06T00:00:00+00:00",
                        (backup_file.describe(part),))
    target = tmp_path / "out" / "hub.tar"
    backup_file.write(target, manifest, {part.name: part})
    return target, manifest


def test_a_backup_reads_back_as_written(tmp_path: Path) -> None:
    target, manifest = _made(tmp_path)
    into = tmp_path / "parts"
    into.mkdir()
    assert backup_file.verify(target, into) == manifest
    assert (into / "hub.sqlite3").read_bytes() == (tmp_path / "hub.sqlite3").read_bytes()
    assert [p.name for p in target.parent.iterdir()] == ["hub.tar"]  # no temporary left


def test_every_flipped_byte_of_the_part_is_caught(tmp_path: Path) -> None:
    target, _ = _made(tmp_path)
    raw = target.read_bytes()
    with tarfile.open(target) as tar:
        start = tar.getmember("hub.sqlite3").offset_data
    for index in range(start, start + (tmp_path / "hub.sqlite3").stat().st_size, 397):
        damaged = bytearray(raw)
        damaged[index] ^= 0x40
        target.write_bytes(bytes(damaged))
        with pytest.raises(BackupDamaged):
            backup_file.verify(target)


@pytest.mark.parametrize("keep", [100, 2000, 6000])
def test_a_truncated_file_is_refused(tmp_path: Path, keep: int) -> None:
    target, _ = _made(tmp_path)
    target.write_bytes(target.read_bytes()[:keep])
    with pytest.raises((BackupDamaged, BackupUnreadable)):
        backup_file.verify(target)


@pytest.mark.parametrize("change", [
    {"format": "something-else"}, {"version": 2}, {"engine": "mysql"},
    {"parts": [{"name": "../hub.db", "size": 1, "sha256": "0" * 64}]},
    {"parts": []},
])
def test_a_wrong_manifest_is_refused(tmp_path: Path, change: dict[str, object]) -> None:
    _target, manifest = _made(tmp_path)
    text = json.dumps({**manifest.to_json(), **change}).encode()
    target = tmp_path / "forged.tar"
    with tarfile.open(target, "w") as tar:
        info = tarfile.TarInfo(backup_file.MANIFEST)
        info.size = len(text)
        tar.addfile(info, io.BytesIO(text))
    with pytest.raises(BackupUnreadable):
        backup_file.verify(target)


def test_not_a_tar_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a backup", encoding="utf-8")
    with pytest.raises(BackupUnreadable):
        backup_file.verify(path)


def _with_materials(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    import hashlib

    part = tmp_path / "hub.sqlite3"
    part.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 4)
    bodies = {}
    for index in range(3):
        body = bytes([index]) * (5000 + index)
        bodies[hashlib.sha256(body).hexdigest()] = body
    manifest = Manifest("450981104000", "sqlite", 4, "2026-12-06T00:00:00+00:00",
                        (backup_file.describe(part),), "file:///x",
                        tuple((a, len(b)) for a, b in sorted(bodies.items())), True)
    target = tmp_path / "out" / "hub.tar"
    backup_file.write(target, manifest, {part.name: part}, lambda a: io.BytesIO(bodies[a]))
    return target, bodies


def test_materials_travel_in_the_backup_and_are_checked(tmp_path: Path) -> None:
    target, bodies = _with_materials(tmp_path)
    got: dict[str, bytes] = {}

    def sink(address: str, stream: Any, size: int) -> bool:
        got[address] = stream.read()
        return len(got[address]) == size
    manifest = backup_file.verify(target, materials_into=sink)
    assert got == bodies and manifest.materials_included
    raw = target.read_bytes()
    with tarfile.open(target) as tar:
        name = sorted(m.name for m in tar.getmembers() if m.name.startswith("materials/"))[1]
        start = tar.getmember(name).offset_data
    damaged = bytearray(raw)
    damaged[start + 100] ^= 0x01
    target.write_bytes(bytes(damaged))
    with pytest.raises(BackupDamaged):
        backup_file.verify(target)
