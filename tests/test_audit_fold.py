"""The sync log's empty polls fold into one row per station and hour (审计 → 同步日志)."""

from __future__ import annotations

from station.hubops.audit import POLL, SessionRow, fold_empty_polls


def row(at: str, peer: str, events_in: int = 0, result: str = "ok") -> SessionRow:
    return SessionRow(at, peer, "", "up" if events_in else "down", events_in, 0, 0, 100, 50,
                      20, 2, result, None if result == "ok" else "x")


def test_empty_polls_fold_per_station_and_hour_and_nothing_else_does() -> None:
    rows = [row("2026-12-06T09:58:00", "A"), row("2026-12-06T09:40:00", "A"),
            row("2026-12-06T09:30:00", "A", events_in=3), row("2026-12-06T09:20:00", "B"),
            row("2026-12-06T09:10:00", "A", result="error"), row("2026-12-06T08:59:00", "A")]
    folded = fold_empty_polls(rows)
    assert [(r.started_at, r.peer, r.direction, r.requests) for r in folded] == [
        ("2026-12-06T09:58:00", "A", POLL, 2),  # 09:58 and 09:40, newest first
        ("2026-12-06T09:30:00", "A", "up", 2),  # moved events: kept as it was
        ("2026-12-06T09:20:00", "B", POLL, 1),  # another station
        ("2026-12-06T09:10:00", "A", "down", 2),  # a failure is never folded
        ("2026-12-06T08:59:00", "A", POLL, 1)]  # another hour
    assert folded[0].bytes_in == 200 and folded[0].duration_ms == 40
    assert fold_empty_polls([]) == []
