"""Errors of a station's backup and restore.

BackupError                      the root (a StationError)
├── BackupNotWritten             the backup file cannot be written there
├── BackupFolderMissing          the daily copy's folder is not there (a USB stick out)
├── BackupSourceDamaged          a scan the store refers to is missing: no backup made
├── StoreNotIntact               the store's snapshot fails its integrity check
├── StationBusy                  the vault kept changing while the copy was taken
├── NotABackup                   the file is not a station backup at all
├── BackupTooNew                 written by a newer program
├── BackupDamaged                the body does not authenticate or does not check
│   └── BackupTruncated          the file surely ends early (cut at a piece's end)
├── RestoreTargetHasStation      the folder already holds a station: never overwritten
├── RestoreTargetNotEmpty        the folder holds other files
└── RestoreNotWritten            the restored station cannot be put in place

Each docstring is the message the agent reads.  A wrong passphrase or recovery key
is the vault's own error (``keys.errors``).
"""

from __future__ import annotations

from station.errors import StationError


class BackupError(StationError):
    """备份或恢复没有完成。"""

    exit_code = 1


class BackupNotWritten(BackupError):
    """无法写入备份文件 {path}：{reason}。请换一个有空间、可写入的位置。"""

    exit_code = 1


class BackupFolderMissing(BackupError):
    """找不到备份文件夹 {folder}：U 盘可能没有插好。插好后程序会自动再备份。"""

    exit_code = 5


class BackupSourceDamaged(BackupError):
    """本站有 {count} 份扫描件文件找不到，备份没有完成。请联系县级管理员。"""

    exit_code = 6


class StoreNotIntact(BackupError):
    """本站数据库检查没有通过，备份没有完成。请停止在这台电脑上办件，并联系县级管理员。"""

    exit_code = 6


class StationBusy(BackupError):
    """本站的口令或用户正在变动，备份没有完成。请稍后再备份一次。"""

    exit_code = 1


class NotABackup(BackupError):
    """文件 {path} 不是便民站的站点备份，请确认选对了文件。什么都没有写入。"""

    exit_code = 4


class BackupTooNew(BackupError):
    """备份文件 {path} 由更新版本的程序写入（格式 {found}，本程序支持到 {supported}），请先升级程序再恢复。什么都没有写入。"""  # noqa: E501

    exit_code = 6


class BackupDamaged(BackupError):
    """备份文件 {path} 已损坏、被改动或不完整，不能恢复，什么都没有写入。请换一份备份（例如前一天的）。"""  # noqa: E501

    exit_code = 6


class BackupTruncated(BackupDamaged):
    """备份文件 {path} 不完整（可能没有复制完），不能恢复，什么都没有写入。请换一份完整的备份。"""

    exit_code = 6


class RestoreTargetHasStation(BackupError):
    """文件夹 {path} 中已经有一个站点：恢复不会覆盖它，什么都没有改动。请在新电脑上恢复，或选一个空文件夹。"""  # noqa: E501

    exit_code = 1


class RestoreTargetNotEmpty(BackupError):
    """文件夹 {path} 不是空的：请选一个空文件夹来恢复站点。什么都没有改动。"""

    exit_code = 1


class RestoreNotWritten(BackupError):
    """无法在 {path} 恢复站点：{reason}。什么都没有改动，请换一个有空间、可写入的位置。"""

    exit_code = 1
