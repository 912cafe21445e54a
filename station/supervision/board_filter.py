"""The 监察 screen's filters, pure: which of the board's cases (and late follow-ups) an
office, a station and a light leave in view.  An empty choice lets everything through."""

from __future__ import annotations

from dataclasses import dataclass

from station.supervision.board_shapes import BoardCase, LateFollowUp


@dataclass(frozen=True)
class BoardFilter:
    office: str = ""  # "node:office", or "" for every office
    station: str = ""  # a filing station's node code, or ""
    light: str = ""  # RED, YELLOW or ""

    @property
    def narrowed(self) -> bool:
        return bool(self.office or self.station or self.light)

    def cases(self, cases: list[BoardCase]) -> list[BoardCase]:
        return [c for c in cases if (not self.office or c.office == self.office)
                and (not self.station or c.station == self.station)
                and (not self.light or c.light == self.light)]

    def followups(self, followups: list[LateFollowUp]) -> list[LateFollowUp]:
        """Follow-ups of the office chosen, of cases filed at the station chosen."""
        return [f for f in followups if (not self.office or f.office == self.office)
                and (not self.station or f.case_no.startswith(self.station + "-"))]
