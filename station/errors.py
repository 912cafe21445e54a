"""Errors of the station: store, filing, documents, command line.

StationError                 any problem the station reports; the root
├── NotInitialised           no station in the data directory
├── AlreadyInitialised       init over an existing station
├── InvalidNodeCode          node code not 12 digits or not matching the tier
├── PassphraseNeeded         no passphrase given and no terminal to ask on
├── StoreTooNew              data written by a newer program version
├── StoreCorrupt             a stored record fails to decrypt or check
├── CaseNotFound             no case with that number
├── MaterialProblem          a material file is missing, empty or unknown
├── DocumentError            a PDF cannot be written (font, folder)
└── CalendarError            a date or day count cannot be understood

Each docstring is the message a person reads (Chinese, the source language of
the message catalogue); ``{name}`` placeholders are filled from the keyword
arguments given when raising. ``exit_code`` is the command's exit status
(documented in README.md).
"""

from __future__ import annotations


class StationError(Exception):
    """办理出错。"""

    exit_code = 1

    def __init__(self, **params: object) -> None:
        super().__init__(params)
        self.params = params

    def __str__(self) -> str:
        return (self.__doc__ or "").strip().format_map(self.params)
