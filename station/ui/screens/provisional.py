"""The short mark beside a date counted by the statutory holidays only: its year's
schedule (调休) is not published yet, so the date may still move (docs/clock.md)."""

from __future__ import annotations

from station.i18n import _


def dated(day: str | None, provisional: bool, empty: str = "—") -> str:
    """``day`` as shown, with 暂计 when it depends on an unpublished year."""
    if not day:
        return empty
    return _("{date}（暂计）").format(date=day) if provisional else day
