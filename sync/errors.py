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
