"""Documents a station prints, as PDF files (reportlab).

- ``receipt``  收件凭证 — receipt given when a case is filed
- ``notice``   补齐补正告知书 — one-time notice of everything missing
- ``recovery`` 恢复密钥单 — the recovery key sheet printed at setup

Shared parts: ``fonts`` (the embedded Chinese font), ``layout`` (styles,
tables, QR codes), ``pdf`` (A4 page and footer), ``atomic`` (crash-safe
writing).  Every writer returns the path it wrote; errors are
``DocumentError`` subclasses from ``station.errors``.
"""

from station.documents.notice import MissingItem, NoticeInfo, write_notice
from station.documents.receipt import ReceiptInfo, write_receipt
from station.documents.recovery import RecoverySheetInfo, write_recovery_sheet

__all__ = [
    "MissingItem",
    "NoticeInfo",
    "ReceiptInfo",
    "RecoverySheetInfo",
    "write_notice",
    "write_receipt",
    "write_recovery_sheet",
]
