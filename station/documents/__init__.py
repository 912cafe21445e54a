"""Documents a station prints, as PDF files (reportlab).

- ``receipt``  收件凭证 — receipt given when a case is filed
- ``notice``   补齐补正告知书 — one-time notice of everything missing
- ``recovery`` 恢复密钥单 — the recovery key sheet printed at setup

Shared parts: ``fonts`` (the embedded Chinese font), ``layout`` (styles,
tables, QR codes), ``pdf`` (A4 page and footer), ``atomic`` (crash-safe
writing).  Every writer returns the path it wrote; errors are
``DocumentError`` subclasses from ``station.errors``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from station.documents.notice import MissingItem, NoticeInfo, write_notice
    from station.documents.receipt import ReceiptInfo, write_receipt
    from station.documents.recovery import RecoverySheetInfo, write_recovery_sheet

# Loaded on first use (PEP 562): importing one writer, or the package for a
# command that prints nothing, must not load every writer and its libraries
# (the notice's signature field needs pyhanko; tests/test_cli_start.py).
_WHERE = {
    "MissingItem": "notice", "NoticeInfo": "notice", "write_notice": "notice",
    "ReceiptInfo": "receipt", "write_receipt": "receipt",
    "RecoverySheetInfo": "recovery", "write_recovery_sheet": "recovery",
}

__all__ = [
    "MissingItem",
    "NoticeInfo",
    "ReceiptInfo",
    "RecoverySheetInfo",
    "write_notice",
    "write_receipt",
    "write_recovery_sheet",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
