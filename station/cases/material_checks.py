"""An office's 齐全 verdict on a material, kept against its pages' content addresses.

When an office accepts a case (受理), the materials it found 齐全 are recorded here
page by page (``MaterialCheck``: office, reviewer, day).  A later case that reuses
the same pages (资料共享, ``station.filing.reuse``) shows 已核验（民政办，2026-11-05）;
the reviewer may rely on it or check again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from keys.ca import CHINA_TIME
from station.documents.layout import format_date
from station.i18n import _
from station.store.models import Case, CaseMaterial, MaterialCheck


@dataclass(frozen=True)
class Check:
    """An office found the material 齐全 on that day (``MaterialCheck``)."""

    office: str
    day: str  # ISO date, China time


def china_day(stamp: str) -> date:
    return datetime.fromisoformat(stamp).astimezone(CHINA_TIME).date()


def checks_of(blobs: Iterable[str]) -> tuple[Check, ...]:
    """The offices that found every one of these pages 齐全, each with its latest day."""
    wanted = set(blobs)
    if not wanted:
        return ()
    by_office: dict[str, dict[str, str]] = {}
    for row in MaterialCheck.select().where(MaterialCheck.blob.in_(list(wanted))):
        days = by_office.setdefault(row.office, {})
        days[row.blob] = max(days.get(row.blob, ""), row.checked_on)
    return tuple(Check(office, max(days.values()))
                 for office, days in sorted(by_office.items()) if set(days) == wanted)


def record_checks(case_no: str, office: str, reviewer: str, names: Iterable[str],
                  day: date) -> int:
    """Keep an office's 齐全 verdicts on a case's materials against their pages' content
    addresses (inside the caller's transaction); how many pages."""
    wanted = set(names)
    if not wanted:
        return 0
    case = Case.get(Case.case_no == case_no)
    rows = [{"blob": m.blob, "name": m.name, "office": office, "reviewer": reviewer,
             "checked_on": day.isoformat(), "case_no": case_no}
            for m in CaseMaterial.select().where((CaseMaterial.case == case)
                                                 & CaseMaterial.name.in_(list(wanted)))]
    for row in rows:
        MaterialCheck.insert(**row).execute()
    return len(rows)


def checked_text(checks: Sequence[Check]) -> str:
    """已核验（民政办，2026-11-05）, or 未核验."""
    if not checks:
        return _("未核验")
    return "；".join(_("已核验（{office}，{date}）").format(office=c.office, date=c.day)
                    for c in checks)


@dataclass(frozen=True)
class Source:
    """What a desk shows beside a case's material: where a reused one came from, and
    what offices found of its pages (on this case or any earlier one)."""

    name: str
    reused_from: str | None
    received: date
    checks: tuple[Check, ...]

    def text(self) -> str:
        """复用自办件 …（2026年11月5日 提交）；已核验（民政办，2026-11-05）.  Empty for a
        page handed in with this case that no office has checked yet."""
        if not self.reused_from and not self.checks:
            return ""
        parts = []
        if self.reused_from:
            parts.append(_("复用自办件 {case_no}（{date} 提交）").format(
                case_no=self.reused_from, date=format_date(self.received)))
        parts.append(checked_text(self.checks))
        return "；".join(parts)


def case_sources(case_no: str) -> dict[str, Source]:
    """Each material of a case held here: its source and its 已核验 verdicts."""
    pages: dict[str, list[CaseMaterial]] = {}
    for row in CaseMaterial.select().join(Case).where(Case.case_no == case_no).order_by(
            CaseMaterial.name, CaseMaterial.page):
        pages.setdefault(row.name, []).append(row)
    return {name: Source(name, rows[0].reused_from, china_day(rows[0].received_at),
                         checks_of(r.blob for r in rows))
            for name, rows in pages.items()}
