"""A document is either complete under its name or absent; folders that refuse writes."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import pytest

from station.documents import RecoverySheetInfo, write_recovery_sheet
from station.errors import DocumentError, DocumentFolderUnwritable
from station.fileio import write_atomically
from station.i18n import render, set_language


def sheet() -> RecoverySheetInfo:
    return RecoverySheetInfo(
        node_code="450981104201",
        node_name="六王村便民服务站",
        tier="village",
        user="韦丽华",
        recovery_key="AAAA-BBBB-CCCC-DDDD",
        created_at=datetime(2026, 9, 1, 16, 5),
    )


def test_writes_into_a_new_folder_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "prints" / "2026-09" / "recovery.pdf"
    assert write_recovery_sheet(sheet(), target) == target
    assert target.read_bytes().startswith(b"%PDF-")
    assert target.read_bytes().rstrip().endswith(b"%%EOF")
    assert sorted(p.name for p in target.parent.iterdir()) == ["recovery.pdf"]


def test_failed_render_keeps_the_old_file_and_no_fragment(tmp_path: Path) -> None:
    target = tmp_path / "receipt.pdf"
    target.write_bytes(b"%PDF- the complete earlier version")

    def crash_half_way(out: BinaryIO) -> None:
        out.write(b"%PDF-1.4 half a document")
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        write_atomically(target, crash_half_way)
    assert target.read_bytes() == b"%PDF- the complete earlier version"
    assert [p.name for p in tmp_path.iterdir()] == ["receipt.pdf"]


def test_replaces_an_existing_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "receipt.pdf"
    target.write_bytes(b"old")

    def render_new(out: BinaryIO) -> None:
        out.write(b"new content")

    write_atomically(target, render_new)
    assert target.read_bytes() == b"new content"
    assert [p.name for p in tmp_path.iterdir()] == ["receipt.pdf"]


def test_folder_blocked_by_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "prints"
    blocker.write_text("not a folder")
    with pytest.raises(DocumentFolderUnwritable) as caught:
        write_recovery_sheet(sheet(), blocker / "recovery.pdf")
    assert isinstance(caught.value, DocumentError)
    assert str(blocker) in str(caught.value)
    assert blocker.read_text() == "not a folder"


def test_target_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "recovery.pdf").mkdir()
    with pytest.raises(DocumentFolderUnwritable, match="已有同名文件夹"):
        write_recovery_sheet(sheet(), tmp_path / "recovery.pdf")
    assert [p.name for p in tmp_path.iterdir()] == ["recovery.pdf"]


def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            # root ignores permission bits; /proc refuses new files for everyone
            folder = Path("/proc/station-documents")
        with pytest.raises(DocumentFolderUnwritable) as caught:
            write_recovery_sheet(sheet(), folder / "recovery.pdf")
    finally:
        (tmp_path / "locked").chmod(0o700)
    assert str(folder) in str(caught.value)


def test_message_in_english(tmp_path: Path) -> None:
    blocker = tmp_path / "prints"
    blocker.write_text("")
    set_language("en")
    try:
        with pytest.raises(DocumentFolderUnwritable) as caught:
            write_recovery_sheet(sheet(), blocker / "sub" / "recovery.pdf")
        text = render(caught.value)
    finally:
        set_language("zh")
    assert str(blocker) in text and "folder" in text.lower()
