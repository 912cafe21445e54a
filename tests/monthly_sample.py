"""A 月通报 built by hand, with figures a test can check against what is printed.

The renderers (PDF, Excel, the screen's tables) take a ``MonthlyReport``; these
reports are what the computation would hand them, so their tests need no hub.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from station.supervision.figures import COUNTY, Figures, MonthlyReport, Row, Scope

COUNTY_CODE = "450981000000"
SHILONG = "450981104000"
MADONG = "450981101000"

# 石龙镇: 办结率 45 / (45 + 5) = 90.0 %; 按时办结率 42 / 45 = 93.3 %; 满意率 18 / 20 = 90.0 %
SHILONG_FIGURES = Figures(received=48, decided=45, open_at_end=5, on_time=42, overdue=4,
                          longest_overdue_days=6, average_days=7.25, p90_days=15, instant=3,
                          supplemented=12, withdrawn=1, refused=2, rated_good=18, rated_poor=2,
                          poor_called_on_time=2, poor_fixed_on_time=1)
# 麻垌镇: nothing decided, so its 按时办结率 is "—"
MADONG_FIGURES = Figures(received=3, open_at_end=3)
TOTAL = Figures(received=51, decided=45, open_at_end=8, on_time=42, overdue=4,
                longest_overdue_days=6, average_days=7.25, p90_days=15, instant=3,
                supplemented=12, withdrawn=1, refused=2, rated_good=18, rated_poor=2,
                poor_called_on_time=2, poor_fixed_on_time=1)


def figures(decided: int, on_time: int, received: int | None = None) -> Figures:
    return Figures(received=decided if received is None else received, decided=decided,
                   on_time=on_time, overdue=decided - on_time,
                   average_days=5.0 if decided else None)


def sample_report(stations: int = 4, month: str = "2026-11",
                  provisional: bool = False) -> MonthlyReport:
    """桂平市, November 2026: two townships, ``stations`` villages, three offices,
    three matters and twelve months of trend."""
    station_rows = [Row(f"4509811040{i:02d}", f"石龙镇 示范{i}村", figures(10 + i, 10 + i - i % 4))
                    for i in range(1, stations + 1)]
    trend = [(f"{2025 + (m > 0)}-{(m - 1) % 12 + 1:02d}",
              Figures(received=20 + 3 * m, decided=15 + 3 * m)) for m in range(0, 12)]
    trend[-1] = (month, TOTAL)
    return MonthlyReport(
        month=month, scope=Scope(COUNTY, COUNTY_CODE, "桂平市"),
        first_day=date(2026, 11, 1), last_day=date(2026, 11, 30), as_of=date(2026, 11, 30),
        made_at=datetime(2026, 12, 1, 8, 30, tzinfo=UTC), total=TOTAL,
        townships=[Row(SHILONG, "石龙镇", SHILONG_FIGURES), Row(MADONG, "麻垌镇", MADONG_FIGURES)],
        stations=station_rows,
        offices=[Row(f"{SHILONG}:mz", "石龙镇 民政办", figures(30, 29)),
                 Row(f"{SHILONG}:nn", "石龙镇 农业农村办", figures(10, 8)),
                 Row(f"{COUNTY_CODE}:mz", "桂平市民政局", figures(5, 5)),
                 Row(f"{MADONG}:sb", "麻垌镇 社保所", Figures(received=3, open_at_end=3))],
        matters=[Row("450981-DB-001", "最低生活保障申请", figures(20, 18)),
                 Row("450981-GL-001", "高龄津贴申领", figures(22, 22)),
                 Row("450981-CL-001", "困难残疾人生活补贴和重度残疾人护理补贴申请",
                     figures(3, 2))],
        trend=trend, provisional=provisional)
