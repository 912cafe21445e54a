"""Atomic replacement of a small file: the old content or the new, never half.

Write a temp file beside the target, flush and fsync it, ``os.replace`` it over
the target, then fsync the directory so the rename itself survives a power
cut.  Any failure before the rename removes the temp file and leaves the old
target untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def temp_prefix(target: Path) -> str:
    return f".{target.name}."


TEMP_SUFFIX = ".tmp"


def fsync_directory(path: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep_temp_files(target: Path) -> int:
    """Remove temp files an interrupted write of ``target`` left behind.

    They may hold superseded key wraps (say, under a passphrase that was
    changed because it leaked), so they must not linger.
    """
    removed = 0
    for leftover in target.parent.glob(temp_prefix(target) + "*" + TEMP_SUFFIX):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def write_atomic(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically and durably."""
    fd, tmp_name = tempfile.mkstemp(
        prefix=temp_prefix(target), suffix=TEMP_SUFFIX, dir=target.parent
    )
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    fsync_directory(target.parent)
