"""How sync status reads, the same in the status bar and on the 同步 screen."""

from __future__ import annotations

from datetime import datetime

from station.i18n import _
from station.network.sync_worker import FAILED, SYNCING, UNCONFIGURED, SyncStatus
from station.outbox import local_time


def pending_text(status: SyncStatus | None) -> str:
    if status is None:
        return _("待上报 … 条")
    return _("待上报 {count} 条").format(count=status.pending)


def last_success_text(status: SyncStatus | None) -> str:
    if status is None or not status.last_success:
        return _("上次成功同步：尚无")
    return _("上次成功同步：{time}").format(time=local_time(status.last_success))


def count_text(status: SyncStatus | None) -> str:
    return "…" if status is None else _("{count} 条").format(count=status.pending)


def success_time(status: SyncStatus | None) -> str:
    if status is None or not status.last_success:
        return _("尚无")
    return local_time(status.last_success)


def state_text(status: SyncStatus | None) -> str:
    if status is None:
        return _("正在读取同步状态…")
    if status.state == SYNCING:
        return _("正在同步…")
    if status.state == UNCONFIGURED:
        return _("未设置枢纽站地址，暂不同步")
    if status.state == FAILED:
        return _("同步失败（连续 {count} 次），{time} 自动重试").format(
            count=status.failures, time=clock_time(status.next_attempt))
    return _("同步正常，下次同步 {time}").format(time=clock_time(status.next_attempt))


def clock_time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return datetime.fromtimestamp(seconds).strftime("%H:%M:%S")


def size_text(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / 1024 / 1024:.1f} MB"


def upload_text(done: int, total: int) -> str:
    if not total:
        return _("没有正在上传的材料")
    return _("上传材料 {done} / {total}").format(done=size_text(done), total=size_text(total))
