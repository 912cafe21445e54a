"""station matters, station calendar add: reading the catalogue and calendar."""

from __future__ import annotations

import argparse
from pathlib import Path

from station.cli.context import data_dir, emit, say
from station.errors import DayCountInvalid
from station.i18n import _
from station.paths import DataLayout


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("matters", parents=[common], help=_("事项目录"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_matters)

    cal = sub.add_parser("calendar", parents=[common], help=_("工作日计算"))
    cmds = cal.add_subparsers(dest="calendar_command", required=True, metavar="COMMAND")
    p = cmds.add_parser("add", parents=[common], help=_("某日之后第 N 个工作日"))
    p.add_argument("date", help="YYYY-MM-DD")
    p.add_argument("days")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_calendar_add)


def _published(args: argparse.Namespace, name: str) -> Path | None:
    """A file the county published into this station's data directory, if any."""
    layout = DataLayout(data_dir(args))
    path = layout.catalogue if name == "catalogue" else layout.calendar
    if name == "catalogue":
        return path if path.is_dir() and any(path.glob("*.toml")) else None
    return path if path.exists() else None


def run_matters(args: argparse.Namespace) -> int:
    from forms.catalogue import load_catalogue

    catalogue = load_catalogue(_published(args, "catalogue"))
    items = [m.to_json() for m in catalogue]
    lines = [f"{m.code}  {m.name}  [{m.tier}] {'、'.join(m.offices)}  "
             + _("承诺 {days} 个工作日").format(days=m.promised_days) for m in catalogue]
    emit(args, items, "\n".join(lines))
    return 0


def run_calendar_add(args: argparse.Namespace) -> int:
    from station.clock.calendar import WorkCalendar, parse_date

    start = parse_date(args.date)
    try:
        days = int(args.days)
    except ValueError:
        raise DayCountInvalid(count=args.days) from None
    calendar = WorkCalendar.from_file(_published(args, "calendar"), on_warning=say)
    result = calendar.add_workdays(start, days)
    emit(args, {"date": start.isoformat(), "days": days, "result": result.isoformat()},
         result.isoformat())
    return 0
