"""Write a file so that it is either complete under its name or not there.

The content (a PDF, an exported scan) is written into a hidden temporary file
in the target folder, flushed to disk, then renamed over the final name; a
crash or power cut half way leaves at most the temporary file, never a
truncated file a person would print or open.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from station.errors import DocumentFolderUnwritable
from station.i18n import _

__all__ = ["fsync_directory", "write_atomically"]


def write_atomically(path: Path, render: Callable[[BinaryIO], None]) -> Path:
    """Create ``path``'s folder if needed, let ``render`` write, publish the file."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise _unwritable(folder, error) from error
    part = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            render(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, path)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise _unwritable(folder, error) from error
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    fsync_directory(folder)
    return path


def fsync_directory(folder: Path) -> None:
    # Makes the rename itself durable; folders cannot be opened on Windows.
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _unwritable(folder: Path, error: OSError) -> DocumentFolderUnwritable:
    return DocumentFolderUnwritable(folder=folder, reason=_reason(error))


def _reason(error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM):
        return _("没有写入权限")
    if error.errno == errno.ENOSPC:
        return _("磁盘空间已满")
    if error.errno == errno.EROFS:
        return _("磁盘是只读的")
    if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.EEXIST):
        return _("路径中有同名文件，或者路径不存在")
    if error.errno == errno.EISDIR:
        return _("已有同名文件夹")
    return error.strerror or str(error)
