"""What the CLI and the window call: open the hub database beside this node (or at a
given address), bring the derived case table up to date, and read a report or the
board.  For the admins and auditors of a township or county node."""

from __future__ import annotations

from datetime import date

from station.app import Station
from station.supervision.board_shapes import Board
from station.supervision.figures import MonthlyReport


def monthly(station: Station, month: str, scope: str = "county", code: str | None = None,
            url: str | None = None, today: date | None = None) -> MonthlyReport:
    """The 月通报 for ``month`` ("2026-11") over ``scope`` ("county", "township" or
    "station"; ``code`` names the township or station).  Raises a StationError
    subclass with a Chinese message for a bad month, an unknown code or a scope
    outside this hub."""
    raise NotImplementedError  # being built: station/supervision/monthly.py


def board(station: Station, url: str | None = None, today: date | None = None,
          office: str | None = None, station_code: str | None = None) -> Board:
    """Today's 监察 board, optionally narrowed to one office ("node:office") or one
    filing station."""
    raise NotImplementedError  # being built: station/supervision/board.py
