"""Errors of the sync network.

SyncError        any problem while syncing; the root of this package

Each docstring is the message a person reads (Chinese, the source language of
the message catalogue); ``{name}`` placeholders are filled from the keyword
arguments given when raising.
"""

from __future__ import annotations


class SyncError(Exception):
    """同步出错。"""

    def __init__(self, **params: object) -> None:
        super().__init__(params)
        self.params = params

    def __str__(self) -> str:
        return (self.__doc__ or "").strip().format_map(self.params)


class ClockSkew(SyncError):
    """站点 {node} 的时钟比本站快约 {skew_hours} 小时，未采用其时间；请检查两站的日期和时间。"""


class EnvelopeMalformed(SyncError):
    """收到的事件数据格式不正确（{reason}），已拒收。"""


class ReceiptMismatch(SyncError):
    """枢纽站对站点 {node} 第 {seq} 条事件的回执与本站记录不符，未更新发送进度。"""


class ReceiptGoesBack(ReceiptMismatch):
    """枢纽站回执只确认到站点 {node} 第 {seq} 条事件，早于已确认的第 {acked} 条，未更新进度。"""


class ReceiptUnknownHead(ReceiptMismatch):
    """枢纽站回执所指站点 {node} 第 {seq} 条事件（摘要 {digest}）并非本站所发，未更新进度。"""


class OutboxGap(SyncError):
    """站点 {node} 的待发事件不连续：应为第 {expected} 条，却是第 {found} 条，暂停发送。"""


class UploadOffsetInvalid(SyncError):
    """材料续传位置 {offset} 不在 0 到材料大小 {size} 字节之间，请重新开始上传。"""
